package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestEventsRecordedAfterCloseGoToTheSpoolAndReachTheDatabaseAtTheNextStart(t *testing.T) {
	t.Parallel()
	spool := filepath.Join(t.TempDir(), "calllog.jsonl")
	s := storetest.NewDB(t)
	first := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{SpillPath: spool, HashKey: hashKey})
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A call the draining app sends to the fallback while the process is on its way out.
	record(first, aCall("late-call", time.Now().Truncate(time.Millisecond)))
	if st := first.Stats(); st.Dropped != 0 || st.Spilled != 7 || st.SpillBytes == 0 {
		t.Fatalf("stats %+v: want the 7 events of the late call in the spool", st)
	}
	next := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{SpillPath: spool, FlushInterval: 10 * time.Millisecond})
	if err := next.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if events, err := s.CallEvents(context.Background(), "late-call"); err != nil || len(events) != 7 {
		t.Fatalf("%d events of the late call after the restart, %v", len(events), err)
	}
}

func TestABurstBeyondTheQueueIsSpooledNotDropped(t *testing.T) {
	t.Parallel()
	spool := filepath.Join(t.TempDir(), "calllog.jsonl")
	cl := store.NewCallLog(unreachablePool(t), nil, store.CallLogOptions{Buffer: 1, MaxPending: 10, SpillPath: spool})
	for i := range 2000 {
		cl.Record(calllog.Event{CallID: "burst", Seq: i + 1, At: time.Now(), Kind: calllog.KindKey})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_ = cl.Close(ctx)
	if st := cl.Stats(); st.Dropped != 0 || st.Recorded != 2000 {
		t.Fatalf("stats %+v: want every event of the burst kept (in memory or the spool)", st)
	}
}

func TestAFullSpoolDropsCountsAndSaysSo(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.DebugLevel)
	spool := filepath.Join(t.TempDir(), "calllog.jsonl")
	cl := store.NewCallLog(unreachablePool(t), zap.New(core),
		store.CallLogOptions{SpillPath: spool, SpillMaxBytes: 2000, HashKey: hashKey})
	_ = cl.Close(context.Background()) // from here every event goes straight to the spool
	for i := range 50 {
		record(cl, aCall("call-"+string(rune('a'+i%26))+string(rune('a'+i/26)), time.Now()))
	}
	st := cl.Stats()
	if st.Dropped == 0 || st.SpillBytes > 2000+4096 {
		t.Fatalf("stats %+v: want the spool held near its 2000-byte cap and the rest counted as lost", st)
	}
	if logs.FilterMessage("call log: events lost").Len() == 0 {
		t.Fatal("events were lost and nothing was logged")
	}
}
