package ivr

import (
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
)

// The collector plays a question and gathers the keys that answer it. It is the one place where barge-in,
// type-ahead, the terminator, clearing and the timeouts live; menus, the identity and the birth date only say what
// they expect.
//
// It follows the shape of ari/v5/ext/play (prompt URIs, first-digit / inter-digit / overall timeouts, a match
// function, a result status) and differs where ext/play does not fit a real Asterisk or this line:
//   - ext/play subscribes to playback events on the playback handle; those reach only the bus, and may come before
//     the Play request returns. Here the App routes every event of the channel into the session's mailbox from
//     StasisStart on, and a playback id is registered before its Play is posted.
//   - ext/play listens for keys only while a prompt session runs, so a key pressed between two prompts or two steps
//     is lost. Here keys go to a per-call buffer and the next collector takes them (type-ahead); a key already
//     waiting skips the question altogether.
//   - ext/play reports Incomplete and nothing else when the keys stop short; here a 13-digit card number that ends
//     by the inter-digit timeout is a normal answer, so Incomplete carries the digits and the caller decides.
//   - ext/play stops audio on every match; here only the first key of a collection stops the prompt (barge-in) and
//     the rest of the sequence is dropped, never replayed.

// Status says how a collection ended.
type Status int

const (
	Complete   Status = iota + 1 // the entry ended: the terminator, the expected length, or a match
	Timeout                      // no key at all before the first-digit (or overall) timeout
	Incomplete                   // keys, then nothing more before the inter-digit (or overall) timeout
	HungUp                       // the call ended while collecting
)

func (st Status) String() string {
	switch st {
	case Complete:
		return "complete"
	case Timeout:
		return "timeout"
	case Incomplete:
		return "incomplete"
	case HungUp:
		return "hung_up"
	}
	return "unknown"
}

// Match is what a Collect's Match function says of the digits so far.
type Match int

const (
	MatchMore     Match = iota // keep collecting
	MatchComplete              // the entry is complete
	MatchInvalid               // no more keys can make this valid: end now
)

// Collect describes one question.
type Collect struct {
	Prompts    []string // said in order; the first key stops them
	Timeouts   dialplan.Timeouts
	MaxDigits  int                       // the entry ends by itself at this length (1 for a menu)
	Terminator bool                      // # ends the entry (and is not part of it)
	Clear      bool                      // * throws the digits so far away and starts the entry again
	Match      func(digits string) Match // optional: may end the entry before MaxDigits
	Sensitive  bool                      // digits of a NIK, card number or birth date: logged masked as "x"
}

// Result is the answer.
type Result struct {
	Status     Status
	Digits     string
	Terminated bool // ended by #
	BargedIn   bool // a key stopped the prompts (or came before them)
}

// collect plays c.Prompts and gathers keys. The error is errHangup or errShutdown when the call ends (with Status
// HungUp), or an ARI error; timeouts are results, not errors.
func (s *session) collect(c Collect) (Result, error) {
	cut, err := s.playPrompts(c.Prompts, true)
	if err != nil {
		return Result{Status: HungUp}, err
	}
	res, err := s.gather(c)
	res.BargedIn = cut
	return res, err
}

// gather takes keys until the entry ends. The first-digit and overall timeouts run from the end of the prompts (or
// the barge-in); the inter-digit timeout from each key.
func (s *session) gather(c Collect) (Result, error) {
	start := time.Now()
	overall := start.Add(c.Timeouts.Overall)
	next := start.Add(c.Timeouts.FirstDigit)
	var digits []byte
	for {
		for len(s.keys) > 0 {
			k, ok := s.takeKey(c.Sensitive)
			if !ok {
				continue
			}
			if res, done := c.feed(&digits, k.digit); done {
				if res.Status == Complete && !res.Terminated && c.Terminator {
					s.swallow = time.Now().Add(c.Timeouts.InterDigit)
				}
				return res, nil
			}
			next = time.Now().Add(c.Timeouts.InterDigit)
			if len(digits) == 0 {
				next = time.Now().Add(c.Timeouts.FirstDigit)
			}
		}
		if _, err := s.wait(earliest(next, overall)); err == errTimeout {
			if len(digits) == 0 {
				return Result{Status: Timeout}, nil
			}
			return Result{Status: Incomplete, Digits: string(digits)}, nil
		} else if err != nil {
			return Result{Status: HungUp, Digits: string(digits)}, err
		}
	}
}

// feed adds one key to the entry and says whether the entry has ended.
func (c Collect) feed(digits *[]byte, k string) (Result, bool) {
	switch {
	case k == "#" && c.Terminator:
		st := Complete
		if len(*digits) == 0 {
			st = Incomplete
		}
		return Result{Status: st, Digits: string(*digits), Terminated: true}, true
	case k == "*" && c.Clear:
		*digits = (*digits)[:0]
		return Result{}, false
	}
	*digits = append(*digits, k...)
	m := MatchMore
	if c.Match != nil {
		m = c.Match(string(*digits))
	}
	if m == MatchMore && c.MaxDigits > 0 && len(*digits) >= c.MaxDigits {
		m = MatchComplete
	}
	switch m {
	case MatchComplete:
		return Result{Status: Complete, Digits: string(*digits)}, true
	case MatchInvalid:
		return Result{Status: Incomplete, Digits: string(*digits)}, true
	}
	return Result{}, false
}

// takeKey takes the oldest buffered key and records it. A # right after an entry that ended by itself (16 digits,
// 8 digits) is what callers press out of habit: it is swallowed (ok is false) rather than read as the next answer.
func (s *session) takeKey(sensitive bool) (k key, ok bool) {
	k = s.keys[0]
	s.keys = s.keys[1:]
	swallowed := k.digit == "#" && k.at.Before(s.swallow)
	s.swallow = time.Time{}
	s.recordKey(k, sensitive && !swallowed)
	return k, !swallowed
}

// hasKey says whether a key is waiting that stops a prompt (barge-in). A habitual # (see takeKey) is taken here
// and dropped, so the # a caller adds to a 16-digit NIK cannot cut the birth-date question that follows.
func (s *session) hasKey() bool {
	for len(s.keys) > 0 && s.keys[0].digit == "#" && s.keys[0].at.Before(s.swallow) {
		s.takeKey(false)
	}
	return len(s.keys) > 0
}

// recordKey logs a key. Digits of an identity number or a birth date are logged as "x": the keys of a call must not
// spell out a NIK.
func (s *session) recordKey(k key, sensitive bool) {
	d := k.digit
	if sensitive && d >= "0" && d <= "9" {
		d = "x"
	}
	s.rec.recordAt(k.at, calllog.KindKey, map[string]any{calllog.FieldDigit: d})
}

// recordUnreadKeys logs the keys no collector took before the call ended, masked: nobody knows what they were for.
func (s *session) recordUnreadKeys() {
	for _, k := range s.keys {
		s.recordKey(k, true)
	}
	s.keys = nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
