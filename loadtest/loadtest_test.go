package loadtest

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

func TestAMixNamesItsScenariosAndRefusesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mix, err string
	}{
		{DefaultMix, ""},
		{"status-nik", ""},
		{"agent=1, wrong-key=3", ""},
		{"status-nik=2,no-such=1", `unknown caller scenario "no-such"`},
		{"status-nik=x", "not a whole number"},
		{"agent=0", "no caller scenario with a weight above 0"},
	} {
		_, err := ParseMix(tc.mix)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseMix(%q) = %v, want error %q", tc.mix, err, tc.err)
		}
	}
}

func TestTheDefaultMixPlacesEveryKindOfCallerInItsShare(t *testing.T) {
	t.Parallel()
	m, err := ParseMix(DefaultMix)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for i := range 10000 {
		seen[m.pick(newRand(1, uint64(i)))]++
	}
	for i, name := range m.names {
		share := float64(seen[name]) / 10000 * 100
		if want := float64(m.weights[i]); share < want-2 || share > want+2 {
			t.Errorf("%s: %.1f%% of callers, want about %.0f%%", name, share, want)
		}
	}
	if len(seen) != len(scenarios) {
		t.Errorf("the default mix places %d kinds of caller, want all %d", len(seen), len(scenarios))
	}
}

func TestAKeyResponseRunsFromTheLastKeyOfARunToTheNextPrompt(t *testing.T) {
	t.Parallel()
	at := func(ms int) time.Time { return time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond) }
	tr := phone.Transcript{
		Keys: []phone.Key{{Digit: "1", Received: at(1000)}, // the menu key, alone
			{Digit: "3", Received: at(3000)}, {Digit: "2", Received: at(3200)}, {Digit: "#", Received: at(3400)}, // an entry
			{Digit: "9"}}, // sent, never received: no response to measure
		Heard: []phone.Heard{{PromptID: "main-menu", Start: at(0)}, {PromptID: "enter-id", Start: at(1002)},
			{PromptID: "enter-birthdate", Start: at(3405)}},
	}
	got := KeyResponses(tr)
	want := []time.Duration{2 * time.Millisecond, 5 * time.Millisecond}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("KeyResponses = %v, want %v", got, want)
	}
}

// fakeCall is a caller's line whose events are scripted, to check how a run judges calls.
type fakeCall struct {
	heard   []string
	i       int
	endedBy string
	t       phone.Transcript
}

func (c *fakeCall) WaitPrompt(ctx context.Context, id string) (phone.Heard, error) {
	for {
		h, err := c.WaitAnyPrompt(ctx)
		if err != nil || h.PromptID == id {
			return h, err
		}
	}
}

func (c *fakeCall) WaitAnyPrompt(ctx context.Context) (phone.Heard, error) {
	if c.i < len(c.heard) {
		c.i++
		h := phone.Heard{PromptID: c.heard[c.i-1], Start: time.Now()}
		c.t.Heard = append(c.t.Heard, h)
		return h, nil
	}
	if c.endedBy != "" {
		c.t.Ended, c.t.Hangup.By = time.Now(), c.endedBy
		return phone.Heard{}, errors.New("the call ended")
	}
	<-ctx.Done()
	return phone.Heard{}, ctx.Err()
}

func (c *fakeCall) Press(context.Context, string, ...phone.PressOption) error { return nil }
func (c *fakeCall) Hangup(context.Context) error {
	if c.t.Ended.IsZero() {
		c.t.Ended, c.t.Hangup.By = time.Now(), phone.ByCaller
	}
	return nil
}
func (c *fakeCall) Transcript() phone.Transcript { return c.t }

