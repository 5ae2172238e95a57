package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/console"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
)

func newConsoleCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Serve the supervisors' web console on console.addr",
		Long: `Console serves the supervisors' web console against the call log in database.url: search calls (by
caller or by the NIK/card keyed in, through calllog.hash_key), open one, hear what the caller heard, watch calls in
progress, and read the line at a glance. Users sign in (vika users add NAME --role supervisor|admin).

HTTPS: set console.tls_cert and console.tls_key (PEM files) and the console serves TLS itself, with Secure
cookies. Behind a TLS-terminating proxy, serve plain HTTP on a private address and set console.secure_cookies=true
(the browser talks HTTPS to the proxy) and console.trust_proxy=true (client addresses from X-Forwarded-For).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedDatabase, NeedConsole); err != nil {
				return err
			}
			return runConsole(cmd.Context(), a, cmd.OutOrStdout())
		},
	}
	cmd.Flags().String("addr", "", "listen address (console.addr)")
	a.bindFlag(cmd.Flags().Lookup("addr"), "console.addr")
	return cmd
}

func (c *Config) validateConsole() error {
	if err := hostPort("console.addr", c.Console.Addr); err != nil {
		return err
	}
	if (c.Console.TLSCert == "") != (c.Console.TLSKey == "") {
		return badKey("console.tls_cert", "console.tls_cert and console.tls_key go together (both PEM files, or neither)")
	}
	if c.Console.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(c.Console.TLSCert, c.Console.TLSKey); err != nil {
			return badKey("console.tls_cert", "cannot load the certificate and key: %v", err)
		}
	}
	if c.Console.IdleTimeout < time.Minute || c.Console.IdleTimeout > 24*time.Hour {
		return badKey("console.idle_timeout", "%s is out of range (expected 1m..24h)", c.Console.IdleTimeout)
	}
	if c.Console.MaxSession < c.Console.IdleTimeout || c.Console.MaxSession > 30*24*time.Hour {
		return badKey("console.max_session", "%s is out of range (expected at least console.idle_timeout, at most 720h)", c.Console.MaxSession)
	}
	if c.CallLog.HashKey == "" {
		return badKey("calllog.hash_key", "missing: the console finds calls by number through the key vika serve logs them with")
	}
	return nil
}

// newConsoleServer builds the console over st with the configuration's settings.
func newConsoleServer(a *app, st *store.Store) (*console.Server, error) {
	loc, err := time.LoadLocation(a.cfg.Flow.Timezone)
	if err != nil {
		return nil, badKey("flow.timezone", "%v", err)
	}
	c := a.cfg.Console
	return console.New(console.Options{
		Data: st, Sounds: soundsFS(a.cfg), Lang: prompts.Language, HashKey: []byte(a.cfg.CallLog.HashKey),
		Secure: c.Secure || c.TLSCert != "", TrustProxy: c.TrustProxy,
		IdleTimeout: c.IdleTimeout, MaxSession: c.MaxSession, Location: loc, Log: a.log.Named("console"),
	})
}

func runConsole(ctx context.Context, a *app, out io.Writer) error {
	st, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	url, stop, err := startConsole(ctx, a, st)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "console: %s\n", url)
	<-ctx.Done()
	return nil
}

// startConsole listens on console.addr and serves the console until stop; it returns the URL to open.
func startConsole(ctx context.Context, a *app, st *store.Store) (string, func(), error) {
	srv, err := newConsoleServer(a, st)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", a.cfg.Console.Addr)
	if err != nil {
		return "", nil, &ConfigError{Key: "console.addr", What: err.Error()}
	}
	scheme := "http"
	if a.cfg.Console.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.cfg.Console.TLSCert, a.cfg.Console.TLSKey)
		if err != nil {
			ln.Close()
			return "", nil, badKey("console.tls_cert", "%v", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"h2", "http/1.1"}})
		scheme = "https"
	}
	// No WriteTimeout: the Live page's event stream stays open; it sets its own write deadlines.
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	log := a.log.Named("console")
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("console server stopped", zap.Error(err))
		}
	}()
	ectx, stopExpiry := context.WithCancel(ctx)
	go expireSessions(ectx, srv, log)
	url := scheme + "://" + ln.Addr().String() + "/"
	log.Info("console up", zap.String("url", url))
	return url, func() {
		stopExpiry()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			_ = hs.Close() // event streams outlast a graceful shutdown
		}
	}, nil
}

func expireSessions(ctx context.Context, srv *console.Server, log *zap.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if err := srv.ExpireSessions(ctx); err != nil && ctx.Err() == nil {
			log.Warn("expired console sessions not removed", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// startDemoConsole serves the console for `vika demo`, with an admin "demo" whose password is made up now, and
// prints where to sign in. The demo goes on without it when it cannot start (say, console.addr is taken).
func startDemoConsole(ctx context.Context, a *app, out io.Writer) func() {
	if a.cfg.CallLog.HashKey == "" {
		// The IVR and the console must hash numbers with the same key for a NIK search to find the demo's calls.
		a.cfg.CallLog.HashKey = randomPassword()
	}
	fail := func(err error) func() {
		fmt.Fprintf(out, "console not started: %v\n", err)
		return func() {}
	}
	if err := a.need(NeedConsole); err != nil {
		return fail(err)
	}
	st, err := store.Open(ctx, poolURL(a.cfg.Database))
	if err != nil {
		return fail(err)
	}
	password := randomPassword()
	if err := setUser(ctx, st, "demo", console.RoleAdmin, password); err != nil {
		st.Close()
		return fail(err)
	}
	url, stop, err := startConsole(ctx, a, st)
	if err != nil {
		st.Close()
		return fail(err)
	}
	fmt.Fprintf(out, "\nsupervisors' console: %s  (sign in as demo / %s)\n", url, password)
	return func() { stop(); st.Close() }
}

// setUser adds a user, or sets the password (and role-independent re-enable) of one that exists.
func setUser(ctx context.Context, st *store.Store, name, role, password string) error {
	hash, err := console.HashPassword(password)
	if err != nil {
		return err
	}
	err = st.AddConsoleUser(ctx, name, role, hash)
	if errors.Is(err, store.ErrUserExists) {
		return st.SetConsolePassword(ctx, name, hash)
	}
	return err
}
