package ivr

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
)

// lookupStep looks the participant up and goes on to the readout, to "data tidak sesuai" and the identity again, or
// to the busy menu when the directory is down or slow.
func (s *session) lookupStep() step {
	return func() (step, error) {
		v := &s.verify
		m, outcome, err := s.lookUp()
		if err != nil {
			return nil, err
		}
		switch outcome {
		case LookupFound:
			v.member = &m
			return s.readoutStep(), nil
		case LookupNotFound:
			return s.mismatchStep(), nil
		}
		v.forgetIdentity()
		s.setOutcome(OutcomeSystemBusy)
		return s.menuStep(s.flow.Lookup.BusyMenu, nil), nil
	}
}

// mismatchStep follows a failed verification. An unknown number and a wrong birth date are the same event here:
// the caller hears "data tidak sesuai" and starts again from the number, and both count against the call and the
// caller number.
func (s *session) mismatchStep() step {
	v, l := &s.verify, s.flow.Limits
	v.failed++
	v.forgetIdentity()
	if err := s.app.limiter.Failed(s.ctx, s.caller, s.app.clock()); err != nil {
		s.log.Warn("ivr: caller limiter unavailable; failure not counted", zap.Error(err))
	}
	if v.failed >= l.IdentityTriesPerCall {
		s.setOutcome(OutcomeLimited)
		return s.fail(l.OnLimit, "identity_tries", concat(s.flow.Lookup.Mismatch, l.TooMany))
	}
	return s.verifyStep(s.flow.Lookup.Mismatch)
}

// readoutStep reads what the caller asked for, then the after-readout menu; the readout leads the menu, so a key
// pressed during it already answers the menu.
func (s *session) readoutStep() step {
	v := &s.verify
	if v.service == dialplan.ActionLookupBill {
		v.readout = prompts.BillReadout(*v.member)
	} else {
		v.readout = prompts.StatusReadout(*v.member)
	}
	s.setOutcome(OutcomeServed)
	s.recordMenu("readout", string(v.service))
	return s.menuStep(s.flow.Lookup.Menu, v.readout)
}

type lookupAnswer struct {
	member jkn.Member
	err    error
	took   time.Duration
}

// lookUp asks the directory while the caller hears "please wait", within the look-up deadline, and takes at least
// lookup.min_duration whatever the answer: found, unknown number and wrong date must not be told apart by timing.
// The wait prompt is posted before the look-up starts: it answers the caller's last key, and the query (and the
// database's own work) would otherwise compete with it for the CPU; the look-up is padded to min_duration anyway.
func (s *session) lookUp() (jkn.Member, string, error) {
	v, l := &s.verify, s.flow.Lookup
	v.lookups++
	begin := time.Now()
	wait := l.Wait
	var first *prompt
	if len(wait) > 0 {
		var err error
		if err = s.drain(); err == nil {
			first, err = s.startPrompt(wait[0])
		}
		if err != nil {
			return jkn.Member{}, "", err
		}
		wait = wait[1:]
	}
	ctx, cancel := context.WithTimeout(s.ctx, l.Deadline)
	defer cancel()
	done := make(chan lookupAnswer, 1)
	kind, number, birth, now := v.kind, v.number, v.birth, s.app.clock()
	s.app.live.Add(1)
	go func() {
		defer s.app.live.Add(-1)
		asked := time.Now()
		m, err := s.app.dir.LookupMember(ctx, kind, number, birth, now)
		done <- lookupAnswer{member: m, err: err, took: time.Since(asked)}
	}()
	a, err := s.awaitLookup(done, cancel, first, wait)
	if err != nil {
		return jkn.Member{}, "", err
	}
	outcome := s.lookupOutcome(a.err)
	s.rec.record(calllog.KindLookup, map[string]any{
		calllog.FieldOutcome: outcome, calllog.FieldLatencyMS: a.took.Milliseconds(), calllog.FieldKind: kind.String(),
	})
	s.app.stats.lookedUp(outcome, a.took)
	s.app.obs.LookedUp(outcome, a.took)
	if rest := l.MinDuration - time.Since(begin); rest > 0 {
		if err := s.pause(rest); err != nil {
			return jkn.Member{}, "", err
		}
	}
	return a.member, outcome, nil
}

// awaitLookup says the wait prompt (first, already posted, then rest) and then waits for the answer, still noticing
// a hang-up. The directory must honour its context; a grace period after the deadline covers one that does not (its
// goroutine is then left to finish on its own, and the call goes on as a timeout).
func (s *session) awaitLookup(done <-chan lookupAnswer, cancel context.CancelFunc, first *prompt,
	rest []string) (lookupAnswer, error) {
	abandon := func(err error) (lookupAnswer, error) {
		cancel()
		select {
		case <-done:
		case <-time.After(s.flow.Playback.Start):
		}
		return lookupAnswer{}, err
	}
	if first != nil {
		if _, err := s.waitPrompt(first, false); err != nil {
			return abandon(err)
		}
	}
	if err := s.say(rest); err != nil {
		return abandon(err)
	}
	grace := time.NewTimer(s.flow.Lookup.Deadline + s.flow.Playback.Start)
	defer grace.Stop()
	for {
		select {
		case a := <-done:
			return a, nil
		case <-grace.C:
			return lookupAnswer{err: context.DeadlineExceeded, took: s.flow.Lookup.Deadline}, nil
		case <-s.mb.Ready():
			if err := s.drain(); err != nil {
				return abandon(err)
			}
		case <-s.ctx.Done():
			return abandon(errShutdown)
		}
	}
}

// lookupOutcome classifies the directory's answer and logs a failure (once, here, with the call's fields).
func (s *session) lookupOutcome(err error) string {
	switch {
	case err == nil:
		return LookupFound
	case s.app.isNotFound(err):
		return LookupNotFound
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("ivr: look-up timed out", zap.Duration("deadline", s.flow.Lookup.Deadline))
		return LookupTimeout
	default:
		s.log.Warn("ivr: look-up failed", zap.Error(err))
		return LookupError
	}
}

// outcomeRank orders call outcomes: the end event reports the best thing that happened in the call.
var outcomeRank = map[string]int{
	OutcomeAbandoned: 0, OutcomeGoodbye: 1, OutcomeSystemBusy: 2, OutcomeLimited: 3, OutcomeServed: 4,
}

func (s *session) setOutcome(o string) {
	if outcomeRank[o] > outcomeRank[s.outcome] {
		s.outcome = o
	}
}
