package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// The console's scale target (issue 14): with 1,000,000 calls in the log, a filtered calls-list page p99 ≤ 100 ms
// and the overview of a week ≤ 500 ms. The benchmarks fill a fresh database with VIKA_BENCH_CALLS calls (default
// 20000, so CI stays fast) through store.SeedCallLog, or use VIKA_BENCH_DATABASE_URL as it is (after
// `vika seed --participants 0 --calls 1000000`). VIKA_BENCH_EXPLAIN=FILE appends each query's
// EXPLAIN (ANALYZE, BUFFERS) to FILE as Markdown, for docs/performance.md (a benchmark's log keeps only 10 lines).

// benchLog is a filled call log and the values its filters are tried with.
type benchLog struct {
	s          *store.Store
	newest     time.Time
	callers    []string // caller hashes, of callers with several calls and of one-off callers
	identities []string // identity hashes
	nodes      []string
}

func benchCallLog(b *testing.B) *benchLog {
	b.Helper()
	ctx := context.Background()
	var s *store.Store
	if u := os.Getenv("VIKA_BENCH_DATABASE_URL"); u != "" {
		var err error
		if s, err = store.Open(ctx, u); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
	} else {
		n := 20_000
		if v, err := strconv.Atoi(os.Getenv("VIKA_BENCH_CALLS")); err == nil && v > 0 {
			n = v
		}
		s = storetest.NewDB(b)
		rep, err := store.SeedCallLog(ctx, s.Pool(), store.CallLogSeedOptions{Calls: n, Seed: 7})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d calls, %d events (load %s, indexes %s, rollup %s)", rep.Calls, rep.Events,
			rep.Load.Round(time.Millisecond), rep.Index.Round(time.Millisecond), rep.Rollup.Round(time.Millisecond))
	}
	l := &benchLog{s: s}
	pool := s.Pool()
	if err := pool.QueryRow(ctx, "SELECT max(started_at) FROM calls").Scan(&l.newest); err != nil {
		b.Fatalf("bench call log: %v (is it empty?)", err)
	}
	// A 1% sample of the log's blocks: searches for callers and numbers as they occur in it, frequent or not.
	sample := func(q string) []string {
		rows, _ := pool.Query(ctx, q)
		vs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(vs) == 0 {
			b.Fatalf("bench call log: %s: %v (%d)", q, err, len(vs))
		}
		return vs
	}
	l.callers = sample("SELECT caller_hash FROM calls TABLESAMPLE SYSTEM (1) REPEATABLE (7) WHERE caller_hash IS NOT NULL LIMIT 200")
	l.identities = sample(`SELECT fields ->> 'hash' FROM call_events TABLESAMPLE SYSTEM (1) REPEATABLE (7)
		WHERE kind = 'identity' AND fields ? 'hash' LIMIT 200`)
	var err error
	if l.nodes, err = s.CallNodes(ctx); err != nil || len(l.nodes) == 0 {
		b.Fatalf("bench call log: nodes %v, %v", l.nodes, err)
	}
	return l
}

// BenchmarkCallPage is one page of the calls list (51 rows, as the console asks for 50 and one more to know if
// there is a next page) under each filter a supervisor sets, alone and together, first page and deep.
func BenchmarkCallPage(b *testing.B) {
	l := benchCallLog(b)
	ctx := context.Background()
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	day := l.newest.In(jakarta)
	today := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, jakarta)
	weekAgo := today.AddDate(0, 0, -7)
	page := func(f store.CallFilter, node string) func(i int) store.CallPageQuery {
		f.Limit = 51
		return func(int) store.CallPageQuery { return store.CallPageQuery{CallFilter: f, Node: node} }
	}
	cases := []struct {
		name  string
		query func(i int) store.CallPageQuery
	}{
		{"newest", page(store.CallFilter{}, "")},
		{"day", page(store.CallFilter{From: today.AddDate(0, 0, -3), To: today.AddDate(0, 0, -2)}, "")},
		{"entry", page(store.CallFilter{Entry: "landline"}, "")},
		{"outcome", page(store.CallFilter{Outcome: "transferred"}, "")},
		{"rare-outcome", page(store.CallFilter{Outcome: "refused"}, "")},
		{"node", page(store.CallFilter{}, l.nodes[len(l.nodes)-1])},
		{"caller", func(i int) store.CallPageQuery {
			return store.CallPageQuery{CallFilter: store.CallFilter{CallerHash: l.callers[i%len(l.callers)], Limit: 51}}
		}},
		{"nik", func(i int) store.CallPageQuery {
			return store.CallPageQuery{CallFilter: store.CallFilter{IdentityHash: l.identities[i%len(l.identities)], Limit: 51}}
		}},
		{"week-entry-outcome-node", page(store.CallFilter{From: weekAgo, To: today, Entry: "landline",
			Outcome: "system_busy"}, l.nodes[0])},
		{"rare-outcome-node-week", page(store.CallFilter{From: weekAgo, To: today, Outcome: "error"}, l.nodes[len(l.nodes)-1])},
		{"nik-week", func(i int) store.CallPageQuery {
			return store.CallPageQuery{CallFilter: store.CallFilter{From: weekAgo, To: today,
				IdentityHash: l.identities[i%len(l.identities)], Limit: 51}}
		}},
		{"entry-page-20", deepPage(b, l, store.CallFilter{Entry: "landline", Limit: 51}, "", 20)},
		{"outcome-page-20", deepPage(b, l, store.CallFilter{Outcome: "abandoned", Limit: 51}, "", 20)},
		{"node-page-20", deepPage(b, l, store.CallFilter{Limit: 51}, l.nodes[0], 20)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			explain(b, l.s, c.query(0))
			lat := make([]time.Duration, 0, 1024)
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := l.s.CallPage(ctx, c.query(i)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			reportPercentiles(b, lat)
		})
	}
	b.Run("nodes", func(b *testing.B) { // the node filter's choices, read on every list page
		lat := make([]time.Duration, 0, 1024)
		for b.Loop() {
			t0 := time.Now()
			if _, err := l.s.CallNodes(ctx); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		reportPercentiles(b, lat)
	})
}

