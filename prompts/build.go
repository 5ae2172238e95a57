package prompts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Formats Build can write. Asterisk picks the cheapest one for the call's codec: .ulaw/.alaw play on G.711 calls
// without transcoding; .wav and .sln are 16-bit linear (both listed by ARI as "slin").
const (
	FormatWAV  = "wav"
	FormatSLN  = "sln"
	FormatULAW = "ulaw"
	FormatALAW = "alaw"
)

// AllFormats is what an Asterisk host should get. The repository commits only the .wav files.
var AllFormats = []string{FormatWAV, FormatSLN, FormatULAW, FormatALAW}

// The synthesis settings. They are part of every text hash, so changing one rebuilds everything. The espeak-ng
// version is deliberately not: a machine with another version must not see the committed audio as stale.
const (
	espeakVoice = "id"
	espeakSpeed = "150" // words per minute: a little slower than espeak's 175, for a phone line and older callers
)

// soxEffects trims the synthesiser's silence at both ends (a prompt that starts late sounds like a dead line),
// normalises to -3 dBFS so every prompt is equally loud, then pads 50 ms each side so words do not clip on joins.
var soxEffects = []string{
	"silence", "1", "0.05", "0.5%", "reverse", "silence", "1", "0.05", "0.5%", "reverse",
	"norm", "-3", "pad", "0.05", "0.05",
}

// VoiceSettings names how audio is made, as recorded in the manifest.
func VoiceSettings() string {
	return "espeak-ng -v " + espeakVoice + " -s " + espeakSpeed + " | sox -r 8000 -c 1 -b 16 " + strings.Join(soxEffects, " ")
}

// TextHash is the hash of what a prompt's generated audio is made from: the voice settings and the spoken text.
func TextHash(e Entry) string {
	sum := sha256.Sum256([]byte(VoiceSettings() + "\x00" + e.Spoken()))
	return hex.EncodeToString(sum[:])
}

// BuildOptions says where and what to build.
type BuildOptions struct {
	Out       string   // the sounds root: <Out>/id/vika/<id>.<ext> and <Out>/manifest.json
	Formats   []string // default AllFormats; "wav" is always built, as the others are made from it
	Force     bool     // regenerate every generated prompt even when unchanged (recordings are still kept)
	Workers   int      // parallel syntheses; default the number of CPUs
	Progress  func(done, total int, id string)
	Catalogue *Cat // default Catalogue()
}

// BuildReport says what Build did.
type BuildReport struct {
	Generated       []string // synthesised now
	Unchanged       []string // generated earlier from the same text
	Recorded        []string // human recordings kept
	StaleRecordings []string // recordings whose catalogue text changed since: re-record them
	Removed         []string // generated files of ids no longer in the catalogue
	Audio           time.Duration
	Elapsed         time.Duration
}

// ToolsError says which program Build needs and how to get it.
type ToolsError struct{ Missing []string }

func (e *ToolsError) Error() string {
	return "prompts: " + strings.Join(e.Missing, " and ") + " not found; install with: " +
		"apt-get install -y espeak-ng sox"
}

// Build makes the audio of every catalogue prompt under opts.Out and writes the manifest. Only what changed is
// rebuilt (the text hash in the manifest says so). A .wav that is not the file Build wrote — a person's recording
// dropped in place — is kept, converted to 8 kHz mono if need be, marked "recorded", and the other formats are made
// from it. To go back to the synthesised voice, delete the recording and build again.
func Build(ctx context.Context, opts BuildOptions) (*BuildReport, error) {
	start := time.Now()
	opts = opts.withDefaults()
	dir := filepath.Join(opts.Out, Language, "vika")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("prompts build: %w", err)
	}
	prev, err := readManifestOrEmpty(opts.Out)
	if err != nil {
		return nil, fmt.Errorf("prompts build: %w", err)
	}
	tasks, err := plan(opts, dir, prev)
	if err != nil {
		return nil, fmt.Errorf("prompts build: %w", err)
	}
	if err := needTools(tasks); err != nil {
		return nil, err
	}
	entries, err := run(ctx, opts, tasks)
	if err != nil {
		return nil, fmt.Errorf("prompts build: %w", err)
	}
	report := summarise(tasks, entries)
	report.Removed = prune(dir, prev, opts.Catalogue)
	m := &Manifest{
		Generated: "by `vika prompts build` (make prompts) from prompts/catalogue.yaml; do not edit",
		Language:  Language,
		Voice:     VoiceSettings(),
		Prompts:   entries,
	}
	if err := m.write(opts.Out); err != nil {
		return nil, fmt.Errorf("prompts build: %w", err)
	}
	report.Audio = m.Total()
	report.Elapsed = time.Since(start)
	return report, nil
}

