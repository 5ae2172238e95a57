package extconf

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The project's own dialplan is what the simulator routes with, so its promises are tested here in the
// simulator's terms: the entries reach the app at the priority the file says, and the fallback and agents
// contexts run as operators expect.

const projectConf = "../../asterisk-conf/extensions.conf"

func TestProjectEntriesReachTheVikaAppAtPriorityTwo(t *testing.T) {
	t.Parallel()
	d := mustParse(t, projectConf)
	cases := []struct {
		name, context, dialled, entry string
	}{
		{"165 from a mobile", "from-mobile", "165", "mobile"},
		{"021165 from a landline", "from-landline", "021165", "landline"},
		{"E.164 from a landline carrier", "from-landline", "+6221165", "landline"},
		{"without the trunk prefix from a landline carrier", "from-landline", "21165", "landline"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := d.Route(tc.context, tc.dialled)
			if err != nil {
				t.Fatal(err)
			}
			s, ok := r.Stasis()
			if !ok {
				t.Fatalf("%s@%s never reaches Stasis: %q", tc.dialled, tc.context, summary(r))
			}
			if s.Stasis.App != "vika" || !reflect.DeepEqual(s.Stasis.Args, []string{tc.entry}) {
				t.Errorf("Stasis(%s,%v), want Stasis(vika,%s)", s.Stasis.App, s.Stasis.Args, tc.entry)
			}
			if s.Priority != 2 {
				t.Errorf("Stasis at priority %d of %s, want 2 as the file promises", s.Priority, s.Exten)
			}
		})
	}
}

func TestProjectFallbackSaysTheServiceIsUnavailableAndQueuesForAnAgentWhenTheAppIsDown(t *testing.T) {
	t.Parallel()
	d := mustParse(t, projectConf)
	for _, entry := range []struct{ context, exten string }{{"from-mobile", "165"}, {"from-landline", "021165"}} {
		r, err := d.Route(entry.context, entry.exten)
		if err != nil {
			t.Fatal(err)
		}
		s, _ := r.Stasis()
		// No app at all: vika, then every instance of [vika-instances], fails in turn.
		after, err := d.AfterStasis(s, "FAILED", nil)
		for err == nil && after.End == EndStasis {
			last, _ := after.Stasis()
			after, err = d.AfterStasis(last, "FAILED", after.Vars)
		}
		if err != nil {
			t.Fatal(err)
		}
		apps := appsOf(after)
		for _, want := range []string{"Playback(vika/service-unavailable)", "Queue(care-center,t,,,600)"} {
			if !strings.Contains(apps, want) {
				t.Errorf("%s: after STASISSTATUS=FAILED the caller gets %s, want %s in it", entry.exten, apps, want)
			}
		}
		if after.End != EndHangup {
			t.Errorf("%s: fallback ends with %v, want a hangup", entry.exten, after.End)
		}
		ok, err := d.AfterStasis(s, "SUCCESS", nil)
		if err != nil || ok.End != EndHangup || strings.Contains(appsOf(ok), "Queue") {
			t.Errorf("%s: after the app let go the channel should hang up, got %s (%v)", entry.exten, appsOf(ok), err)
		}
	}
}

func TestProjectAgentsContextQueuesOrInTheLabWaits(t *testing.T) {
	t.Parallel()
	d := mustParse(t, projectConf)
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"production queues the caller", nil, "NoOp Set GotoIf Queue NoOp Playback Hangup"},
		{"the lab variant answers and waits", map[string]string{"VIKA_AGENTS": "lab"}, "NoOp Set GotoIf Answer Wait Hangup"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dd := *d
			dd.Globals = map[string]string{}
			for k, v := range d.Globals {
				dd.Globals[k] = v
			}
			for k, v := range tc.vars {
				dd.Globals[k] = v
			}
			r, err := dd.Walk("agents", "s", 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range r.Steps {
				names = append(names, s.App)
			}
			if got := strings.Join(names, " "); got != tc.want {
				t.Errorf("agents,s,1 runs %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLabDialplanPutsStasisAtPriorityTwoAsInTheTraces(t *testing.T) {
	t.Parallel()
	d := mustParse(t, "testdata/lab-extensions.conf")
	cases := []struct{ context, exten, appData string }{
		{"from-mobile", "165", "vika,mobile"},
		{"from-landline", "021165", "vika,landline"},
	}
	for _, tc := range cases {
		r, err := d.Route(tc.context, tc.exten)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := r.Stasis()
		if !ok || s.Priority != 2 || s.Data != tc.appData {
			t.Errorf("%s@%s: Stasis %v at %d with %q, want priority 2 with %q", tc.exten, tc.context, ok, s.Priority, s.Data, tc.appData)
		}
	}
	if _, err := d.Route("from-mobile", "999"); err == nil {
		t.Error("999@from-mobile must not route (the traces show 200 then ChannelDestroyed cause 0)")
	}
}

// The lab dialplan is copied into testdata so a fresh clone tests without ../shared; when the lab script is
// there, the copy must still be what it writes.
func TestLabDialplanCopyMatchesTheLabScript(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("../../../shared/asterisk-lab/configure-lab.sh")
	if err != nil {
		t.Skip("no ../shared/asterisk-lab here:", err)
	}
	_, after, ok := bytes.Cut(script, []byte("extensions.conf <<'C'\n"))
	body, _, ok2 := bytes.Cut(after, []byte("\nC\n"))
	if !ok || !ok2 {
		t.Fatal("configure-lab.sh no longer has the extensions.conf heredoc")
	}
	copyText, err := os.ReadFile("testdata/lab-extensions.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(bytes.TrimSpace(copyText)) != string(bytes.TrimSpace(body)) {
		t.Error("testdata/lab-extensions.conf differs from configure-lab.sh's default dialplan; copy it again")
	}
}

func appsOf(r Route) string {
	var b strings.Builder
	for _, s := range r.Steps {
		b.WriteString(s.App + "(" + s.Data + ") ")
	}
	return b.String()
}
