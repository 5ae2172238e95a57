package main

import (
	"net/http"
	"net/http/pprof"
	"runtime"

	"github.com/vika-jkn/vika/admin"
)

// mountPprof puts Go's profiler (net/http/pprof) under /debug/pprof/ on the admin address when admin.pprof is true
// (VIKA_ADMIN_PPROF=true). It is off by default: a profile costs CPU while it runs, and the admin address is for the
// operator's own network only. The handlers are registered on the admin mux, never on http.DefaultServeMux.
//
// With it on, goroutine blocking and mutex contention are sampled too (/debug/pprof/block and /mutex): where a call
// waits — a pooled connection, a channel, a lock — is what a CPU profile of a mostly idle IVR cannot show. The
// sampling is coarse (blocking events by time, one blocked millisecond on average; one contention in
// mutexFraction) so that it can stay on under load.
func mountPprof(enabled bool, h *admin.Handler) {
	if !enabled {
		return
	}
	runtime.SetBlockProfileRate(blockProfileRate)
	runtime.SetMutexProfileFraction(mutexFraction)
	h.Handle("/debug/pprof/", http.HandlerFunc(pprof.Index))
	h.Handle("/debug/pprof/cmdline", http.HandlerFunc(pprof.Cmdline))
	h.Handle("/debug/pprof/profile", http.HandlerFunc(pprof.Profile))
	h.Handle("/debug/pprof/symbol", http.HandlerFunc(pprof.Symbol))
	h.Handle("/debug/pprof/trace", http.HandlerFunc(pprof.Trace))
}

const (
	blockProfileRate = 1_000_000 // ns: about one sample per millisecond spent blocked
	mutexFraction    = 100
)
