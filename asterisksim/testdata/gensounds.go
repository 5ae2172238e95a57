//go:build ignore

// Command gensounds writes the silent test sounds the conformance test plays:
// 8 kHz mono 16-bit WAV files as long as the ones the traces were recorded
// with (durations measured from PlaybackStarted to PlaybackFinished there).
//
//	cd asterisksim/testdata && go run gensounds.go
package main

import (
	"encoding/binary"
	"log"
	"os"
	"path/filepath"
)

var sounds = map[string]map[string]int{ // lang -> id -> milliseconds
	"id": {"welcome": 4266, "menu": 9640, "short": 1386},
	"en": {"welcome": 3800, "menu": 10600, "short": 1038},
}

func main() {
	for lang, ids := range sounds {
		dir := filepath.Join("sounds", lang, "vika")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		for id, ms := range ids {
			if err := os.WriteFile(filepath.Join(dir, id+".wav"), silentWAV(ms), 0o644); err != nil {
				log.Fatal(err)
			}
		}
	}
}

func silentWAV(ms int) []byte {
	const rate, bytesPerSample = 8000, 2
	data := ms * rate / 1000 * bytesPerSample
	b := make([]byte, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], rate*bytesPerSample)
	binary.LittleEndian.PutUint16(b[32:], bytesPerSample)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	return b
}
