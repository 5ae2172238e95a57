package sipphone

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zaf/g711"

	"github.com/vika-jkn/vika/prompts"
)

// G.711 RTP payload types (RFC 3551): the only audio pjsip.conf allows.
const (
	PCMU uint8 = 0
	PCMA uint8 = 8
)

// Prompts is the audio a caller can recognise: every prompt WAV as 8 kHz 16-bit PCM, and per codec an index from
// short runs of encoded bytes to where they occur. The index is what lets a caller lock onto a prompt from any
// received packet: Asterisk's RTP smoother carries a prompt's last partial 20 ms frame into the next prompt, so the
// next prompt's frames arrive shifted by a number of samples no one can predict; anchors chosen by content (not by
// position) are found at any shift.
type Prompts struct {
	ids []string
	pcm [][]int16

	mu  sync.Mutex
	idx map[uint8]map[uint64][]ref
}

type ref struct{ prompt, pos int32 }

const (
	gram       = 8   // bytes in one anchor: 1 ms of audio, long enough to be specific to one prompt
	anchorMask = 31  // one in 32 k-grams is an anchor (by hash), about five per 20 ms packet
	maxRefs    = 16  // an anchor seen in more places than this tells nothing (repeated sounds)
	loudMin    = 256 // a k-gram quieter than this (of 32767) is near silence, shared by every prompt
)

// LoadPrompts reads every <dir>/*.wav of fsys (8 kHz, mono, 16-bit PCM, as Asterisk plays them).
func LoadPrompts(fsys fs.FS, dir string) (*Prompts, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.wav"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("sipphone: no prompt WAVs in %s", dir)
	}
	slices.Sort(names)
	p := &Prompts{idx: map[uint8]map[uint64][]ref{}}
	for _, n := range names {
		data, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		pcm, err := wavPCM(data)
		if err != nil {
			return nil, fmt.Errorf("sipphone: %s: %w", n, err)
		}
		p.ids = append(p.ids, strings.TrimSuffix(path.Base(n), ".wav"))
		p.pcm = append(p.pcm, pcm)
	}
	return p, nil
}

var (
	defaultOnce    sync.Once
	defaultPrompts *Prompts
	defaultErr     error
)

// DefaultPrompts are the committed prompts (prompts.Sounds), the ones scripts/with-lab.sh installs on the node.
func DefaultPrompts() (*Prompts, error) {
	defaultOnce.Do(func() { defaultPrompts, defaultErr = LoadPrompts(prompts.Sounds(), "id/vika") })
	return defaultPrompts, defaultErr
}

// IDs lists the prompt ids.
func (p *Prompts) IDs() []string { return slices.Clone(p.ids) }

// PCM returns a prompt's samples (not to be modified).
func (p *Prompts) PCM(id string) ([]int16, bool) {
	i := slices.Index(p.ids, id)
	if i < 0 {
		return nil, false
	}
	return p.pcm[i], true
}

// Duration is how long a prompt plays.
func (p *Prompts) Duration(id string) (time.Duration, bool) {
	pcm, ok := p.PCM(id)
	return samplesDur(len(pcm)), ok
}

func samplesDur(n int) time.Duration { return time.Duration(n) * time.Second / 8000 }

// index builds, once per codec, the anchor index over the prompts as that codec encodes them.
func (p *Prompts) index(pt uint8) map[uint64][]ref {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.idx[pt]; ok {
		return m
	}
	m := map[uint64][]ref{}
	enc := make([]byte, 0, 1<<16)
	for pi, pcm := range p.pcm {
		enc = enc[:0]
		for _, s := range pcm {
			enc = append(enc, encode(pt, s))
		}
		for i := 0; i+gram <= len(enc); i++ {
			key, ok := anchor(pt, enc[i:i+gram])
			if !ok {
				continue
			}
			if refs := m[key]; len(refs) <= maxRefs {
				m[key] = append(refs, ref{int32(pi), int32(i)})
			}
		}
	}
	p.idx[pt] = m
	return m
}

// anchor says whether the k-gram b is an anchor, and its key. Both the index and the receiver pick anchors by
// the same rule on content alone.
func anchor(pt uint8, b []byte) (uint64, bool) {
	key := binary.LittleEndian.Uint64(b)
	if mix(key)&anchorMask != 0 {
		return 0, false
	}
	for _, c := range b {
		if s := decode(pt, c); s >= loudMin || s <= -loudMin {
			return key, true
		}
	}
	return 0, false
}

// mix is splitmix64's finaliser: spreads the bytes so that anchorMask picks a fair sample.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

var alawDec, ulawDec [256]int16

func init() {
	for i := range 256 {
		alawDec[i] = g711.DecodeAlawFrame(uint8(i))
		ulawDec[i] = g711.DecodeUlawFrame(uint8(i))
	}
}

func decode(pt uint8, b byte) int16 {
	if pt == PCMU {
		return ulawDec[b]
	}
	return alawDec[b]
}

func encode(pt uint8, s int16) byte {
	if pt == PCMU {
		return g711.EncodeUlawFrame(s)
	}
	return g711.EncodeAlawFrame(s)
}

// silence is one encoded sample of digital silence.
func silence(pt uint8) byte { return encode(pt, 0) }

// wavPCM returns the samples of a RIFF/WAVE file of 8 kHz mono 16-bit PCM; other chunks are skipped.
func wavPCM(b []byte) ([]int16, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a RIFF/WAVE file")
	}
	var format bool
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := b[off+8 : min(off+8+size, len(b))]
		switch id {
		case "fmt ":
			if len(body) < 16 || binary.LittleEndian.Uint16(body[0:2]) != 1 || binary.LittleEndian.Uint16(body[2:4]) != 1 ||
				binary.LittleEndian.Uint32(body[4:8]) != 8000 || binary.LittleEndian.Uint16(body[14:16]) != 16 {
				return nil, errors.New("not 8 kHz mono 16-bit PCM, which is what Asterisk plays")
			}
			format = true
		case "data":
			if !format {
				return nil, errors.New("data before fmt")
			}
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, nil
		}
		off += 8 + size + size&1
	}
	return nil, errors.New("no data chunk")
}
