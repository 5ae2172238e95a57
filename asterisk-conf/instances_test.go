package asteriskconf_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/vika-jkn/vika/asterisksim/extconf"
)

// route follows a call from its entry through every Stasis the dialplan tries, as Asterisk does: a Stasis whose
// app is registered takes the call; one whose app is not returns at once with STASISSTATUS=FAILED. It returns the
// app that got the call ("" when none did) and the apps tried, in order.
func route(t *testing.T, d *extconf.Dialplan, context, exten string, registered ...string) (string, []string) {
	t.Helper()
	r, err := d.Route(context, exten)
	var tried []string
	for err == nil && r.End == extconf.EndStasis {
		s, _ := r.Stasis()
		tried = append(tried, s.Stasis.App)
		if slices.Contains(registered, s.Stasis.App) {
			return s.Stasis.App, tried
		}
		r, err = d.AfterStasis(s, "FAILED", r.Vars)
	}
	if err != nil {
		t.Fatalf("%s@%s: %v", exten, context, err)
	}
	if !strings.Contains(appsOf(r), "Playback(vika/service-unavailable)") {
		t.Errorf("%s@%s with %v registered ends %v without the fallback: %s", exten, context, registered, r.End, appsOf(r))
	}
	return "", tried
}

func appsOf(r extconf.Route) string {
	var b strings.Builder
	for _, s := range r.Steps {
		b.WriteString(s.App + "(" + s.Data + ") ")
	}
	return b.String()
}

func TestEachCallGoesToOneRegisteredInstanceAndTriesTheNextWhenItsAppIsNotRegistered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		rand       int // what ${RAND(0,1)} gives: which instance the call starts at
		registered []string
		want       string
		wantTried  []string
	}{
		{"a single serve with the default app takes every call", 0, []string{"vika"}, "vika", []string{"vika"}},
		{"a single serve keeps its calls even with instances up", 1, []string{"vika", "vika-a", "vika-b"}, "vika", []string{"vika"}},
		{"both instances up, the draw picks vika-a", 0, []string{"vika-a", "vika-b"}, "vika-a", []string{"vika", "vika-a"}},
		{"both instances up, the draw picks vika-b", 1, []string{"vika-a", "vika-b"}, "vika-b", []string{"vika", "vika-b"}},
		{"vika-a stopped: its share goes to vika-b", 0, []string{"vika-b"}, "vika-b", []string{"vika", "vika-a", "vika-b"}},
		{"vika-b stopped: its share goes to vika-a", 1, []string{"vika-a"}, "vika-a", []string{"vika", "vika-b", "vika-a"}},
		{"no instance up: the fallback after trying each once", 0, nil, "", []string{"vika", "vika-a", "vika-b"}},
		{"no instance up, other draw: the fallback after trying each once", 1, nil, "", []string{"vika", "vika-b", "vika-a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := dialplan(t)
			d.Rand = func(lo, hi int) int { return tc.rand }
			for _, entry := range []struct{ context, exten, arg string }{{"from-mobile", "165", "mobile"}, {"from-landline", "021165", "landline"}} {
				got, tried := route(t, d, entry.context, entry.exten, tc.registered...)
				if got != tc.want || !slices.Equal(tried, tc.wantTried) {
					t.Errorf("%s: the call went to %q after trying %v, want %q after %v", entry.exten, got, tried, tc.want, tc.wantTried)
				}
			}
		})
	}
}

func TestAnInstanceGetsTheEntryNameAsItsFirstArgument(t *testing.T) {
	t.Parallel()
	d := dialplan(t)
	for _, entry := range []struct{ context, exten, arg string }{{"from-mobile", "165", "mobile"}, {"from-landline", "+6221165", "landline"}} {
		r, _ := d.Route(entry.context, entry.exten)
		s, _ := r.Stasis()
		r, err := d.AfterStasis(s, "FAILED", r.Vars)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := r.Stasis()
		if !ok || !strings.HasPrefix(s.Stasis.App, "vika-") || !slices.Equal(s.Stasis.Args, []string{entry.arg}) {
			t.Errorf("%s: instance call %v, want Stasis(vika-…,%s)", entry.exten, s.Stasis, entry.arg)
		}
	}
}

func TestBothInstancesCarryCallsWhenTheDrawIsLeftToChance(t *testing.T) {
	t.Parallel()
	d := dialplan(t)
	got := map[string]int{}
	for range 200 {
		app, _ := route(t, d, "from-mobile", "165", "vika-a", "vika-b")
		got[app]++
	}
	// With p=½ each, fewer than 60 of 200 happens about once in 10^8 runs.
	if got["vika-a"] < 60 || got["vika-b"] < 60 {
		t.Errorf("200 calls went %v; want both instances to carry a share", got)
	}
}