func (o BuildOptions) withDefaults() BuildOptions {
	if o.Catalogue == nil {
		o.Catalogue = Catalogue()
	}
	if len(o.Formats) == 0 {
		o.Formats = AllFormats
	}
	if !slices.Contains(o.Formats, FormatWAV) {
		o.Formats = append([]string{FormatWAV}, o.Formats...)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Out == "" {
		o.Out = "."
	}
	return o
}

// action is what a build does for one prompt.
type action int

const (
	actKeep     action = iota // generated earlier from the same text: only missing formats are made
	actGenerate               // synthesise from the text
	actAdopt                  // a new recording: keep it, make it playable, remake the other formats from it
	actRecorded               // a known recording: only missing formats are made
)

type task struct {
	entry   Entry
	act     action
	wav     string
	formats []string
	hash    string // TextHash for generated audio; the hash the recording was adopted at for recordings
}

// plan decides, for each prompt, whether its audio is current, must be generated, or is a person's recording.
func plan(opts BuildOptions, dir string, prev *Manifest) ([]task, error) {
	var tasks []task
	for _, e := range opts.Catalogue.Entries() {
		t := task{entry: e, wav: filepath.Join(dir, e.ID+".wav"), formats: opts.Formats, hash: TextHash(e)}
		old, known := prev.Entry(e.ID)
		sum, err := fileSHA256(t.wav)
		switch {
		case errors.Is(err, os.ErrNotExist):
			t.act = actGenerate
		case err != nil:
			return nil, err
		case known && sum == old.WAVSHA256 && old.Source == SourceRecorded:
			t.act, t.hash = actRecorded, old.TextSHA256
		case known && sum == old.WAVSHA256:
			t.act = actKeep
			if opts.Force || old.TextSHA256 != t.hash {
				t.act = actGenerate
			}
		default: // not the file we wrote, or a file we never wrote
			t.act = actAdopt
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

func needTools(tasks []task) error {
	var missing []string
	synth := slices.ContainsFunc(tasks, func(t task) bool { return t.act == actGenerate })
	if _, err := lookPath("espeak-ng"); err != nil && synth {
		missing = append(missing, "espeak-ng")
	}
	if _, err := lookPath("sox"); err != nil {
		missing = append(missing, "sox")
	}
	if len(missing) > 0 {
		return &ToolsError{Missing: missing}
	}
	return nil
}

type result struct {
	i     int
	entry ManifestEntry
	err   error
}

// run does the tasks on opts.Workers goroutines; the first failure cancels the rest.
func run(ctx context.Context, opts BuildOptions, tasks []task) ([]ManifestEntry, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(opts.Workers, len(tasks)) {
		wg.Go(func() {
			for i := range todo {
				e, err := do(ctx, tasks[i])
				results <- result{i: i, entry: e, err: err}
			}
		})
	}
	go func() {
		defer close(todo)
		for i := range tasks {
			select {
			case todo <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	return collect(opts, tasks, results, cancel)
}

func collect(opts BuildOptions, tasks []task, results <-chan result, cancel func()) ([]ManifestEntry, error) {
	entries := make([]ManifestEntry, len(tasks))
	var firstErr error
	done := 0
	for r := range results {
		if r.err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", tasks[r.i].entry.ID, r.err)
			cancel()
		}
		entries[r.i] = r.entry
		done++
		if opts.Progress != nil && firstErr == nil {
			opts.Progress(done, len(tasks), tasks[r.i].entry.ID)
		}
	}
	return entries, firstErr
}

func summarise(tasks []task, entries []ManifestEntry) *BuildReport {
	r := &BuildReport{}
	for i, t := range tasks {
		switch t.act {
		case actGenerate:
			r.Generated = append(r.Generated, t.entry.ID)
		case actKeep:
			r.Unchanged = append(r.Unchanged, t.entry.ID)
		default:
			r.Recorded = append(r.Recorded, t.entry.ID)
			if entries[i].TextSHA256 != TextHash(t.entry) {
				r.StaleRecordings = append(r.StaleRecordings, t.entry.ID)
			}
		}
	}
	return r
}

// prune deletes the generated files of prompts the catalogue no longer has. Recordings are never deleted.
func prune(dir string, prev *Manifest, cat *Cat) []string {
	var removed []string
	for _, old := range prev.Prompts {
		if cat.Has(old.ID) || old.Source != SourceGenerated {
			continue
		}
		if sum, err := fileSHA256(filepath.Join(dir, old.ID+".wav")); err == nil && sum != old.WAVSHA256 {
			continue // replaced by hand since: treat as someone's file
		}
		for _, f := range AllFormats {
			_ = os.Remove(filepath.Join(dir, old.ID+"."+f))
		}
		removed = append(removed, old.ID)
	}
	return removed
}
