package ivr

import (
	"context"
	"sync"
	"time"
)

// CallerLimiter counts failed identity checks per caller number over time, so that the line cannot be used to find
// out who is a participant by trying numbers and birth dates call after call.
//
// A limiter keyed on the calling number is only as good as that number: callers who withhold it all share the
// "anonymous" key, which errs on the side of refusing. The limit also only spans the processes that share the
// limiter: MemoryLimiter (the default) is per process, so several `vika serve` instances behind one SIP dispatcher
// would each count on their own (a caller could get N× the tries). store.CallerLimiter keeps the count in
// PostgreSQL, shared by every instance on the database; `vika serve` passes it with WithCallerLimiter.
type CallerLimiter interface {
	// Limited says whether the caller has used up their failed tries.
	Limited(ctx context.Context, caller string, now time.Time) (bool, error)
	// Failed counts one failed identity check (unknown number or wrong birth date).
	Failed(ctx context.Context, caller string, now time.Time) error
}

// anonymousCaller is the limiter key for calls without a caller number.
const anonymousCaller = "anonymous"

// MemoryLimiter is an in-process CallerLimiter with a sliding window: a caller is limited while Max failures lie
// within the last Window.
type MemoryLimiter struct {
	max    int
	window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time // oldest first
	sweep    time.Time              // next time forgotten callers are dropped from the map
}

// NewMemoryLimiter allows max failures per caller within window.
func NewMemoryLimiter(max int, window time.Duration) *MemoryLimiter {
	return &MemoryLimiter{max: max, window: window, failures: map[string][]time.Time{}}
}

// Limited implements CallerLimiter.
func (l *MemoryLimiter) Limited(_ context.Context, caller string, now time.Time) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(limiterKey(caller), now)) >= l.max, nil
}

// Failed implements CallerLimiter.
func (l *MemoryLimiter) Failed(_ context.Context, caller string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := limiterKey(caller)
	l.failures[key] = append(l.recent(key, now), now)
	l.forgetIdle(now)
	return nil
}

// recent drops the caller's failures older than the window and returns the rest.
func (l *MemoryLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.failures[key]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(ts) {
		delete(l.failures, key)
		return nil
	}
	ts = ts[i:]
	l.failures[key] = ts
	return ts
}

// forgetIdle drops callers with no failure in the window, once per window, so the map does not grow with every
// number that ever failed once.
func (l *MemoryLimiter) forgetIdle(now time.Time) {
	if now.Before(l.sweep) {
		return
	}
	l.sweep = now.Add(l.window)
	for key := range l.failures {
		l.recent(key, now)
	}
}

func limiterKey(caller string) string {
	if caller == "" {
		return anonymousCaller
	}
	return caller
}
