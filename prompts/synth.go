package prompts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

var lookPath = exec.LookPath

// do makes one prompt's files and describes them for the manifest.
func do(ctx context.Context, t task) (ManifestEntry, error) {
	remake := false
	switch t.act {
	case actGenerate:
		if err := synthesize(ctx, t.entry.Spoken(), t.wav); err != nil {
			return ManifestEntry{}, err
		}
		remake = true
	case actAdopt:
		if err := makePlayable(ctx, t.wav); err != nil {
			return ManifestEntry{}, err
		}
		remake = true
	}
	if err := derive(ctx, t.wav, t.formats, remake); err != nil {
		return ManifestEntry{}, err
	}
	return describe(t)
}

func describe(t task) (ManifestEntry, error) {
	w, err := ReadWAV(t.wav)
	if err != nil {
		return ManifestEntry{}, err
	}
	sum, err := fileSHA256(t.wav)
	if err != nil {
		return ManifestEntry{}, err
	}
	source := SourceGenerated
	if t.act == actAdopt || t.act == actRecorded {
		source = SourceRecorded
	}
	return ManifestEntry{
		ID:         t.entry.ID,
		Text:       t.entry.Text,
		TextSHA256: t.hash,
		WAVSHA256:  sum,
		DurationMS: w.Duration().Milliseconds(),
		Formats:    present(t.wav),
		Source:     source,
	}, nil
}

// synthesize speaks text with espeak-ng's Indonesian voice and turns it into an 8 kHz mono 16-bit WAV at wav.
// The text goes on stdin, so nothing in it is ever read as an option. The result replaces wav atomically.
func synthesize(ctx context.Context, text, wav string) error {
	raw := tempPath(wav, ".espeak.wav")
	defer os.Remove(raw)
	espeak := exec.CommandContext(ctx, "espeak-ng", "-v", espeakVoice, "-s", espeakSpeed, "-w", raw, "--stdin")
	espeak.Stdin = strings.NewReader(text)
	if err := runCmd(espeak); err != nil {
		return err
	}
	out := tempPath(wav, ".wav")
	defer os.Remove(out)
	// -R: repeatable output (fixed dither seed), so the same text always gives the same file and hash.
	args := append([]string{"-R", raw, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out}, soxEffects...)
	if err := runCmd(exec.CommandContext(ctx, "sox", args...)); err != nil {
		return err
	}
	return os.Rename(out, wav)
}

// makePlayable converts a recording to 8 kHz mono 16-bit in place when it is anything else (a studio's 44.1 kHz
// stereo file would not play: Asterisk's wav format is 8 kHz only). The recording's content is untouched otherwise.
func makePlayable(ctx context.Context, wav string) error {
	if w, err := ReadWAV(wav); err == nil && w.Telephony() {
		return nil
	}
	out := tempPath(wav, ".wav")
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, "sox", "-R", wav, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out)
	if err := runCmd(cmd); err != nil {
		return fmt.Errorf("recording cannot be converted to 8 kHz mono: %w", err)
	}
	return os.Rename(out, wav)
}

// rawEncodings are the headerless formats Asterisk reads by extension.
var rawEncodings = map[string][]string{
	FormatSLN:  {"-e", "signed-integer", "-b", "16"},
	FormatULAW: {"-e", "u-law", "-b", "8"},
	FormatALAW: {"-e", "a-law", "-b", "8"},
}

// derive makes the other formats from the WAV: all of them when the WAV is new, else only those missing.
func derive(ctx context.Context, wav string, formats []string, remake bool) error {
	base := strings.TrimSuffix(wav, ".wav")
	for _, f := range formats {
		enc, ok := rawEncodings[f]
		if !ok {
			continue // wav itself, or a format Build does not know (rejected by the command)
		}
		dst := base + "." + f
		if _, err := os.Stat(dst); err == nil && !remake {
			continue
		}
		tmp := tempPath(wav, "."+f)
		args := append(append([]string{"-R", wav, "-t", "raw", "-r", "8000", "-c", "1"}, enc...), tmp)
		if err := runCmd(exec.CommandContext(ctx, "sox", args...)); err != nil {
			os.Remove(tmp)
			return err
		}
		if err := os.Rename(tmp, dst); err != nil {
			return err
		}
	}
	return nil
}

// present lists the formats on disk for a prompt, in AllFormats order.
func present(wav string) []string {
	base := strings.TrimSuffix(wav, ".wav")
	var fs []string
	for _, f := range AllFormats {
		if _, err := os.Stat(base + "." + f); err == nil {
			fs = append(fs, f)
		}
	}
	return fs
}

// tempPath is a hidden name beside path, unique per process, so parallel builds of different prompts never clash
// and a crash leaves nothing Asterisk would list as a sound.
func tempPath(path, ext string) string {
	return filepath.Join(filepath.Dir(path), fmt.Sprintf(".tmp-%d-%s%s", os.Getpid(), filepath.Base(path), ext))
}

func runCmd(cmd *exec.Cmd) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", filepath.Base(cmd.Path), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
