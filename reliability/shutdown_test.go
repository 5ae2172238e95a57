package reliability_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
)

// Issue 17 #1 at small scale: `vika serve` with calls in progress, SIGTERM, and new calls arriving until a second
// after the process has exited. In the run PostgreSQL was stopped so that the call-log flush waited its
// full 10 s, and calls that arrived after the app stopped routing events entered Stasis and were never answered:
// in silence for as long as the caller held on. A normal shutdown lasts milliseconds, and left 2 callers of 50 in
// silence: those whose StasisStart came between the app's last event and the process's exit.
func TestASIGTERMLeavesNoCallerInSilenceUntilTheProcessEnds(t *testing.T) {
	for _, c := range []struct {
		name       string
		dbDown     bool
		inProgress int
		every      time.Duration
		slowAsk    time.Duration // every ARI continue takes this long: the app's last refusals outlive its event loop
	}{
		{"database stopped, so the call-log flush waits 10 s; a call every 100 ms", true, 5, 100 * time.Millisecond, 0},
		{"a normal shutdown; a call every 10 ms", false, 20, 10 * time.Millisecond, 0},
		{"a normal shutdown with Asterisk slow to continue calls; a call every 10 ms", false, 5, 10 * time.Millisecond,
			300 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) { shutdownUnderCalls(t, c.dbDown, c.inProgress, c.every, c.slowAsk) })
	}
}

func shutdownUnderCalls(t *testing.T, dbDown bool, inProgressCalls int, every, slowAsk time.Duration) {
	r := newRig(t, 4)
	srv := r.serve(t, nil, "--drain-timeout", "1s")
	if slowAsk > 0 {
		defer r.sim.SetRESTFault(asterisksim.MatchRequest("POST", "/channels/*/continue"), slowAsk, 0)()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var inProgress []*phone.Call
	for i := range inProgressCalls {
		c := r.dial(t, ctx, []string{"165", "021165"}[i%2], callerNumber(i))
		if _, err := c.WaitPrompt(ctx, "main-menu"); err != nil {
			t.Fatalf("call %d before the fault: %v", i, err)
		}
		inProgress = append(inProgress, c)
	}
	if dbDown {
		if err := r.pg.Halt(ctx); err != nil {
			t.Fatal(err)
		}
	}
	srv.signal(t, syscall.SIGTERM)
	termAt := time.Now()

	var late []*phone.Call
	var exitedAt time.Time
	tick := time.NewTicker(every)
	defer tick.Stop()
	for exitedAt.IsZero() || time.Since(exitedAt) < time.Second {
		select {
		case <-srv.exited:
			if exitedAt.IsZero() {
				exitedAt = time.Now()
			}
		case <-tick.C:
			late = append(late, r.dial(t, ctx, []string{"165", "021165"}[len(late)%2], callerNumber(100+len(late))))
		}
		if time.Since(termAt) > 40*time.Second {
			t.Fatal("vika serve still runs 40 s after SIGTERM")
		}
	}
	if srv.err != nil {
		t.Errorf("vika serve exited with %v after SIGTERM, want 0", srv.err)
	}
	t.Logf("vika serve exited %s after SIGTERM; %d calls placed meanwhile and in the second after",
		exitedAt.Sub(termAt).Round(time.Millisecond), len(late))

	silent := 0
	for i, c := range late {
		if why := fallbackOrSilent(ctx, c, 5*time.Second); why != "" {
			silent++
			t.Errorf("call %d placed %s after SIGTERM did not reach the fallback: %s", i,
				c.Transcript().Dialled.Sub(termAt).Round(time.Millisecond), why)
		}
	}
	for i, c := range inProgress {
		tr := c.Transcript()
		if tr.Hangup.By != phone.ByApp && tr.Continued == nil {
			silent++
			t.Errorf("call %d in progress at SIGTERM was neither hung up by the app nor sent on:\n%s", i, tr)
		}
	}
	if left := r.appChannels(t); len(left) > 0 {
		t.Errorf("%d channels are still in the vika app after the process ended: callers in silence: %v", len(left), left)
	}
	refusedByApp, refusedByDialplan := 0, 0
	for _, c := range late {
		if c.Transcript().StasisStatus == "FAILED" {
			refusedByDialplan++
		} else {
			refusedByApp++
		}
	}
	// Every call that reached VIKA is in the call log, whole: written at the flush, or (database stopped) from the
	// spool once a process starts again with the database back. Calls Asterisk's dialplan took never reached it.
	if dbDown {
		if err := r.pg.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		next := r.serve(t, nil)
		next.signal(t, syscall.SIGTERM)
		if err := next.wait(t, 30*time.Second); err != nil {
			t.Errorf("the next vika serve exited with %v", err)
		}
	}
	calls, events := callLogComplete(t, openStore(t, r.dbURL()), len(inProgress)+refusedByApp)
	t.Logf("silent callers: %d; late calls sent to the fallback by the draining app: %d, by Asterisk's dialplan (no app): %d; call log: %d calls, %d events, none missing",
		silent, refusedByApp, refusedByDialplan, calls, events)
}
