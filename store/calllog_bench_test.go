package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// BenchmarkCallLogWriter measures how many call-log events a second the writer gets into PostgreSQL: 2000 calls in
// progress at once, each a full key-1 call's timeline (arrival, 16 prompts, 26 keys, identity, look-up, menu
// choices, hang-up, end: 60 events), recorded interleaved as the calls would record them. One iteration is the whole
// burst, from the first Record to the last event committed. The figure to compare with is the rate the calls make:
// 2000 real calls of about a minute each record about 2,000 events a second; `vika loadtest --concurrency 2000
// --speed 20` twenty times that.
func BenchmarkCallLogWriter(b *testing.B) {
	s := storetest.NewDB(b)
	const calls, perCall = 2000, 60
	start := time.Now()
	var total int64
	for i := 0; b.Loop(); i++ {
		cl := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{HashKey: hashKey, Buffer: 1 << 16,
			MaxPending: 1 << 22})
		for seq := 1; seq <= perCall; seq++ {
			for c := range calls {
				cl.Record(benchEvent(fmt.Sprintf("bench-%d-%d", i, c), seq, start))
			}
		}
		if err := cl.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		st := cl.Stats()
		if st.Dropped != 0 || st.Written != calls*perCall {
			b.Fatalf("stats %+v: want all %d events written", st, calls*perCall)
		}
		total += st.Written
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
}

func benchEvent(id string, seq int, start time.Time) calllog.Event {
	e := calllog.Event{CallID: id, Seq: seq, At: start.Add(time.Duration(seq) * time.Second)}
	switch {
	case seq == 1:
		e.Kind, e.Fields = calllog.KindArrival, map[string]any{"entry": "mobile", "caller": callerNumber, "node": "ast1"}
	case seq == 58:
		e.Kind, e.Fields = calllog.KindHangup, map[string]any{"cause": 16, "by": "caller"}
	case seq == 59:
		e.Kind, e.Fields = calllog.KindLookup, map[string]any{"outcome": "found", "latency_ms": 3}
	case seq == 60:
		e.Kind, e.Fields = calllog.KindEnd, map[string]any{"duration_ms": 61000, "outcome": "status_read"}
	case seq%3 == 0:
		e.Kind, e.Fields = calllog.KindPrompt, map[string]any{"id": "main-menu", "started": e.At, "ended": e.At, "cut": true}
	default:
		e.Kind, e.Fields = calllog.KindKey, map[string]any{"digit": "*"}
	}
	return e
}