// deepPage follows the keyset cursor n pages down, as a supervisor clicking "older" would, and returns that page.
func deepPage(b *testing.B, l *benchLog, f store.CallFilter, node string, n int) func(int) store.CallPageQuery {
	q := store.CallPageQuery{CallFilter: f, Node: node}
	for range n - 1 {
		calls, err := l.s.CallPage(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		if len(calls) < f.Limit {
			break
		}
		last := calls[len(calls)-2] // the 51st row only says there is a next page
		q.Before = &store.CallCursor{StartedAt: last.StartedAt, ID: last.ID}
	}
	return func(int) store.CallPageQuery { return q }
}

// BenchmarkOverview is the overview of the last whole week (and day) in Asia/Jakarta before the newest call,
// plus the open calls up to it.
func BenchmarkOverview(b *testing.B) {
	l := benchCallLog(b)
	ctx := context.Background()
	jakarta, _ := time.LoadLocation("Asia/Jakarta")
	n := l.newest.In(jakarta)
	tomorrow := time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, jakarta)
	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"week", tomorrow.AddDate(0, 0, -7), tomorrow},
		{"day", tomorrow.AddDate(0, 0, -2), tomorrow.AddDate(0, 0, -1)},
	} {
		b.Run(c.name, func(b *testing.B) {
			if os.Getenv("VIKA_BENCH_EXPLAIN") != "" {
				for _, q := range []string{store.OverviewRollupSQL, store.OverviewRollupLatencySQL,
					store.OverviewOpenEventsSQL, store.OverviewOpenLatencySQL} {
					explainSQL(b, l.s, q, c.from, c.to)
				}
			}
			var o store.Overview
			lat := make([]time.Duration, 0, 256)
			for b.Loop() {
				t0 := time.Now()
				var err error
				if o, err = l.s.Overview(ctx, c.from, c.to, jakarta); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.Logf("%s..%s: %d calls, funnel %+v", c.from.Format(time.DateOnly), c.to.Format(time.DateOnly), o.Calls, o.Funnel)
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds()), "p99-µs")
}

func explain(b *testing.B, s *store.Store, q store.CallPageQuery) {
	if os.Getenv("VIKA_BENCH_EXPLAIN") == "" {
		return
	}
	sql, args := store.CallPageSQL(q)
	explainSQL(b, s, sql, args...)
}

// explainSQL logs the plan once, with the arguments in place, so it can be pasted and rerun in psql.
func explainSQL(b *testing.B, s *store.Store, sql string, args ...any) {
	rows, _ := s.Pool().Query(context.Background(), "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
	shown := sql
	for i := len(args); i >= 1; i-- {
		shown = strings.ReplaceAll(shown, "$"+strconv.Itoa(i), literal(args[i-1]))
	}
	exec := ""
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "Execution Time: "); ok {
			exec = v
		}
	}
	f, err := os.OpenFile(os.Getenv("VIKA_BENCH_EXPLAIN"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
	defer f.Close()
	name := strings.TrimPrefix(b.Name(), "Benchmark")
	_, err = fmt.Fprintf(f, "<details><summary><code>%s</code>: %s</summary>\n\n```sql\n%s;\n```\n```\n%s\n```\n</details>\n\n",
		name, exec, shown, strings.Join(lines, "\n"))
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
}

func literal(v any) string {
	switch v := v.(type) {
	case time.Time:
		return "'" + v.UTC().Format("2006-01-02 15:04:05.999999Z07:00") + "'"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return fmt.Sprint(v)
}
