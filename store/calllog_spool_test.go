package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// The reliability table's "disk full for the spool", with the database down as well (the only time the spool is
// written): the spool file is /dev/full, where every write fails with ENOSPC. Record still never blocks, the events
// the memory queue holds are kept for the database, and those that find neither room in memory nor on disk are
// counted and logged with the reason, not lost in silence.
func TestWithTheSpoolsDiskFullRecordNeverBlocksAndWhatIsLostIsCountedAndLogged(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this machine")
	}
	spool := filepath.Join(t.TempDir(), "calllog.jsonl")
	if err := os.Symlink("/dev/full", spool); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	cl := store.NewCallLog(unreachablePool(t), zap.New(core),
		store.CallLogOptions{Buffer: 8, MaxPending: 100, SpillPath: spool, HashKey: hashKey})
	start := time.Now()
	for i := range 2000 {
		cl.Record(calllog.Event{CallID: "disk-full", Seq: i + 1, At: time.Now(), Kind: calllog.KindKey})
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("2000 Records took %s with the spool's disk full", took)
	}
	// A batch the writer has taken for a (failing) write is in neither the queue nor the lost count until it is put
	// back: wait for the accounting to settle rather than read it mid-write.
	deadline := time.Now().Add(5 * time.Second)
	st := cl.Stats()
	for (st.Buffered > 0 || st.Dropped+int64(st.Queued) < 2000) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		st = cl.Stats()
	}
	if st.Dropped == 0 || st.Spilled != 0 || st.Queued == 0 || st.Queued > 100 || st.Dropped+int64(st.Queued) != 2000 {
		t.Fatalf("stats %+v: want the memory queue kept and every other event counted as lost", st)
	}
	lost := logs.FilterMessage("call log: events lost").All()
	if len(lost) == 0 || !strings.Contains(fmt.Sprint(lost[0].ContextMap()["error"]), "no space left on device") {
		t.Fatalf("log lines %v: want the loss logged with the reason", lost)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = cl.Close(ctx)
}
