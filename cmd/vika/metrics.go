package main

import (
	"context"
	"time"

	"github.com/vika-jkn/vika/admin"
	"github.com/vika-jkn/vika/metrics"
	"github.com/vika-jkn/vika/store"
)

// ariWatchInterval is how often serve asks Asterisk whether the app still has its events WebSocket
// (vika_ari_connected, vika_ari_reconnects_total).
const ariWatchInterval = 5 * time.Second

// wireMetrics feeds the registry what is read rather than observed: the call log's counters, readiness (the same
// checks as /readyz) and the ARI connection of every node (ari.url, or each of ari.nodes), probed until ctx ends; and
// serves it on the admin handler's /metrics.
func wireMetrics(ctx context.Context, m *metrics.Metrics, h *admin.Handler, cl *store.CallLog, ac ARIConfig) {
	m.WatchCallLog(func() metrics.CallLogStats {
		s := cl.Stats()
		return metrics.CallLogStats{Written: s.Written, Dropped: s.Dropped, Spilled: s.Spilled,
			Pending: s.Recorded - s.Written - s.Dropped, SpoolBytes: s.SpillBytes}
	})
	m.WatchReadiness(func() bool { return h.Ready(context.Background()) })
	m.WatchDBRoundTrips(func() float64 { return float64(store.RoundTrips()) })
	h.SetGatherer(m.Registry())
	allUp := func(ctx context.Context) bool {
		for _, n := range ac.nodes() {
			if !appRegistered(ctx, n.ARIConfig) {
				return false
			}
		}
		return true
	}
	m.SetARIConnected(allUp(ctx))
	go func() {
		t := time.NewTicker(ariWatchInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				up := allUp(pctx)
				cancel()
				if ctx.Err() == nil {
					m.SetARIConnected(up)
				}
			}
		}
	}()
}
