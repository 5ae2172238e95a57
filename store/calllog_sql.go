package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/calllog"
)

// Both statements are idempotent (ON CONFLICT), so a batch whose commit was lost in transit can be written again.
// The calls upsert changes a row only when the batch sets one of its columns (an arrival, a hang-up, an end): for
// a call that only gained prompts and keys the row is left as it is, where an update would write a new row version
// and an entry in each of the table's five indexes, for every call in every batch. It is one statement over the rows
// in call-id order, so that writers running side by side take the rows' locks in the same order and cannot deadlock
// (two statements, one for each kind of row, did: 40P01 at 2000 calls at once).
const (
	upsertCallsSQL = `
INSERT INTO calls AS c (id, started_at, ended_at, entry, caller_masked, caller_hash, node, outcome, hangup_cause,
	hangup_by, duration_ms)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
	$7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[])
ON CONFLICT (id) DO UPDATE SET
	started_at = least(c.started_at, excluded.started_at),
	ended_at = coalesce(excluded.ended_at, c.ended_at),
	entry = coalesce(excluded.entry, c.entry),
	caller_masked = coalesce(excluded.caller_masked, c.caller_masked),
	caller_hash = coalesce(excluded.caller_hash, c.caller_hash),
	node = coalesce(excluded.node, c.node),
	outcome = coalesce(excluded.outcome, c.outcome),
	hangup_cause = coalesce(excluded.hangup_cause, c.hangup_cause),
	hangup_by = coalesce(excluded.hangup_by, c.hangup_by),
	duration_ms = coalesce(excluded.duration_ms, c.duration_ms)
WHERE num_nonnulls(excluded.ended_at, excluded.entry, excluded.caller_masked, excluded.caller_hash, excluded.node,
	excluded.outcome, excluded.hangup_cause, excluded.hangup_by, excluded.duration_ms) > 0
	OR excluded.started_at < c.started_at`

	insertEventsSQL = `
INSERT INTO call_events (call_id, seq, at, kind, fields)
SELECT id, seq, at, kind, f::jsonb FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[], $5::text[])
	AS u(id, seq, at, kind, f)
ON CONFLICT (call_id, seq) DO NOTHING`
)

// callRow is what a batch says about one call's searchable columns; nil means "not in this batch".
type callRow struct {
	id                                                              string
	startedAt                                                       time.Time
	endedAt                                                         *time.Time
	entry, callerMasked, callerHash, node, outcome, cause, hangupBy *string
	durationMS                                                      *int64
}

// eventCopyColumns are call_events' columns in the order eventRows gives them.
var eventCopyColumns = []string{"call_id", "seq", "at", "kind", "fields"}

// writeEvents writes a batch in one transaction: the calls rows upserted (in call-id order, so that writers
// running side by side lock rows in the same order and cannot deadlock), the events COPYed. COPY knows no ON
// CONFLICT: when some events of the batch are already stored (a retry after a commit whose answer was lost, a
// spool replayed after a crash), the whole batch is written again with the idempotent INSERT.
func writeEvents(ctx context.Context, pool *pgxpool.Pool, batch []calllog.Event) error {
	if len(batch) == 0 {
		return nil
	}
	calls := callRows(batch)
	slices.SortFunc(calls, func(a, b *callRow) int { return strings.Compare(a.id, b.id) })
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsertCallsSQL, callColumns(calls)...); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"call_events"}, eventCopyColumns, eventRows(batch))
		return err
	})
	if !isUniqueViolation(err) {
		return err
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(upsertCallsSQL, callColumns(calls)...)
		b.Queue(insertEventsSQL, eventColumns(batch)...)
		return tx.SendBatch(ctx, b).Close()
	})
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// eventRows gives the batch to COPY, fields as JSON text.
func eventRows(batch []calllog.Event) pgx.CopyFromSource {
	return pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
		e := batch[i]
		return []any{e.CallID, int32(e.Seq), e.At, string(e.Kind), fieldsJSON(e.Fields)}, nil
	})
}

