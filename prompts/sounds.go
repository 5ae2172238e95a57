package prompts

import (
	"embed"
	"io/fs"
)

// The generated .wav files and the manifest are committed (prompts/sounds) and embedded, so `make test`, the
// simulated Asterisk and `vika demo` work on a machine without espeak-ng. The .sln, .ulaw and .alaw files for an
// Asterisk host are built with `vika prompts build --out DIR` and are not committed.
//
//go:embed sounds/manifest.json sounds/id/vika/*.wav
var sounds embed.FS

// SoundsDir is where the committed sounds live, relative to the repository root (the default of prompts.dir).
const SoundsDir = "prompts/sounds"

// Sounds is the committed sounds tree as built into the binary: manifest.json and id/vika/<id>.wav, laid out as
// Asterisk's sounds directory. Copy it out with os.CopyFS to give the simulator a Sounds directory anywhere.
func Sounds() fs.FS {
	sub, err := fs.Sub(sounds, "sounds")
	if err != nil {
		panic(err) // the directory is embedded above; only a broken build gets here
	}
	return sub
}
