package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestMigrateBuildsTheSchemaFromAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewEmptyDB(t)
	if err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	for _, table := range []string{"families", "participants", "contribution_tariffs", "bills", "payments",
		"calls", "call_events", "schema_migrations"} {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing after migrate (%v)", table, err)
		}
	}
	ms, _ := store.Migrations()
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d", n, err, len(ms))
	}
}

func TestMigrateTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewEmptyDB(t)
	for range 2 {
		if err := store.Migrate(ctx, url); err != nil {
			t.Fatal(err)
		}
	}
	var tariffs int
	if err := connect(t, url).QueryRow(ctx, "SELECT count(*) FROM contribution_tariffs").Scan(&tariffs); err != nil {
		t.Fatal(err)
	}
	if tariffs != 5 {
		t.Fatalf("%d tariff rows after two runs, want the 5 seeded once", tariffs)
	}
}

func TestInstancesStartingTogetherMigrateOnceWithoutError(t *testing.T) {
	t.Parallel()
	url := storetest.NewEmptyDB(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() { errs <- store.Migrate(context.Background(), url) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
}

func TestMigrateRefusesAnAppliedMigrationThatWasEdited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewEmptyDB(t)
	if err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	if _, err := connect(t, url).Exec(ctx, "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1"); err != nil {
		t.Fatal(err)
	}
	err := store.Migrate(ctx, url)
	if err == nil || !strings.Contains(err.Error(), "changed after it was applied") {
		t.Fatalf("Migrate = %v, want a refusal naming the edited migration", err)
	}
}

func TestMigrationsAreNumberedFromOne(t *testing.T) {
	ms, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Fatalf("migration %d is numbered %d; versions must run 1, 2, 3…", i, m.Version)
		}
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
