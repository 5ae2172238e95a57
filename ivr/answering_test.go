package ivr

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/calllog"
)

// With one call answered at a time and Asterisk slow to answer, the next caller waits unanswered for the turn.
// Giving up while waiting leaves the queue at once: that caller is never answered (never billed for a call that
// said nothing), the call log says they abandoned, and the caller after them is answered and hears the menu.
func TestACallerWhoHangsUpWhileWaitingTheirTurnToBeAnsweredIsNeverAnswered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: []Option{WithAnswerLimit(1)}})
	clear := h.sim.SetRESTFault(asterisksim.MatchRequest(http.MethodPost, "/channels/*/answer"), 1500*time.Millisecond, 0)

	first := h.dial(t, "165")
	waiting := h.dial(t, "165")
	deadline := time.Now().Add(5 * time.Second)
	for h.app.Stats().Snapshot().AnswerWaiting != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no call waits for its turn to be answered (%d waiting)", h.app.Stats().Snapshot().AnswerWaiting)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := waiting.Hangup(waiting.ctx); err != nil {
		t.Fatal(err)
	}
	first.hear("welcome", "main-menu")
	clear()
	first.hangUp()

	if tr := waiting.Transcript(); !tr.Answered.IsZero() || len(tr.HeardIDs()) > 0 {
		t.Errorf("the caller who hung up while waiting was answered (%v) or heard %v", tr.Answered, tr.HeardIDs())
	}
	if e := waiting.log().last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeAbandoned {
		t.Errorf("the call that was never answered ended as %v, want %s", e[calllog.FieldOutcome], OutcomeAbandoned)
	}
	snap := h.app.Stats().Snapshot()
	if snap.AnswerWaiting != 0 || snap.AnsweredOutOfTurn != 0 {
		t.Errorf("after the calls: %d waiting, %d answered out of turn; want 0 and 0", snap.AnswerWaiting, snap.AnsweredOutOfTurn)
	}
}

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
