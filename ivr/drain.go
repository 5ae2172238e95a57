package ivr

import (
	"context"
	"fmt"
	"time"
)

// Drain is the graceful half of a shutdown (SIGTERM in `vika serve`). It must be called while Run runs, since
// the calls in progress still need their events; once it returns, cancel Run's context.
//
// From the moment Drain is called the App takes no new call: a call that enters Stasis is sent straight on to the
// flow's fallback context (asterisk-conf's [vika-fallback]: "service unavailable", then the agent queue), the same place
// Asterisk sends a call when no app is connected at all. The caller is never left ringing or cut off, and an
// operator sees the same thing whether the app is restarting or down. (A bare `continue` would hang up: the
// entry's next priority only diverts when STASISSTATUS is FAILED.) Each such call is logged with outcome
// "refused". When several instances run behind a SIP dispatcher, the dispatcher should already send new calls
// elsewhere (readiness: Draining); this only covers the calls that reach this instance anyway.
//
// The calls in progress carry on until they end or ctx ends. At ctx's end Drain hangs up the calls left, each
// logged with outcome "shutdown" (hung up by "system", cause 16), waits for their sessions to close, and returns
// an error saying how many calls it cut. It returns nil when every call ended on its own.
func (a *App) Drain(ctx context.Context) error {
	a.draining.Store(true)
	// Polling, not a WaitGroup: sessions still start (refused calls) while Drain waits, and a WaitGroup must not
	// be added to while someone waits on it from zero. A shutdown can afford 10 ms. Only the calls in progress are
	// waited for: with calls arriving faster than Asterisk takes them on to the fallback, refusals never stop, and a
	// drain that waited for them would never end.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for a.callsInProgress() > 0 {
		select {
		case <-ctx.Done():
			n := a.stopSessions()
			for a.callsInProgress() > 0 { // each session ends within one ARI request timeout: its hang-up
				<-tick.C
			}
			return fmt.Errorf("drain: %d calls still in progress at the deadline were hung up: %w", n, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Draining says whether Drain has been called, for a readiness probe: a draining instance is not ready for calls.
func (a *App) Draining() bool { return a.draining.Load() }

// stopSessions ends the context of every call in progress: each hangs up its channel and closes its call log as a
// shutdown. Sessions sending a call to the fallback are left to finish: cut, they would hang the caller up instead.
func (a *App) stopSessions() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, s := range a.sessions {
		if !s.sendingAway {
			s.stop()
			n++
		}
	}
	return n
}

// refuse is the whole of a call that arrives while the App drains: logged, and sent to the fallback context
// (hung up if even that fails).
func (s *session) refuse() {
	defer s.stop()
	s.app.stats.callStarted()
	s.app.obs.CallStarted(s.entryName)
	s.recordArrival()
	s.outcome = OutcomeRefused
	if !s.fallBack("draining") {
		s.hangupQuietly()
	}
	s.finish(nil)
}
