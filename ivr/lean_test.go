package ivr

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

// Issue 18, "make each reply lean": what a call costs in ARI requests, and what a key waits for.

// requestLog keeps the REST requests the simulator serves, as they arrive (asterisksim.Options.Logf: "ari METHOD
// URI").
type requestLog struct {
	mu    sync.Mutex
	lines []loggedRequest
}

type loggedRequest struct {
	line string
	at   time.Time
}

func (l *requestLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, loggedRequest{fmt.Sprintf(format, args...), time.Now()})
}

// find returns the requests of method whose URI matches.
func (l *requestLog) find(method string, match func(uri string) bool) []loggedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loggedRequest
	for _, r := range l.lines {
		uri, ok := strings.CutPrefix(r.line, "ari "+method+" ")
		if ok && match(uri) {
			out = append(out, r)
		}
	}
	return out
}

func TestAPromptHeardBeforeIsNotAskedAboutWhileItPlays(t *testing.T) {
	t.Parallel()
	var reqs requestLog
	h := newHarness(t, harnessConfig{simLog: reqs.logf, edit: func(f *dialplan.Flow) {
		// main-menu (9.6 s, 240 ms here) plays longer than playback.start; the greeting (107 ms here) does not.
		f.Playback.Start = 100 * time.Millisecond
	}})
	call := h.dial(t, "165")
	// A silent caller hears the whole menu three times, then goes to an agent: playbacks 2, 4 and 6 of the call.
	call.hear("welcome", "main-menu", "no-input", "main-menu", "no-input", "main-menu", "no-input", "transfer-agent")
	call.transferred()
	cases := []struct {
		name     string
		playback int // the call's n-th Play (the playback id ends in -n)
		asked    func(n int) bool
	}{
		{"the first time, nobody knows how long it plays: it is asked about once playback.start has passed", 2,
			func(n int) bool { return n >= 1 }},
		{"the second time its PlaybackFinished is due at its known length: no request", 4, func(n int) bool { return n == 0 }},
		{"nor the third time", 6, func(n int) bool { return n == 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			suffix := fmt.Sprintf("-%d", c.playback)
			gets := reqs.find("GET", func(uri string) bool {
				return strings.HasPrefix(uri, "/ari/playbacks/") && strings.HasSuffix(uri, suffix)
			})
			if !c.asked(len(gets)) {
				t.Errorf("main-menu, playback %s: asked about %d times", suffix, len(gets))
			}
		})
	}
}

func TestAKeyThatCutsAPromptGetsTheNextPromptWithoutWaitingForTheStop(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		stopTakes time.Duration // Asterisk's answer to the DELETE of the cut prompt
	}{
		{"Asterisk answers the stop at once", 0},
		{"Asterisk takes 300 ms to answer the stop", 300 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var reqs requestLog
			h := newHarness(t, harnessConfig{simLog: reqs.logf, edit: func(f *dialplan.Flow) {
				// The next prompt waits behind the cut one until the stop lands; it must not count as never started
				// meanwhile (the REST delay is real time, the flow's 2 s are 50 ms here).
				f.Playback.Start = time.Second
			}})
			if c.stopTakes > 0 {
				h.sim.SetRESTFault(asterisksim.MatchRequest("DELETE", "/playbacks/*"), c.stopTakes, 0)
			}
			call := h.dial(t, "165")
			call.hear("main-menu")
			call.press("1")
			call.hear("enter-id")
			call.hangUp()
			h.settle(t)
			stops := reqs.find("DELETE", func(uri string) bool { return strings.HasPrefix(uri, "/ari/playbacks/") })
			plays := reqs.find("POST", func(uri string) bool { return strings.Contains(uri, "/play/") })
			if len(stops) != 1 || len(plays) < 3 {
				t.Fatalf("%d stops and %d plays, want 1 stop (main-menu) and 3 plays (welcome, main-menu, enter-id)",
					len(stops), len(plays))
			}
			next := plays[2]
			if gap := next.at.Sub(stops[0].at); gap > 100*time.Millisecond {
				t.Errorf("the next prompt was asked for %s after the stop (%s): it waited for Asterisk's answer",
					gap, next.line)
			}
			if heard := call.Transcript().HeardIDs(); !containsAll(heard, "main-menu", "enter-id") {
				t.Errorf("heard %v", heard)
			}
		})
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestACallsLogLinesNameTheCallThoughItsFieldsAreEncodedOnlyWhenItLogs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		level     zapcore.Level
		wantEnded bool
	}{
		{"at info the call ended line carries call_id, channel and entry", zap.InfoLevel, true},
		{"at warn a call that goes well writes nothing", zap.WarnLevel, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out lockedBuffer
			logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), &out, c.level))
			h := newHarness(t, harnessConfig{logger: logger})
			call := h.dial(t, "021165")
			call.hear("main-menu")
			call.hangUp()
			h.settle(t)
			var ended map[string]any
			for _, l := range out.lines() {
				if l == "" {
					continue
				}
				if !c.wantEnded {
					t.Errorf("logged at %s: %s", c.level, l)
				}
				if strings.Contains(l, `"ivr: call ended"`) {
					if err := json.Unmarshal([]byte(l), &ended); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !c.wantEnded {
				return
			}
			if ended == nil {
				t.Fatalf("no call ended line in %q", out.lines())
			}
			for k, want := range map[string]any{"channel": call.LineID, "entry": "landline"} {
				if ended[k] != want {
					t.Errorf("%s is %v, want %v", k, ended[k], want)
				}
			}
			if id, _ := ended["call_id"].(string); id == "" {
				t.Errorf("no call_id in %v", ended)
			}
		})
	}
}

// askedDirectory answers every look-up "not found" and notes when it was asked.
type askedDirectory struct {
	mu sync.Mutex
	at []time.Time
}

func (d *askedDirectory) LookupMember(_ context.Context, _ jkn.IDKind, _ string, _, _ time.Time) (jkn.Member, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = append(d.at, time.Now())
	return jkn.Member{}, ErrNotFound
}

func (d *askedDirectory) asked() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.at)
}

func TestThePleaseWaitPromptIsAskedForBeforeTheParticipantIsLookedUp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, entry, number, birth string
	}{
		{"a NIK from a mobile", "165", "3507014501900003", "05011990"},
		{"a card number from a landline", "021165", "0001234567891", "05011990"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var reqs requestLog
			dir := &askedDirectory{}
			h := newHarness(t, harnessConfig{simLog: reqs.logf, dir: func(*store.Store) Directory { return dir }})
			call := h.dial(t, c.entry)
			call.hear("main-menu")
			call.press("1")
			call.hear("enter-id")
			call.press(c.number + "#")
			call.hear("enter-birthdate")
			call.press(c.birth)
			call.hear("please-wait", "data-mismatch")
			call.hangUp()
			h.settle(t)
			asked := dir.asked()
			if len(asked) != 1 {
				t.Fatalf("looked up %d times, want 1", len(asked))
			}
			plays := reqs.find("POST", func(uri string) bool { return strings.Contains(uri, "/play/") })
			var wait loggedRequest
			for i, p := range plays { // the Play before the first one posted after the look-up
				if p.at.After(asked[0]) {
					break
				}
				wait = plays[i]
			}
			heard := call.Transcript().HeardIDs()
			i := slices.Index(heard, "please-wait")
			if wait.line == "" || i < 0 || !strings.HasSuffix(wait.line, fmt.Sprintf("-%d", i+1)) {
				t.Errorf("the last Play before the look-up was %q; please-wait is the call's Play %d (heard %v)",
					wait.line, i+1, heard)
			}
		})
	}
}

// Under load a Play waits its turn for one of the ARI pool's connections before Asterisk has it. playback.start
// counts from Asterisk's answer: a Play answered late is not asked about (GET /playbacks) as if it had not started,
// which at 5,000 calls put a third of the requests in flight in the same queue as the Plays they were checking.
func TestAPlayAnsweredLateIsNotAskedAboutAsIfItNeverStarted(t *testing.T) {
	t.Parallel()
	var reqs requestLog
	h := newHarness(t, harnessConfig{simLog: reqs.logf, edit: func(f *dialplan.Flow) {
		f.Playback.Start = 200 * time.Millisecond // real time; the greeting plays 107 ms here
	}})
	// Every Play answered 300 ms late, as a Play that waited for a pooled connection is.
	h.sim.SetRESTFault(asterisksim.MatchRequest("POST", "/channels/*/play/*"), 300*time.Millisecond, 0)
	call := h.dial(t, "165")
	call.hear("welcome", "main-menu")
	call.hangUp()
	gets := reqs.find("GET", func(uri string) bool {
		return strings.HasPrefix(uri, "/ari/playbacks/") && strings.HasSuffix(uri, "-1")
	})
	if len(gets) > 0 {
		t.Errorf("the greeting, answered 300 ms after it was posted and heard in full 107 ms later, was asked about %d times", len(gets))
	}
}
