package ivr

import (
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/prompts"
)

// step is one stage of the call flow; it returns the next stage, or nil when the call is over.
type step func() (step, error)

// follow runs the flow from first until a step ends the call or the call ends under it.
func (s *session) follow(first step) error {
	for st := first; st != nil; {
		var err error
		if st, err = st(); err != nil {
			return err
		}
	}
	return nil
}

// menuStep says lead (a greeting, a readout, "the agents are closed") and the menu, and acts on the key. Silence and
// keys the menu does not map are failures: the menu says so and asks again, and after Tries failures in a row it
// takes its on_fail action.
func (s *session) menuStep(name string, lead []string) step {
	return func() (step, error) {
		m := s.flow.Menus[name]
		for failures := 1; ; failures++ {
			res, err := s.collect(Collect{Prompts: concat(lead, m.Prompts), Timeouts: m.Timeouts, MaxDigits: 1})
			if err != nil {
				return nil, err
			}
			if k, ok := m.Lookup(res.Digits); ok && res.Status == Complete {
				s.recordMenu(name, res.Digits)
				return s.act(m, k), nil
			}
			lead = m.Invalid
			choice := "invalid"
			if res.Status == Timeout {
				lead, choice = m.NoInput, "no_input"
			}
			s.recordMenu(name, choice)
			if failures >= m.Tries {
				s.recordMenu(name, "on_fail:"+string(m.OnFail))
				return s.fail(m.OnFail, "menu_failures", lead), nil
			}
		}
	}
}

// act is what a menu key does.
func (s *session) act(m *dialplan.Menu, k dialplan.Key) step {
	switch k.Action {
	case dialplan.ActionLookupStatus, dialplan.ActionLookupBill:
		s.verify.service = k.Action
		return s.verifyStep(nil)
	case dialplan.ActionCollectIdentity:
		s.verify.forgetIdentity()
		return s.verifyStep(nil)
	case dialplan.ActionCollectBirthDate:
		s.verify.forgetBirthDate()
		return s.verifyStep(nil)
	case dialplan.ActionRepeat:
		var lead []string
		if m.Readout {
			lead = s.verify.readout
		}
		return s.menuStep(m.Name, lead)
	case dialplan.ActionMainMenu:
		return s.menuStep(s.entry.Menu, nil)
	case dialplan.ActionMenu:
		return s.menuStep(k.Menu, nil)
	case dialplan.ActionTransfer:
		return s.transferStep("caller_choice", func(lead []string) step { return s.menuStep(m.Name, lead) })
	default:
		return s.goodbyeStep(nil)
	}
}

// fail ends a step the caller could not get through (a menu, the identity, the birth date, a limit): lead says why,
// then the action. Outside opening hours a transfer becomes goodbye, never the same menu again, so that a silent
// line always ends.
func (s *session) fail(a dialplan.Action, reason string, lead []string) step {
	switch a {
	case dialplan.ActionTransfer:
		return func() (step, error) {
			if err := s.say(lead); err != nil {
				return nil, err
			}
			return s.transferStep(reason, s.goodbyeStep), nil
		}
	case dialplan.ActionMainMenu:
		return s.menuStep(s.entry.Menu, lead)
	default:
		return s.goodbyeStep(lead)
	}
}

// transferStep hands the call to an agent: it leaves Stasis for the agent context of the Asterisk dialplan. Outside
// opening hours the caller hears so, with the hours, and the flow goes on with closed (lead = that message).
func (s *session) transferStep(reason string, closed func(lead []string) step) step {
	return func() (step, error) {
		a, now := s.flow.Agent, s.app.clock()
		if !a.Hours.IsOpen(now) {
			s.recordMenu("agent", "closed")
			return closed(concat(a.Closed, prompts.AgentHours(a.Hours.Schedule(now)))), nil
		}
		if err := s.say(a.Prompts); err != nil {
			return nil, err
		}
		if err := s.do(func() error { return s.ch.Continue(a.Context, a.Extension, a.Priority) }); err != nil {
			return nil, s.restErr("continue to agents", err)
		}
		s.transferred = true
		s.rec.record(calllog.KindTransfer, map[string]any{
			calllog.FieldReason: reason, "context": a.Context, "extension": a.Extension, "priority": a.Priority,
		})
		s.log.Debug("ivr: transferred to agents", zap.String("reason", reason))
		return nil, nil
	}
}

// goodbyeStep says lead and goodbye, and hangs up.
func (s *session) goodbyeStep(lead []string) step {
	return func() (step, error) {
		if err := s.say(lead, s.flow.Goodbye); err != nil {
			return nil, err
		}
		if s.outcome == OutcomeAbandoned {
			s.outcome = OutcomeGoodbye
		}
		return nil, s.hangup()
	}
}

func (s *session) recordMenu(menu, choice string) {
	s.rec.record(calllog.KindMenu, map[string]any{calllog.FieldMenu: menu, calllog.FieldChoice: choice})
}

// concat joins prompt sequences into a new slice (never appending into a flow's own slices).
func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
