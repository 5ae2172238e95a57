package store

import (
	"context"
	"fmt"
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

// Overview computes the line's figures over [from, to), with hours cut in loc.
func (s *Store) Overview(ctx context.Context, from, to time.Time, loc *time.Location) (Overview, error) {
	o := Overview{From: from, To: to, Outcomes: map[string]int64{}}
	b := &pgx.Batch{}
	b.Queue(`SELECT date_trunc('hour', started_at AT TIME ZONE $3) AS h, coalesce(entry, ''), count(*)
		FROM calls WHERE started_at >= $1 AND started_at < $2 GROUP BY 1, 2 ORDER BY 1, 2`, from, to, loc.String()).
		Query(func(rows pgx.Rows) error {
			var err error
			o.Hourly, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (HourCount, error) {
				var h HourCount
				var local time.Time
				err := r.Scan(&local, &h.Entry, &h.Calls)
				h.Hour = time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), 0, 0, 0, loc)
				return h, err
			})
			return err
		})
	b.Queue(`SELECT coalesce(outcome, ''), count(*) FROM calls WHERE started_at >= $1 AND started_at < $2 GROUP BY 1`,
		from, to).Query(func(rows pgx.Rows) error {
		var outcome string
		var n int64
		_, err := pgx.ForEachRow(rows, []any{&outcome, &n}, func() error {
			o.Outcomes[outcome] = n
			o.Calls += n
			return nil
		})
		return err
	})
	b.Queue(overviewEventsSQL, from, to).QueryRow(func(row pgx.Row) error {
		f := &o.Funnel
		return row.Scan(&f.Chose, &f.Number, &f.BirthDate, &f.Readout, &o.Key1, &o.Key2, &o.Transfers, &o.Lookups,
			&o.LookupP50, &o.LookupP99)
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return o, fmt.Errorf("overview %s..%s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	o.Funnel.Arrived = o.Calls
	return o, nil
}

// OverviewEventsSQL is the statement behind the funnel, keys, transfers and latency, for EXPLAIN in the docs.
const OverviewEventsSQL = overviewEventsSQL

// The events that count are few per call (menus, identity, look-up, transfer) and found through
// call_events_overview_idx without reading prompts and keys.
const overviewEventsSQL = `SELECT
	count(DISTINCT call_id) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' IN ('1', '2')),
	count(DISTINCT call_id) FILTER (WHERE kind = 'identity'),
	count(DISTINCT call_id) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'birthdate' AND fields ->> 'choice' = 'entered'),
	count(DISTINCT call_id) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'readout'),
	count(*) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' = '1'),
	count(*) FILTER (WHERE kind = 'menu' AND fields ->> 'menu' = 'main' AND fields ->> 'choice' = '2'),
	count(*) FILTER (WHERE kind = 'transfer'),
	count(*) FILTER (WHERE kind = 'lookup'),
	coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY (fields ->> 'latency_ms')::float8) FILTER (WHERE kind = 'lookup'), 0),
	coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY (fields ->> 'latency_ms')::float8) FILTER (WHERE kind = 'lookup'), 0)
	FROM call_events
	WHERE kind IN ('menu', 'identity', 'transfer', 'lookup') AND at >= $1::timestamptz AND at < $2::timestamptz + interval '4 hours'
	AND call_id IN (SELECT id FROM calls WHERE started_at >= $1 AND started_at < $2)`
