package ivr

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
)

func TestIdentityEntryAcceptsANIKOrACardNumberAndSaysWhatIsWrongOtherwise(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	p := seed(t, h.db, h.now, participant{Birth: birth(1979, 3, 4), Segment: jkn.SegmentPBPU, MonthlyDue: 35000})
	cases := []struct {
		name, entry, keys string
		next              []string // what the caller hears after the keys
		kind              string   // identity kind logged for the last entry
		reason            string
	}{
		{"sixteen digits end the entry by themselves", "165", p.NIK, []string{"enter-birthdate"}, "nik", ""},
		{"sixteen digits and a habitual hash are one entry", "021165", p.NIK + "#", []string{"enter-birthdate"}, "nik", ""},
		{"thirteen digits and hash are a card number", "165", p.Card + "#", []string{"enter-birthdate"}, "card", ""},
		{"thirteen digits and a pause are a card number", "021165", p.Card, []string{"enter-birthdate"}, "card", ""},
		{"fifteen digits and hash are incomplete", "165", p.NIK[:15] + "#", []string{"id-incomplete", "enter-id"}, "unknown", "length"},
		{"a pause after five digits is incomplete", "021165", "12345", []string{"id-incomplete", "enter-id"}, "unknown", "length"},
		{"a NIK from no province is invalid", "165", "99" + p.NIK[2:], []string{"nik-invalid", "enter-id"}, "nik", "province"},
		{"a NIK with serial 0000 is invalid", "021165", p.NIK[:12] + "0000", []string{"nik-invalid", "enter-id"}, "nik", "serial"},
		{"star throws away what was keyed and starts again", "165", "3171*" + p.NIK, []string{"enter-birthdate"}, "nik", ""},
		{"a hash alone is no number", "021165", "#", []string{"id-incomplete", "enter-id"}, "unknown", "length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			call := h.dial(t, c.entry)
			call.hear("main-menu")
			call.press("1")
			call.hear("enter-id")
			call.press(c.keys)
			call.hear(c.next...)
			call.hangUp()
			log := call.log()
			id := log.last(calllog.KindIdentity)
			if id[calllog.FieldKind] != c.kind || (c.reason != "" && id["reason"] != c.reason) {
				t.Errorf("identity logged as %v, want kind %s reason %q", id, c.kind, c.reason)
			}
			if strings.Contains(log.text(), p.NIK) || strings.Contains(log.text(), p.Card) {
				t.Errorf("the call log holds a full number:\n%s", log.text())
			}
		})
	}
	t.Run("a caller who says nothing is asked again", func(t *testing.T) {
		t.Parallel()
		call := h.dial(t, "165")
		call.hear("main-menu")
		call.press("1")
		call.hear("enter-id", "no-input", "enter-id")
		call.hangUp()
	})
	t.Run("three wrong entries end with too many tries and an agent", func(t *testing.T) {
		t.Parallel()
		call := h.dial(t, "021165")
		call.hear("main-menu")
		call.press("1")
		for range 3 {
			call.hear("enter-id")
			call.press("123#")
		}
		call.hear("id-incomplete", "too-many-tries", "transfer-agent")
		tr := call.transferred()
		if tr.Continued == nil {
			t.Errorf("not transferred: %v", tr.HeardIDs())
		}
		if tf := call.log().last(calllog.KindTransfer); tf[calllog.FieldReason] != "identity_failures" {
			t.Errorf("transfer logged as %v", tf)
		}
	})
}

func TestTheBirthDateIsTheSecondFactorAndAMismatchGivesNothingAway(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{edit: func(f *dialplan.Flow) { f.Lookup.MinDuration = 400 * time.Millisecond }})
	p := seed(t, h.db, h.now, participant{Birth: birth(1992, 2, 29), Female: true, Segment: jkn.SegmentBP, MonthlyDue: 35000})
	unknown := p
	unknown.NIK = p.NIK[:12] + "9999"

	t.Run("a date that is no calendar date is refused before any look-up", func(t *testing.T) {
		t.Parallel()
		call := h.dial(t, "165")
		call.hear("main-menu")
		call.press("1")
		call.hear("enter-id")
		call.press(p.NIK)
		call.hear("enter-birthdate")
		call.press("30021992")
		call.hear("birthdate-invalid", "enter-birthdate")
		call.hangUp()
		if n := len(call.log().of(calllog.KindLookup)); n != 0 {
			t.Errorf("%d look-ups for an impossible date", n)
		}
	})

	// The wrong date and the unknown number must sound the same and take the same time.
	mismatch := func(t *testing.T, entry, number, date string) (heard []string, wait time.Duration) {
		call := h.dial(t, entry)
		call.hear("main-menu")
		call.press("2")
		call.hear("enter-id")
		call.press(number)
		call.hear("enter-birthdate")
		call.press(date)
		call.hear("please-wait")
		mm, err := call.WaitPrompt(call.ctx, "data-mismatch")
		if err != nil {
			t.Fatal(err)
		}
		call.hear("enter-id")
		tr := call.hangUp()
		pw := tr.Heard[slices.IndexFunc(tr.Heard, func(h phone.Heard) bool { return h.PromptID == "please-wait" })]
		if l := call.log().last(calllog.KindLookup); l[calllog.FieldOutcome] != LookupNotFound {
			t.Errorf("look-up logged as %v, want not_found", l)
		}
		return heardBetween(tr.HeardIDs(), "enter-birthdate", "enter-id"), mm.Start.Sub(pw.Start)
	}
	var wrongDate, unknownNumber []string
	var tWrong, tUnknown time.Duration
	t.Run("a wrong birth date and an unknown number sound the same", func(t *testing.T) {
		wrongDate, tWrong = mismatch(t, "165", p.NIK, "01011990")
		unknownNumber, tUnknown = mismatch(t, "021165", unknown.NIK, p.BirthKeys())
		if !slices.Equal(wrongDate, unknownNumber) || !slices.Equal(wrongDate, []string{"please-wait", "data-mismatch"}) {
			t.Errorf("wrong date heard %v, unknown number heard %v; want both please-wait, data-mismatch", wrongDate, unknownNumber)
		}
		if d := tWrong - tUnknown; d > 150*time.Millisecond || d < -150*time.Millisecond {
			t.Errorf("wrong date answered after %v, unknown number after %v: told apart by timing", tWrong, tUnknown)
		}
		if tWrong < 350*time.Millisecond { // the look-up starts just before please-wait is heard to start
			t.Errorf("mismatch answered after %v, before the minimum look-up duration", tWrong)
		}
	})
}

func TestAHabitualHashAfterSixteenDigitsDoesNotCutTheBirthDateQuestion(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	p := seed(t, h.db, h.now, participant{Birth: birth(1980, 5, 6), Segment: jkn.SegmentBP, MonthlyDue: 35000})
	call := h.dial(t, "165")
	call.hear("main-menu")
	call.press("1")
	call.hear("enter-id")
	call.press(p.NIK + "#")
	call.hear("enter-birthdate", "no-input") // heard to its end, then the caller stayed silent
	tr := call.hangUp()
	// The simulator knows whether the app stopped the playback; the phone only sees that a key came during it.
	for _, heard := range h.sim.Heard(tr.LineID) {
		if heard.Media == "sound:vika/enter-birthdate" && heard.State != "done" {
			t.Fatalf("the # after the NIK cut the birth-date question (%s):\n%s", heard.State, tr)
		}
	}
}