// callRows folds a batch's events into one row per call, in first-seen order.
func callRows(batch []calllog.Event) []*callRow {
	byID := map[string]*callRow{}
	var rows []*callRow
	for _, e := range batch {
		r := byID[e.CallID]
		if r == nil {
			r = &callRow{id: e.CallID, startedAt: e.At}
			byID[e.CallID] = r
			rows = append(rows, r)
		}
		r.apply(e)
	}
	return rows
}

func (r *callRow) apply(e calllog.Event) {
	if e.At.Before(r.startedAt) {
		r.startedAt = e.At
	}
	f := e.Fields
	switch e.Kind {
	case calllog.KindArrival:
		r.startedAt = e.At
		r.entry, r.node = str(f, calllog.FieldEntry), str(f, calllog.FieldNode)
		r.callerMasked, r.callerHash = str(f, calllog.FieldCallerMasked), str(f, calllog.FieldCallerHash)
	case calllog.KindHangup:
		r.cause, r.hangupBy = str(f, calllog.FieldCause), str(f, calllog.FieldBy)
	case calllog.KindEnd:
		at := e.At
		r.endedAt, r.durationMS, r.outcome = &at, num64(f, calllog.FieldDurationMS), str(f, calllog.FieldOutcome)
	}
}

func callColumns(rows []*callRow) []any {
	n := len(rows)
	ids, started, ended := make([]string, n), make([]time.Time, n), make([]*time.Time, n)
	texts := make([][]*string, 7)
	for i := range texts {
		texts[i] = make([]*string, n)
	}
	dur := make([]*int64, n)
	for i, r := range rows {
		ids[i], started[i], ended[i], dur[i] = r.id, r.startedAt, r.endedAt, r.durationMS
		for j, v := range []*string{r.entry, r.callerMasked, r.callerHash, r.node, r.outcome, r.cause, r.hangupBy} {
			texts[j][i] = v
		}
	}
	return []any{ids, started, ended, texts[0], texts[1], texts[2], texts[3], texts[4], texts[5], texts[6], dur}
}

func eventColumns(batch []calllog.Event) []any {
	n := len(batch)
	ids, seqs, ats, kinds, fields := make([]string, n), make([]int32, n), make([]time.Time, n), make([]string, n),
		make([]string, n)
	for i, e := range batch {
		ids[i], seqs[i], ats[i], kinds[i] = e.CallID, int32(e.Seq), e.At, string(e.Kind)
		fields[i] = fieldsJSON(e.Fields)
	}
	return []any{ids, seqs, ats, kinds, fields}
}

// fieldsJSON encodes an event's fields; a value JSON cannot hold must not block the batch forever, so it is noted.
func fieldsJSON(f map[string]any) string {
	if len(f) == 0 {
		return "{}"
	}
	b, err := json.Marshal(f)
	if err != nil {
		return `{"_error":"fields not encodable as JSON"}`
	}
	return string(b)
}

// str reads a text column's field. The IVR may give a code as a number (a hang-up cause of 16); after a JSON round
// trip through the spill file that number is a float64, which must still read "16".
func str(f map[string]any, key string) *string {
	var s string
	switch v := f[key].(type) {
	case nil:
		return nil
	case string:
		s = v
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case int, int32, int64, uint, uint32, uint64, bool, fmt.Stringer:
		s = fmt.Sprint(v)
	default:
		return nil
	}
	return &s
}

// num64 reads a number field; after a JSON round trip through the spill file numbers are float64.
func num64(f map[string]any, key string) *int64 {
	var n int64
	switch v := f[key].(type) {
	case int:
		n = int64(v)
	case int64:
		n = v
	case int32:
		n = int64(v)
	case float64:
		n = int64(v)
	case time.Duration:
		n = v.Milliseconds()
	default:
		return nil
	}
	return &n
}
