package ivr

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
)

// keysLogged is the digits of a call's key events in order, as a supervisor reads them ("x" for a masked key).
func keysLogged(l callLog) string {
	var b strings.Builder
	for _, f := range l.of(calllog.KindKey) {
		b.WriteString(fmt.Sprint(f[calllog.FieldDigit]))
	}
	return b.String()
}

var twoDigits = regexp.MustCompile(`[0-9]{2}`)

func TestDigitsKeyedAtAMenuAreMaskedUnlessTheyAreALoneChoice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	p := seed(t, h.db, h.now, participant{Birth: birth(1990, 5, 1), Segment: jkn.SegmentPBPU, Status: jkn.StatusActive})

	// The caller starts keying a NIK at the main menu (35..., two keys the menu lacks), realises, presses 1 in the
	// same breath and keys the NIK when asked: the call log must not spell out digits next to the identity's
	// masked form.
	c := h.dial(t, "165")
	c.hear("main-menu")
	c.press("351")
	c.hear("enter-id")
	c.press(p.NIK)
	c.hear("enter-birthdate")
	c.press(p.BirthKeys())
	c.hear("status-intro", "after-readout-menu")
	c.press("9") // a lone choice: back to the main menu
	c.hear("main-menu")
	c.hangUp()

	keys := keysLogged(c.log())
	if run := twoDigits.FindString(keys); run != "" {
		t.Errorf("the key events spell out %q in the clear: %s", run, keys)
	}
	if !strings.HasPrefix(keys, "xxx") {
		t.Errorf("the digits keyed at the main menu were logged as %q, want xxx", keys[:min(3, len(keys))])
	}
	if !strings.HasSuffix(keys, "9") {
		t.Errorf("the lone choice 9 at the after-readout menu is no longer readable: %s", keys)
	}
	for i := 0; i+6 <= len(p.NIK); i++ {
		if strings.Contains(c.log().text(), p.NIK[i:i+6]) {
			t.Errorf("the call log holds %s, 6 digits of the NIK:\n%s", p.NIK[i:i+6], c.log().text())
		}
	}
}

// The recorder's rule on its own, with the events a session records, for the orders a live call cannot force.
func TestTheRecorderMasksEveryDigitOfARunAndKeepsALoneChoice(t *testing.T) {
	t.Parallel()
	key := func(d string) func(*recorder) {
		return func(r *recorder) { r.record(calllog.KindKey, map[string]any{calllog.FieldDigit: d}) }
	}
	prompt := func(cut bool) func(*recorder) {
		return func(r *recorder) { r.record(calllog.KindPrompt, map[string]any{calllog.FieldCut: cut}) }
	}
	menu := func(choice string) func(*recorder) {
		return func(r *recorder) { r.record(calllog.KindMenu, map[string]any{calllog.FieldChoice: choice}) }
	}
	end := func(r *recorder) { r.record(calllog.KindEnd, nil) }
	type steps = []func(*recorder)
	cases := []struct {
		name  string
		steps steps
		want  string
	}{
		{"a choice followed by a whole prompt stays readable", steps{key("1"), menu("1"), prompt(false), end}, "1"},
		{"a choice that is the last thing in the call stays readable", steps{key("2"), menu("2"), end}, "2"},
		{"a choice followed by a barge-in into the next question stays readable",
			steps{key("1"), menu("1"), prompt(true), key("x"), key("x"), end}, "1xx"},
		{"a choice typed straight into a NIK before the next question is part of the NIK",
			steps{key("1"), menu("1"), key("x"), key("x"), end}, "xxx"},
		{"a key the menu lacks is masked even alone", steps{key("7"), menu("invalid"), prompt(false), end}, "x"},
		{"digits that cut each other's prompts are a run, the choice at its end too", steps{key("3"), menu("invalid"),
			prompt(true), key("5"), menu("invalid"), prompt(true), key("0"), menu("0"), prompt(false), end}, "xxx"},
		{"a run ends at a whole prompt and the next choice is readable",
			steps{key("4"), menu("invalid"), key("4"), prompt(false), key("9"), menu("9"), end}, "xx9"},
		{"a hash neither joins two choices into a run nor is masked",
			steps{key("#"), key("7"), menu("7"), prompt(false), key("#"), key("8"), menu("8"), end}, "#7#8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := &memorySink{}
			r := &recorder{sink: sink, callID: "c", clock: time.Now}
			for _, s := range tc.steps {
				s(r)
			}
			var keys strings.Builder
			for i, e := range sink.Events() {
				if e.Seq != i+1 {
					t.Fatalf("event %d reached the sink with seq %d: order lost", i, e.Seq)
				}
				if e.Kind == calllog.KindKey {
					keys.WriteString(fmt.Sprint(e.Fields[calllog.FieldDigit]))
				}
			}
			if keys.String() != tc.want {
				t.Errorf("keys logged %q, want %q", keys.String(), tc.want)
			}
		})
	}
}
