package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // Asia/Jakarta must load on a server or container without a zoneinfo database

	"github.com/CyCoreSystems/ari/v5"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/admin"
	"github.com/vika-jkn/vika/ivr"
	"github.com/vika-jkn/vika/metrics"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
)

func newServeCmd(a *app) *cobra.Command {
	var connectTimeout time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Attach to Asterisk's ARI and run the Stasis app; serve /healthz, /readyz and /metrics",
		Long: `Serve connects to the Asterisk at ari.url as the Stasis application ari.app and answers every call the
dialplan hands to it (asterisk-conf/extensions.conf: Stasis(vika,mobile) for 165, Stasis(vika,landline) for 021165).
At start it applies pending database migrations, checks that Asterisk has every prompt (prompts.check) and refuses to
run with a wrong setting. On SIGINT/SIGTERM it drains: /readyz turns unready, new calls go to the dialplan's
fallback (vika-fallback: service-unavailable, then the agents), calls in progress may finish within
--drain-timeout and are then hung up; then it closes its ARI event sockets (Asterisk's dialplan takes every later
call itself) and flushes the call log before it exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.need(NeedARI, NeedDatabase, NeedAdmin); err != nil {
				return err
			}
			return runServe(cmd.Context(), a, a.cfg.ARI, connectTimeout)
		},
	}
	f := cmd.Flags()
	f.String("ari-url", "", "Asterisk ARI base URL (ari.url)")
	f.String("ari-user", "", "ARI user (ari.user)")
	f.String("ari-app", "", "Stasis application name (ari.app)")
	f.String("admin-addr", "", "health/metrics listen address (admin.addr)")
	f.DurationVar(&connectTimeout, "connect-timeout", 30*time.Second, "how long to wait for Asterisk at start")
	f.DurationVar(&a.drain, "drain-timeout", 3*time.Minute, "on SIGTERM, how long calls in progress may go on before they are hung up")
	a.bindFlag(f.Lookup("ari-url"), "ari.url")
	a.bindFlag(f.Lookup("ari-user"), "ari.user")
	a.bindFlag(f.Lookup("ari-app"), "ari.app")
	a.bindFlag(f.Lookup("admin-addr"), "admin.addr")
	return cmd
}

// runServe runs the IVR against the ARI server in ac until ctx ends. The demo runs the same function against the
// simulated Asterisk, so what the demo shows is what serve does.
func runServe(ctx context.Context, a *app, ac ARIConfig, connectTimeout time.Duration) error {
	log := a.log
	flow, err := loadFlow(a.cfg)
	if err != nil {
		return err
	}
	if a.speed > 0 && a.speed != 1 {
		// The database is not faster because the simulator is: its deadline stays as configured.
		deadline := flow.Lookup.Deadline
		flow = flow.Scaled(1 / a.speed)
		flow.Lookup.Deadline = deadline
	}
	st, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	dir, dirMetrics, closeDir, err := openDirectory(ctx, a, st)
	if err != nil {
		return err
	}
	defer closeDir()

	hashKey := []byte(a.cfg.CallLog.HashKey)
	if len(hashKey) == 0 {
		log.Warn("calllog.hash_key is empty: identity hashes use a random key and cannot be searched after a restart")
	}
	spool, err := openSpool(a.cfg.CallLog)
	if err != nil {
		return err
	}
	callLog := store.NewCallLog(st.Pool(), log.Named("calllog"), store.CallLogOptions{SpillPath: spool,
		SpillMaxBytes: int64(a.cfg.CallLog.SpoolMaxMB) << 20, HashKey: hashKey})
	// Closed once no call can reach the apps any more (runUntilDrained), and here on an early return.
	closeCallLog := sync.OnceFunc(func() {
		fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := callLog.Close(fctx); err != nil {
			log.Error("call log not fully flushed", zap.Error(err))
		}
	})
	defer closeCallLog()

	clock, err := jakartaClock(a)
	if err != nil {
		return err
	}
	opts := []ivr.Option{ivr.WithNotFound(store.ErrNotFound), ivr.WithClock(clock)}
	// One limiter for every node: a caller who fails on one node must not start afresh on the next.
	var limiter ivr.CallerLimiter = ivr.NewMemoryLimiter(flow.Limits.FailedPerCaller, flow.Limits.CallerWindow)
	if len(hashKey) > 0 {
		// With a configured key, failed tries per caller number are counted in PostgreSQL, so several vika serve
		// instances share the limit; without one each process counts its own.
		limiter = store.NewCallerLimiter(st.Pool(), hashKey, flow.Limits.FailedPerCaller, flow.Limits.CallerWindow)
		opts = append(opts, ivr.WithHashKey(hashKey))
	}
	opts = append(opts, ivr.WithCallerLimiter(limiter))
	m := metrics.New() // package metrics: the Prometheus registry; wired in metrics.go
	m.SetLookupDeadline(flow.Lookup.Deadline)
	m.Registry().MustRegister(ariPoolCollectors()...) // ARI requests and their wait for a pooled connection (aripool_stats.go)
	a.metrics = m
	a.callLog = callLog
	opts = append(opts, ivr.WithObserver(m))
	// As many requests out at once as the pool has connections: a request waits its turn in ivr, before its 2 s
	// for Asterisk to answer start, rather than spend them queued in the pool.
	opts = append(opts, ivr.WithRequestSlots(ariConns(ac.MaxConns)))

	// Each node's app runs under runCtx, which outlives ctx: on SIGTERM the apps must go on answering (sending new
	// calls to the fallback) while they drain and the call log is flushed.
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	runs := &appRuns{done: make(chan error, len(ac.nodes()))}
	set := &nodeSet{
		build: func(n *ariNode, client ari.Client, node string) *ivr.App {
			return ivr.New(client, flow, dir, callLog, n.log, append(slices.Clip(opts), ivr.WithNode(node))...) // Clip: nodes attach concurrently
		},
		run: func(app *ivr.App) { runs.start(runCtx, app) },
	}
	if err := connectNodes(ctx, a, ac.nodes(), connectTimeout, set); err != nil {
		return err
	}

	h := admin.NewHandler()
	h.SetLogger(log.Named("admin"))
	h.AddCheck("database", st.Ping)
	set.addChecks(h, len(ac.Nodes) == 0)
	h.AddCheck("taking calls", func(context.Context) error {
		for _, app := range set.apps() {
			if app.Draining() {
				return admin.Unready("draining", errors.New("new calls go to the dialplan's fallback"))
			}
		}
		return nil
	})
	h.AddSource(set.metrics(callLog))
	if dirMetrics != nil {
		h.AddSource(dirMetrics)
	}
	wireMetrics(ctx, m, h, callLog, ac) // after the sources: the registry's families replace theirs of the same name
	mountPprof(a.cfg.Admin.Pprof, h)    // admin.pprof: /debug/pprof/ (pprof.go)
	stopAdmin, err := serveAdmin(ctx, a.cfg.Admin.Addr, h, log)
	if err != nil {
		return err
	}
	defer stopAdmin()

	log.Info("taking calls", zap.String("app", ac.App), zap.Int("nodes", len(set.nodes)))
	return runUntilDrained(ctx, set, runs, stopRun, a.drain, log, closeCallLog)
}

// appRuns runs the nodes' apps and reports the first that stops by itself.
type appRuns struct {
	wg   sync.WaitGroup
	done chan error
}

func (r *appRuns) start(ctx context.Context, app *ivr.App) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := app.Run(ctx); ctx.Err() == nil {
			r.done <- fmt.Errorf("%s stopped: %w", app, err)
		}
	}()
}

// runUntilDrained runs the apps until ctx ends (SIGTERM), then drains: new calls go to the dialplan's fallback while
// calls in progress may finish within the drain deadline; those still up then are hung up with the cause logged.
// Then every node's ARI event socket is closed for good, so that Asterisk's own dialplan sends every later call to
// the fallback, and each app releases the calls that reached it as its socket closed. The apps stop once the last of
// them is on its way. Only then does flushCallLog run (up to 10 s with the database down): no caller can reach an app
// any more, so none waits in silence for the flush, and the events of every call the apps refused are in it.
func runUntilDrained(ctx context.Context, set *nodeSet, runs *appRuns, stopRun func(), drain time.Duration,
	log *zap.Logger, flushCallLog func()) error {
	select {
	case err := <-runs.done:
		stopRun()
		runs.wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("draining: no new calls; waiting for calls in progress", zap.Duration("deadline", drain))
	dctx, cancel := context.WithTimeout(context.Background(), drain)
	err := drainAll(dctx, set.apps())
	cancel()
	if err != nil {
		log.Warn("drain deadline reached; remaining calls were hung up", zap.Error(err))
	}
	log.Info("drained; closing the ARI event sockets: Asterisk's dialplan takes new calls from now on")
	set.closeEvents()
	rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err = releaseAll(rctx, set.apps())
	cancel()
	if err != nil {
		log.Error("calls that reached an app as it closed may be left in it", zap.Error(err))
	}
	stopRun()
	runs.wg.Wait()
	log.Info("flushing the call log")
	flushCallLog()
	select {
	case err := <-runs.done:
		return err
	default:
	}
	log.Info("stopped")
	return nil
}

// checkPrompts asks Asterisk whether it has every prompt; prompts.check says whether a gap stops the start.
func checkPrompts(ctx context.Context, a *app, ac ARIConfig) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	missing, err := prompts.Check(cctx, prompts.ARISounds{URL: ac.URL, User: ac.User, Password: ac.Password}, prompts.Language)
	if err != nil {
		return fmt.Errorf("prompt check: %w", err)
	}
	if len(missing) == 0 {
		return nil
	}
	if a.cfg.Prompts.Check == "warn" {
		a.log.Warn("Asterisk lacks prompts; callers will hear silence where they belong",
			zap.Int("missing", len(missing)), zap.Strings("ids", missing))
		return nil
	}
	return fmt.Errorf("Asterisk at %s lacks %d prompts (first: %s): install them (asterisk-conf/README.md) or set prompts.check=warn",
		ac.URL, len(missing), missing[0])
}

// jakartaClock is "now" for bills, due dates and opening hours: the wall clock read in flow.timezone (Asia/Jakarta),
// whatever the server's own zone. On a server in UTC, time.Now at 00:30 WIB on 1 November is still 31 October, and
// the caller would hear October's bill and due date.
func jakartaClock(a *app) (func() time.Time, error) {
	loc, err := time.LoadLocation(a.cfg.Flow.Timezone)
	if err != nil {
		return nil, badKey("flow.timezone", "unknown time zone %q (expected e.g. Asia/Jakarta)", a.cfg.Flow.Timezone)
	}
	now := a.now
	if now == nil {
		now = time.Now
	}
	return func() time.Time { return now().In(loc) }, nil
}
