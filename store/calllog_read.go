package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/calllog"
)

// CallFilter selects calls for a supervisor's search. Zero fields do not filter.
type CallFilter struct {
	From, To     time.Time // started_at in [From, To)
	Entry        string
	Outcome      string
	CallerHash   string // jkn.HashID of the caller's number
	IdentityHash string // jkn.HashID of a NIK or card number keyed in during the call
	Limit        int    // default 100
}

// Call is one row of the call list.
type Call struct {
	ID           string
	StartedAt    time.Time
	EndedAt      *time.Time
	Entry        string
	CallerMasked string
	CallerHash   string
	Node         string
	Outcome      string
	HangupCause  string
	HangupBy     string
	DurationMS   *int64
}

// ListCalls returns the calls matching f, newest first. Filter values only ever reach SQL as parameters.
func (s *Store) ListCalls(ctx context.Context, f CallFilter) ([]Call, error) {
	query, args := listCallsQuery(f)
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Call, error) {
		var c Call
		var entry, masked, hash, node, outcome, cause, by *string
		err := r.Scan(&c.ID, &c.StartedAt, &c.EndedAt, &entry, &masked, &hash, &node, &outcome, &cause, &by,
			&c.DurationMS)
		c.Entry, c.CallerMasked, c.CallerHash, c.Node = deref(entry), deref(masked), deref(hash), deref(node)
		c.Outcome, c.HangupCause, c.HangupBy = deref(outcome), deref(cause), deref(by)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	return calls, nil
}

func listCallsQuery(f CallFilter) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if !f.From.IsZero() {
		add("started_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("started_at < ?", f.To)
	}
	if f.Entry != "" {
		add("entry = ?", f.Entry)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if f.CallerHash != "" {
		add("caller_hash = ?", f.CallerHash)
	}
	if f.IdentityHash != "" {
		add("id IN (SELECT call_id FROM call_events WHERE kind = 'identity' AND fields ->> 'hash' = ?)",
			f.IdentityHash)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT id, started_at, ended_at, entry, caller_masked, caller_hash, node, outcome, hangup_cause, hangup_by,
	duration_ms FROM calls`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	return q + " ORDER BY started_at DESC LIMIT $" + strconv.Itoa(len(args)), args
}

// CallEvents returns one call's timeline in order.
func (s *Store) CallEvents(ctx context.Context, callID string) ([]calllog.Event, error) {
	rows, err := s.pool.Query(ctx,
		"SELECT call_id, seq, at, kind, fields FROM call_events WHERE call_id = $1 ORDER BY seq", callID)
	if err != nil {
		return nil, fmt.Errorf("events of call %s: %w", callID, err)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (calllog.Event, error) {
		var e calllog.Event
		var kind string
		err := r.Scan(&e.CallID, &e.Seq, &e.At, &kind, &e.Fields)
		e.Kind = calllog.Kind(kind)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("events of call %s: %w", callID, err)
	}
	return events, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
