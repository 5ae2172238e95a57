package ivr

import (
	"context"
	"fmt"
	"time"
)

// defaultRequestTimeout bounds one ARI request. Asterisk answers a healthy request in milliseconds; this is
// real time, never scaled with the flow, since REST latency does not shrink when prompts are played faster.
const defaultRequestTimeout = 2 * time.Second

// DefaultRequestTimeout is the request timeout of an App made without WithRequestTimeout: the deadline its ARI
// client's HTTP requests should carry too, waiting for a pooled connection included.
const DefaultRequestTimeout = defaultRequestTimeout

// WithRequestTimeout sets how long a session waits for Asterisk to answer one ARI request (default 2 s).
func WithRequestTimeout(d time.Duration) Option { return func(a *App) { a.requestTimeout = d } }

// requestQueueTimeout bounds how long a request waits for one of the App's request slots (WithRequestSlots)
// before it is given up unsent. A caller hears silence meanwhile, so it is short; but a slot is this process's own
// queue, not Asterisk being slow, and a call that waits a few seconds in a burst is better off than one that is
// hung up on (5,000 callers in the same instant, pressing their keys in the same seconds, queue for up to 3-4 s).
const requestQueueTimeout = 8 * time.Second

// WithRequestSlots lets at most n of the App's ARI requests be out at once; the others wait their turn, up to
// requestQueueTimeout, before their own request timeout starts. Serve gives the size of its ARI connection pool
// (ari.max_conns): a request then never waits in the pool itself, where its 2 s would be spent queueing behind
// the other calls' requests and it would fail with "Asterisk did not answer" while Asterisk was never asked.
// n ≤ 0 means no limit (the default).
func WithRequestSlots(n int) Option {
	return func(a *App) {
		a.requestSlots = nil
		if n > 0 {
			a.requestSlots = make(chan struct{}, n)
		}
	}
}

// errNoAnswer is a request Asterisk did not answer in time.
type errNoAnswer struct{ after time.Duration }

func (e errNoAnswer) Error() string { return fmt.Sprintf("Asterisk did not answer within %s", e.after) }

// errNoSlot is a request that never got one of the App's request slots: this process is that far behind.
type errNoSlot struct{ after time.Duration }

func (e errNoSlot) Error() string {
	return fmt.Sprintf("no ARI request slot free within %s (every one of the app's connections to Asterisk busy)", e.after)
}

// ask runs one ARI request for the session, within the App's request timeout, once it has a request slot. The
// native client (ari/v5 v5.3.1) sends its requests with no timeout at all (its RequestTimeout variable is never
// read), so a hung Asterisk would hold a call, in silence, for as long as the TCP connection lives. At the
// deadline the session stops waiting and treats the request as failed; the request's goroutine finishes when the
// HTTP exchange does, and only then gives its slot back (its connection is busy until then). It holds nothing of
// the session, and it counts in App.live until then, so a test that checks for leaked goroutines sees it.
func ask[T any](s *session, f func() (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	var zero T
	release, err := s.app.requestSlot(s.ctx, s.requestTimer)
	if err != nil {
		return zero, err
	}
	done := make(chan answer, 1)
	s.app.live.Add(1)
	go func() {
		defer s.app.live.Add(-1)
		defer release()
		v, err := f()
		done <- answer{v, err}
	}()
	t := s.requestTimer(s.app.requestTimeout)
	defer t.Stop()
	select {
	case a := <-done:
		return a.v, a.err
	case <-t.C:
		return zero, errNoAnswer{s.app.requestTimeout}
	}
}

// requestSlot waits for one of the App's request slots, up to requestQueueTimeout (on the timer timer gives) or
// until ctx ends while it waits, and returns the func that gives it back.
func (a *App) requestSlot(ctx context.Context, timer func(time.Duration) *time.Timer) (release func(), err error) {
	slots := a.requestSlots
	if slots == nil {
		return func() {}, nil
	}
	give := func() { <-slots }
	select {
	case slots <- struct{}{}:
		return give, nil
	default:
	}
	// A session whose context has already ended is making its last requests (the hang-up as the app stops): those
	// must still go out, so they wait for a slot within the deadline alone. Only a wait under way is cut short.
	cancelled := ctx.Done()
	if ctx.Err() != nil {
		cancelled = nil
	}
	t := timer(requestQueueTimeout)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return give, nil
	case <-t.C:
		return nil, errNoSlot{requestQueueTimeout}
	case <-cancelled:
		return nil, errShutdown
	}
}

// do is ask for a request that returns only an error.
func (s *session) do(f func() error) error {
	_, err := ask(s, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// requestTimer is the session's timer for ask, set to fire after d: a session has one request out at a time, and
// a timer per request would be some twenty allocations a call. (Since Go 1.23 a stopped or reset timer delivers
// no stale tick.)
func (s *session) requestTimer(d time.Duration) *time.Timer {
	if s.reqTimer == nil {
		s.reqTimer = time.NewTimer(d)
	} else {
		s.reqTimer.Reset(d)
	}
	return s.reqTimer
}
