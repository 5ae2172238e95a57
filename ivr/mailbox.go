package ivr

import (
	"sync"

	"github.com/CyCoreSystems/ari/v5"
)

// mailbox is a session's queue of ARI events. The dispatcher puts without ever blocking (the ari bus drops events
// for a subscriber that falls behind, so the one subscription must be drained at once), and the session takes at its
// own pace. Keys pressed while the session is busy elsewhere (a REST call, a look-up) wait here: this is the
// type-ahead buffer, fed from StasisStart on.
type mailbox struct {
	mu     sync.Mutex
	events []ari.Event
	ready  chan struct{} // holds one token while events is not empty
}

func newMailbox() *mailbox {
	return &mailbox{ready: make(chan struct{}, 1)}
}

func (m *mailbox) put(e ari.Event) {
	m.mu.Lock()
	m.events = append(m.events, e)
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// take returns the oldest event, or nil when there is none; wait on ready before calling it again.
func (m *mailbox) take() ari.Event {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.events) == 0 {
		return nil
	}
	e := m.events[0]
	m.events[0] = nil
	m.events = m.events[1:]
	if len(m.events) > 0 {
		select {
		case m.ready <- struct{}{}:
		default:
		}
	}
	return e
}
