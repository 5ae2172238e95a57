package store_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

type benchKey struct {
	nik, card string
	birth     time.Time
}

// BenchmarkLookupMember measures one look-up's latency (one caller at a time) on a database seeded with
// VIKA_BENCH_PARTICIPANTS participants (default 100000), alternating NIK and card look-ups of random participants.
// It reports the seed time and the p50/p99 latencies. With VIKA_BENCH_DATABASE_URL it uses that already seeded
// database instead (e.g. after `vika seed --participants 10000000`).
func BenchmarkLookupMember(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	keys := benchKeys(b, s, 5000)
	lat := make([]time.Duration, 0, 100_000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := keys[i%len(keys)]
		kind, num := jkn.IDNIK, k.nik
		if i%2 == 1 {
			kind, num = jkn.IDCard, k.card
		}
		t0 := time.Now()
		if _, err := s.LookupMember(ctx, kind, num, k.birth, seedNow); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

func benchStore(b *testing.B) *store.Store {
	if u := os.Getenv("VIKA_BENCH_DATABASE_URL"); u != "" {
		s, err := store.Open(context.Background(), u)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		return s
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("VIKA_BENCH_PARTICIPANTS")); err == nil && v > 0 {
		n = v
	}
	s := storetest.NewDB(b)
	start := time.Now()
	rep, err := store.Seed(context.Background(), s.Pool(), store.SeedOptions{Participants: n, Seed: 7, Now: seedNow})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d participants, %d families, %d bills, %d payments in %s (load %s, indexes %s)",
		rep.Participants, rep.Families, rep.Bills, rep.Payments, time.Since(start).Round(time.Millisecond),
		rep.Load.Round(time.Millisecond), rep.Index.Round(time.Millisecond))
	return s
}

// benchKeys picks random participants (in random order, spread over the table) to look up.
func benchKeys(b *testing.B, s *store.Store, n int) []benchKey {
	rows, err := s.Pool().Query(context.Background(),
		"SELECT nik, card_number, birth_date FROM participants ORDER BY md5(card_number) LIMIT $1", n)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (benchKey, error) {
		var k benchKey
		return k, r.Scan(&k.nik, &k.card, &k.birth)
	})
	if err != nil || len(keys) == 0 {
		b.Fatalf("bench keys: %v (%d)", err, len(keys))
	}
	return keys
}
