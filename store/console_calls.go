package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoCall is returned when the call log has no call with the id asked for.
var ErrNoCall = errors.New("no such call")

// CallCursor is where a page of calls stops: the next page holds the calls strictly older in (started_at, id).
type CallCursor struct {
	StartedAt time.Time
	ID        string
}

// CallPageQuery is the console's search: CallFilter's fields, the Asterisk node, and keyset paging.
type CallPageQuery struct {
	CallFilter
	Node   string
	Before *CallCursor
}

// CallPage returns up to Limit calls matching q, newest first, older than q.Before when set. Keyset paging keeps a
// deep page as fast as the first on a large log (an OFFSET would read every row it skips).
func (s *Store) CallPage(ctx context.Context, q CallPageQuery) ([]Call, error) {
	query, args := callPageQuery(q)
	// Planned for these values every time, never from a cached generic plan: with the NIK's hash unknown, a generic
	// plan reads every call of the week to join them with that NIK's few calls (70 ms instead of 5 on a million
	// calls; docs/performance.md).
	rows, err := s.pool.Query(ctx, query, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("call page: %w", err)
	}
	calls, err := pgx.CollectRows(rows, scanCall)
	if err != nil {
		return nil, fmt.Errorf("call page: %w", err)
	}
	return calls, nil
}

// CallPageSQL is the statement CallPage runs for q with its arguments, for EXPLAIN in benchmarks and docs.
func CallPageSQL(q CallPageQuery) (string, []any) { return callPageQuery(q) }

const callColumnsSQL = `id, started_at, ended_at, entry, caller_masked, caller_hash, node, outcome, hangup_cause,
	hangup_by, duration_ms`

func callPageQuery(q CallPageQuery) (string, []any) {
	w := callFilterWhere(q.CallFilter)
	if q.Node != "" {
		w.add("node = ?", q.Node)
	}
	if q.Before != nil {
		// The row comparison is an index condition only on (started_at, id); the plain bound on started_at that it
		// implies lets the entry, outcome, node and caller indexes start at the cursor instead of at the newest call.
		w.add("started_at <= ? AND (started_at, id) < (?, ?)", q.Before.StartedAt, q.Before.StartedAt, q.Before.ID)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	args := append(w.args, limit)
	return "SELECT " + callColumnsSQL + " FROM calls" + w.String() + " ORDER BY started_at DESC, id DESC LIMIT $" +
		strconv.Itoa(len(args)), args
}

func scanCall(r pgx.CollectableRow) (Call, error) {
	var c Call
	var entry, masked, hash, node, outcome, cause, by *string
	err := r.Scan(&c.ID, &c.StartedAt, &c.EndedAt, &entry, &masked, &hash, &node, &outcome, &cause, &by, &c.DurationMS)
	c.Entry, c.CallerMasked, c.CallerHash, c.Node = deref(entry), deref(masked), deref(hash), deref(node)
	c.Outcome, c.HangupCause, c.HangupBy = deref(outcome), deref(cause), deref(by)
	return c, err
}

// CallByID returns one call's row, or ErrNoCall.
func (s *Store) CallByID(ctx context.Context, id string) (Call, error) {
	rows, _ := s.pool.Query(ctx, "SELECT "+callColumnsSQL+" FROM calls WHERE id = $1", id)
	c, err := pgx.CollectExactlyOneRow(rows, scanCall)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, ErrNoCall
	}
	if err != nil {
		return c, fmt.Errorf("call %s: %w", id, err)
	}
	return c, nil
}

// LiveCall is a call in progress and its latest steps.
type LiveCall struct {
	ID           string
	StartedAt    time.Time
	Entry        string
	CallerMasked string
	Node         string
	LastKind     string     // prompt, menu, identity, lookup, key, ...
	LastPrompt   string     // the latest prompt played
	Steps        []LiveStep // the latest events but keys, newest first (up to liveSteps)
}

// LiveStep is one event of a call in progress, reduced to what says where in the flow the call is.
type LiveStep struct {
	Kind    string // arrival, prompt, menu, identity, lookup, transfer, hangup
	Prompt  string // prompt: its id
	Menu    string // menu: its id
	Choice  string // menu: the choice taken
	Outcome string // lookup: found, not_found, error, timeout
	Hashed  bool   // identity: a well-formed number (it has a hash), not one refused for its length or checksum
}

// liveSteps is enough events to get past the prompts that say nothing of the stage (no-input, a readout's words):
// keys, the most numerous, are left out.
const liveSteps = 8

// LiveCalls returns calls with no end yet that started after since (a call whose end was never logged, say by a
// crashed node, drops out once it is older than since).
func (s *Store) LiveCalls(ctx context.Context, since time.Time) ([]LiveCall, error) {
	rows, _ := s.pool.Query(ctx, `SELECT c.id, c.started_at, coalesce(c.entry, ''), coalesce(c.caller_masked, ''),
		coalesce(c.node, ''), coalesce(l.kind, ''),
		coalesce((SELECT fields ->> 'id' FROM call_events WHERE call_id = c.id AND kind = 'prompt' ORDER BY seq DESC LIMIT 1), ''),
		coalesce((SELECT json_agg(json_build_array(kind, coalesce(fields ->> 'id', ''), coalesce(fields ->> 'menu', ''),
			coalesce(fields ->> 'choice', ''), coalesce(fields ->> 'outcome', ''), fields ? 'hash') ORDER BY seq DESC)
			FROM (SELECT seq, kind, fields FROM call_events WHERE call_id = c.id AND kind <> 'key'
				ORDER BY seq DESC LIMIT $2) s), '[]')
		FROM calls c
		LEFT JOIN LATERAL (SELECT kind FROM call_events WHERE call_id = c.id ORDER BY seq DESC LIMIT 1) l ON true
		WHERE c.ended_at IS NULL AND c.started_at > $1
		ORDER BY c.started_at DESC LIMIT 500`, since, liveSteps)
	calls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LiveCall, error) {
		var c LiveCall
		var steps [][]any
		err := r.Scan(&c.ID, &c.StartedAt, &c.Entry, &c.CallerMasked, &c.Node, &c.LastKind, &c.LastPrompt, &steps)
		for _, st := range steps {
			if len(st) != 6 {
				continue
			}
			text := func(i int) string { v, _ := st[i].(string); return v }
			hashed, _ := st[5].(bool)
			c.Steps = append(c.Steps, LiveStep{Kind: text(0), Prompt: text(1), Menu: text(2), Choice: text(3),
				Outcome: text(4), Hashed: hashed})
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("live calls: %w", err)
	}
	return calls, nil
}

// CallNodes lists the Asterisk nodes seen in the call log, for the node filter.
func (s *Store) CallNodes(ctx context.Context) ([]string, error) {
	// A loose index scan: one probe of calls_node_started_at_idx per node, not a scan of the whole log.
	rows, _ := s.pool.Query(ctx, `WITH RECURSIVE n AS (
		(SELECT node FROM calls WHERE node IS NOT NULL ORDER BY node LIMIT 1)
		UNION ALL
		SELECT (SELECT node FROM calls WHERE node > n.node ORDER BY node LIMIT 1) FROM n WHERE n.node IS NOT NULL)
		SELECT node FROM n WHERE node IS NOT NULL LIMIT 100`)
	nodes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("call nodes: %w", err)
	}
	return nodes, nil
}
