// Package calllogtest is a call-log sink for tests: it keeps every event in memory and finds a call's events by the
// channel it arrived on, once the call has ended.
package calllogtest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
)

// Memory is a calllog.Sink that keeps every event.
type Memory struct {
	mu     sync.Mutex
	events []calllog.Event
}

func (m *Memory) Record(e calllog.Event) {
	m.mu.Lock()
	m.events = append(m.events, e)
	m.mu.Unlock()
}

// Events is every event recorded so far, in the order recorded.
func (m *Memory) Events() []calllog.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events)
}

// Call returns, in sequence order, the events of the call that arrived on channel, waiting up to 10 s for its end
// event; without one the test fails.
func (m *Memory) Call(t testing.TB, channel string) []calllog.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := m.Events()
		var id string
		for _, e := range events {
			if e.Kind == calllog.KindArrival && e.Fields["channel"] == channel {
				id = e.CallID
			}
		}
		var out []calllog.Event
		ended := false
		for _, e := range events {
			if id != "" && e.CallID == id {
				out = append(out, e)
				ended = ended || e.Kind == calllog.KindEnd
			}
		}
		if ended {
			slices.SortFunc(out, func(a, b calllog.Event) int { return a.Seq - b.Seq })
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("no complete call log for channel %s (%d events)", channel, len(out))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
