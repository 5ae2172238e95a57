package prompts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// WAVFormat is what matters about a sound file to Asterisk and to the simulator: Asterisk's wav format plays only
// 8 kHz mono 16-bit PCM, and the simulator times a playback by the file's duration.
type WAVFormat struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	DataBytes     int64
}

// Duration is how long the file plays.
func (f WAVFormat) Duration() time.Duration {
	bytesPerSecond := int64(f.SampleRate) * int64(f.Channels) * int64(f.BitsPerSample/8)
	if bytesPerSecond == 0 {
		return 0
	}
	return time.Duration(f.DataBytes * int64(time.Second) / bytesPerSecond)
}

// Telephony reports whether Asterisk's wav format plays the file as is: 8 kHz, mono, 16-bit.
func (f WAVFormat) Telephony() bool {
	return f.SampleRate == 8000 && f.Channels == 1 && f.BitsPerSample == 16
}

// ReadWAV reads the format of a RIFF/WAVE file from its header, without loading the samples.
func ReadWAV(path string) (WAVFormat, error) {
	f, err := os.Open(path)
	if err != nil {
		return WAVFormat{}, err
	}
	defer f.Close()
	w, err := parseWAV(f)
	if err != nil {
		return WAVFormat{}, fmt.Errorf("%s: %w", path, err)
	}
	return w, nil
}

var errNotWAV = errors.New("not a RIFF/WAVE file")

// parseWAV walks the RIFF chunks to fmt and data; other chunks (LIST, fact) are skipped, as editors add them to
// human recordings.
func parseWAV(r io.ReadSeeker) (WAVFormat, error) {
	var head [12]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || string(head[0:4]) != "RIFF" || string(head[8:12]) != "WAVE" {
		return WAVFormat{}, errNotWAV
	}
	var w WAVFormat
	var sawFmt bool
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return WAVFormat{}, fmt.Errorf("no data chunk: %w", err)
		}
		size := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch string(ch[0:4]) {
		case "fmt ":
			var fm [16]byte
			if size < 16 {
				return WAVFormat{}, errors.New("short fmt chunk")
			}
			if _, err := io.ReadFull(r, fm[:]); err != nil {
				return WAVFormat{}, err
			}
			w.Channels = int(binary.LittleEndian.Uint16(fm[2:4]))
			w.SampleRate = int(binary.LittleEndian.Uint32(fm[4:8]))
			w.BitsPerSample = int(binary.LittleEndian.Uint16(fm[14:16]))
			sawFmt = true
			size -= 16
		case "data":
			if !sawFmt {
				return WAVFormat{}, errors.New("data chunk before fmt chunk")
			}
			w.DataBytes = size
			return w, nil
		}
		// Chunks are padded to an even size.
		if _, err := r.Seek(size+size%2, io.SeekCurrent); err != nil {
			return WAVFormat{}, err
		}
	}
}
