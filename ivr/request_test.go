package ivr

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/calllog"
)

// When the app stops while every request slot is taken (here the one slot, by an answer Asterisk is slow with), the
// calls it ends must still be hung up: their hang-up waits for a slot within its deadline instead of being dropped
// because the session's context has ended, which would leave the caller on a silent line.
func TestCallsEndedWhileEveryRequestSlotIsBusyAreStillHungUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: []Option{WithRequestSlots(1)}})
	inMenu := h.dial(t, "165")
	inMenu.hear("main-menu")
	clear := h.sim.SetRESTFault(asterisksim.MatchRequest(http.MethodPost, "/channels/*/answer"), 2500*time.Millisecond, 0)
	defer clear()
	answering := h.dial(t, "165") // its answer holds the only slot for 2.5 s
	time.Sleep(300 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = h.app.Drain(ctx) // at its deadline every call left is ended
	if tr := inMenu.end(); tr.Hangup.By != "app" {
		t.Errorf("the call in the menu was hung up by %q, want the app", tr.Hangup.By)
	}
	if e := inMenu.log().last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeShutdown {
		t.Errorf("the call in the menu ended as %v, want %s", e[calllog.FieldOutcome], OutcomeShutdown)
	}
	_ = answering.Hangup(answering.ctx)
}
