package prompts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ManifestFile is the manifest's name at the root of a sounds directory, next to <lang>/vika/.
const ManifestFile = "manifest.json"

// Language is the Asterisk language VIKA's prompts are installed under: sounds/id/vika/<id>.<ext>.
const Language = "id"

// Sources of a prompt's audio.
const (
	SourceGenerated = "generated" // made by Build from the catalogue text
	SourceRecorded  = "recorded"  // a person's recording dropped in place of the generated file; Build keeps it
)

// Manifest describes the audio of a sounds directory: one entry per prompt, in catalogue order. The simulated
// Asterisk times playbacks and the call-log replay cuts audio with its durations.
type Manifest struct {
	Generated string          `json:"generated"` // says the file is generated and by what
	Language  string          `json:"language"`
	Voice     string          `json:"voice"` // the synthesis settings the text hashes include
	Prompts   []ManifestEntry `json:"prompts"`
}

// ManifestEntry is one prompt's audio.
type ManifestEntry struct {
	ID         string   `json:"id"`
	Text       string   `json:"text"`
	TextSHA256 string   `json:"text_sha256"` // of the voice settings and the spoken text: when it changes, rebuild
	WAVSHA256  string   `json:"wav_sha256"`  // of the .wav as written: a different file there is a recording
	DurationMS int64    `json:"duration_ms"`
	Formats    []string `json:"formats"`
	Source     string   `json:"source"`
}

// Duration is how long the prompt plays.
func (e ManifestEntry) Duration() time.Duration {
	return time.Duration(e.DurationMS) * time.Millisecond
}

// ReadManifest reads <dir>/manifest.json.
func ReadManifest(dir string) (*Manifest, error) { return readManifestFS(os.DirFS(dir)) }

// ReadManifestFS reads manifest.json at the root of fsys (for example Sounds()).
func ReadManifestFS(fsys fs.FS) (*Manifest, error) { return readManifestFS(fsys) }

func readManifestFS(fsys fs.FS) (*Manifest, error) {
	data, err := fs.ReadFile(fsys, ManifestFile)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", ManifestFile, err)
	}
	return &m, nil
}

// Entry finds a prompt's entry.
func (m *Manifest) Entry(id string) (ManifestEntry, bool) {
	for _, e := range m.Prompts {
		if e.ID == id {
			return e, true
		}
	}
	return ManifestEntry{}, false
}

// Durations maps every prompt id to how long it plays.
func (m *Manifest) Durations() map[string]time.Duration {
	d := make(map[string]time.Duration, len(m.Prompts))
	for _, e := range m.Prompts {
		d[e.ID] = e.Duration()
	}
	return d
}

// Total is the length of all the prompts together.
func (m *Manifest) Total() time.Duration {
	var t time.Duration
	for _, e := range m.Prompts {
		t += e.Duration()
	}
	return t
}

// write replaces <dir>/manifest.json atomically, so a reader never sees half a manifest.
func (m *Manifest) write(dir string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ManifestFile), append(data, '\n'))
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readManifestOrEmpty is the manifest of an output directory, or an empty one on a first build.
func readManifestOrEmpty(dir string) (*Manifest, error) {
	m, err := ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return &Manifest{}, nil
	}
	return m, err
}
