package main

import (
	"net/http"
	"net/http/pprof"

	"github.com/vika-jkn/vika/admin"
)

// mountPprof puts Go's profiler (net/http/pprof) under /debug/pprof/ on the admin address when admin.pprof is true
// (VIKA_ADMIN_PPROF=true). It is off by default: a profile costs CPU while it runs, and the admin address is for the
// operator's own network only. The handlers are registered on the admin mux, never on http.DefaultServeMux.
func mountPprof(enabled bool, h *admin.Handler) {
	if !enabled {
		return
	}
	h.Handle("/debug/pprof/", http.HandlerFunc(pprof.Index))
	h.Handle("/debug/pprof/cmdline", http.HandlerFunc(pprof.Cmdline))
	h.Handle("/debug/pprof/profile", http.HandlerFunc(pprof.Profile))
	h.Handle("/debug/pprof/symbol", http.HandlerFunc(pprof.Symbol))
	h.Handle("/debug/pprof/trace", http.HandlerFunc(pprof.Trace))
}
