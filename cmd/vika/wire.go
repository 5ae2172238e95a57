package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/admin"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/ivr"
	"github.com/vika-jkn/vika/store"
)

// loadFlow is the call flow: the file named by flow.file, or the built-in one. Either way it is validated here, so a
// broken flow stops the program at start, naming the place.
func loadFlow(c Config) (*dialplan.Flow, error) {
	if c.Flow.File == "" {
		return dialplan.Default()
	}
	f, err := dialplan.Load(c.Flow.File)
	if err != nil {
		return nil, &ConfigError{Key: "flow.file", What: err.Error()}
	}
	return f, nil
}

// connectARI connects to an ARI server (Asterisk or the simulator) as app, failing within the deadline with a message
// that says what to fix, where the client library alone would retry forever. closeEvents closes the client's event
// WebSocket for good (eventSocket), and gives back the REST pool's idle connections, which Asterisk counts against
// its sessionlimit until they close (a client done with a node must not hold them for ari.idle_timeout).
func connectARI(ctx context.Context, c ARIConfig, app string, deadline time.Duration) (cl ari.Client, closeEvents func(), err error) {
	hc := ariHTTPClient(c.MaxConns, ivr.DefaultRequestTimeout)
	opts := &native.Options{
		Application:  app,
		URL:          c.URL,
		WebsocketURL: c.WebSocketURL(),
		Username:     c.User,
		Password:     c.Password,
	}
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	// A plain REST call first: it tells a wrong password (401) from an unreachable Asterisk, which the WebSocket
	// dial loop would hide.
	if err := probeARI(ctx, c); err != nil {
		return nil, nil, err
	}
	type result struct {
		cl  ari.Client
		err error
	}
	sock := &eventSocket{}
	done := make(chan result, 1)
	go func() {
		// REST on a bounded keep-alive pool (aripool.go), not net/http's default transport; the event WebSocket
		// through sock, so that a shutdown can close it for good (ariconn.go).
		cl, err := dialNative(opts, hc, sock)
		done <- result{cl, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, nil, fmt.Errorf("connect to ARI at %s as app %q: %w", c.URL, app, r.err)
		}
		return r.cl, func() { sock.close(); hc.CloseIdleConnections() }, nil
	case <-ctx.Done():
		// The dial goroutine ends once its own retry notices the cancelled client.
		go func() {
			if r := <-done; r.cl != nil {
				r.cl.Close()
			}
		}()
		return nil, nil, fmt.Errorf("connect to ARI events at %s as app %q: no WebSocket within %s", c.WebSocketURL(), app, deadline)
	}
}

// waitForARI probes ARI until it answers or ctx ends (serve's --connect-timeout): an Asterisk that is still starting,
// or restarting beside this process under systemd, refuses connections for a few seconds, and serve should come up
// with it rather than fail at once. Only a connection that fails is retried, with backoff, each retry logged; an
// answer that says the settings are wrong (401, not the /ari base) is final at once.
func waitForARI(ctx context.Context, c ARIConfig, log *zap.Logger) error {
	backoff := 250 * time.Millisecond
	var last error
	for attempt := 1; ; attempt++ {
		err := probeARI(ctx, c)
		var unreachable *ariUnreachableError
		if err == nil || !errors.As(err, &unreachable) {
			return err
		}
		if last != nil && ctx.Err() != nil {
			err = last // the deadline cut this probe short: why the earlier ones failed says more
		}
		last = err
		deadline, ok := ctx.Deadline()
		if ctx.Err() != nil || (ok && time.Until(deadline) < backoff) {
			return err
		}
		log.Warn("Asterisk not reachable yet; retrying within --connect-timeout", zap.String("url", c.URL),
			zap.Int("attempt", attempt), zap.Duration("retry_in", backoff), zap.Error(unreachable.err))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// ariUnreachableError is a probe that got no HTTP answer at all (refused, reset, timed out): worth trying again.
type ariUnreachableError struct {
	url string
	err error
}

func (e *ariUnreachableError) Error() string {
	return fmt.Sprintf("reach ARI at %s: %v (is Asterisk running, with http.conf enabled and ari.conf loaded?)", e.url, e.err)
}

func (e *ariUnreachableError) Unwrap() error { return e.err }

func probeARI(ctx context.Context, c ARIConfig) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/asterisk/info", nil)
	if err != nil {
		return &ConfigError{Key: "ari.url", What: err.Error()}
	}
	req.SetBasicAuth(c.User, c.Password)
	req.Close = true // a one-off: no idle connection left holding one of Asterisk's HTTP sessions
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return &ariUnreachableError{url: c.URL, err: err}
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return &ConfigError{Key: "ari.password", What: fmt.Sprintf("ARI at %s rejected user %q (401): check ari.user and ari.password against ari.conf", c.URL, c.User)}
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("ARI at %s answered %s to /asterisk/info (is ari.url the /ari base?)", c.URL, resp.Status)
	}
	return nil
}

