package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/pgtemp"
)

type demoOptions struct {
	participants int
	seed         int64
	speed        float64
	attachURL    string // a running `vika sim` or Asterisk instead of a simulator of our own
	script       string // non-interactive: "165 1 3507014501900003# 01071985 h"
	caller       string
	mute         bool
	now          string // RFC 3339: the demo's clock starts at this instant (bills, due dates, opening hours)
}

func newDemoCmd(a *app) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The IVR end to end on one machine, with no Asterisk, and a phone in this terminal",
		Long: `Demo starts a throwaway PostgreSQL (or uses DATABASE_URL), migrates and seeds it, starts the simulated
Asterisk (routing with asterisk-conf/extensions.conf, playing prompts for as long as their audio lasts) and runs the
same app as 'vika serve' against it. Then you dial 165 or 021165, press keys, and see each prompt's Indonesian text
as it plays (and hear it where aplay, paplay or sox's play exists).

--script runs one call without a terminal: words separated by spaces; the first is the number to dial, each other
word is keys pressed once the line falls silent ('h' hangs up). Example:
  vika demo --script "165 1 3501180311800001# 03111980"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedAdmin); err != nil {
				return err
			}
			// Before anything starts: a blank script would otherwise be found out after PostgreSQL and the seed.
			if cmd.Flags().Changed("script") && strings.TrimSpace(o.script) == "" {
				return &ConfigError{Key: "--script", What: `empty (expected e.g. "165 1 3507014501900003# 01071985")`}
			}
			return runDemo(cmd.Context(), a, o, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.participants, "participants", 20000, "synthetic participants to seed")
	f.Int64Var(&o.seed, "seed", 1, "seed of the synthetic data (same seed, same people)")
	f.Float64Var(&o.speed, "speed", 1, "simulated Asterisk speed: 1 is real time")
	f.StringVar(&o.attachURL, "ari-url", "", "attach to a running ARI server (vika sim or Asterisk) instead of starting one; credentials from ari.user/ari.password")
	f.StringVar(&o.script, "script", "", "run one scripted call and exit (see above)")
	f.StringVar(&o.caller, "caller", "081234567890", "the caller's number")
	f.BoolVar(&o.mute, "mute", false, "do not play audio even if a player exists")
	f.StringVar(&o.now, "now", "", "start the demo's clock at this RFC 3339 instant (e.g. 2026-11-01T00:30:00+07:00): "+
		"the seeded bills, this month and the due dates follow it; the clock then runs on")
	return cmd
}

func runDemo(ctx context.Context, a *app, o demoOptions, in io.Reader, out io.Writer) error {
	if err := setDemoClock(a, o.now); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.cfg.Database.URL == "" {
		fmt.Fprintln(out, "starting a throwaway PostgreSQL (set DATABASE_URL to use your own)...")
		pg, err := pgtemp.Start(ctx)
		if err != nil {
			return err
		}
		defer pg.Stop()
		a.cfg.Database.URL = pg.URL
	}
	if err := a.need(NeedDatabase); err != nil {
		return err
	}
	logQuiet(a)
	if a.cfg.CallLog.HashKey == "" {
		// The demo's own key, shared by its app and its console, so a demo call can be found by the NIK keyed in;
		// nothing outlives the demo, so serve's warning about an empty key would mean nothing here.
		a.cfg.CallLog.HashKey = randomPassword()
	}
	if err := seedDemo(ctx, a, o, out); err != nil {
		return err
	}
	defer startDemoConsole(ctx, a, out)()

	if o.attachURL == "" {
		a.speed = o.speed
	}
	ac, stopSim, err := demoARI(a, o, out)
	if err != nil {
		return err
	}
	defer stopSim()

	served := make(chan error, 1)
	go func() { served <- runServe(ctx, a, ac, 10*time.Second) }()

	ph, err := connectPhone(ctx, ac, served)
	if err != nil {
		return err
	}
	defer ph.Close()

	t := &terminalPhone{ph: ph, out: out, caller: o.caller, sounds: a.cfg.Prompts.Dir, audio: !o.mute && o.script == ""}
	if o.script != "" {
		err = t.runScript(ctx, o.script, o.speed)
	} else {
		err = t.runInteractive(ctx, in)
	}
	cancel()
	if serr := <-served; serr != nil && !errors.Is(serr, context.Canceled) && err == nil {
		err = serr
	}
	return err
}

// setDemoClock makes the app's clock start at --now (RFC 3339) and run on from there, for the demo only: serve
// always runs on the real clock.
func setDemoClock(a *app, now string) error {
	if now == "" {
		return nil
	}
	start, err := time.Parse(time.RFC3339, now)
	if err != nil {
		return &ConfigError{Key: "--now", What: fmt.Sprintf("%q is not an RFC 3339 time (expected e.g. 2026-11-01T00:30:00+07:00)", now)}
	}
	// The instant only: read in the server's own zone, as time.Now would be, so --now tests what serve does with it.
	origin := time.Now()
	a.now = func() time.Time { return start.Add(time.Since(origin)).Local() }
	return nil
}

func seedDemo(ctx context.Context, a *app, o demoOptions, out io.Writer) error {
	st, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	rep, err := store.Seed(ctx, st.Pool(), store.SeedOptions{Participants: o.participants, Seed: o.seed, Now: a.now()})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return printSeedReport(out, rep, time.Since(start))
}

// demoARI starts the simulated Asterisk (or points at the running one the user named) and returns where the app
// and the phone reach it.
func demoARI(a *app, o demoOptions, out io.Writer) (ARIConfig, func(), error) {
	if o.attachURL != "" {
		ac := a.cfg.ARI
		ac.URL, ac.WSURL = o.attachURL, ""
		return ac, func() {}, nil
	}
	if err := a.need(NeedSim); err != nil {
		return ARIConfig{}, nil, err
	}
	pw := randomPassword()
	opts := asterisksim.Options{Speed: o.speed, Users: map[string]string{"vika": pw}, SessionLimit: a.cfg.Sim.SessionLimit}
	cleanup, err := simFiles(a.cfg, &opts)
	if err != nil {
		return ARIConfig{}, nil, err
	}
	sim, err := asterisksim.New(opts)
	if err != nil {
		cleanup()
		return ARIConfig{}, nil, fmt.Errorf("simulated Asterisk: %w", err)
	}
	fmt.Fprintf(out, "\nsimulated Asterisk: ARI %s (user vika), sounds %s\n", sim.URL(), filepath.Join(opts.Sounds, "id", "vika"))
	ac := ARIConfig{URL: sim.URL(), User: "vika", Password: pw, App: a.cfg.ARI.App}
	return ac, func() { sim.Close(); cleanup() }, nil
}

// connectPhone waits for the app to take calls (or fail) before connecting the terminal's phone.
func connectPhone(ctx context.Context, ac ARIConfig, served <-chan error) (*phone.Phone, error) {
	// The callers' REST requests on a bounded pool too (aripool.go): with the app's ari.max_conns (50) and the two
	// WebSockets they stay under Asterisk's default sessionlimit of 100, which the simulator enforces.
	return connectPhoneAs(ctx, ac, served, phone.Options{App: "demo-phone", HTTPClient: ariHTTPClient(phoneARIConns, 0)})
}

// connectPhoneAs connects a phone with opts on ac's server once ac.App has registered there (or fails when the app
// ended first). A bill readout in real time runs past the phone's default 30 s wait for the next prompt; a load
// test's call has its own deadline, which bounds every wait sooner.
func connectPhoneAs(ctx context.Context, ac ARIConfig, served <-chan error, opts phone.Options) (*phone.Phone, error) {
	if err := awaitApp(ctx, ac, served); err != nil {
		return nil, err
	}
	opts.URL, opts.User, opts.Password, opts.Timeout = ac.URL, ac.User, ac.Password, 3*time.Minute
	return phone.Connect(ctx, opts)
}

// awaitApp waits until ac.App has its events WebSocket on the ARI server, or the app ended first.
func awaitApp(ctx context.Context, ac ARIConfig, served <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-served:
			return fmt.Errorf("the app did not start: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if appRegistered(ctx, ac) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the app %q did not register with ARI within 15s", ac.App)
		}
	}
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// logQuiet keeps the demo's terminal for the phone: app logs go to stderr at warn and above unless asked otherwise.
func logQuiet(a *app) {
	if a.cfg.Log.Level == "info" {
		a.log = a.log.WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	}
}
