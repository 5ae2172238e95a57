package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/asterisksim"
)

func newSimCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the simulated Asterisk as an ARI server any ARI client can use",
		Long: `Sim serves the simulated Asterisk on sim.addr (default 127.0.0.1:8088) under /ari, as Asterisk's ARI does:
REST, the /ari/events WebSocket and /ari/api-docs for swagger clients. Calls are Local channels originated over
ARI (POST /ari/channels?endpoint=Local/165@from-mobile&app=yourdriver), routed with sim.extensions
(asterisk-conf/extensions.conf) into Stasis(...); playbacks last as long as the WAVs in prompts.dir
(<dir>/<lang>/<path>.wav). With no sim.password a random one is generated and printed. SIGINT/SIGTERM stops it.

  vika sim --addr 127.0.0.1:18088 --password secret --speed 20
  vika demo --ari-url http://127.0.0.1:18088/ari     # with VIKA_ARI_PASSWORD=secret`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedSim); err != nil {
				return err
			}
			return runSim(cmd.Context(), a, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.String("addr", "", "listen address (sim.addr)")
	f.String("user", "", "ARI user (sim.user)")
	f.String("password", "", "ARI password (sim.password; empty generates one)")
	f.String("speed", "", "1 is real time; 20 plays prompts, DTMF and Wait() 20x faster (sim.speed)")
	f.String("extensions", "", "extensions.conf to route with (sim.extensions)")
	f.String("session-limit", "", "HTTP connections served at once, as http.conf's sessionlimit (sim.session_limit, default 100)")
	f.String("sounds", "", "sounds directory, <dir>/<lang>/vika/*.wav (prompts.dir)")
	a.bindFlag(f.Lookup("addr"), "sim.addr")
	a.bindFlag(f.Lookup("user"), "sim.user")
	a.bindFlag(f.Lookup("password"), "sim.password")
	a.bindFlag(f.Lookup("speed"), "sim.speed")
	a.bindFlag(f.Lookup("extensions"), "sim.extensions")
	a.bindFlag(f.Lookup("session-limit"), "sim.session_limit")
	a.bindFlag(f.Lookup("sounds"), "prompts.dir")
	return cmd
}

// runSim serves until ctx ends (the signal), then closes the simulator, which returns once every call timer,
// WebSocket and goroutine it started is gone.
func runSim(ctx context.Context, a *app, out io.Writer) error {
	c := a.cfg.Sim
	pw := c.Password
	if pw == "" {
		pw = randomPassword()
	}
	log := a.log.Named("sim")
	opts := asterisksim.Options{
		Addr:         c.Addr,
		Speed:        c.Speed,
		Users:        map[string]string{c.User: pw},
		SessionLimit: c.SessionLimit,
		// One debug line per request; the check keeps the formatting off the hot path when debug is off.
		Logf: func(format string, args ...any) {
			if strings.HasPrefix(format, "HTTP session") { // a session refused over the limit: a warning, as in Asterisk
				log.Warn(fmt.Sprintf(format, args...))
				return
			}
			if log.Core().Enabled(zap.DebugLevel) {
				log.Debug(fmt.Sprintf(format, args...))
			}
		},
	}
	// Outside a checkout the default paths do not exist: the dialplan and prompts built into the binary serve, as
	// for vika demo.
	cleanup, err := simFiles(a.cfg, &opts)
	if err != nil {
		return err
	}
	defer cleanup()
	sim, err := asterisksim.New(opts)
	if err != nil {
		return fmt.Errorf("simulated Asterisk: %w", err)
	}
	defer sim.Close()
	dialplan := opts.Extensions
	if dialplan == "" {
		dialplan = "built-in asterisk-conf/extensions.conf"
	}
	fmt.Fprintf(out, "simulated Asterisk listening\n  ARI       %s\n  events    %s?app=<name>\n  user      %s\n  password  %s\n"+
		"  dialplan  %s\n  sounds    %s\n  speed     %gx\n", sim.URL(), sim.WebsocketURL(), c.User, pw, dialplan,
		filepath.Join(opts.Sounds, "<lang>"), c.Speed)
	log.Info("simulated Asterisk started", zap.String("url", sim.URL()), zap.String("user", c.User), zap.Float64("speed", c.Speed))
	<-ctx.Done()
	log.Info("simulated Asterisk stopping")
	return nil
}
