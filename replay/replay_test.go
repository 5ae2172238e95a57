package replay

import (
	"bytes"
	"io/fs"
	"math"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/prompts"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// promptEvent is a prompt as the IVR logs it; times go through JSON in the store, so they are strings here.
func promptEvent(seq int, id string, fromMS, toMS int, cut bool) calllog.Event {
	return calllog.Event{Seq: seq, At: at(fromMS), Kind: calllog.KindPrompt, Fields: map[string]any{
		calllog.FieldID: id, calllog.FieldStarted: at(fromMS).Format(time.RFC3339Nano),
		calllog.FieldEnded: at(toMS).Format(time.RFC3339Nano), calllog.FieldCut: cut,
	}}
}

func keyEvent(seq int, digit string, ms int) calllog.Event {
	return calllog.Event{Seq: seq, At: at(ms), Kind: calllog.KindKey, Fields: map[string]any{calllog.FieldDigit: digit}}
}

// power is the Goertzel energy of freq in samples [from, to).
func power(s []int16, fromMS, toMS int, freq float64) float64 {
	a, b := fromMS*Rate/1000, toMS*Rate/1000
	coeff := 2 * math.Cos(2*math.Pi*freq/Rate)
	var s1, s2 float64
	for _, x := range s[a:b] {
		s0 := float64(x)/math.MaxInt16 + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return (s1*s1 + s2*s2 - coeff*s1*s2) / float64(b-a)
}

func rms(s []int16, fromMS, toMS int) float64 {
	var sum float64
	for _, x := range s[fromMS*Rate/1000 : toMS*Rate/1000] {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum / float64((toMS-fromMS)*Rate/1000))
}

func TestAReplayCutsAPromptWhereTheCallerCutItAndSoundsTheKeyThatCutIt(t *testing.T) {
	t.Parallel()
	events := []calllog.Event{
		{Seq: 1, At: at(0), Kind: calllog.KindArrival},
		promptEvent(2, "main-menu", 100, 1100, true), // cut after one second by the key below
		keyEvent(3, "1", 1100),
		keyEvent(4, "x", 3000), // a digit of a NIK, logged masked
		{Seq: 5, At: at(4000), Kind: calllog.KindEnd},
	}
	a, err := Render(events, prompts.Sounds(), "id")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Duration(); got < 3990*time.Millisecond || got > 4010*time.Millisecond {
		t.Errorf("replay lasts %s, the call lasted 4s", got)
	}
	if a.Prompts != 1 || a.Keys != 2 || len(a.Missing) != 0 {
		t.Errorf("placed %d prompts, %d keys, missing %v", a.Prompts, a.Keys, a.Missing)
	}
	if rms(a.Samples, 0, 100) != 0 {
		t.Error("the silence before the prompt is not silent")
	}
	if rms(a.Samples, 200, 1000) < 100 {
		t.Error("the prompt is not heard while it played")
	}
	if rms(a.Samples, 1250, 2900) != 0 {
		t.Error("the prompt goes on after the caller cut it")
	}
	key := power(a.Samples, 1100, 1200, 697) + power(a.Samples, 1100, 1200, 1209)
	if key < 100*power(a.Samples, 1100, 1200, 941) {
		t.Error("key 1 does not sound as DTMF 697+1209 Hz")
	}
	for _, f := range []float64{697, 770, 852, 941, 1209, 1336, 1477} {
		if power(a.Samples, 3000, 3100, f) > power(a.Samples, 3000, 3100, maskedBeep)/100 {
			t.Errorf("a masked key carries the DTMF frequency %g Hz: its digit could be heard", f)
		}
	}
}

func TestAReplayNamesPromptsWhoseAudioIsMissingAndKeepsTheirTimeSilent(t *testing.T) {
	t.Parallel()
	events := []calllog.Event{
		promptEvent(1, "no-such-prompt", 0, 500, false),
		promptEvent(2, "goodbye", 500, 1000, false),
	}
	a, err := Render(events, prompts.Sounds(), "id")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Missing) != 1 || a.Missing[0] != "no-such-prompt" || rms(a.Samples, 0, 500) != 0 {
		t.Errorf("missing = %v, rms of its time = %g", a.Missing, rms(a.Samples, 0, 500))
	}
}

func TestAReplayIsWrittenAsAWAVOfTheRightLength(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := WriteWAV(&buf, make([]int16, Rate*2)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 44+2*Rate*2 || string(buf.Bytes()[:4]) != "RIFF" {
		t.Fatalf("WAV of %d bytes", buf.Len())
	}
	if _, err := readWAV(mapFS{"x.wav": buf.Bytes()}, "x.wav"); err != nil {
		t.Fatalf("the WAV written does not read back: %v", err)
	}
}

func TestARenderRefusesATimelineWithNoEvents(t *testing.T) {
	t.Parallel()
	if _, err := Render(nil, prompts.Sounds(), "id"); err == nil {
		t.Fatal("an empty timeline rendered")
	}
}

// mapFS is a one-file fs.FS for reading back what WriteWAV wrote.
type mapFS map[string][]byte

func (m mapFS) Open(name string) (fs.File, error) {
	b, ok := m[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return fstest.MapFS{name: &fstest.MapFile{Data: b}}.Open(name)
}
