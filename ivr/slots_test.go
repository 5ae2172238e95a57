package ivr

import (
	"context"
	"sync"
	"testing"
	"time"
)

// In a burst, a freed slot goes to the calls already talking before the new calls being answered, so that a key
// pressed in a call in progress is answered quickly while the new callers wait, ringing; but a new call's request
// that has waited freshMaxWait is served in its turn, so new calls are never starved.
func TestAFreedRequestSlotGoesToACallInProgressBeforeANewCallUnlessTheNewCallHasWaitedASecond(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		wait      time.Duration // how long both have waited when the slot is freed
		wantFirst string
	}{
		{"the call in progress first", 0, "in progress"},
		{"the new call first once it has waited a second", freshMaxWait + 100*time.Millisecond, "new"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rs := newRequestSlots(1)
			ctx := context.Background()
			held, err := rs.acquire(ctx, time.NewTimer, false)
			if err != nil {
				t.Fatal(err)
			}
			order := make(chan string, 2)
			var done sync.WaitGroup
			done.Add(2)
			wait := func(who string, answering bool) {
				defer done.Done()
				release, err := rs.acquire(ctx, time.NewTimer, answering)
				if err != nil {
					order <- err.Error()
					return
				}
				order <- who
				release()
			}
			go wait("new", true) // the new call asked first
			waitQueued(t, rs, 1)
			go wait("in progress", false)
			waitQueued(t, rs, 2)
			time.Sleep(c.wait)
			held()
			if first := <-order; first != c.wantFirst {
				t.Errorf("the slot went first to %q, want %q", first, c.wantFirst)
			}
			done.Wait()
			if rs.free != 1 {
				t.Errorf("%d slots free after every request gave its back, want 1", rs.free)
			}
		})
	}
}

// A request that gives up waiting leaves the queue: the slot freed later is not handed to it and lost.
func TestARequestThatStopsWaitingForASlotLeavesNoSlotBehind(t *testing.T) {
	t.Parallel()
	rs := newRequestSlots(1)
	held, err := rs.acquire(context.Background(), time.NewTimer, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := rs.acquire(ctx, time.NewTimer, false); done <- err }()
	waitQueued(t, rs, 1)
	cancel()
	if err := <-done; err != errShutdown {
		t.Fatalf("a wait cut short by its context returned %v, want errShutdown", err)
	}
	held()
	if rs.free != 1 {
		t.Errorf("%d slots free, want 1: the slot went to a request that had left", rs.free)
	}
}

func waitQueued(t *testing.T, rs *requestSlots, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rs.mu.Lock()
		queued := len(rs.calls) + len(rs.fresh)
		rs.mu.Unlock()
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait for a slot, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}