// adminServer serves h on addr until ctx ends.
func serveAdmin(ctx context.Context, addr string, h http.Handler, log *zap.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &ConfigError{Key: "admin.addr", What: err.Error()}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin server stopped", zap.Error(err))
		}
	}()
	log.Info("admin endpoints up", zap.String("addr", ln.Addr().String()))
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}

// writeIVRMetrics writes the IVR's counters in s (one node's, or summed over the nodes) and the call log's.
func writeIVRMetrics(w *admin.MetricsWriter, s ivr.StatsSnapshot, cl *store.CallLog) {
	w.Gauge("vika_calls_active", "Calls in progress.", float64(s.CallsActive))
	w.Counter("vika_calls_started_total", "Calls that entered the app.", float64(s.CallsTotal))
	w.CounterVec("vika_calls_ended_total", "Calls ended, by outcome.", toFloat(s.Outcomes), "outcome")
	w.CounterVec("vika_lookups_total", "Participant look-ups, by outcome.", toFloat(s.Lookups), "outcome")
	h := s.LookupLatency
	w.Histogram("vika_lookup_seconds", "Participant look-up latency.", h.Bounds, h.Cumulative, h.Count, h.Sum)
	if cl != nil {
		cs := cl.Stats()
		w.Counter("vika_calllog_written_total", "Call-log events written to the database.", float64(cs.Written))
		w.Counter("vika_calllog_dropped_total", "Call-log events lost (no spool, or the spool full: calllog.spool_max_mb).", float64(cs.Dropped))
		w.Counter("vika_calllog_spooled_total", "Call-log events written to the disk spool (replayed when the database keeps up).", float64(cs.Spilled))
		w.Gauge("vika_calllog_spool_bytes", "Size of the call-log spool on disk.", float64(cs.SpillBytes))
		w.Gauge("vika_calllog_pending", "Call-log events waiting to be written.", float64(cs.Recorded-cs.Written-cs.Dropped))
	}
}

func toFloat(m map[string]int64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v)
	}
	return out
}

// poolURL adds database.max_conns to the connection string as pgx's pool_max_conns, unless the URL sets it itself.
func poolURL(d DatabaseConfig) string {
	u, err := url.Parse(d.URL)
	if err != nil || u.Scheme == "" || u.Query().Has("pool_max_conns") {
		return d.URL
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(d.MaxConns))
	u.RawQuery = q.Encode()
	return u.String()
}

// openMigrated applies pending migrations (safe with several instances: the runner takes an advisory lock) and
// opens the store on database.url, with database.max_conns.
func openMigrated(ctx context.Context, c DatabaseConfig) (*store.Store, error) {
	if err := store.Migrate(ctx, c.URL); err != nil {
		return nil, fmt.Errorf("database: %w", err) // "migrate: ..." already: said once
	}
	return store.Open(ctx, poolURL(c))
}
