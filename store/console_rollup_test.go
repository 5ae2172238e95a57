package store_test

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	_ "time/tzdata" // Asia/Jakarta wherever the tests run

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

var jakarta = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		panic(err)
	}
	return loc
}()

// seedEnd is a fixed "now" for seeded call logs: a Sunday noon in Jakarta, so the week before it is whole days.
var seedEnd = time.Date(2026, 3, 15, 12, 0, 0, 0, jakarta)

func TestTheOverviewOfAWeekFromTheRollupSaysWhatCountingTheCallLogSays(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	ctx := context.Background()
	if _, err := store.SeedCallLog(ctx, s.Pool(), store.CallLogSeedOptions{Calls: 3000, Seed: 1, End: seedEnd,
		Days: 10}); err != nil {
		t.Fatal(err)
	}
	to := time.Date(2026, 3, 16, 0, 0, 0, 0, jakarta)
	from := to.AddDate(0, 0, -7)
	got, err := s.Overview(ctx, from, to, jakarta)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.OverviewFromLog(ctx, from, to, jakarta)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.LookupP50-want.LookupP50) > 1e-9 || math.Abs(got.LookupP99-want.LookupP99) > 1e-9 {
		t.Errorf("look-up p50/p99 %v/%v from the rollup, %v/%v from the log", got.LookupP50, got.LookupP99,
			want.LookupP50, want.LookupP99)
	}
	if got.Key1 == 0 || got.Key2 == 0 || got.Transfers == 0 || got.LookupP99 <= got.LookupP50 {
		t.Errorf("keys %d/%d, transfers %d, look-up p50 %v p99 %v", got.Key1, got.Key2, got.Transfers,
			got.LookupP50, got.LookupP99)
	}
	got.LookupP50, got.LookupP99, want.LookupP50, want.LookupP99 = 0, 0, 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from the rollup:\n%+v\nfrom the log:\n%+v", got, want)
	}
	// The comparison means something only if the week holds every kind of call the overview tells apart.
	if got.Outcomes[""] == 0 {
		t.Error("no call in progress in the week: the rollup's open-call half is untested")
	}
	for _, o := range []string{"served", "abandoned", "transferred", "goodbye", "limited", "system_busy"} {
		if got.Outcomes[o] == 0 {
			t.Errorf("no %s call in the week: %v", o, got.Outcomes)
		}
	}
	f := got.Funnel
	if !(f.Arrived > f.Chose && f.Chose > f.Number && f.Number > f.BirthDate && f.BirthDate > f.Readout && f.Readout > 0) {
		t.Errorf("funnel %+v does not narrow stage by stage", f)
	}
}

func TestACallIsCountedOnceInTheOverviewWhenItEndsEvenIfItsLastBatchIsWrittenTwice(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 15, 9, 10, 0, 0, time.UTC)
	from, to := start.Truncate(24*time.Hour), start.Truncate(24*time.Hour).Add(24*time.Hour)
	call := aCall("call-1", start)
	write := func(events ...int) {
		cl := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{HashKey: hashKey, FlushInterval: time.Millisecond})
		for _, i := range events {
			cl.Record(call[i])
		}
		if err := cl.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	overview := func() store.Overview {
		t.Helper()
		o, err := s.Overview(ctx, from, to, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	write(0, 1, 2, 3, 4)
	if o := overview(); o.Calls != 1 || o.Outcomes[""] != 1 || o.Funnel.Number != 1 || o.Lookups != 1 {
		t.Fatalf("while the call goes on: %+v; want it counted once, in progress", o)
	}
	write(5, 6)
	write(5, 6) // the writer resends a batch whose commit it did not see
	o := overview()
	if o.Calls != 1 || o.Outcomes["status_read"] != 1 || o.Outcomes[""] != 0 || o.Funnel.Number != 1 || o.Lookups != 1 ||
		o.LookupP50 != 3 {
		t.Fatalf("after it ended: %+v; want it counted once, with its outcome", o)
	}
	if len(o.Hourly) != 1 || !o.Hourly[0].Hour.Equal(start.Truncate(time.Hour)) || o.Hourly[0].Calls != 1 {
		t.Errorf("hourly %+v; want one call at 09:00", o.Hourly)
	}
}

func TestSeedingTheCallLogLeavesItsIndexesAsTheMigrationsMadeThem(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	ctx := context.Background()
	indexes := func() []string {
		rows, _ := s.Pool().Query(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename IN ('calls', 'call_events')
			UNION ALL SELECT tgname || ' ' || tgenabled::text FROM pg_trigger WHERE tgrelid = 'call_events'::regclass
			ORDER BY 1`)
		defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	before := indexes()
	rep, err := store.SeedCallLog(ctx, s.Pool(), store.CallLogSeedOptions{Calls: 500, Seed: 2, End: seedEnd})
	if err != nil {
		t.Fatal(err)
	}
	if after := indexes(); !slices.Equal(before, after) {
		t.Errorf("indexes and triggers before the seed:\n%q\nafter:\n%q", before, after)
	}
	if rep.Calls != 500 || rep.Events < 500*15 || rep.Events > 500*80 {
		t.Errorf("seeded %d calls with %d events; want 500 calls of 15 to 80 events on average", rep.Calls, rep.Events)
	}
}