func TestACallFailsWithItsReasonAndTheToolsOwnErrorsAreCountedApart(t *testing.T) {
	t.Parallel()
	ids := []Identity{{NIK: "3171234567890123", Card: "0001234567890", BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)}}
	mix, _ := ParseMix("status-nik")
	for _, tc := range []struct {
		name       string
		dial       Dialer
		ok, failed int
		tool       int
		reason     string
	}{
		{"a caller who hears every prompt it waits for is served", func(context.Context, string, string) (Call, error) {
			return &fakeCall{heard: []string{"welcome", "main-menu", "enter-id", "enter-birthdate", "please-wait", "after-readout-menu"}}, nil
		}, 1, 0, 0, ""},
		{"a prompt that says the call went wrong fails it at once, by name", func(context.Context, string, string) (Call, error) {
			return &fakeCall{heard: []string{"main-menu", "enter-id", "enter-birthdate", "system-busy"}}, nil
		}, 0, 1, 0, "heard system-busy while waiting for after-readout-menu"},
		{"the app hanging up is the app's failure", func(context.Context, string, string) (Call, error) {
			return &fakeCall{heard: []string{"main-menu"}, endedBy: phone.ByApp}, nil
		}, 0, 1, 0, "the app ended the call before enter-id"},
		{"a dial the tool could not place is the tool's error, not the app's", func(context.Context, string, string) (Call, error) {
			return nil, errors.New("ARI POST /channels: EOF")
		}, 0, 0, 1, "dial: ARI POST /channels: EOF"},
		{"a line the simulator lost is the tool's error", func(context.Context, string, string) (Call, error) {
			return &fakeCall{heard: []string{"main-menu"}, endedBy: phone.ByPhoneClosed}, nil
		}, 0, 0, 1, "line lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Run(t.Context(), tc.dial, ids, Options{Calls: 1, Concurrency: 1, Speed: 1000, Mix: mix})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK != tc.ok || r.Failed != tc.failed || r.ToolErrors != tc.tool {
				t.Fatalf("ok %d, failed %d, tool %d; want %d, %d, %d (%v %v)", r.OK, r.Failed, r.ToolErrors, tc.ok, tc.failed, tc.tool, r.FirstFailure, r.FirstTool)
			}
			reasons := strings.Join(append(keys(r.Failures), keys(r.Tools)...), "; ")
			if !strings.Contains(reasons, tc.reason) {
				t.Errorf("reasons %q, want %q", reasons, tc.reason)
			}
		})
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestADurationStopsNewArrivalsAndARateSpacesThem(t *testing.T) {
	t.Parallel()
	ids := []Identity{{NIK: "3171234567890123", BirthDate: time.Now()}}
	mix, _ := ParseMix("agent")
	dial := func(context.Context, string, string) (Call, error) {
		return &fakeCall{heard: []string{"main-menu", "transfer-agent"}}, nil
	}
	r, err := Run(t.Context(), dial, ids, Options{Concurrency: 1000, Rate: 200, Duration: 500 * time.Millisecond, Speed: 1000, Mix: mix})
	if err != nil {
		t.Fatal(err)
	}
	// 200 a second for half a second: about 100 arrivals (a Poisson count: 3 standard deviations is ±30).
	if n := r.Started(); n < 70 || n > 130 {
		t.Errorf("%d calls placed in 500ms at 200/s, want about 100", n)
	}
	if r.OK != r.Started() {
		t.Errorf("%d of %d calls ok", r.OK, r.Started())
	}
}

func TestTheHistogramIsAPNGWithEverySeries(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.png")
	d := []time.Duration{200 * time.Microsecond, time.Millisecond, 3 * time.Millisecond, 2 * time.Second, 30 * time.Second}
	if err := WriteHistogram(path, "key response", Series{"vika", d}, Series{"floor", d[:2]}, Series{"empty", nil}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != histW || b.Dy() != histH {
		t.Errorf("size %v", b)
	}
}

func TestTheDocumentGivesEachPercentileAsARatioToTheFloor(t *testing.T) {
	t.Parallel()
	app := &Document{KeyResponseMS: map[string]float64{"p50": 1, "p90": 3, "p99": 10}, AnswerMS: map[string]float64{"p50": 4}}
	app.CompareWith(&Document{KeyResponseMS: map[string]float64{"p50": 0.5, "p90": 2, "p99": 0}, AnswerMS: map[string]float64{"p50": 2}})
	want := map[string]float64{"key_response_p50": 2, "key_response_p90": 1.5, "answer_p50": 2}
	for k, v := range want {
		if app.RatioToFloor[k] != v {
			t.Errorf("%s = %v, want %v", k, app.RatioToFloor[k], v)
		}
	}
	if _, ok := app.RatioToFloor["key_response_p99"]; ok {
		t.Error("a ratio to a floor of 0 was given")
	}
}
