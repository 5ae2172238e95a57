package ivr

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
)

func TestADrainingAppLetsCallsFinishAndSendsNewCallsToTheFallback(t *testing.T) {
	t.Parallel()
	// The menu keeps asking while the test looks at the other call.
	h := newHarness(t, harnessConfig{edit: func(f *dialplan.Flow) { f.Menus["main"].Tries = 1000 }})
	inProgress := h.dial(t, "165")
	inProgress.hear("main-menu")

	drained := make(chan error, 1)
	go func() { drained <- h.app.Drain(context.Background()) }()
	for !h.app.Draining() {
		time.Sleep(time.Millisecond)
	}

	late := h.dial(t, "021165")
	cont, err := late.WaitContinued(late.ctx) // not late.transferred(): that waits for every session to end
	if err != nil || cont.Context != h.flow.Fallback.Context {
		t.Errorf("a call arriving during the drain continued at %+v (%v), want %s", cont, err, h.flow.Fallback.Context)
	}
	if e := late.log().last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeRefused {
		t.Errorf("the refused call's end logged as %v", e)
	}
	_ = late.Hangup(late.ctx)

	inProgress.press("1") // the call in progress goes on as if nothing happened
	inProgress.hear("enter-id")
	select {
	case err := <-drained:
		t.Fatalf("Drain returned %v with a call in progress", err)
	default:
	}
	inProgress.hangUp()
	select {
	case err := <-drained:
		if err != nil {
			t.Errorf("Drain after every call ended on its own: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not return once the last call ended")
	}
}

func TestADrainThatReachesItsDeadlineHangsUpTheCallsLeftWithTheirLogsClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	call := h.dial(t, "165")
	call.hear("main-menu")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := h.app.Drain(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Drain at its deadline returned %v, want the deadline's error", err)
	}
	tr := call.end()
	if tr.Hangup.By != "app" {
		t.Errorf("the line was hung up by %q, want the app", tr.Hangup.By)
	}
	log := call.log()
	if hu := log.last(calllog.KindHangup); hu[calllog.FieldBy] != bySystem || hu[calllog.FieldCause] != 16 {
		t.Errorf("hang-up logged as %v, want by system, cause 16", hu)
	}
	if e := log.last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeShutdown {
		t.Errorf("end logged as %v, want shutdown", e)
	}
}
