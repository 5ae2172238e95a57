package prompts

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// needSynth skips a test on a machine without the synthesiser: the committed audio makes every other test work
// there, and CI installs the tools (apt-get install espeak-ng sox).
func needSynth(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed (apt-get install -y espeak-ng sox)", tool)
			}
			t.Skipf("%s not installed (apt-get install -y espeak-ng sox); skipping the audio build", tool)
		}
	}
}

func smallCatalogue(t *testing.T, yaml string) *Cat {
	t.Helper()
	c, err := ParseCatalogue([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const threePrompts = `
goodbye: {text: Sampai jumpa.}
num-2: {text: dua}
word-ribu: {text: ribu}
`

// newGoodbye is threePrompts with goodbye's text changed.
const newGoodbye = `
goodbye: {text: Terima kasih.}
num-2: {text: dua}
word-ribu: {text: ribu}
`

func build(t *testing.T, out string, cat *Cat, force bool) *BuildReport {
	t.Helper()
	r, err := Build(context.Background(), BuildOptions{Out: out, Catalogue: cat, Force: force, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuildMakesEveryFormatAsteriskPlaysLaidOutAsItExpects(t *testing.T) {
	t.Parallel()
	needSynth(t)
	out := t.TempDir()
	var progress []int
	_, err := Build(context.Background(), BuildOptions{
		Out: out, Catalogue: smallCatalogue(t, threePrompts),
		Progress: func(done, total int, _ string) { progress = append(progress, done*10+total) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(progress, []int{13, 23, 33}) {
		t.Errorf("progress went %v, want 1/3 2/3 3/3", progress)
	}
	wav := filepath.Join(out, "id", "vika", "goodbye.wav")
	w, err := ReadWAV(wav)
	if err != nil || !w.Telephony() {
		t.Fatalf("goodbye.wav: %+v %v", w, err)
	}
	sizes := map[string]int64{"sln": w.DataBytes, "ulaw": w.DataBytes / 2, "alaw": w.DataBytes / 2}
	for ext, want := range sizes {
		fi, err := os.Stat(filepath.Join(out, "id", "vika", "goodbye."+ext))
		if err != nil || fi.Size() != want {
			t.Errorf("goodbye.%s: %v, size %d, want %d bytes of 8 kHz audio", ext, err, fi.Size(), want)
		}
	}
	m, err := ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := m.Entry("goodbye")
	if e.Source != SourceGenerated || !slices.Equal(e.Formats, AllFormats) || e.Duration() != w.Duration().Truncate(1e6) {
		t.Errorf("manifest entry %+v, file plays %s", e, w.Duration())
	}
	checkPlausible(t, Entry{ID: "goodbye", Text: "Sampai jumpa."}, w.Duration())
}

func TestBuildRebuildsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	needSynth(t)
	out := t.TempDir()
	if r := build(t, out, smallCatalogue(t, threePrompts), false); len(r.Generated) != 3 {
		t.Fatalf("first build generated %v", r.Generated)
	}
	if r := build(t, out, smallCatalogue(t, threePrompts), false); len(r.Generated) != 0 || len(r.Unchanged) != 3 {
		t.Errorf("second build generated %v, kept %v", r.Generated, r.Unchanged)
	}
	changed := smallCatalogue(t, threePrompts+"\nword-juta: {text: juta}\n")
	r := build(t, out, smallCatalogue(t, newGoodbye), false)
	if !slices.Equal(r.Generated, []string{"goodbye"}) {
		t.Errorf("after a text change, generated %v, want [goodbye]", r.Generated)
	}
	if r := build(t, out, changed, false); !slices.Equal(r.Generated, []string{"goodbye", "word-juta"}) {
		t.Errorf("after adding word-juta and restoring goodbye, generated %v", r.Generated)
	}
	if r := build(t, out, changed, true); len(r.Generated) != 4 {
		t.Errorf("forced build generated %v, want all 4", r.Generated)
	}
}

func TestARecordingDroppedInPlaceWinsAndIsKept(t *testing.T) {
	t.Parallel()
	needSynth(t)
	out := t.TempDir()
	build(t, out, smallCatalogue(t, threePrompts), false)
	dir := filepath.Join(out, "id", "vika")
	ulawBefore, _ := os.ReadFile(filepath.Join(dir, "goodbye.ulaw"))
	// A studio file: 44.1 kHz stereo, 1.5 s.
	studio := exec.Command("sox", "-n", "-r", "44100", "-c", "2", "-b", "16", filepath.Join(dir, "goodbye.wav"), "synth", "1.5", "sine", "440")
	if b, err := studio.CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, b)
	}

	r := build(t, out, smallCatalogue(t, threePrompts), true)
	if !slices.Equal(r.Recorded, []string{"goodbye"}) || slices.Contains(r.Generated, "goodbye") {
		t.Fatalf("recorded %v, generated %v", r.Recorded, r.Generated)
	}
	w, _ := ReadWAV(filepath.Join(dir, "goodbye.wav"))
	if !w.Telephony() || w.Duration().Round(1e8) != 1500*1e6 {
		t.Errorf("the recording became %+v (%s), want it 8 kHz mono and still 1.5 s", w, w.Duration())
	}
	if ulaw, _ := os.ReadFile(filepath.Join(dir, "goodbye.ulaw")); string(ulaw) == string(ulawBefore) || int64(len(ulaw)) != w.DataBytes/2 {
		t.Errorf("goodbye.ulaw was not remade from the recording")
	}
	m, _ := ReadManifest(out)
	if e, _ := m.Entry("goodbye"); e.Source != SourceRecorded || e.DurationMS != 1500 {
		t.Errorf("manifest says %+v", e)
	}

	r = build(t, out, smallCatalogue(t, newGoodbye), true)
	if !slices.Equal(r.StaleRecordings, []string{"goodbye"}) || !slices.Equal(r.Recorded, []string{"goodbye"}) {
		t.Errorf("after its text changed the recording should be kept and reported stale: %+v", r)
	}
}

func TestPromptsRemovedFromTheCatalogueLoseTheirGeneratedFilesButNeverARecording(t *testing.T) {
	t.Parallel()
	needSynth(t)
	out := t.TempDir()
	build(t, out, smallCatalogue(t, threePrompts), false)
	dir := filepath.Join(out, "id", "vika")
	if err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", filepath.Join(dir, "num-2.wav"), "synth", "0.4", "sine", "300").Run(); err != nil {
		t.Fatal(err)
	}
	build(t, out, smallCatalogue(t, threePrompts), false) // adopts the num-2 recording
	r := build(t, out, smallCatalogue(t, "goodbye: {text: Sampai jumpa.}\n"), false)
	if !slices.Equal(r.Removed, []string{"word-ribu"}) {
		t.Errorf("removed %v, want [word-ribu]", r.Removed)
	}
	for _, f := range []string{"word-ribu.wav", "word-ribu.ulaw"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "num-2.wav")); err != nil {
		t.Errorf("the num-2 recording was deleted: %v", err)
	}
}

func TestBuildSaysHowToInstallMissingTools(t *testing.T) {
	t.Parallel()
	err := (&ToolsError{Missing: []string{"espeak-ng"}}).Error()
	if err != "prompts: espeak-ng not found; install with: apt-get install -y espeak-ng sox" {
		t.Errorf("error reads %q", err)
	}
}
