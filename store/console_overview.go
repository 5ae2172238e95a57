package store

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Overview is the line at a glance over [From, To): what a manager reads to see how the line is doing.
type Overview struct {
	From, To time.Time
	Calls    int64
	// Hourly counts calls by the hour they started (in the time zone asked for) and entry.
	Hourly   []HourCount
	Outcomes map[string]int64 // "" is a call still in progress (or whose end was never logged)
	Funnel   Funnel
	// Key1 and Key2 count main-menu choices: status and contributions.
	Key1, Key2 int64
	Transfers  int64
	Lookups    int64
	// LookupP50 and LookupP99 are the look-up latency percentiles in milliseconds (0 without look-ups).
	LookupP50, LookupP99 float64
}

// HourCount is the number of calls in one hour on one entry.
type HourCount struct {
	Hour  time.Time
	Entry string
	Calls int64
}

// Funnel is where callers leave the flow: each stage counts the calls that reached it.
type Funnel struct {
	Arrived   int64 // every call
	Chose     int64 // pressed 1 or 2 at the main menu
	Number    int64 // keyed a NIK or card number
	BirthDate int64 // keyed a complete birth date
	Readout   int64 // heard a readout
}

// Overview computes the line's figures over [from, to), with hours cut in loc. Calls that have ended are read from
// the hourly rollup (migration 0005), which is what keeps a week's overview fast on a large log; calls still going
// on (or whose end was never logged) are added from the log itself. A range that does not fall on whole hours, or a
// zone that is not a whole number of hours from UTC, is counted from the log alone.
func (s *Store) Overview(ctx context.Context, from, to time.Time, loc *time.Location) (Overview, error) {
	_, offFrom := from.In(loc).Zone()
	_, offTo := to.In(loc).Zone()
	rollup := from.Truncate(time.Hour).Equal(from) && to.Truncate(time.Hour).Equal(to) &&
		offFrom%3600 == 0 && offTo%3600 == 0
	return s.overview(ctx, from, to, loc, rollup)
}

func (s *Store) overview(ctx context.Context, from, to time.Time, loc *time.Location, rollup bool) (Overview, error) {
	o := Overview{From: from, To: to, Outcomes: map[string]int64{}}
	// One snapshot: a call that ends between two of these statements is in the rollup or among the open calls,
	// never both or neither.
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			lat := latencyHistogram{}
			b := &pgx.Batch{}
			if rollup {
				queueRollup(b, &o, lat, from, to, loc)
			}
			queueFromLog(b, &o, lat, from, to, loc, rollup)
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return err
			}
			o.LookupP50, o.LookupP99 = lat.percentile(0.5), lat.percentile(0.99)
			return nil
		})
	if err != nil {
		return o, fmt.Errorf("overview %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	slices.SortFunc(o.Hourly, func(a, b HourCount) int {
		if c := a.Hour.Compare(b.Hour); c != 0 {
			return c
		}
		return strings.Compare(a.Entry, b.Entry)
	})
	o.Funnel.Arrived = o.Calls
	return o, nil
}

// OverviewRollupSQL and OverviewRollupLatencySQL read the ended calls' figures, for EXPLAIN in benchmarks and docs.
const (
	OverviewRollupSQL = `SELECT hour, entry, outcome, calls, chose, number, birth_date, readout, key1, key2, transfers,
	lookups FROM call_hourly WHERE hour >= $1 AND hour < $2`
	OverviewRollupLatencySQL = `SELECT latency_ms, sum(lookups)::bigint FROM call_hourly_latency
	WHERE hour >= $1 AND hour < $2 GROUP BY 1`
)

func queueRollup(b *pgx.Batch, o *Overview, lat latencyHistogram, from, to time.Time, loc *time.Location) {
	b.Queue(OverviewRollupSQL, from, to).Query(func(rows pgx.Rows) error {
		hourly := map[HourCount]int64{}
		var hour time.Time
		var entry, outcome string
		var calls, chose, number, birth, readout, key1, key2, transfers, lookups int64
		_, err := pgx.ForEachRow(rows, []any{&hour, &entry, &outcome, &calls, &chose, &number, &birth, &readout,
			&key1, &key2, &transfers, &lookups}, func() error {
			hourly[HourCount{Hour: hour.In(loc), Entry: entry}] += calls
			o.Outcomes[outcome] += calls
			o.Calls += calls
			o.Funnel.Chose += chose
			o.Funnel.Number += number
			o.Funnel.BirthDate += birth
			o.Funnel.Readout += readout
			o.Key1 += key1
			o.Key2 += key2
			o.Transfers += transfers
			o.Lookups += lookups
			return nil
		})
		for h, n := range hourly {
			h.Calls = n
			o.Hourly = append(o.Hourly, h)
		}
		return err
	})
	b.Queue(OverviewRollupLatencySQL, from, to).Query(lat.add)
}

