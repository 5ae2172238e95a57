// Package store owns VIKA's PostgreSQL data: the embedded schema migrations, participant and contribution look-ups,
// the synthetic data seed (bulk COPY), and the call-log writer (a calllog.Sink) and reader.
//
// All SQL lives here, written out in full, one function per query; numbers a caller keyed in only ever reach SQL
// as query parameters. The package knows the JKN rules through package jkn; it knows nothing of telephony.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned by LookupMember both when no participant has the number and when the birth date does not
// match: the caller must not learn which.
var ErrNotFound = errors.New("participant not found")

// Store is a pool of connections to the VIKA database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: say what failed, not what was parsed.
		return nil, errors.New("open database: invalid database URL")
	}
	Trace(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return &Store{pool: pool}, nil
}

// New wraps an existing pool; the caller keeps ownership of it.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Pool gives the underlying pool, for Seed and NewCallLog.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }
