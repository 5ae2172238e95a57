package difftest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/lab"
)

var record = flag.Bool("record", false, "with VIKA_REAL_ARI_URL: rewrite testdata/real-asterisk.json from the real Asterisk")

const golden = "testdata/real-asterisk.json"

// timingTolerance is how far (Asterisk time) an event may be from the real one's: scheduling and HTTP
// round trips on both sides, multiplied by the simulator's speed.
const timingTolerance = 300 * time.Millisecond

// simSpeed keeps the simulator side short while its wall-time jitter (a GC pause, a slow HTTP round trip
// under -race), multiplied by the speed, stays well inside timingTolerance.
const simSpeed = 5

// realTarget is the real Asterisk of package lab (scripts/with-lab.sh: asterisk-conf/ and the prompts loaded), held
// for this test alone: no other test may register the app "vika" on it meanwhile.
func realTarget(t *testing.T) (Target, bool) {
	tg, ok := lab.Optional(t)
	if !ok {
		return Target{}, false
	}
	lab.Lock(t, tg)
	return Target{URL: tg.ARIURL, User: tg.User, Password: tg.Password, Speed: 1}, true
}

func TestSimulatorAndRealAsteriskGiveTheSameTranscripts(t *testing.T) {
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../../asterisk-conf/extensions.conf",
		Sounds:     "../../prompts/sounds",
		Speed:      simSpeed,
		Users:      map[string]string{"vika": "diff-" + strconv.FormatInt(time.Now().UnixNano(), 36)},
	})
	simTarget := Target{URL: sim.URL(), User: sim.User(), Password: sim.Password(), Speed: simSpeed}

	want := map[string][]Line{}
	source := golden
	if real, ok := realTarget(t); ok {
		source = real.URL
		prepareReal(t, real)
		want = runAll(t, real)
		if *record {
			b, _ := json.MarshalIndent(want, "", " ")
			if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		b, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("no VIKA_REAL_ARI_URL and no golden transcript: %v", err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
	}
	got := runAll(t, simTarget)
	for _, sc := range Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			w := applyDepartures(t, sc.Name, want[sc.Name])
			for _, d := range compare(w, got[sc.Name]) {
				t.Errorf("%s: %s", source, d)
			}
		})
	}
}

// prepareReal sets what the simulator's default dialplan has and the lab's configuration changes: the lab
// runs asterisk-conf with VIKA_AGENTS=lab (no agent phones); the simulator runs it as shipped (queue).
func prepareReal(t *testing.T, tg Target) {
	r := &run{tg: tg, name: "setup", hc: &http.Client{Timeout: 10 * time.Second}, ctx: context.Background()}
	if status, _ := r.rest("POST", "/asterisk/variable", map[string][]string{"variable": {"VIKA_AGENTS"}, "value": {"queue"}}); status != 204 {
		t.Fatalf("setting global VIKA_AGENTS=queue on %s: status %d", tg.URL, status)
	}
}

func runAll(t *testing.T, tg Target) map[string][]Line {
	t.Helper()
	out := map[string][]Line{}
	nonce := strconv.FormatInt(time.Now().UnixNano()%1e6, 36)
	for _, sc := range Scenarios {
		lines, err := runScenario(context.Background(), tg, sc.Name+"-"+nonce, sc.script)
		if err != nil {
			t.Fatalf("%s on %s: %v\n%s", sc.Name, tg.URL, err, render(lines))
		}
		out[sc.Name] = lines
	}
	return out
}

// compare reports each difference per stream: the REST replies in order, and each app's events per channel
// (a missing, extra or different line, or a time out of tolerance). Streams are compared separately because
// they are not ordered against each other on Asterisk either: the two WebSockets and the HTTP replies
// interleave differently on every run, and the two halves of a Local pair run in their own threads, so an
// app sees the ;1 and ;2 events of one moment in either order (the lab showed both). Per channel the order
// is Asterisk's and must be equal.
func compare(want, got []Line) []string {
	var diffs []string
	for _, st := range []string{"rest", appIVR + "/line", appIVR + "/caller", appDriver + "/line", appDriver + "/caller"} {
		w, g := stream(want, st), stream(got, st)
		n := max(len(w), len(g))
		for i := 0; i < n; i++ {
			switch {
			case i >= len(g):
				diffs = append(diffs, fmt.Sprintf("%s #%d: simulator lacks %q", st, i, w[i].Text))
			case i >= len(w):
				diffs = append(diffs, fmt.Sprintf("%s #%d: simulator adds %q", st, i, g[i].Text))
			case w[i].Text != g[i].Text:
				diffs = append(diffs, fmt.Sprintf("%s #%d:\n  asterisk:  %s\n  simulator: %s", st, i, w[i].Text, g[i].Text))
			case st != "rest" && abs(w[i].AtMS-g[i].AtMS) > timingTolerance.Milliseconds():
				diffs = append(diffs, fmt.Sprintf("%s #%d %s: at %d ms on asterisk, %d ms on the simulator", st, i, w[i].Text, w[i].AtMS, g[i].AtMS))
			}
			if len(diffs) > 5 {
				return append(diffs, "...")
			}
		}
	}
	return diffs
}

// stream is "rest" or "<app>/<channel>": an event is about the channel it names (ch=), a Dial about its
// peer (the ;1 caller), a playback about the line it plays on.
func stream(lines []Line, name string) []Line {
	var out []Line
	for _, l := range lines {
		if streamOf(l) == name {
			out = append(out, l)
		}
	}
	return out
}

func streamOf(l Line) string {
	if l.App == "rest" {
		return "rest"
	}
	for _, f := range strings.Fields(l.Text) {
		if v, ok := strings.CutPrefix(f, "ch="); ok {
			return l.App + "/" + v
		}
		if v, ok := strings.CutPrefix(f, "peer="); ok {
			return l.App + "/" + v
		}
	}
	return l.App + "/line"
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func render(lines []Line) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%6d %-11s %s\n", l.AtMS, l.App, l.Text)
	}
	return b.String()
}

// TestGoldenTranscriptCoversEveryScenario keeps the committed transcript honest: every scenario is
// in it, so a new scenario cannot pass in CI with nothing to compare to.
func TestGoldenTranscriptCoversEveryScenario(t *testing.T) {
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string][]Line
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	for _, sc := range Scenarios {
		if len(g[sc.Name]) == 0 {
			t.Errorf("%s has no transcript in %s: record it with VIKA_REAL_ARI_URL=... go test -run TestSimulatorAndReal -record", sc.Name, golden)
		}
	}
}
