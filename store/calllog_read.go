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
	calls, err := pgx.CollectRows(rows, scanCall)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	return calls, nil
}

// sqlWhere builds a WHERE clause with numbered parameters: each ? of a condition takes the next $n.
type sqlWhere struct {
	conds []string
	args  []any
}

func (w *sqlWhere) add(cond string, vs ...any) {
	for _, v := range vs {
		w.args = append(w.args, v)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *sqlWhere) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// callFilterWhere is the WHERE clause of a CallFilter, shared by the command line's list and the console's pages.
func callFilterWhere(f CallFilter) *sqlWhere {
	w := &sqlWhere{}
	if !f.From.IsZero() {
		w.add("started_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		w.add("started_at < ?", f.To)
	}
	if f.Entry != "" {
		w.add("entry = ?", f.Entry)
	}
	if f.Outcome != "" {
		w.add("outcome = ?", f.Outcome)
	}
	if f.CallerHash != "" {
		w.add("caller_hash = ?", f.CallerHash)
	}
	if f.IdentityHash != "" {
		w.add("id IN (SELECT call_id FROM call_events WHERE kind = 'identity' AND fields ->> 'hash' = ?)", f.IdentityHash)
	}
	return w
}

func listCallsQuery(f CallFilter) (string, []any) {
	w := callFilterWhere(f)
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args := append(w.args, limit)
	return "SELECT " + callColumnsSQL + " FROM calls" + w.String() + " ORDER BY started_at DESC LIMIT $" +
		strconv.Itoa(len(args)), args
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
