package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ariPoolStats counts the ARI REST requests of this process (every node's pool): how many, how long they took,
// and how much of that was spent waiting for a free pooled connection. Waiting that grows towards the request
// deadline means ari.max_conns is too small for Asterisk's answer time; a long time at Asterisk with little
// waiting means Asterisk itself is slow.
type ariPoolStats struct {
	requests, failed atomic.Int64
	waitNs, totalNs  atomic.Int64
	// holdNs is how long requests held their connection: from getting it to their response body being closed.
	// It is what the pool's capacity is made of (ari.max_conns over the hold is the most requests a second it
	// serves), and it is longer than the time to Asterisk's answer by the time the app takes to read the body.
	holdNs atomic.Int64
}

var ariStats ariPoolStats

// countingTransport is the pool's transport with ariStats kept, and the bound on waiting for a connection.
type countingTransport struct {
	next http.RoundTripper
	wait time.Duration // a request with no connection after this is cancelled, unsent (0: no bound)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool: a client done with an Asterisk (a
// phone closed, the load test's floor before the app's run) gives back its sessions at once rather than after
// ari.idle_timeout, while Asterisk still counts them against its sessionlimit.
func (c countingTransport) CloseIdleConnections() {
	if t, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	var got atomic.Int64 // when a connection was handed over (ns since start); 0 until then
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { got.Store(max(int64(time.Since(start)), 1)) }}
	ctx, cancel := context.WithCancel(httptrace.WithClientTrace(r.Context(), trace))
	var timer *time.Timer
	if c.wait > 0 {
		timer = time.AfterFunc(c.wait, func() {
			if got.Load() == 0 {
				cancel() // still queued for a connection: never sent
			}
		})
	}
	resp, err := c.next.RoundTrip(r.WithContext(ctx))
	if timer != nil {
		timer.Stop()
	}
	ariStats.requests.Add(1)
	total := int64(time.Since(start))
	wait := got.Load()
	if wait == 0 { // never got a connection: the whole time was waiting
		wait = total
	}
	ariStats.waitNs.Add(wait)
	ariStats.totalNs.Add(total)
	if err != nil {
		ariStats.failed.Add(1)
		cancel()
		return nil, err
	}
	// The body is read after RoundTrip returns; the context lives until it is closed. A WebSocket upgrade's body is
	// the connection itself, which its user writes to as well.
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = &cancelOnCloseRW{ReadWriteCloser: rwc, cancel: cancel}
	} else {
		gotAt := start.Add(time.Duration(wait))
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() {
			ariStats.holdNs.Add(int64(time.Since(gotAt)))
			cancel()
		}}
	}
	return resp, nil
}

type cancelOnCloseRW struct {
	io.ReadWriteCloser
	cancel context.CancelFunc
}

func (b *cancelOnCloseRW) Close() error {
	err := b.ReadWriteCloser.Close()
	b.cancel()
	return err
}

// cancelOnClose releases the request's context once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// ariSnapshot is ariStats at one instant.
type ariSnapshot struct {
	Requests, Failed int64
	Wait, Total      time.Duration
}

func (s *ariPoolStats) snapshot() ariSnapshot {
	return ariSnapshot{Requests: s.requests.Load(), Failed: s.failed.Load(),
		Wait: time.Duration(s.waitNs.Load()), Total: time.Duration(s.totalNs.Load())}
}

// ariPoolCollectors publish ariStats: register them on serve's registry (metrics.Metrics.Registry).
func ariPoolCollectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vika_ari_requests_total",
			Help: "ARI REST requests sent (every node)."}, func() float64 { return float64(ariStats.requests.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vika_ari_requests_failed_total",
			Help: "ARI REST requests with no answer (connection refused or closed, deadline passed)."}, func() float64 { return float64(ariStats.failed.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vika_ari_request_seconds_total",
			Help: "Time ARI REST requests took, in all."}, func() float64 { return time.Duration(ariStats.totalNs.Load()).Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vika_ari_conn_wait_seconds_total",
			Help: "Time ARI REST requests waited for a free pooled connection (ari.max_conns), in all."}, func() float64 { return time.Duration(ariStats.waitNs.Load()).Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vika_ari_conn_hold_seconds_total",
			Help: "Time ARI REST requests held their pooled connection (from getting it to their answer's body being read), in all."}, func() float64 { return time.Duration(ariStats.holdNs.Load()).Seconds() }),
	}
}

// minus is what happened between before and s.
func (s ariSnapshot) minus(before ariSnapshot) ariSnapshot {
	return ariSnapshot{Requests: s.Requests - before.Requests, Failed: s.Failed - before.Failed,
		Wait: s.Wait - before.Wait, Total: s.Total - before.Total}
}

// report prints the app's ARI requests for a load test of calls calls.
func (s ariSnapshot) report(w io.Writer, calls int) {
	if s.Requests == 0 {
		return
	}
	n := time.Duration(s.Requests)
	fmt.Fprintf(w, "ARI REST: %d requests (%.1f per call), %d failed; mean %s each, of which %s waiting for a pooled connection\n",
		s.Requests, float64(s.Requests)/float64(calls), s.Failed, (s.Total / n).Round(time.Microsecond), (s.Wait / n).Round(time.Microsecond))
}
