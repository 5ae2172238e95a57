package e2e

import (
	"context"
	"slices"
	"testing"

	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/asterisksim/sipphone"
)

// The SIP column: the same rows, called as a carrier would (INVITE from the trunk's address, RFC 4733 keys), with what
// the caller heard recognised from the RTP audio alone.
func init() {
	extraRealColumns = append(extraRealColumns, struct {
		name string
		make func(t *testing.T, tg target) column
	}{"sip", sipColumn})
}

func sipColumn(t *testing.T, tg target) column {
	real := lab.RequireSIP(t)
	prompts, err := sipphone.DefaultPrompts()
	if err != nil {
		t.Fatalf("prompts to recognise: %v", err)
	}
	return column{name: "sip", speed: 1,
		dial: func(ctx context.Context, number, caller string) (call, error) {
			c, err := sipphone.Dial(ctx, sipphone.Options{Addr: real.SIPAddr, Prompts: prompts, Timeout: callDeadline}, number, caller)
			if err != nil {
				return nil, err
			}
			return sipCall{c}, nil
		},
		// Over SIP only the audio tells: after the app's transfer-agent, the dialplan's [agents] queue speaks
		// (agents-busy when no agent is logged in, as on the lab).
		transferred: func(tr phone.Transcript) bool {
			ids := tr.HeardIDs()
			i := slices.Index(ids, "transfer-agent")
			return i >= 0 && slices.Contains(ids[i+1:], "agents-busy")
		},
	}
}

type sipCall struct{ *sipphone.Call }

func (c sipCall) Press(ctx context.Context, keys string) error { return c.Call.Press(ctx, keys) }
