package extconf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func mustParse(t *testing.T, path string) *Dialplan {
	t.Helper()
	d, err := Parse(path)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return d
}

// summary renders a route as "context,exten,prio:App(data)" lines, which is what a tester reads.
func summary(r Route) []string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Context+","+s.Exten+","+strconv.Itoa(s.Priority)+":"+s.App+"("+s.Data+")")
	}
	return out
}

func TestDialledNumbersReachTheExtensionAsteriskWouldPick(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/patterns.conf")
	cases := []struct {
		name, context, dialled, wantPattern, wantFoundIn string
	}{
		{"an exact extension beats every pattern", "entry", "021165", "021165", "entry"},
		{"dashes in the dialled number are ignored", "entry", "021-165", "021165", "entry"},
		{"a literal prefix beats X at the same position", "entry", "021166", "_021-16[6-9]", "entry"},
		{"a two-member set beats X", "entry", "0211", "_0[2-3]1X", "entry"},
		{"! matches the longer numbers the set cannot", "entry", "0219999", "_0XXX!", "entry"},
		{"N beats X for three digits", "entry", "555", "_NXX", "entry"},
		{"Z beats X for two digits", "entry", "15", "_ZX", "entry"},
		{"X. takes what nothing more precise takes", "entry", "12345", "_X.", "entry"},
		{"an included context answers what the context itself does not", "entry", "s", "s", "more"},
		{"an #included file adds its contexts", "extra", "42", "42", "extra"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := d.Route(tc.context, tc.dialled)
			if err != nil {
				t.Fatalf("Route(%s,%s): %v", tc.context, tc.dialled, err)
			}
			first := r.Steps[0]
			if first.Pattern != tc.wantPattern || first.FoundIn != tc.wantFoundIn {
				t.Errorf("matched %q in %q, want %q in %q", first.Pattern, first.FoundIn, tc.wantPattern, tc.wantFoundIn)
			}
			if first.Context != tc.context || first.Exten != tc.dialled {
				t.Errorf("channel at %s,%s, want the dialled %s,%s", first.Context, first.Exten, tc.context, tc.dialled)
			}
		})
	}
}

func TestNumbersNobodyRoutesAreNoRoute(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/patterns.conf")
	cases := []struct{ name, context, exten string }{
		{"X. needs at least two characters", "entry", "7"},
		{"an unknown context", "no-such-context", "s"},
		{"letters match no digit pattern", "failover", "abc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := d.Route(tc.context, tc.exten); !errors.Is(err, ErrNoRoute) {
				t.Fatalf("Route(%s,%s) error = %v, want ErrNoRoute", tc.context, tc.exten, err)
			}
		})
	}
	if _, err := d.Walk("failover", "165", 9, nil); !errors.Is(err, ErrNoRoute) {
		t.Errorf("Walk to a missing priority: %v, want ErrNoRoute", err)
	}
}

func TestWalksFollowGotoGotoIfAndSetUntilStasisOrAnEnd(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/patterns.conf")
	cases := []struct {
		name, context, exten string
		vars                 map[string]string
		want                 []string
		end                  End
	}{
		{
			name: "globals, CONTEXT and a true GotoIf with & reach Stasis", context: "entry", exten: "s",
			want: []string{"entry,s,1:NoOp(halo from entry)", "entry,s,2:Set(COUNT=1)", "entry,s,3:GotoIf(1?done:again)",
				"entry,s,5:Stasis(vika)"},
			end: EndStasis,
		},
		{
			name: "Goto to a label in another context moves the channel there", context: "entry", exten: "jump",
			want: []string{"entry,jump,1:Goto(more,s,again)", "more,s,2:Set(COUNT=1)", "more,s,3:GotoIf(1?done:again)",
				"more,s,5:Stasis(vika)"},
			end: EndStasis,
		},
		{
			name: "Goto to a context that does not exist ends the walk", context: "entry", exten: "away",
			want: []string{"entry,away,1:Goto(nowhere,s,1)"}, end: EndBadGoto,
		},
		{
			name: "running out of priorities ends the walk", context: "entry", exten: "fall",
			want: []string{"entry,fall,1:NoOp(nothing after me)"}, end: EndFellOff,
		},
		{
			name: "variables are substituted into app data", context: "entry", exten: "12345",
			want: []string{"entry,12345,1:NoOp(any digits: 12345)", "entry,12345,2:Hangup()"}, end: EndHangup,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := d.Walk(tc.context, tc.exten, 1, tc.vars)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(r); !reflect.DeepEqual(got, tc.want) || r.End != tc.end {
				t.Errorf("walk:\n got %q (%v)\nwant %q (%v)", got, r.End, tc.want, tc.end)
			}
		})
	}
}

