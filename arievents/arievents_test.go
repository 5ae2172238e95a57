package arievents

import (
	"testing"

	"github.com/CyCoreSystems/ari/v5"
)

func TestTheBusKeepsThousandsOfEventsForASubscriberThatFallsBehind(t *testing.T) {
	if stdbusBuffer < BusEventBuffer {
		t.Fatalf("stdbus keeps %d events per subscriber, want at least %d: a burst of keys would be dropped", stdbusBuffer, BusEventBuffer)
	}
}

func TestAMailboxGivesEventsInTheOrderTheyCameAndSignalsWhileItHoldsAny(t *testing.T) {
	t.Parallel()
	m := NewMailbox()
	if m.Take() != nil {
		t.Fatal("an empty mailbox gave an event")
	}
	var sent []ari.Event
	for _, d := range []string{"1", "2", "3"} {
		e := &ari.ChannelDtmfReceived{Digit: d}
		sent = append(sent, e)
		m.Put(e)
	}
	for i, want := range sent {
		select {
		case <-m.Ready():
		default:
			t.Fatalf("event %d waiting and no token on Ready", i)
		}
		if got := m.Take(); got != want {
			t.Fatalf("event %d: got %v, want %v", i, got, want)
		}
	}
	select {
	case <-m.Ready():
		t.Fatal("a token on Ready with nothing left")
	default:
	}
}
