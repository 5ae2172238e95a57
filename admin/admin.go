// Package admin serves an operator's HTTP endpoints for a running vika: /healthz (the process is alive),
// /readyz (it can take calls: ARI connected, database reachable) and /metrics (Prometheus text format).
// It knows nothing of calls; the command that starts it passes readiness checks and metric sources in.
package admin

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check reports whether one dependency is usable; a nil error means ready.
type Check func(ctx context.Context) error

// Source writes a group of metrics.
type Source func(w *MetricsWriter)

// Handler is the admin endpoints as one http.Handler, so a test or another mux can mount it.
type Handler struct {
	mu      sync.RWMutex
	checks  map[string]Check
	sources []Source
	mux     *http.ServeMux
	timeout time.Duration
}

// NewHandler returns the admin endpoints with no checks and no metrics yet.
func NewHandler() *Handler {
	h := &Handler{checks: map[string]Check{}, mux: http.NewServeMux(), timeout: 2 * time.Second}
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

// AddSource adds a metric source to /metrics.
func (h *Handler) AddSource(s Source) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sources = append(h.sources, s)
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
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := checks[n](ctx); err != nil {
				results[i] = err.Error()
				return
			}
			results[i] = "ok"
		}()
	}
	wg.Wait()

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

func (h *Handler) metrics(w http.ResponseWriter, _ *http.Request) {
	h.mu.RLock()
	sources := append([]Source(nil), h.sources...)
	h.mu.RUnlock()
	mw := &MetricsWriter{}
	for _, s := range sources {
		s(mw)
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(mw.buf.Bytes())
}
