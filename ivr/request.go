package ivr

import (
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

// errNoAnswer is a request Asterisk did not answer in time.
type errNoAnswer struct{ after time.Duration }

func (e errNoAnswer) Error() string { return fmt.Sprintf("Asterisk did not answer within %s", e.after) }

// ask runs one ARI request for the session, within the App's request timeout. The native client (ari/v5 v5.3.1)
// sends its requests with no timeout at all (its RequestTimeout variable is never read), so a hung Asterisk would
// hold a call, in silence, for as long as the TCP connection lives. At the deadline the session stops waiting and
// treats the request as failed; the request's goroutine finishes when the HTTP exchange does. It holds nothing of
// the session, and it counts in App.live until then, so a test that checks for leaked goroutines sees it.
func ask[T any](s *session, f func() (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	s.app.live.Add(1)
	go func() {
		defer s.app.live.Add(-1)
		v, err := f()
		done <- answer{v, err}
	}()
	t := s.requestTimer()
	defer t.Stop()
	select {
	case a := <-done:
		return a.v, a.err
	case <-t.C:
		var zero T
		return zero, errNoAnswer{s.app.requestTimeout}
	}
}

// do is ask for a request that returns only an error.
func (s *session) do(f func() error) error {
	_, err := ask(s, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// requestTimer is the session's timer for ask, set to the request timeout: a session has one request out at a
// time, and a timer per request would be some twenty allocations a call. (Since Go 1.23 a stopped or reset timer
// delivers no stale tick.)
func (s *session) requestTimer() *time.Timer {
	if s.reqTimer == nil {
		s.reqTimer = time.NewTimer(s.app.requestTimeout)
	} else {
		s.reqTimer.Reset(s.app.requestTimeout)
	}
	return s.reqTimer
}