func TestAGotoLoopIsReportedInsteadOfSpinning(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/patterns.conf")
	if _, err := d.Route("entry", "loop"); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Fatalf("Route into Goto(loop,1): %v, want a loop error", err)
	}
	if _, err := d.Walk("entry", "s", 1, map[string]string{"MODE": "skip"}); err == nil {
		t.Fatal("a GotoIf that always jumps back must be reported")
	}
}

func TestStasisArgumentsAreSplitOnCommasAsAppStasisDoes(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/patterns.conf")
	cases := []struct {
		name, context, exten string
		app                  string
		args                 []string
		priority             int
	}{
		{"app and one argument", "failover", "165", "vika", []string{"mobile"}, 2},
		{"app and two arguments, one with a space", "entry", "021166", "vika", []string{"landline", "extra arg"}, 2},
		{"app without arguments", "entry", "s", "vika", nil, 5},
		{"a trailing comment is not an argument", "extra", "42", "vika", []string{"included"}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := d.Route(tc.context, tc.exten)
			if err != nil {
				t.Fatal(err)
			}
			s, ok := r.Stasis()
			if !ok {
				t.Fatalf("no Stasis: %q", summary(r))
			}
			if s.Stasis.App != tc.app || !reflect.DeepEqual(s.Stasis.Args, tc.args) || s.Priority != tc.priority {
				t.Errorf("Stasis = %q %q at %d, want %q %q at %d", s.Stasis.App, s.Stasis.Args, s.Priority, tc.app, tc.args, tc.priority)
			}
		})
	}
}

func TestAfterStasisFailedTheFallbackRunsAndAfterSuccessTheCallEnds(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/patterns.conf")
	r, err := d.Route("failover", "165")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.Stasis()
	cases := []struct {
		status string
		want   []string
		end    End
	}{
		{"FAILED", []string{"failover,165,3:GotoIf(1?busy)", "failover,165,5:Playback(vika/system-busy)",
			"failover,165,6:Goto(agents,s,1)", "agents,s,1:Queue(care-center)", "agents,s,2:Hangup()"}, EndHangup},
		{"SUCCESS", []string{"failover,165,3:GotoIf(0?busy)", "failover,165,4:Hangup()"}, EndHangup},
	}
	for _, tc := range cases {
		t.Run("STASISSTATUS="+tc.status, func(t *testing.T) {
			t.Parallel()
			after, err := d.AfterStasis(s, tc.status, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(after); !reflect.DeepEqual(got, tc.want) || after.End != tc.end {
				t.Errorf("after Stasis:\n got %q (%v)\nwant %q (%v)", got, after.End, tc.want, tc.end)
			}
		})
	}
}

func TestParseErrorsNameTheFileAndLine(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, want string }{
		{"same without exten", "[c]\n same => n,NoOp()\n", "x.conf:2: same => without a preceding exten"},
		{"a priority that is not a number", "[c]\nexten => 1,first,NoOp()\n", "x.conf:2: bad priority"},
		{"a priority defined twice", "[c]\nexten => 1,1,NoOp()\nexten => 1,1,NoOp()\n", "x.conf:3: priority 1 of 1 already defined at x.conf:2"},
		{"a line outside any context", "exten => 1,1,NoOp()\n", "x.conf:1: "},
		{"an include of a missing file", "; hello\n#include \"missing.conf\"\n", "x.conf:2: #include \"missing.conf\": no such file"},
		{"an unterminated section", "[c\n", "x.conf:1: unterminated section"},
		{"an exten without an application", "[c]\nexten => 1,1\n", "x.conf:2: priority without an application"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "x.conf")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Parse(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestTryIncludeOfAMissingFileIsFine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.conf")
	if err := os.WriteFile(path, []byte("#tryinclude \"local-*.conf\"\n[c]\nexten => 1,1,Hangup()\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(path); err != nil {
		t.Fatal(err)
	}
}
