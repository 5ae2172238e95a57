package reliability_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// The table's "SIGKILL mid-load, then restart": a process killed outright cannot answer anyone, so the callers in
// its calls wait in Stasis until a process starts again; the new process must find them at once and send them to the
// fallback, and nothing the killed process had acknowledged (call-log events committed to the database) is lost.
func TestAfterASIGKILLTheNextProcessSendsTheCallsLeftInTheAppToTheFallbackAndNothingWrittenIsLost(t *testing.T) {
	r := newRig(t, 4)
	first := r.serve(t, nil)
	st := openStore(t, r.dbURL())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	for i := range 3 { // finished calls, their logs committed before the kill
		c := r.dial(t, ctx, "021165", callerNumber(i))
		if _, err := c.WaitPrompt(ctx, "main-menu"); err != nil {
			t.Fatal(err)
		}
		_ = c.Hangup(ctx)
	}
	var committed int
	for deadline := time.Now().Add(10 * time.Second); committed < 3 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM call_events WHERE kind = 'end'").Scan(&committed)
	}
	var eventsBefore int
	_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM call_events").Scan(&eventsBefore)

	var inProgress []*phone.Call
	for i := range 4 {
		c := r.dial(t, ctx, "165", callerNumber(10+i))
		if _, err := c.WaitPrompt(ctx, "main-menu"); err != nil {
			t.Fatal(err)
		}
		inProgress = append(inProgress, c)
	}
	first.signal(t, syscall.SIGKILL)
	_ = first.wait(t, 10*time.Second)
	killedAt := time.Now()
	time.Sleep(time.Second) // the operator's restart takes a moment; the callers hear nothing meanwhile
	if left := r.appChannels(t); len(left) != len(inProgress) {
		t.Errorf("%d channels in the app after the kill, want the %d calls in progress", len(left), len(inProgress))
	}

	second := r.serve(t, nil)
	startedAt := time.Now()
	var silentFor time.Duration
	for i, c := range inProgress {
		if why := fallbackOrSilent(ctx, c, 10*time.Second); why != "" {
			t.Errorf("call %d in progress at the kill was not recovered: %s", i, why)
			continue
		}
		for _, s := range c.Transcript().Dialplan {
			if s.Context == "vika-fallback" && s.At.Sub(killedAt) > silentFor {
				silentFor = s.At.Sub(killedAt)
			}
		}
	}
	if left := r.appChannels(t); len(left) > 0 {
		t.Errorf("%d channels still in the app after the restart: %v", len(left), left)
	}
	second.signal(t, syscall.SIGTERM)
	if err := second.wait(t, 30*time.Second); err != nil {
		t.Errorf("the second vika serve exited with %v", err)
	}
	var eventsAfter, recovered int
	_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM call_events").Scan(&eventsAfter)
	_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM calls WHERE outcome = 'recovered'").Scan(&recovered)
	if eventsAfter < eventsBefore || committed != 3 {
		t.Errorf("call log: %d events before the kill (%d calls ended), %d after the restart", eventsBefore, committed, eventsAfter)
	}
	if recovered != len(inProgress) {
		t.Errorf("%d calls logged as recovered, want %d", recovered, len(inProgress))
	}
	t.Logf("SIGKILL with %d calls in progress: in silence until the restart, sent to the fallback %s after the kill (the new process started %s after it); %d committed events before, %d after",
		len(inProgress), silentFor.Round(10*time.Millisecond), startedAt.Sub(killedAt).Round(10*time.Millisecond), eventsBefore, eventsAfter)
}
