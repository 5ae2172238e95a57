package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/jkn"
)

// CallerLimiter counts failed identity checks per caller number in PostgreSQL, so that every `vika serve`
// instance on the database shares one limit: Max failures within Window, counted over a sliding window. It
// implements ivr.CallerLimiter (by shape: store does not import ivr).
//
// The caller number never reaches the table: rows are keyed by its keyed hash. Calls without a number share the
// key "anonymous", which errs on the side of refusing. Old rows are pruned by the instances themselves, at most
// once per prune interval each, so the table holds about one window of failures.
type CallerLimiter struct {
	pool   *pgxpool.Pool
	key    []byte
	max    int
	window time.Duration

	mu        sync.Mutex
	nextPrune time.Time
}

// pruneEvery bounds how often one instance deletes expired rows; a tenth of the window, at most a minute.
func (l *CallerLimiter) pruneEvery() time.Duration { return min(l.window/10, time.Minute) }

// NewCallerLimiter allows max failures per caller number within window. hashKey must be the key the call log
// hashes caller numbers with, so that a supervisor can match the two.
func NewCallerLimiter(pool *pgxpool.Pool, hashKey []byte, max int, window time.Duration) *CallerLimiter {
	return &CallerLimiter{pool: pool, key: hashKey, max: max, window: window}
}

func (l *CallerLimiter) hash(caller string) string {
	if caller == "" {
		caller = "anonymous"
	}
	return jkn.HashID(l.key, caller)
}

// Limited says whether the caller has used up their failed tries. It counts at most max rows, so a number that
// failed thousands of times costs no more than one that failed max times.
func (l *CallerLimiter) Limited(ctx context.Context, caller string, now time.Time) (bool, error) {
	var n int
	err := l.pool.QueryRow(ctx, `
		SELECT count(*) FROM (
			SELECT 1 FROM caller_failures WHERE caller_hash = $1 AND failed_at > $2 LIMIT $3
		) AS recent`, l.hash(caller), now.Add(-l.window), l.max).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("caller limit: %w", err)
	}
	return n >= l.max, nil
}

// Failed counts one failed identity check, and now and then deletes the rows older than the window.
func (l *CallerLimiter) Failed(ctx context.Context, caller string, now time.Time) error {
	if _, err := l.pool.Exec(ctx, `INSERT INTO caller_failures (caller_hash, failed_at) VALUES ($1, $2)`,
		l.hash(caller), now); err != nil {
		return fmt.Errorf("caller limit: %w", err)
	}
	if !l.duePrune(now) {
		return nil
	}
	return l.Prune(ctx, now)
}

func (l *CallerLimiter) duePrune(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.nextPrune) {
		return false
	}
	l.nextPrune = now.Add(l.pruneEvery())
	return true
}

// Prune deletes the failures older than the window: they no longer count.
func (l *CallerLimiter) Prune(ctx context.Context, now time.Time) error {
	if _, err := l.pool.Exec(ctx, `DELETE FROM caller_failures WHERE failed_at <= $1`, now.Add(-l.window)); err != nil {
		return fmt.Errorf("caller limit: prune: %w", err)
	}
	return nil
}
