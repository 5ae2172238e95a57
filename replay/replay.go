// Package replay renders what a caller heard on one call from its call-log timeline: the prompts as played (cut
// where a key or a hang-up cut them), each key as its DTMF tone, and the silences as long as they were, as 8 kHz
// mono 16-bit audio. It reads only the timeline and the prompt audio; it never sees a full identity number, and keys
// the IVR logged masked (digits of a NIK or birth date) sound as one neutral beep, so a replay cannot spell them out.
package replay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"time"

	"github.com/vika-jkn/vika/calllog"
)

// Rate is the sample rate of the rendered audio, Asterisk's telephony rate.
const Rate = 8000

// maxLength bounds a rendering, so a corrupt timeline cannot allocate without limit.
const maxLength = 4 * time.Hour

// Audio is a rendered call.
type Audio struct {
	Samples []int16
	Prompts int // prompts placed
	Keys    int // tones placed
	Missing []string
}

// Duration is how long the audio lasts.
func (a Audio) Duration() time.Duration { return time.Duration(len(a.Samples)) * time.Second / Rate }

// Render lays out events on a timeline starting at the first event. sounds holds <lang>/vika/<id>.wav (the layout
// of prompts.Sounds() and of Asterisk's sounds directory); a prompt whose file is missing is left silent and named
// in Missing.
func Render(events []calllog.Event, sounds fs.FS, lang string) (Audio, error) {
	if len(events) == 0 {
		return Audio{}, errors.New("replay: the call has no events")
	}
	start, end := span(events)
	if end.Sub(start) > maxLength {
		return Audio{}, fmt.Errorf("replay: the call spans %s, more than %s", end.Sub(start), maxLength)
	}
	a := Audio{Samples: make([]int16, offset(start, end)+1)}
	for _, e := range events {
		switch e.Kind {
		case calllog.KindPrompt:
			if err := a.placePrompt(e, start, sounds, lang); err != nil {
				return a, err
			}
		case calllog.KindKey:
			digit, _ := e.Fields[calllog.FieldDigit].(string)
			a.mix(offset(start, e.At), tone(digit))
			a.Keys++
		}
	}
	return a, nil
}

// span is the first and last instant of the timeline; a prompt's end can be the latest instant.
func span(events []calllog.Event) (start, end time.Time) {
	start, end = events[0].At, events[0].At
	for _, e := range events {
		for _, t := range []time.Time{e.At, fieldTime(e, calllog.FieldEnded)} {
			if t.IsZero() {
				continue
			}
			if t.Before(start) {
				start = t
			}
			if t.After(end) {
				end = t
			}
		}
	}
	return start, end
}

func (a *Audio) placePrompt(e calllog.Event, start time.Time, sounds fs.FS, lang string) error {
	id, _ := e.Fields[calllog.FieldID].(string)
	from, to := fieldTime(e, calllog.FieldStarted), fieldTime(e, calllog.FieldEnded)
	if from.IsZero() {
		from = e.At
	}
	pcm, err := readWAV(sounds, path.Join(lang, "vika", id+".wav"))
	if errors.Is(err, fs.ErrNotExist) {
		a.Missing = append(a.Missing, id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("replay: prompt %s: %w", id, err)
	}
	if !to.IsZero() && to.After(from) {
		// Played for as long as it was: a cut prompt is cut here too.
		pcm = pcm[:min(len(pcm), offset(from, to))]
	}
	a.mix(offset(start, from), pcm)
	a.Prompts++
	return nil
}

// mix adds pcm into the audio at sample i, clipping rather than wrapping where a key sounds over a prompt.
func (a *Audio) mix(i int, pcm []int16) {
	for j, s := range pcm {
		k := i + j
		if k < 0 || k >= len(a.Samples) {
			continue
		}
		v := int32(a.Samples[k]) + int32(s)
		a.Samples[k] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
}

func offset(from, to time.Time) int {
	return int(to.Sub(from) * Rate / time.Second)
}

// fieldTime reads a time field as the store returns it (RFC 3339 text from JSON) or as the IVR records it.
func fieldTime(e calllog.Event, name string) time.Time {
	switch v := e.Fields[name].(type) {
	case time.Time:
		return v
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		if err == nil {
			return t
		}
	}
	return time.Time{}
}

// dtmf gives each key its pair of frequencies (ITU-T Q.23).
var dtmf = map[string][2]float64{
	"1": {697, 1209}, "2": {697, 1336}, "3": {697, 1477}, "A": {697, 1633},
	"4": {770, 1209}, "5": {770, 1336}, "6": {770, 1477}, "B": {770, 1633},
	"7": {852, 1209}, "8": {852, 1336}, "9": {852, 1477}, "C": {852, 1633},
	"*": {941, 1209}, "0": {941, 1336}, "#": {941, 1477}, "D": {941, 1633},
}

// maskedBeep is the sound of a key the IVR logged masked: one frequency, not a DTMF pair, so no digit can be heard.
const maskedBeep = 1000.0

// tone is 100 ms of a key's DTMF pair, or of the neutral beep for a masked key.
func tone(digit string) []int16 {
	const n = Rate / 10
	freqs, ok := dtmf[digit]
	out := make([]int16, n)
	for i := range out {
		t := float64(i) / Rate
		var v float64
		if ok {
			v = 0.35*math.Sin(2*math.Pi*freqs[0]*t) + 0.35*math.Sin(2*math.Pi*freqs[1]*t)
		} else {
			v = 0.5 * math.Sin(2*math.Pi*maskedBeep*t)
		}
		out[i] = int16(v * math.MaxInt16 / 2)
	}
	return out
}

// readWAV reads the samples of an 8 kHz mono 16-bit PCM WAV, the only kind the prompts are built as.
func readWAV(fsys fs.FS, name string) ([]int16, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("not a WAV file")
	}
	var rate uint32
	var channels, bits uint16
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8 : min(len(b), p+8+size)]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return nil, errors.New("short fmt chunk")
			}
			channels, rate, bits = binary.LittleEndian.Uint16(body[2:4]), binary.LittleEndian.Uint32(body[4:8]), binary.LittleEndian.Uint16(body[14:16])
		case "data":
			if rate != Rate || channels != 1 || bits != 16 {
				return nil, fmt.Errorf("%d Hz, %d channels, %d bits; want 8000 Hz mono 16-bit", rate, channels, bits)
			}
			pcm := make([]int16, len(body)/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, nil
		}
		p += 8 + size + size%2
	}
	return nil, errors.New("no data chunk")
}

// WriteWAV writes samples as an 8 kHz mono 16-bit PCM WAV file.
func WriteWAV(w io.Writer, samples []int16) error {
	data := uint32(2 * len(samples))
	h := make([]byte, 44)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+data)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], Rate)
	binary.LittleEndian.PutUint32(h[28:], Rate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], data)
	if _, err := w.Write(h); err != nil {
		return err
	}
	return binary.Write(w, binary.LittleEndian, samples)
}
