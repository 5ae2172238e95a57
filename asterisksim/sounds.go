package asterisksim

import (
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// soundLib finds sound files as Asterisk does, <dir>/<lang>/<id>.wav, and
// knows their length from the WAV header alone (no decoding). Lengths are
// cached per file; a missing file is looked for again at every play, as
// Asterisk reads the disk at each play.
type soundLib struct {
	dir   string
	cache sync.Map // path -> time.Duration
}

func newSoundLib(dir string) *soundLib { return &soundLib{dir: dir} }

// duration returns the length of sound id in lang, falling back as
// Asterisk's file lookup does (lang, its base before "_", "en", no
// language). fileLang is the language whose file was found.
func (l *soundLib) duration(id, lang string) (d time.Duration, fileLang string, ok bool) {
	if l.dir == "" || id == "" || strings.Contains(id, "..") {
		return 0, "", false
	}
	tried := map[string]bool{}
	for _, lg := range []string{lang, strings.SplitN(lang, "_", 2)[0], "en", ""} {
		if tried[lg] {
			continue
		}
		tried[lg] = true
		p := filepath.Join(l.dir, lg, filepath.FromSlash(id)+".wav")
		if v, hit := l.cache.Load(p); hit {
			return v.(time.Duration), lg, true
		}
		d, err := wavDuration(p)
		if err != nil {
			continue
		}
		l.cache.Store(p, d)
		return d, lg, true
	}
	return 0, "", false
}

// wavDuration reads a RIFF/WAVE header: data bytes / byte rate.
func wavDuration(path string) (time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var hdr [12]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return 0, err
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return 0, errors.New("not a WAV file")
	}
	var byteRate uint32
	for {
		var ck [8]byte
		if _, err := io.ReadFull(f, ck[:]); err != nil {
			return 0, err
		}
		size := binary.LittleEndian.Uint32(ck[4:8])
		switch string(ck[0:4]) {
		case "fmt ":
			fmtChunk := make([]byte, size)
			if _, err := io.ReadFull(f, fmtChunk); err != nil {
				return 0, err
			}
			if len(fmtChunk) >= 12 {
				byteRate = binary.LittleEndian.Uint32(fmtChunk[8:12])
			}
			if size%2 == 1 {
				_, _ = f.Seek(1, io.SeekCurrent)
			}
		case "data":
			if byteRate == 0 {
				return 0, errors.New("WAV data before fmt")
			}
			if size == 0xFFFFFFFF { // streamed by sox to a pipe: size from the file
				st, err := f.Stat()
				if err != nil {
					return 0, err
				}
				pos, _ := f.Seek(0, io.SeekCurrent)
				size = uint32(st.Size() - pos)
			}
			return time.Duration(float64(size) / float64(byteRate) * float64(time.Second)), nil
		default:
			if _, err := f.Seek(int64(size+size%2), io.SeekCurrent); err != nil {
				return 0, err
			}
		}
	}
}

type soundFormat struct {
	Language string `json:"language"`
	Format   string `json:"format"`
}

type soundJSON struct {
	ID      string        `json:"id"`
	Formats []soundFormat `json:"formats"`
}

// list scans the sounds tree. WAV files are reported as format "slin", as
// Asterisk 22 reports 8 kHz 16-bit WAV (sounds-list).
func (l *soundLib) list() []soundJSON {
	byID := map[string][]soundFormat{}
	if l.dir == "" {
		return nil
	}
	langs, _ := os.ReadDir(l.dir)
	for _, lg := range langs {
		if !lg.IsDir() {
			continue
		}
		root := filepath.Join(l.dir, lg.Name())
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".wav") {
				return nil
			}
			rel, _ := filepath.Rel(root, strings.TrimSuffix(p, ".wav"))
			id := filepath.ToSlash(rel)
			byID[id] = append(byID[id], soundFormat{Language: lg.Name(), Format: "slin"})
			return nil
		})
	}
	out := make([]soundJSON, 0, len(byID))
	for id, f := range byID {
		sort.Slice(f, func(i, j int) bool { return f[i].Language < f[j].Language })
		out = append(out, soundJSON{ID: id, Formats: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) listSounds(w http.ResponseWriter, r *request) {
	lang, format := r.params.get("lang"), r.params.get("format")
	var out []soundJSON
	for _, snd := range s.sounds.list() {
		var f []soundFormat
		for _, sf := range snd.Formats {
			if (lang == "" || sf.Language == lang) && (format == "" || sf.Format == format) {
				f = append(f, sf)
			}
		}
		if len(f) > 0 {
			out = append(out, soundJSON{ID: snd.ID, Formats: f})
		}
	}
	if len(out) == 0 {
		writeError(w, http.StatusNotFound, "No sounds found that matched the query")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getSound(w http.ResponseWriter, r *request) {
	id := r.vars["soundId"]
	for _, snd := range s.sounds.list() {
		if snd.ID == id {
			writeJSON(w, http.StatusOK, snd)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Sound not found")
}
