// Package storetest gives tests a fresh, migrated PostgreSQL database of their own, created from DATABASE_URL and
// dropped when the test ends. It owns nothing else: tests talk to the real database, never a mock.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/store"
)

// NewDB creates a uniquely named database on the server DATABASE_URL points at, migrates it, and returns a Store
// on it. The database is dropped at t.Cleanup. Without DATABASE_URL the test is skipped, unless CI=true, where a
// missing database is a failure rather than a silently skipped test.
func NewDB(t testing.TB) *store.Store {
	t.Helper()
	testURL := NewEmptyDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := store.Migrate(ctx, testURL); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	s, err := store.Open(ctx, testURL)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(s.Close) // runs before the database is dropped: cleanups run last-in first-out
	return s
}

// NewEmptyDB creates a uniquely named, unmigrated database (dropped at t.Cleanup) and returns its URL, for tests
// of the migrations themselves.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	dbURL := AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "vika_test_" + randomSuffix(t)
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("storetest: connect to DATABASE_URL: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() { dropDB(t, dbURL, name) })
	return withDatabase(t, dbURL, name)
}

// AdminURL returns DATABASE_URL, skipping (or, with CI=true, failing) the test when it is unset.
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u != "" {
		return u
	}
	const msg = "DATABASE_URL is not set: this test needs PostgreSQL " +
		"(run `make test`, or scripts/with-postgres.sh go test ./...)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// URL returns the connection URL of the test database behind s's pool, for code that connects by URL.
func URL(t testing.TB, s *store.Store) string {
	t.Helper()
	return withDatabase(t, AdminURL(t), s.Pool().Config().ConnConfig.Database)
}

func withDatabase(t testing.TB, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal("storetest: DATABASE_URL is not a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String()
}

func dropDB(t testing.TB, adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Errorf("storetest: drop %s: %v", name, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("storetest: drop %s: %v", name, err)
	}
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
