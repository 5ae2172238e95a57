package store_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

var hashKey = []byte("test-hash-key")

const callerNumber = "081234567890"

// aCall is the timeline of one short call in which the caller keys a NIK and hears their status.
func aCall(id string, start time.Time) []calllog.Event {
	nik := "3507014501900003"
	ev := func(seq int, kind calllog.Kind, f map[string]any) calllog.Event {
		return calllog.Event{CallID: id, Seq: seq, At: start.Add(time.Duration(seq) * time.Second), Kind: kind, Fields: f}
	}
	return []calllog.Event{
		ev(1, calllog.KindArrival, map[string]any{"entry": "mobile", "caller": callerNumber, "node": "ast1"}),
		ev(2, calllog.KindPrompt, map[string]any{"id": "greeting", "cut": false}),
		ev(3, calllog.KindKey, map[string]any{"digit": "1"}),
		ev(4, calllog.KindIdentity, map[string]any{"kind": "nik", "masked": jkn.Mask(nik), "hash": jkn.HashID(hashKey, nik)}),
		ev(5, calllog.KindLookup, map[string]any{"outcome": "found", "latency_ms": 3}),
		ev(6, calllog.KindHangup, map[string]any{"cause": 16, "by": "caller"}), // Asterisk's cause code, a number
		ev(7, calllog.KindEnd, map[string]any{"duration_ms": 7000, "outcome": "status_read"}),
	}
}

func record(sink calllog.Sink, events []calllog.Event) {
	for _, e := range events {
		sink.Record(e)
	}
}

func TestASupervisorFindsACallByCallerAndByNIKWithoutEitherBeingStored(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	ctx := context.Background()
	cl := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{HashKey: hashKey, FlushInterval: 10 * time.Millisecond})
	start := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
	record(cl, aCall("call-1", start))
	record(cl, aCall("call-2", start.Add(time.Hour)))
	if err := cl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	calls, err := s.ListCalls(ctx, store.CallFilter{CallerHash: jkn.HashID(hashKey, callerNumber)})
	if err != nil || len(calls) != 2 || calls[0].ID != "call-2" {
		t.Fatalf("by caller: %+v, %v; want both calls, newest first", calls, err)
	}
	c := calls[1]
	if c.CallerMasked != "0812******90" || c.Entry != "mobile" || c.Node != "ast1" || c.Outcome != "status_read" ||
		c.HangupCause != "16" || c.HangupBy != "caller" || c.DurationMS == nil || *c.DurationMS != 7000 ||
		!c.StartedAt.Equal(start.Add(time.Second)) || c.EndedAt == nil {
		t.Fatalf("call row %+v", c)
	}
	byNIK, err := s.ListCalls(ctx, store.CallFilter{IdentityHash: jkn.HashID(hashKey, "3507014501900003"),
		From: start.Add(30 * time.Minute)})
	if err != nil || len(byNIK) != 1 || byNIK[0].ID != "call-2" {
		t.Fatalf("by NIK after 09:30: %+v, %v", byNIK, err)
	}
	var leaks int
	err = s.Pool().QueryRow(ctx, `SELECT count(*) FROM call_events WHERE fields::text LIKE '%' || $1 || '%'
		OR fields::text LIKE '%3507014501900003%'`, callerNumber).Scan(&leaks)
	if err != nil || leaks != 0 {
		t.Fatalf("%d events hold a full number (%v)", leaks, err)
	}
}

func TestTheTimelineOfACallComesBackInOrder(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	ctx := context.Background()
	cl := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{HashKey: hashKey})
	record(cl, aCall("call-1", time.Now()))
	if err := cl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	events, err := s.CallEvents(ctx, "call-1")
	if err != nil || len(events) != 7 {
		t.Fatalf("events: %d, %v", len(events), err)
	}
	for i, e := range events {
		if e.Seq != i+1 || e.CallID != "call-1" {
			t.Fatalf("event %d is %+v", i, e)
		}
	}
	if events[3].Kind != calllog.KindIdentity || events[3].Fields["masked"] != "3507********0003" {
		t.Fatalf("identity event %+v", events[3])
	}
	if st := cl.Stats(); st.Written != 7 || st.Dropped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWritingTheSameEventsTwiceKeepsOneCopy(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	ctx := context.Background()
	for range 2 { // as after a commit whose acknowledgement was lost, or a spill replayed twice
		cl := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{HashKey: hashKey})
		record(cl, aCall("call-1", time.Now().Truncate(time.Second)))
		if err := cl.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	events, err := s.CallEvents(ctx, "call-1")
	if err != nil || len(events) != 7 {
		t.Fatalf("%d events, %v; want 7", len(events), err)
	}
}

