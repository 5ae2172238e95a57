package store

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// roundTrips counts the statements this process sent to PostgreSQL through pools configured by Trace (every pool
// Open makes): a query, an exec, a batch and a COPY each count one. It is process-wide, like the runtime's own
// counters, because an operator sizes the database by what one process asks of it, whichever pool asked.
var roundTrips atomic.Int64

// RoundTrips is how many statements this process has sent to PostgreSQL (vika_db_round_trips_total): with the
// calls counted beside it, the database round trips per call.
func RoundTrips() int64 { return roundTrips.Load() }

// Trace makes cfg's pool count its round trips in RoundTrips. It keeps a tracer already set.
func Trace(cfg *pgxpool.Config) {
	if cfg.ConnConfig.Tracer == nil {
		cfg.ConnConfig.Tracer = counter{}
	}
}

// counter is a pgx tracer that only counts: no allocation, no log line, nothing of the statement kept (its
// arguments are callers' numbers).
type counter struct{}

func (counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	roundTrips.Add(1)
	return ctx
}

func (counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (counter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	roundTrips.Add(1)
	return ctx
}

func (counter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (counter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (counter) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	roundTrips.Add(1)
	return ctx
}

func (counter) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}
