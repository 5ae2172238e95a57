package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestACallerNumberIsLimitedWithinTheWindowAndFreeAfterIt(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	ctx := context.Background()
	// Two instances on one database: the limit is theirs together.
	a := store.NewCallerLimiter(db.Pool(), hashKey, 2, time.Hour)
	b := store.NewCallerLimiter(db.Pool(), hashKey, 2, time.Hour)
	t0 := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	limited := func(l *store.CallerLimiter, caller string, at time.Time) bool {
		t.Helper()
		ok, err := l.Limited(ctx, caller, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if err := a.Failed(ctx, callerNumber, t0); err != nil {
		t.Fatal(err)
	}
	if limited(b, callerNumber, t0.Add(time.Minute)) {
		t.Error("limited after one failure of two")
	}
	if err := b.Failed(ctx, callerNumber, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		caller  string
		at      time.Time
		limited bool
	}{
		{"the same number, on the other instance", callerNumber, t0.Add(3 * time.Minute), true},
		{"another number", "081299998888", t0.Add(3 * time.Minute), false},
		{"the same number once the first failure left the window", callerNumber, t0.Add(time.Hour + time.Minute), false},
	}
	for _, c := range cases {
		if got := limited(a, c.caller, c.at); got != c.limited {
			t.Errorf("%s: limited %v, want %v", c.name, got, c.limited)
		}
	}

	var raw, rows int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE caller_hash LIKE '%' || $1 || '%'), count(*)
		FROM caller_failures`, callerNumber).Scan(&raw, &rows); err != nil || raw != 0 || rows != 2 {
		t.Fatalf("%d rows, %d holding the raw number (%v); want 2 rows, none raw", rows, raw, err)
	}
	if err := a.Prune(ctx, t0.Add(time.Hour+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM caller_failures`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d rows after pruning at 10:01 (%v); want the 09:02 failure only", rows, err)
	}
}
