package prompts

import (
	"bytes"
	"io/fs"
	"slices"
	"testing"
	"time"
	"unicode/utf8"
)

const staleHint = "the committed prompt audio is stale: run `make prompts` " +
	"(vika prompts build --out prompts/sounds --formats wav) and commit prompts/sounds"

// Every prompt is padded 50 ms each side; the rest is speech, which espeak-ng at 150 words a minute produces at
// about 80-160 ms a character. Outside 40-200 ms the file is not the text (truncated, silent, or another prompt).
const (
	pad         = 100 * time.Millisecond
	minPerChar  = 40 * time.Millisecond
	maxPerChar  = 200 * time.Millisecond
	durationTol = 2 * time.Millisecond
)

func TestTheCommittedManifestListsEveryPromptInCatalogueOrderWithCurrentText(t *testing.T) {
	t.Parallel()
	m, err := ReadManifestFS(Sounds())
	if err != nil {
		t.Fatalf("%v: %s", err, staleHint)
	}
	want := Catalogue().Entries()
	if len(m.Prompts) != len(want) {
		t.Errorf("manifest has %d prompts, catalogue %d: %s", len(m.Prompts), len(want), staleHint)
	}
	for i, e := range want {
		if i >= len(m.Prompts) || m.Prompts[i].ID != e.ID {
			t.Fatalf("manifest entry %d is not %s: %s", i, e.ID, staleHint)
		}
		got := m.Prompts[i]
		if !slices.Contains(got.Formats, FormatWAV) {
			t.Errorf("%s: no wav in the committed manifest: %s", e.ID, staleHint)
		}
		if got.Source == SourceGenerated && (got.TextSHA256 != TextHash(e) || got.Text != e.Text) {
			t.Errorf("%s: text changed since its audio was made: %s", e.ID, staleHint)
		}
	}
	if m.Voice != VoiceSettings() {
		t.Errorf("manifest voice %q, want %q: %s", m.Voice, VoiceSettings(), staleHint)
	}
}

func TestEveryCommittedSoundIsTelephonyWAVOfPlausibleLengthAsTheManifestSays(t *testing.T) {
	t.Parallel()
	sfs := Sounds()
	m, err := ReadManifestFS(sfs)
	if err != nil {
		t.Fatal(err)
	}
	cat := Catalogue()
	for _, e := range m.Prompts {
		data, err := fs.ReadFile(sfs, Language+"/vika/"+e.ID+".wav")
		if err != nil {
			t.Errorf("%s: %v: %s", e.ID, err, staleHint)
			continue
		}
		w, err := parseWAV(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", e.ID, err)
			continue
		}
		if !w.Telephony() {
			t.Errorf("%s: %d Hz, %d channels, %d bits; Asterisk's wav needs 8000 Hz mono 16-bit", e.ID, w.SampleRate, w.Channels, w.BitsPerSample)
		}
		if d := w.Duration() - e.Duration(); d > durationTol || d < -durationTol {
			t.Errorf("%s: file plays %s, manifest says %s: %s", e.ID, w.Duration(), e.Duration(), staleHint)
		}
		if entry, ok := cat.Entry(e.ID); ok && e.Source == SourceGenerated {
			checkPlausible(t, entry, w.Duration())
		}
	}
}

func checkPlausible(t *testing.T, e Entry, d time.Duration) {
	t.Helper()
	chars := time.Duration(utf8.RuneCountInString(e.Spoken()))
	if speech := d - pad; speech < chars*minPerChar || speech > chars*maxPerChar {
		t.Errorf("%s: %s of audio for %d characters (%q): not this text", e.ID, d, chars, e.Spoken())
	}
}

func TestTheSimulatorAndDemoCanReadDurationsFromTheEmbeddedSounds(t *testing.T) {
	t.Parallel()
	m, err := ReadManifestFS(Sounds())
	if err != nil {
		t.Fatal(err)
	}
	d := m.Durations()
	if d["welcome"] < time.Second || d["num-1"] <= 0 || m.Total() < time.Minute {
		t.Errorf("welcome %s, num-1 %s, total %s", d["welcome"], d["num-1"], m.Total())
	}
}
