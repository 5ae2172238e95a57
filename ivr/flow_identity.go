package ivr

import (
	"errors"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
)

// verification is who the caller says they are, and what the call has learnt about them. The number and birth date
// live only here, in memory, for the length of the call.
type verification struct {
	service dialplan.Action // lookup_status or lookup_bill: what the caller asked for last
	kind    jkn.IDKind
	number  string
	birth   time.Time
	member  *jkn.Member // set once the number and birth date matched a participant
	readout []string    // the last readout, for "repeat"

	lookups int // look-ups done in this call
	failed  int // numbers that failed verification in this call
}

func (v *verification) forgetIdentity() {
	v.kind, v.number = jkn.IDUnknown, ""
	v.forgetBirthDate()
}

func (v *verification) forgetBirthDate() {
	v.birth, v.member = time.Time{}, nil
}

// verifyStep gets the caller from a menu choice to a readout: the limits first, then the identity and the birth date
// (unless this call already has them), then the look-up. lead is said before the first question (the reason for
// asking again, such as "data tidak sesuai").
func (s *session) verifyStep(lead []string) step {
	return func() (step, error) {
		v, l := &s.verify, s.flow.Limits
		if v.service == "" {
			v.service = dialplan.ActionLookupStatus
		}
		if v.member != nil {
			return s.readoutStep(), nil
		}
		if s.callerLimited() {
			s.setOutcome(OutcomeLimited)
			return s.fail(l.OnLimit, "caller_limited", concat(lead, l.CallerLimited)), nil
		}
		if v.lookups >= l.LookupsPerCall {
			s.setOutcome(OutcomeLimited)
			return s.fail(l.OnLimit, "lookup_limit", concat(lead, l.LookupLimit)), nil
		}
		if v.number == "" {
			why, err := s.collectIdentity(lead)
			if err != nil {
				return nil, err
			}
			if why != nil {
				s.setOutcome(OutcomeLimited)
				return s.fail(s.flow.Identity.OnFail, "identity_failures", concat(why, l.TooMany)), nil
			}
			lead = nil
		}
		if v.birth.IsZero() {
			why, err := s.collectBirthDate(lead)
			if err != nil {
				return nil, err
			}
			if why != nil {
				s.setOutcome(OutcomeLimited)
				return s.fail(s.flow.BirthDate.OnFail, "birthdate_failures", concat(why, l.TooMany)), nil
			}
		}
		return s.lookupStep(), nil
	}
}

// callerLimited asks the per-caller limiter. If the limiter itself fails the call goes on: refusing every caller
// because a counter is unavailable would take the line down with it.
func (s *session) callerLimited() bool {
	limited, err := s.app.limiter.Limited(s.ctx, s.caller, s.app.clock())
	if err != nil {
		s.log.Warn("ivr: caller limiter unavailable; not limiting", zap.Error(err))
		return false
	}
	return limited
}

// collectIdentity asks for a NIK or card number until one is well formed or the tries are used up; then it returns
// the prompts saying why the last try failed (nil on success).
func (s *session) collectIdentity(lead []string) (why []string, err error) {
	id := s.flow.Identity
	for try := 1; ; try++ {
		res, err := s.collect(Collect{Prompts: concat(lead, id.Prompts), Timeouts: id.Timeouts,
			MaxDigits: jkn.NIKLength, Terminator: true, Clear: true, Sensitive: true})
		if err != nil {
			return nil, err
		}
		if lead = s.checkIdentity(res); lead == nil {
			return nil, nil
		}
		if try >= id.Tries {
			return lead, nil
		}
	}
}

// checkIdentity accepts a 16-digit structurally valid NIK or a 13-digit card number, and otherwise returns what to
// tell the caller. Either way the call log gets the entry masked, never whole.
func (s *session) checkIdentity(res Result) []string {
	id := s.flow.Identity
	if res.Status == Timeout {
		s.recordMenu("identity", "no_input")
		return id.NoInput
	}
	kind := jkn.ClassifyID(res.Digits)
	fields := map[string]any{calllog.FieldKind: kind.String(), calllog.FieldMasked: jkn.Mask(res.Digits),
		"length": len(res.Digits)}
	if kind == jkn.IDUnknown {
		fields["reason"] = "length"
		s.rec.record(calllog.KindIdentity, fields)
		return id.Incomplete
	}
	if kind == jkn.IDNIK {
		var nikErr *jkn.NIKError
		if err := jkn.ValidateNIK(res.Digits); errors.As(err, &nikErr) {
			fields["reason"] = string(nikErr.Reason)
			s.rec.record(calllog.KindIdentity, fields)
			return id.Invalid
		}
	}
	fields[calllog.FieldHash] = jkn.HashID(s.app.hashKey, res.Digits)
	s.rec.record(calllog.KindIdentity, fields)
	s.verify.kind, s.verify.number = kind, res.Digits
	return nil
}

// collectBirthDate asks for the birth date as DDMMYYYY until it is a real date or the tries are used up. Whether it
// is the participant's date is the look-up's business.
func (s *session) collectBirthDate(lead []string) (why []string, err error) {
	b := s.flow.BirthDate
	for try := 1; ; try++ {
		res, err := s.collect(Collect{Prompts: concat(lead, b.Prompts), Timeouts: b.Timeouts,
			MaxDigits: 8, Terminator: true, Clear: true, Sensitive: true})
		if err != nil {
			return nil, err
		}
		date, ok := ParseBirthDate(res.Digits, s.app.clock())
		switch {
		case res.Status == Timeout:
			s.recordMenu("birthdate", "no_input")
			lead = b.NoInput
		case !ok:
			s.recordMenu("birthdate", "invalid")
			lead = b.Invalid
		default:
			s.recordMenu("birthdate", "entered")
			s.verify.birth = date
			return nil, nil
		}
		if try >= b.Tries {
			return lead, nil
		}
	}
}

// ParseBirthDate reads DDMMYYYY as keyed: eight digits forming a calendar date from 1900 up to today.
func ParseBirthDate(digits string, today time.Time) (time.Time, bool) {
	if len(digits) != 8 {
		return time.Time{}, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return time.Time{}, false
		}
	}
	n, _ := strconv.Atoi(digits)
	d, m, y := n/1000000, n/10000%100, n%10000
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m || t.Year() != y || y < 1900 {
		return time.Time{}, false
	}
	if t.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, false
	}
	return t, true
}
