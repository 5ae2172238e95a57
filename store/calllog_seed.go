package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
)

// CallLogSeedOptions says how large and how wide a synthetic call log to make.
type CallLogSeedOptions struct {
	Calls int
	Seed  uint64
	// End is when the last call starts (zero: now); calls start over the Days before it (default 30), more by day
	// than by night and on weekdays than at weekends, as the care center's traffic does.
	End  time.Time
	Days int
	// InProgress calls, the newest, have no end yet (the Live page's calls; default 20).
	InProgress int
	// HashKey is the keyed-hash key for caller and identity hashes (default a fixed test key); the console finds
	// the seeded calls by number only when it is the console's key.
	HashKey []byte
	Workers int // chunks loaded at once (default 2)
	// Progress, when set, is called (never concurrently) after each chunk is loaded.
	Progress func(done, total int)
}

// CallLogSeedReport says what SeedCallLog loaded and how long each phase took.
type CallLogSeedReport struct {
	Calls, Events       int64
	Load, Index, Rollup time.Duration
}

const callSeedChunk = 20_000

// SeedCallLog adds opts.Calls synthetic calls to the call log, shaped like the calls the IVR writes (the events of
// each step, with the same fields, masked keys and keyed hashes; see calllog_seed_gen.go). It is for benchmark and
// demo databases, not for a live one: it drops the call log's indexes (whatever the migrations made them) and its
// rollup trigger, COPYs the rows in parallel, rebuilds the indexes from their saved definitions, and rebuilds the
// overview's rollup from the whole log, which is many times faster than inserting into indexed tables.
func SeedCallLog(ctx context.Context, pool *pgxpool.Pool, opts CallLogSeedOptions) (CallLogSeedReport, error) {
	var rep CallLogSeedReport
	if opts.Calls <= 0 {
		return rep, errors.New("seed call log: calls must be positive")
	}
	if opts.End.IsZero() {
		opts.End = time.Now()
	}
	if opts.Days <= 0 {
		opts.Days = 30
	}
	if opts.InProgress == 0 {
		opts.InProgress = 20
	}
	if len(opts.HashKey) == 0 {
		opts.HashKey = []byte("vika-seed-call-log")
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	indexes, err := callLogIndexes(ctx, pool)
	if err != nil {
		return rep, err
	}
	// The rollup is rebuilt once at the end: counting each chunk's calls as it lands, without the indexes, would
	// read the whole log per chunk.
	if _, err := pool.Exec(ctx, "ALTER TABLE call_events DISABLE TRIGGER call_events_rollup"); err != nil {
		return rep, fmt.Errorf("seed call log: %w", err)
	}
	defer pool.Exec(context.WithoutCancel(ctx), "ALTER TABLE call_events ENABLE TRIGGER call_events_rollup") //nolint:errcheck
	for _, ix := range indexes {
		if _, err := pool.Exec(ctx, ix.drop); err != nil {
			return rep, fmt.Errorf("seed call log: drop %s: %w", ix.name, err)
		}
	}
	start := time.Now()
	if rep.Calls, rep.Events, err = loadCallChunks(ctx, pool, opts); err != nil {
		return rep, err
	}
	rep.Load = time.Since(start)
	start = time.Now()
	ddl := make([]string, len(indexes))
	for i, ix := range indexes {
		ddl[i] = ix.create
	}
	if err := runParallel(ctx, pool, ddl, opts.Workers); err != nil {
		return rep, err
	}
	if _, err := pool.Exec(ctx, "ANALYZE calls, call_events"); err != nil {
		return rep, fmt.Errorf("seed call log: analyze: %w", err)
	}
	rep.Index = time.Since(start)
	start = time.Now()
	if err := RebuildCallRollup(ctx, pool); err != nil {
		return rep, err
	}
	rep.Rollup = time.Since(start)
	return rep, nil
}

// RebuildCallRollup recomputes the overview's hourly rollup (migration 0005) from the whole call log, for after a
// bulk load that bypassed its trigger.
func RebuildCallRollup(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "SELECT call_rollup_rebuild()")
		return err
	})
	if err != nil {
		return fmt.Errorf("rebuild call rollup: %w", err)
	}
	return nil
}

type callLogIndex struct{ name, drop, create string }

