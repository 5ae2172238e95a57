package ivr

import (
	"context"
	"testing"
	"time"
)

func TestABirthDateIsEightDigitsFormingARealDateNotInTheFuture(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 11, 23, 10, 0, 0, 0, wib)
	cases := []struct {
		keys string
		ok   bool
	}{
		{"17081985", true}, {"29021992", true}, {"23112026", true},
		{"29021993", false}, {"31042000", false}, {"00012000", false}, {"01132000", false},
		{"24112026", false}, {"01011899", false}, {"1708198", false}, {"170819855", false}, {"1708198A", false}, {"", false},
	}
	for _, c := range cases {
		if _, ok := ParseBirthDate(c.keys, today); ok != c.ok {
			t.Errorf("ParseBirthDate(%q) ok = %v, want %v", c.keys, ok, c.ok)
		}
	}
}

func TestTheCollectorEndsAnEntryByHashByLengthOrByAMatch(t *testing.T) {
	t.Parallel()
	identity := Collect{MaxDigits: 16, Terminator: true, Clear: true}
	menu := Collect{MaxDigits: 1}
	twoDigits := Collect{MaxDigits: 4, Match: func(d string) Match {
		switch {
		case d == "12":
			return MatchComplete
		case d[0] != '1':
			return MatchInvalid
		}
		return MatchMore
	}}
	cases := []struct {
		name string
		c    Collect
		keys string
		want Result
		done bool
	}{
		{"sixteen digits end a NIK", identity, "3174011708850001", Result{Status: Complete, Digits: "3174011708850001"}, true},
		{"hash ends a card number", identity, "0001000000001#", Result{Status: Complete, Digits: "0001000000001", Terminated: true}, true},
		{"star clears what came before", identity, "12*34#", Result{Status: Complete, Digits: "34", Terminated: true}, true},
		{"hash alone is an empty entry", identity, "#", Result{Status: Incomplete, Terminated: true}, true},
		{"digits without an end wait for more", identity, "123", Result{}, false},
		{"one key answers a menu", menu, "7", Result{Status: Complete, Digits: "7"}, true},
		{"star and hash are keys in a menu", menu, "#", Result{Status: Complete, Digits: "#"}, true},
		{"a match ends early", twoDigits, "12", Result{Status: Complete, Digits: "12"}, true},
		{"an impossible entry ends at once", twoDigits, "9", Result{Status: Incomplete, Digits: "9"}, true},
	}
	for _, c := range cases {
		var digits []byte
		var got Result
		var done bool
		for _, k := range c.keys {
			if got, done = c.c.feed(&digits, string(k)); done {
				break
			}
		}
		if done != c.done || (done && got != c.want) {
			t.Errorf("%s: feed(%q) = %+v, %v; want %+v, %v", c.name, c.keys, got, done, c.want, c.done)
		}
	}
}

func TestTheMemoryLimiterForgetsFailuresOutsideItsWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := NewMemoryLimiter(2, time.Hour)
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, wib)
	limited := func(caller string, at time.Time) bool {
		ok, err := l.Limited(ctx, caller, at)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	_ = l.Failed(ctx, "0811", t0)
	if limited("0811", t0) {
		t.Error("limited after one failure of two")
	}
	_ = l.Failed(ctx, "0811", t0.Add(30*time.Minute))
	if !limited("0811", t0.Add(31*time.Minute)) {
		t.Error("not limited after two failures within the hour")
	}
	if limited("0822", t0.Add(31*time.Minute)) {
		t.Error("another caller is limited too")
	}
	if limited("0811", t0.Add(61*time.Minute)) {
		t.Error("still limited once the first failure left the window")
	}
	_ = l.Failed(ctx, "", t0)
	_ = l.Failed(ctx, "", t0)
	if !limited("", t0) {
		t.Error("callers without a number are not counted together")
	}
}

func TestStatsCountCallsOutcomesAndLookupLatency(t *testing.T) {
	t.Parallel()
	s := newStats()
	s.callStarted()
	s.callStarted()
	s.callEnded(OutcomeServed)
	s.lookedUp(LookupFound, 7*time.Millisecond)
	s.lookedUp(LookupTimeout, 9*time.Second)
	snap := s.Snapshot()
	if snap.CallsActive != 1 || snap.CallsTotal != 2 || snap.Outcomes[OutcomeServed] != 1 {
		t.Errorf("calls %+v", snap)
	}
	h := snap.LookupLatency
	if h.Count != 2 || h.Cumulative[0] != 0 || h.Cumulative[1] != 1 || h.Cumulative[len(h.Cumulative)-1] != 1 {
		t.Errorf("latency histogram %+v: want the 7 ms look-up in the ≤10 ms bucket and the 9 s one only in +Inf", h)
	}
}
