package replica_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/pgtemp"
	"github.com/vika-jkn/vika/store/replica"
	"github.com/vika-jkn/vika/store/storetest"
)

// cluster is a real primary and a streaming replica of it (pg_basebackup -R), both detached and stopped at the end.
func cluster(t *testing.T) (primary, standby *pgtemp.Server, pdb, rdb *store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := pgtemp.Start(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("no PostgreSQL server binaries:", err)
	}
	t.Cleanup(func() { _ = p.Stop() })
	if err := store.Migrate(ctx, p.URL); err != nil {
		t.Fatal(err)
	}
	r, err := pgtemp.StartReplica(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	if pdb, err = store.Open(ctx, p.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pdb.Close)
	if rdb, err = store.Open(ctx, r.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rdb.Close)
	return p, r, pdb, rdb
}

// eventually waits up to 10 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
	}
}

func TestLookupsGoToTheReplicaAndToThePrimaryWhenTheReplicaLagsOrIsDown(t *testing.T) {
	_, standby, pdb, rdb := cluster(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := time.Now()
	seed := func() storetest.Participant {
		return storetest.Seed(t, pdb, now, storetest.Participant{Birth: storetest.Birth(1984, 4, 4),
			Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 42000})
	}
	first := seed()
	r := replica.New(pdb, rdb, 300*time.Millisecond, nil)
	runCtx, stopChecks := context.WithCancel(ctx)
	go r.Run(runCtx)
	lookup := func(p storetest.Participant) error {
		_, err := r.LookupMember(ctx, jkn.IDNIK, p.NIK, p.Birth, now)
		return err
	}

	// Caught up: the participant written on the primary is read from the replica.
	eventually(t, "the replica in use", func() bool { return r.Stats().InUse })
	eventually(t, "the participant replicated", func() bool { return lookup(first) == nil })
	if s := r.Stats(); s.Replica == 0 {
		t.Fatalf("with the replica caught up, look-ups went %+v; want the replica to answer", s)
	}

	// Replay paused while the primary writes: past the bound, look-ups go to the primary, which has the newcomer.
	if _, err := rdb.Pool().Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	newcomer := seed()
	eventually(t, "the lagging replica left", func() bool { return !r.Stats().InUse })
	before := r.Stats()
	if err := lookup(newcomer); err != nil {
		t.Fatalf("a participant written after the replica fell behind: %v; want the primary to find them", err)
	}
	if s := r.Stats(); s.Primary != before.Primary+1 || s.Replica != before.Replica {
		t.Errorf("with the replica %v behind, look-ups went %+v (before %+v); want the primary", 300*time.Millisecond, s, before)
	}

	// Replay resumed: the replica catches up and is used again.
	if _, err := rdb.Pool().Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replica back in use", func() bool { return r.Stats().InUse })
	before = r.Stats()
	if err := lookup(newcomer); err != nil || r.Stats().Replica != before.Replica+1 {
		t.Fatalf("after catching up: %v, %+v; want the replica to answer", err, r.Stats())
	}

	// The replica goes down between two checks (the checks stopped, so the router still believes in it): the
	// look-up that finds it gone is answered by the primary, and none fails.
	stopChecks()
	if err := standby.Stop(); err != nil {
		t.Fatal(err)
	}
	before = r.Stats()
	for range 5 {
		if err := lookup(first); err != nil {
			t.Fatalf("with the replica down a look-up failed: %v", err)
		}
	}
	if s := r.Stats(); s.FellBack != before.FellBack+1 || s.Primary != before.Primary+5 || s.Replica != before.Replica || s.InUse {
		t.Errorf("after the replica stopped: %+v (before %+v); want one fall-back, then every look-up on the primary", s, before)
	}
}
