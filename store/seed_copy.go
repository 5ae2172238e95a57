package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// chunkResult is what one loaded chunk adds to the report.
type chunkResult struct {
	participants, families, bills, payments int
	samples                                 []Sample
}

// load generates the chunk and COPYs its four tables on one connection.
func (g *chunkGen) load(ctx context.Context, pool *pgxpool.Pool) (chunkResult, error) {
	g.generate()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return chunkResult{}, fmt.Errorf("seed: %w", err)
	}
	defer conn.Release()
	copies := []struct {
		table string
		cols  []string
		src   pgx.CopyFromSource
	}{
		{"families", []string{"id", "virtual_account"}, rowsOf(2, g.families, func(r familyRow, v []any) {
			v[0], v[1] = r.id, r.va
		})},
		{"participants", []string{"card_number", "nik", "name", "birth_date", "sex", "family_id", "segment", "class",
			"status_code", "fktp"}, rowsOf(10, g.participants, func(r participantRow, v []any) {
			v[0], v[1], v[2], v[3], v[4] = r.card, r.nik, r.name, r.birth, r.sex
			v[5], v[6], v[7], v[8], v[9] = r.familyID, r.segment, r.class, r.status, r.fktp
		})},
		{"bills", []string{"family_id", "period", "amount"}, rowsOf(3, g.bills, func(r billRow, v []any) {
			v[0], v[1], v[2] = r.familyID, r.period, r.amount
		})},
		{"payments", []string{"family_id", "period", "paid_at", "amount"}, rowsOf(4, g.payments, func(r paymentRow, v []any) {
			v[0], v[1], v[2], v[3] = r.familyID, r.period, r.paidAt, r.amount
		})},
	}
	for _, c := range copies {
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, c.src); err != nil {
			return chunkResult{}, fmt.Errorf("seed: copy %s (chunk %d): %w", c.table, g.k, err)
		}
	}
	return chunkResult{participants: len(g.participants), families: len(g.families), bills: len(g.bills),
		payments: len(g.payments), samples: g.samples}, nil
}

// rowSource feeds typed rows to COPY, reusing one values slice: pgx encodes each row before asking for the next.
type rowSource[T any] struct {
	rows []T
	i    int
	fill func(T, []any)
	vals []any
}

func rowsOf[T any](width int, rows []T, fill func(T, []any)) *rowSource[T] {
	return &rowSource[T]{rows: rows, i: -1, fill: fill, vals: make([]any, width)}
}

func (s *rowSource[T]) Next() bool { s.i++; return s.i < len(s.rows) }

func (s *rowSource[T]) Values() ([]any, error) {
	s.fill(s.rows[s.i], s.vals)
	return s.vals, nil
}

func (s *rowSource[T]) Err() error { return nil }