// unreachablePool points at a port nobody listens on: the database is down.
func unreachablePool(t *testing.T) *pgxpool.Pool {
	pool, err := pgxpool.New(context.Background(), "postgres://vika@127.0.0.1:1/vika?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func TestRecordNeverBlocksTheCallWhenTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	cl := store.NewCallLog(unreachablePool(t), nil, store.CallLogOptions{Buffer: 16, MaxPending: 1000})
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5000 {
				cl.Record(calllog.Event{CallID: "c" + string(rune('a'+g)), Seq: i, At: time.Now(), Kind: calllog.KindKey})
			}
		})
	}
	wg.Wait()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("40000 Record calls took %s with the database down", took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := cl.Close(ctx); err == nil {
		t.Fatal("Close with the database down and no spill file must say events were lost")
	}
	cl.Record(calllog.Event{CallID: "late"}) // after Close: counted, not a panic
	if st := cl.Stats(); st.Dropped == 0 || st.Written != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAHungDatabaseDoesNotMakeRecordDropEvents(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never answers: every insert hangs until its timeout.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	pool, err := pgxpool.New(context.Background(), "postgres://vika@"+ln.Addr().String()+"/vika")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	cl := store.NewCallLog(pool, nil, store.CallLogOptions{Buffer: 256, BatchSize: 10, FlushInterval: time.Millisecond})
	for i := range 5000 { // far more than the channel holds, in bursts smaller than it
		cl.Record(calllog.Event{CallID: "c", Seq: i, At: time.Now(), Kind: calllog.KindKey})
		if i%100 == 99 {
			waitFor(t, func() bool { return cl.Stats().Buffered == 0 }) // the collector drains while inserts hang
		}
	}
	if st := cl.Stats(); st.Failures > 0 || st.Written > 0 || st.Queued < 4900 {
		t.Fatalf("stats %+v: want the events queued in memory while the first insert still hangs", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_ = cl.Close(ctx) // the database never answers: these are lost at Close, not at Record
	if st := cl.Stats(); st.Recorded != 5000 {
		t.Fatalf("stats %+v: Record dropped events while an insert hung", st)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}

func TestEventsSpilledWhileTheDatabaseIsDownReachItWhenItIsBack(t *testing.T) {
	t.Parallel()
	spill := filepath.Join(t.TempDir(), "calllog.jsonl")
	down := store.NewCallLog(unreachablePool(t), nil, store.CallLogOptions{SpillPath: spill, HashKey: hashKey})
	record(down, aCall("call-1", time.Now().Truncate(time.Millisecond)))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := down.Close(ctx); err != nil {
		t.Fatalf("Close with a spill file: %v", err)
	}
	if st := down.Stats(); st.Spilled != 7 {
		t.Fatalf("stats %+v, want 7 spilled", st)
	}
	b, _ := os.ReadFile(spill)
	if len(b) == 0 || containsRun(string(b), callerNumber) {
		t.Fatalf("spill file empty or holding the caller's number: %s", b)
	}
	s := storetest.NewDB(t)
	up := store.NewCallLog(s.Pool(), nil, store.CallLogOptions{SpillPath: spill, FlushInterval: 10 * time.Millisecond})
	if err := up.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	events, err := s.CallEvents(context.Background(), "call-1")
	if err != nil || len(events) != 7 {
		t.Fatalf("%d events after replay, %v", len(events), err)
	}
	calls, err := s.ListCalls(context.Background(), store.CallFilter{Entry: "mobile"})
	if err != nil || len(calls) != 1 || calls[0].DurationMS == nil || *calls[0].DurationMS != 7000 {
		t.Fatalf("call after replay: %+v, %v", calls, err)
	}
	if _, err := os.Stat(spill); !os.IsNotExist(err) {
		t.Fatalf("spill file still there after replay: %v", err)
	}
}

func TestSearchValuesAreOnlyParameters(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	calls, err := s.ListCalls(context.Background(), store.CallFilter{Entry: "'; drop table calls;--",
		Outcome: "x' OR '1'='1"})
	if err != nil || len(calls) != 0 {
		t.Fatalf("%v, %v", calls, err)
	}
	if _, err := s.ListCalls(context.Background(), store.CallFilter{}); err != nil {
		t.Fatalf("calls table damaged: %v", err)
	}
}
