package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The seed loads into bare tables and builds the keys, indexes and foreign keys afterwards. These statements must
// describe exactly what migrations/0001_members.sql creates; TestSeedLeavesTheSchemaAsMigrated checks that they do.
var seedDropDDL = []string{
	"TRUNCATE payments, bills, participants, families",
	"ALTER TABLE participants DROP CONSTRAINT IF EXISTS participants_family_id_fkey",
	"ALTER TABLE bills DROP CONSTRAINT IF EXISTS bills_family_id_fkey",
	"ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_family_id_fkey",
	"ALTER TABLE participants DROP CONSTRAINT IF EXISTS participants_pkey",
	"ALTER TABLE families DROP CONSTRAINT IF EXISTS families_pkey",
	"ALTER TABLE bills DROP CONSTRAINT IF EXISTS bills_pkey",
	"DROP INDEX IF EXISTS participants_nik_key, participants_family_id_idx, payments_family_id_period_idx, " +
		"families_virtual_account_key",
}

// seedIndexDDL can run in parallel (largest first); seedForeignKeyDDL runs after, one at a time, since each takes a
// lock on families that the others wait for anyway.
var seedIndexDDL = []string{
	"ALTER TABLE bills ADD CONSTRAINT bills_pkey PRIMARY KEY (family_id, period)",
	"CREATE INDEX payments_family_id_period_idx ON payments (family_id, period)",
	"ALTER TABLE participants ADD CONSTRAINT participants_pkey PRIMARY KEY (card_number)",
	"CREATE UNIQUE INDEX participants_nik_key ON participants (nik)",
	"CREATE INDEX participants_family_id_idx ON participants (family_id)",
	"ALTER TABLE families ADD CONSTRAINT families_pkey PRIMARY KEY (id)",
	"CREATE UNIQUE INDEX families_virtual_account_key ON families (virtual_account)",
}

var seedForeignKeyDDL = []string{
	"ALTER TABLE participants ADD CONSTRAINT participants_family_id_fkey FOREIGN KEY (family_id) REFERENCES families (id)",
	"ALTER TABLE bills ADD CONSTRAINT bills_family_id_fkey FOREIGN KEY (family_id) REFERENCES families (id)",
	"ALTER TABLE payments ADD CONSTRAINT payments_family_id_fkey FOREIGN KEY (family_id) REFERENCES families (id)",
}

func prepareLoad(ctx context.Context, pool *pgxpool.Pool) error {
	for _, q := range seedDropDDL {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("seed: prepare: %w", err)
		}
	}
	return nil
}

// finishLoad builds indexes on `workers` connections, then the foreign keys, then refreshes planner statistics.
func finishLoad(ctx context.Context, pool *pgxpool.Pool, workers int) error {
	if err := runParallel(ctx, pool, seedIndexDDL, workers); err != nil {
		return err
	}
	for _, q := range append(seedForeignKeyDDL, "ANALYZE families, participants, bills, payments") {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

func runParallel(ctx context.Context, pool *pgxpool.Pool, stmts []string, workers int) error {
	work := make(chan string, len(stmts))
	for _, q := range stmts {
		work <- q
	}
	close(work)
	var wg sync.WaitGroup
	errs := make(chan error, len(stmts))
	for range workers {
		wg.Go(func() {
			for q := range work {
				if err := execIndexDDL(ctx, pool, q); err != nil {
					errs <- fmt.Errorf("seed: build index: %w", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// execIndexDDL gives the index build more sort memory than a query needs, on its own connection.
func execIndexDDL(ctx context.Context, pool *pgxpool.Pool, q string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '512MB'"); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "RESET maintenance_work_mem") //nolint:errcheck
	_, err = conn.Exec(ctx, q)
	return err
}
