package ivr

import (
	"context"
	"sync"
	"time"
)

// freshMaxWait is how long a request of a call being answered yields to the calls in progress before it is served
// in its turn like theirs: new calls are never starved, however busy the line.
const freshMaxWait = time.Second

// requestSlots bounds the App's ARI requests out at once (WithRequestSlots). A freed slot goes to the oldest
// request of a call in progress before any request of a call still being answered (Answer, its language), unless
// that one has waited freshMaxWait: in a burst of new calls, the calls already talking keep their replies quick,
// and the new ones wait their turn while ringing. Nothing caps the answers themselves: on a real Asterisk an
// Answer takes long under load, and capping them (tried: half the slots) made answers fall behind the arrivals.
type requestSlots struct {
	mu    sync.Mutex
	free  int
	calls []*slotWaiter // requests of calls in progress, oldest first
	fresh []*slotWaiter // requests of calls being answered, oldest first
}

type slotWaiter struct {
	ready chan struct{} // gets the slot
	since time.Time
}

func newRequestSlots(n int) *requestSlots { return &requestSlots{free: n} }

// acquire waits for a slot, up to requestQueueTimeout (on the timer timer gives) or until ctx ends while it waits,
// and returns the func that gives it back. answering says the request is one of a call being answered.
func (rs *requestSlots) acquire(ctx context.Context, timer func(time.Duration) *time.Timer, answering bool) (release func(), err error) {
	rs.mu.Lock()
	if rs.free > 0 { // a slot is free only while nobody waits: release hands slots to waiters directly
		rs.free--
		rs.mu.Unlock()
		return rs.release, nil
	}
	w := &slotWaiter{ready: make(chan struct{}, 1), since: time.Now()}
	if answering {
		rs.fresh = append(rs.fresh, w)
	} else {
		rs.calls = append(rs.calls, w)
	}
	rs.mu.Unlock()
	// A session whose context has already ended is making its last requests (the hang-up as the app stops): those
	// must still go out, so they wait for a slot within the deadline alone. Only a wait under way is cut short.
	cancelled := ctx.Done()
	if ctx.Err() != nil {
		cancelled = nil
	}
	t := timer(requestQueueTimeout)
	defer t.Stop()
	select {
	case <-w.ready:
		return rs.release, nil
	case <-t.C:
		err = errNoSlot{requestQueueTimeout}
	case <-cancelled:
		err = errShutdown
	}
	if !rs.leave(w) { // the slot came as the wait ended: it is ours, give it on
		rs.release()
	}
	return nil, err
}

// release gives a slot back: to the request next in turn, or to the free ones.
func (rs *requestSlots) release() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var w *slotWaiter
	switch {
	case len(rs.fresh) > 0 && (len(rs.calls) == 0 || time.Since(rs.fresh[0].since) >= freshMaxWait):
		w, rs.fresh = rs.fresh[0], rs.fresh[1:]
	case len(rs.calls) > 0:
		w, rs.calls = rs.calls[0], rs.calls[1:]
	default:
		rs.free++
		return
	}
	w.ready <- struct{}{}
}

// leave takes w out of its queue; false if it was not there any more (it was given a slot).
func (rs *requestSlots) leave(w *slotWaiter) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, q := range []*[]*slotWaiter{&rs.calls, &rs.fresh} {
		for i, x := range *q {
			if x == w {
				*q = append((*q)[:i], (*q)[i+1:]...)
				return true
			}
		}
	}
	return false
}
