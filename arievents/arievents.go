// Package arievents owns what this repository's Stasis apps (package ivr, and the load test's floor in
// loadtest/floor) need around the ARI client's event bus: the bus's per-subscriber buffer raised so that no
// caller's key is dropped under load, and Mailbox, the per-call queue an app's one subscription is drained into.
package arievents

import (
	"sync"
	_ "unsafe" // go:linkname

	"github.com/CyCoreSystems/ari/v5"
	_ "github.com/CyCoreSystems/ari/v5/stdbus"
)

// The native ARI client (ari/v5 v5.3.1) hands every event to stdbus, whose Send drops an event — silently — for a
// subscriber that already has 100 undelivered ones. An app drains its one subscription at once, but on a loaded
// machine its goroutine can still be descheduled while a burst arrives: `vika loadtest --concurrency 100 --speed 20`
// lost DTMF digits in half its calls (callers heard "number incomplete" and "birth date invalid" for keys they
// pressed correctly). A caller's key must never be lost, and the bus offers no option, so importing this package
// raises that buffer. It costs BusEventBuffer × 16 bytes per subscription (about 0.5 MiB); every subscriber of the
// process gets the larger buffer.
//
//go:linkname stdbusBuffer github.com/CyCoreSystems/ari/v5/stdbus.subscriptionEventBufferSize
var stdbusBuffer int

// BusEventBuffer holds several seconds of events of thousands of concurrent calls.
const BusEventBuffer = 32768

func init() {
	if stdbusBuffer < BusEventBuffer {
		stdbusBuffer = BusEventBuffer
	}
}

// Mailbox is one call's queue of ARI events. The dispatcher puts without ever blocking (the bus drops events for a
// subscriber that falls behind, so the one subscription must be drained at once), and the call takes at its own
// pace. Keys pressed while the call is busy elsewhere (a REST call, a look-up) wait here: the type-ahead buffer.
type Mailbox struct {
	mu     sync.Mutex
	events []ari.Event
	ready  chan struct{} // holds one token while events is not empty
}

// NewMailbox makes an empty mailbox.
func NewMailbox() *Mailbox { return &Mailbox{ready: make(chan struct{}, 1)} }

// Put queues e; it never blocks.
func (m *Mailbox) Put(e ari.Event) {
	m.mu.Lock()
	m.events = append(m.events, e)
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
}

// Ready has a token while the mailbox holds an event: wait on it, then Take.
func (m *Mailbox) Ready() <-chan struct{} { return m.ready }

// Take returns the oldest event, or nil when there is none; wait on Ready before calling it again.
func (m *Mailbox) Take() ari.Event {
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