// callLogIndexes reads the call log's indexes and primary keys as the migrations left them, so a bulk load can drop
// and rebuild them without keeping a second copy of their definitions here.
func callLogIndexes(ctx context.Context, pool *pgxpool.Pool) ([]callLogIndex, error) {
	rows, _ := pool.Query(ctx, `SELECT i.relname, t.relname, con.conname, pg_get_indexdef(i.oid),
		coalesce(pg_get_constraintdef(con.oid), '')
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.contype IN ('p', 'u')
		WHERE t.relname IN ('calls', 'call_events') AND t.relnamespace = 'public'::regnamespace
		ORDER BY pg_relation_size(i.oid) DESC`)
	ixs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (callLogIndex, error) {
		var index, table string
		var constraint *string
		var indexDef, conDef string
		if err := r.Scan(&index, &table, &constraint, &indexDef, &conDef); err != nil {
			return callLogIndex{}, err
		}
		tbl := pgx.Identifier{table}.Sanitize()
		if constraint != nil {
			con := pgx.Identifier{*constraint}.Sanitize()
			return callLogIndex{name: index, drop: "ALTER TABLE " + tbl + " DROP CONSTRAINT " + con,
				create: "ALTER TABLE " + tbl + " ADD CONSTRAINT " + con + " " + conDef}, nil
		}
		return callLogIndex{name: index, drop: "DROP INDEX " + pgx.Identifier{index}.Sanitize(), create: indexDef}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed call log: read indexes: %w", err)
	}
	return ixs, nil
}

func loadCallChunks(ctx context.Context, pool *pgxpool.Pool, opts CallLogSeedOptions) (calls, events int64, err error) {
	chunks := (opts.Calls + callSeedChunk - 1) / callSeedChunk
	work := make(chan int, chunks)
	for k := range chunks {
		work <- k
	}
	close(work)
	pop := newCallPopulation(opts)
	var nCalls, nEvents atomic.Int64
	var mu sync.Mutex
	done := 0
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for k := range work {
				if ctx.Err() != nil {
					return
				}
				lo, hi := k*callSeedChunk, min((k+1)*callSeedChunk, opts.Calls)
				g := &callGen{pop: pop, rng: rand.New(rand.NewPCG(opts.Seed, uint64(k))), opts: opts}
				for i := lo; i < hi; i++ {
					g.call(i)
				}
				if err := g.copy(ctx, pool); err != nil {
					cancel(fmt.Errorf("seed call log: chunk %d: %w", k, err))
					return
				}
				nCalls.Add(int64(len(g.calls)))
				nEvents.Add(int64(len(g.events)))
				mu.Lock()
				done++
				if opts.Progress != nil {
					opts.Progress(done, chunks)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, 0, err
	}
	return nCalls.Load(), nEvents.Load(), nil
}

func (g *callGen) copy(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"calls"}, []string{"id", "started_at", "ended_at", "entry",
		"caller_masked", "caller_hash", "node", "outcome", "hangup_cause", "hangup_by", "duration_ms"},
		rowsOf(11, g.calls, func(c seedCall, v []any) {
			v[0], v[1], v[2], v[3], v[4], v[5] = c.id, c.started, c.ended, c.entry, c.masked, c.hash
			v[6], v[7], v[8], v[9], v[10] = c.node, c.outcome, c.cause, c.by, c.durationMS
		}))
	if err != nil {
		return fmt.Errorf("copy calls: %w", err)
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"call_events"}, []string{"call_id", "seq", "at", "kind", "fields"},
		rowsOf(5, g.events, func(e seedEvent, v []any) {
			v[0], v[1], v[2], v[3], v[4] = g.calls[e.call].id, e.seq, e.at, string(e.kind), e.fields
		}))
	if err != nil {
		return fmt.Errorf("copy call_events: %w", err)
	}
	return nil
}

// seedHash is jkn.HashID, the keyed hash the IVR logs for callers and identities.
func seedHash(key []byte, number string) string { return jkn.HashID(key, number) }

// seedMaskCaller is how the call log shows a caller.
func seedMaskCaller(number string) string { return calllog.MaskCaller(number) }

func itoa(n int) string { return strconv.Itoa(n) }
