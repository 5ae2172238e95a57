package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// seedNow is "today" for seeded tests: mid-month, after the due date.
var seedNow = time.Date(2026, time.March, 15, 12, 0, 0, 0, time.FixedZone("WIB", 7*3600))

func seeded(t testing.TB, n int, seed int64) (*store.Store, store.SeedReport) {
	t.Helper()
	s := storetest.NewDB(t)
	rep, err := store.Seed(context.Background(), s.Pool(), store.SeedOptions{Participants: n, Seed: seed, Now: seedNow})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s, rep
}

func TestSeedSmoke(t *testing.T) {
	s, rep := seeded(t, 20000, 1)
	t.Logf("%+v", rep)
	for _, smp := range rep.Samples {
		m, err := s.LookupMember(context.Background(), jkn.IDNIK, smp.NIK, smp.BirthDate, seedNow)
		if err != nil {
			t.Fatalf("%s: %v", smp.Why, err)
		}
		t.Logf("%s: %+v", smp.Why, m)
	}
}
