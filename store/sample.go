package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNoParticipants is SampleParticipants on a database nobody seeded.
var ErrNoParticipants = errors.New("the database has no participants")

// SampleParticipants picks about n participants spread over the whole table, for load callers who key in real
// numbers of a database seeded earlier (10 million rows: a sequential scan would take seconds, so the rows come
// from a block sample sized from the planner's row estimate). Only the numbers and birth dates are read.
func SampleParticipants(ctx context.Context, pool *pgxpool.Pool, n int) ([]Sample, error) {
	var estimate float64
	if err := pool.QueryRow(ctx, `SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'participants'::regclass`).Scan(&estimate); err != nil {
		return nil, fmt.Errorf("sample participants: %w", err)
	}
	pct := 100.0
	if estimate > 0 {
		pct = min(100, float64(n)*300/estimate) // three times over: blocks vary in how many rows they hold
	}
	rows, err := pool.Query(ctx, `SELECT nik, card_number, birth_date FROM participants TABLESAMPLE SYSTEM ($1) LIMIT $2`, pct, n)
	if err != nil {
		return nil, fmt.Errorf("sample participants: %w", err)
	}
	defer rows.Close()
	var out []Sample
	for rows.Next() {
		var s Sample
		var born time.Time
		if err := rows.Scan(&s.NIK, &s.Card, &born); err != nil {
			return nil, fmt.Errorf("sample participants: %w", err)
		}
		s.BirthDate, s.Why = born, "sampled"
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sample participants: %w", err)
	}
	if len(out) == 0 {
		return nil, ErrNoParticipants
	}
	return out, nil
}