// queueFromLog counts the calls in [from, to) from the log: only those not yet ended when the rest come from the
// rollup (openOnly), all of them otherwise.
func queueFromLog(b *pgx.Batch, o *Overview, lat latencyHistogram, from, to time.Time, loc *time.Location,
	openOnly bool) {
	open := ""
	if openOnly {
		open = " AND ended_at IS NULL"
	}
	b.Queue(`SELECT date_trunc('hour', started_at AT TIME ZONE $3) AS h, coalesce(entry, ''), coalesce(outcome, ''),
		count(*) FROM calls WHERE started_at >= $1 AND started_at < $2`+open+` GROUP BY 1, 2, 3`,
		from, to, loc.String()).Query(func(rows pgx.Rows) error {
		var local time.Time
		var entry, outcome string
		var n int64
		_, err := pgx.ForEachRow(rows, []any{&local, &entry, &outcome, &n}, func() error {
			h := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), 0, 0, 0, loc)
			i := slices.IndexFunc(o.Hourly, func(c HourCount) bool { return c.Hour.Equal(h) && c.Entry == entry })
			if i < 0 {
				o.Hourly = append(o.Hourly, HourCount{Hour: h, Entry: entry})
				i = len(o.Hourly) - 1
			}
			o.Hourly[i].Calls += n
			o.Outcomes[outcome] += n
			o.Calls += n
			return nil
		})
		return err
	})
	events := allCallEventsSQL
	if openOnly {
		events = openCallEventsSQL
	}
	b.Queue(overviewEventsSQL+events, from, to).QueryRow(func(row pgx.Row) error {
		var f Funnel
		var key1, key2, transfers, lookups int64
		if err := row.Scan(&f.Chose, &f.Number, &f.BirthDate, &f.Readout, &key1, &key2, &transfers, &lookups); err != nil {
			return err
		}
		o.Funnel.Chose += f.Chose
		o.Funnel.Number += f.Number
		o.Funnel.BirthDate += f.BirthDate
		o.Funnel.Readout += f.Readout
		o.Key1, o.Key2, o.Transfers, o.Lookups = o.Key1+key1, o.Key2+key2, o.Transfers+transfers, o.Lookups+lookups
		return nil
	})
	b.Queue(overviewLatencySQL+events+" AND kind = 'lookup' AND fields ? 'latency_ms' GROUP BY 1", from, to).
		Query(lat.add)
}

// latencyHistogram counts look-ups by whole milliseconds; percentile interpolates between them as PostgreSQL's
// percentile_cont does, so the rollup and a count from the log give the same figure.
type latencyHistogram map[int64]int64

func (h latencyHistogram) add(rows pgx.Rows) error {
	var ms, n int64
	_, err := pgx.ForEachRow(rows, []any{&ms, &n}, func() error { h[ms] += n; return nil })
	return err
}

func (h latencyHistogram) percentile(p float64) float64 {
	var total int64
	values := make([]int64, 0, len(h))
	for v, n := range h {
		values = append(values, v)
		total += n
	}
	if total == 0 {
		return 0
	}
	slices.Sort(values)
	pos := p * float64(total-1)
	lo := int64(math.Floor(pos))
	at := func(i int64) float64 { // the i-th smallest look-up (from 0)
		for _, v := range values {
			if i < h[v] {
				return float64(v)
			}
			i -= h[v]
		}
		return float64(values[len(values)-1])
	}
	a := at(lo)
	if frac := pos - float64(lo); frac > 0 {
		return a + frac*(at(lo+1)-a)
	}
	return a
}

// OverviewOpenEventsSQL and OverviewOpenLatencySQL count the calls not yet ended in the range, for EXPLAIN in
// benchmarks and docs.
const (
	OverviewOpenEventsSQL  = overviewEventsSQL + openCallEventsSQL
	OverviewOpenLatencySQL = overviewLatencySQL + openCallEventsSQL + " AND kind = 'lookup' AND fields ? 'latency_ms' GROUP BY 1"
)

// The figures of the events that count: few per call (menus, identity, look-up, transfer), never prompts or keys.
const overviewEventsSQL = `SELECT
	count(DISTINCT call_id) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' IN ('1', '2')),
	count(DISTINCT call_id) FILTER (WHERE kind = 'identity'),
	count(DISTINCT call_id) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'birthdate' AND fields ->> 'choice' = 'entered'),
	count(DISTINCT call_id) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'readout'),
	count(*) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' = '1'),
	count(*) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' = '2'),
	count(*) FILTER (WHERE kind = 'transfer'),
	count(*) FILTER (WHERE kind = 'lookup')`

// overviewLatencySQL is the look-ups by whole milliseconds.
const overviewLatencySQL = `SELECT round((fields ->> 'latency_ms')::float8)::bigint, count(*)`

// allCallEventsSQL finds the events of every call in the range through call_events_overview_idx: events are
// written within hours of their call's start, and the index skips prompts and keys.
const allCallEventsSQL = `
	FROM call_events
	WHERE kind IN ('menu', 'identity', 'transfer', 'lookup') AND at >= $1::timestamptz AND at < $2::timestamptz + interval '4 hours'
	AND call_id IN (SELECT id FROM calls WHERE started_at >= $1 AND started_at < $2)`

// openCallEventsSQL finds the events of the calls not yet ended from those calls (calls_in_progress_idx, then each
// call's events by its key): a handful of calls, where the range's events would be millions.
const openCallEventsSQL = `
	FROM calls c JOIN call_events e ON e.call_id = c.id
	WHERE c.ended_at IS NULL AND c.started_at >= $1 AND c.started_at < $2
	AND e.kind IN ('menu', 'identity', 'transfer', 'lookup')`
