// Package admin serves an operator's HTTP endpoints for a running vika: /healthz (the process is alive),
// /readyz (it can take calls: ARI connected, database reachable) and /metrics (Prometheus text format).
// It knows nothing of calls; the command that starts it passes readiness checks and metric sources in.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"go.uber.org/zap"
)

// Check reports whether one dependency is usable; a nil error means ready. Its error text goes to the log only:
// /readyz answers anyone who reaches the admin port, and a driver's error names the database user and host, or
// the ARI URL. The port shows the reason class: the one given to Unready, "timeout", or "unreachable".
type Check func(ctx context.Context) error

// Unready is a check's error with the reason /readyz may show (e.g. "draining"); err, if any, is the detail for
// the log.
func Unready(reason string, err error) error { return &unready{reason: reason, err: err} }

type unready struct {
	reason string
	err    error
}

func (u *unready) Error() string {
	if u.err == nil {
		return u.reason
	}
	return u.reason + ": " + u.err.Error()
}

func (u *unready) Unwrap() error { return u.err }

// reasonClass is what /readyz shows for a failed check.
func reasonClass(err error) string {
	var u *unready
	switch {
	case errors.As(err, &u):
		return u.reason
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "unreachable"
}

// Source writes a group of metrics.
type Source func(w *MetricsWriter)

// Handler is the admin endpoints as one http.Handler, so a test or another mux can mount it.
type Handler struct {
	mu      sync.RWMutex
	checks  map[string]Check
	sources []Source
	gather  prometheus.Gatherer // the client_golang registry (package metrics), written before the sources
	mux     *http.ServeMux
	timeout time.Duration
	log     *zap.Logger
	last    map[string]string // each check's last failure, logged when it changes
}

// NewHandler returns the admin endpoints with no checks and no metrics yet.
func NewHandler() *Handler {
	h := &Handler{checks: map[string]Check{}, mux: http.NewServeMux(), timeout: 2 * time.Second, log: zap.NewNop(),
		last: map[string]string{}}
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /readyz", h.readyz)
	h.mux.HandleFunc("GET /metrics", h.metrics)
	return h
}

// AddCheck adds a readiness check under a name that /readyz reports.
func (h *Handler) AddCheck(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = c
}

// SetLogger sets where the detail of a failed readiness check goes (once each time it changes).
func (h *Handler) SetLogger(l *zap.Logger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = l
}

// AddSource adds a metric source to /metrics.
func (h *Handler) AddSource(s Source) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sources = append(h.sources, s)
}

// SetGatherer makes /metrics start with what g gathers (the registry of package metrics); sources follow it.
func (h *Handler) SetGatherer(g prometheus.Gatherer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gather = g
}

// Ready runs every check as /readyz does and reports whether all pass (vika_ready), without logging.
func (h *Handler) Ready(ctx context.Context) bool {
	h.mu.RLock()
	checks := make([]Check, 0, len(h.checks))
	for _, c := range h.checks {
		checks = append(checks, c)
	}
	h.mu.RUnlock()
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	failed := make(chan bool, len(checks))
	for _, c := range checks {
		go func() { failed <- c(ctx) != nil }()
	}
	ok := true
	for range checks {
		if <-failed {
			ok = false
		}
	}
	return ok
}

// Handle mounts another handler (the supervisor console, say) on the same listener.
func (h *Handler) Handle(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz runs every check concurrently with a deadline, so one hung dependency cannot hang the probe.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	h.mu.RLock()
	names := make([]string, 0, len(h.checks))
	for n := range h.checks {
		names = append(names, n)
	}
	checks := h.checks
	h.mu.RUnlock()
	sort.Strings(names)

	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	results := make([]string, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = checks[n](ctx); errs[i] != nil {
				results[i] = reasonClass(errs[i])
				return
			}
			results[i] = "ok"
		}()
	}
	wg.Wait()
	h.logChanges(names, errs)

	status := http.StatusOK
	body := map[string]string{}
	for i, n := range names {
		body[n] = results[i]
		if results[i] != "ok" {
			status = http.StatusServiceUnavailable
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// logChanges logs a check's failure detail when it first fails or its detail changes, and its recovery: a probe
// every few seconds must not repeat the same line.
func (h *Handler) logChanges(names []string, errs []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, n := range names {
		detail := ""
		if errs[i] != nil {
			detail = errs[i].Error()
		}
		if detail == h.last[n] {
			continue
		}
		if detail == "" {
			h.log.Info("readiness: check passes again", zap.String("check", n))
		} else {
			h.log.Warn("readiness: check fails", zap.String("check", n), zap.String("reason", reasonClass(errs[i])),
				zap.Error(errs[i]))
		}
		h.last[n] = detail
	}
}

func (h *Handler) metrics(w http.ResponseWriter, _ *http.Request) {
	h.mu.RLock()
	sources := append([]Source(nil), h.sources...)
	gather := h.gather
	h.mu.RUnlock()
	mw := &MetricsWriter{}
	if gather != nil {
		mfs, err := gather.Gather()
		if err != nil {
			h.log.Warn("metrics: gather", zap.Error(err)) // partial results are still written, as promhttp does
		}
		enc := expfmt.NewEncoder(&mw.buf, expfmt.NewFormat(expfmt.TypeTextPlain))
		mw.skip = make(map[string]bool, len(mfs))
		for _, mf := range mfs {
			_ = enc.Encode(mf) // writes to a bytes.Buffer: cannot fail
			mw.skip[mf.GetName()] = true
		}
	}
	for _, s := range sources {
		s(mw)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(mw.buf.Bytes())
}
