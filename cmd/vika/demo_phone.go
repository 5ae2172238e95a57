package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/prompts"
)

// terminalPhone is the demo's handset: it dials through the phone driver (the same one the tests use) and shows
// each prompt's text as the line starts playing it.
type terminalPhone struct {
	ph     *phone.Phone
	out    io.Writer
	caller string
	sounds string
	audio  bool
}

// appRegistered reports whether the Stasis app has an events WebSocket on the ARI server, i.e. takes calls.
func appRegistered(ctx context.Context, ac ARIConfig) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ac.URL+"/applications/"+url.PathEscape(ac.App), nil)
	if err != nil {
		return false
	}
	req.SetBasicAuth(ac.User, ac.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// scriptListenLimit bounds how long a scripted call listens after its last key for the IVR to end or ask again.
const scriptListenLimit = 5 * time.Minute

// runScript places one call and presses each word's keys once the line has been silent a moment.
func (t *terminalPhone) runScript(ctx context.Context, script string, speed float64) error {
	words := strings.Fields(script)
	if len(words) == 0 {
		return fmt.Errorf("--script: empty")
	}
	call, err := t.ph.Dial(ctx, words[0], t.caller)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.out, "\n☎ dialling %s from %s\n", words[0], t.caller)
	shown := t.show(ctx, call)
	silence := time.Duration(float64(700*time.Millisecond) / speed)
	for _, w := range words[1:] {
		if err := call.WaitSilence(ctx, silence); err != nil {
			break // the IVR hung up first; the transcript says where
		}
		if w == "h" {
			fmt.Fprintln(t.out, "  ⌨ (hang up)")
			_ = call.Hangup(ctx)
			break
		}
		fmt.Fprintf(t.out, "  ⌨ %s\n", w)
		if err := call.Press(ctx, w); err != nil {
			break
		}
		// Give the IVR a moment to answer the keys before listening for silence again.
		select {
		case <-time.After(silence):
		case <-call.Done():
		}
	}
	// The script has no more keys: listen until the IVR hangs up, or says no-input after the last key (it waited
	// its whole timeout for a key the script does not have), and only then put the phone down. A fixed wait scaled
	// by --speed hung up in the look-up after please-wait: the demo does not know an attached server's speed, and
	// the look-up and Asterisk's answers take real time whatever the speed.
	// It reads the transcript rather than WaitPrompt: show, on its own goroutine, takes every prompt from the same
	// call with WaitAnyPrompt, and a prompt taken there is not seen here (the no-input was missed, and the call
	// went on to the IVR's goodbye).
	lastKey := time.Now()
	wctx, cancel := context.WithTimeout(ctx, scriptListenLimit)
	defer cancel()
	for !heardAfter(call.Transcript(), "no-input", lastKey) {
		select {
		case <-call.Done():
		case <-wctx.Done():
		case <-time.After(20 * time.Millisecond):
			continue
		}
		break
	}
	select {
	case <-call.Done():
	default:
		fmt.Fprintln(t.out, "  ⌨ (hang up: the script has no more keys)")
		_ = call.Hangup(ctx)
	}
	hctx, hcancel := context.WithTimeout(ctx, 10*time.Second)
	defer hcancel()
	tr, err := call.WaitHangup(hctx)
	if err != nil {
		tr = call.Transcript()
	}
	<-shown
	fmt.Fprintf(t.out, "\n— call over: %s —\n%s", hangupText(tr), tr.String())
	return nil
}

// runInteractive asks for a number, then sends every key typed as DTMF until the call ends. One goroutine reads
// stdin for the whole demo: a reader per call would be left blocked in Read when its call ends and take the first
// key typed after it; and waiting on a channel, not in Read, lets Ctrl-C and SIGTERM (ctx) end the demo at the prompt.
func (t *terminalPhone) runInteractive(ctx context.Context, in io.Reader) error {
	keys := readInput(in)
	for {
		fmt.Fprint(t.out, "\nDial 165 (mobile) or 021165 (landline), or q to quit: ")
		line, ok := readLine(ctx, keys)
		if !ok {
			fmt.Fprintln(t.out)
			return nil
		}
		number := strings.TrimSpace(line)
		switch number {
		case "q", "quit", "exit":
			return nil
		case "":
			continue
		}
		if err := t.oneCall(ctx, number, keys); err != nil {
			fmt.Fprintln(t.out, "call failed:", err)
		}
	}
}

func (t *terminalPhone) oneCall(ctx context.Context, number string, keys <-chan byte) error {
	call, err := t.ph.Dial(ctx, number, t.caller)
	if err != nil {
		return err
	}
	fmt.Fprintf(t.out, "☎ dialling %s. Keys 0-9 * # are sent as tones; h hangs up.\r\n", number)
	shown := t.show(ctx, call)
	restore := rawTerminal()
	defer func() {
		restore()
		<-shown
		tr := call.Transcript()
		fmt.Fprintf(t.out, "\n— call over: %s —\n", hangupText(tr))
	}()
	for {
		select {
		case <-call.Done():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case k, ok := <-keys:
			if !ok { // end of input: hang up as a caller putting the phone down
				return call.Hangup(ctx)
			}
			switch {
			case k == 'h' || k == 'q' || k == 3: // 3 is Ctrl-C in raw mode
				return call.Hangup(ctx)
			case strings.IndexByte("0123456789*#", k) >= 0:
				fmt.Fprintf(t.out, "  ⌨ %c\r\n", k)
				_ = call.Press(ctx, string(k), phone.NoWait())
			}
		}
	}
}

// show prints every prompt as it starts, and plays its audio when a player exists, until the call ends.
func (t *terminalPhone) show(ctx context.Context, call *phone.Call) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var player *exec.Cmd
		for {
			h, err := call.WaitAnyPrompt(ctx)
			stopPlayer(player)
			if err != nil {
				return
			}
			text, _ := prompts.Catalogue().Text(h.PromptID)
			fmt.Fprintf(t.out, "  🔊 %-22s %s\r\n", h.Name(), text)
			if t.audio {
				player = startPlayer(filepath.Join(t.sounds, "id", "vika", h.PromptID+".wav"))
			}
		}
	}()
	return done
}

// heardAfter says whether prompt id started on the line after t.
func heardAfter(tr phone.Transcript, id string, t time.Time) bool {
	for _, h := range tr.Heard {
		if h.PromptID == id && h.Start.After(t) {
			return true
		}
	}
	return false
}

func hangupText(tr phone.Transcript) string {
	if tr.Continued != nil {
		return fmt.Sprintf("transferred to %s,%s,%d", tr.Continued.Context, tr.Continued.Exten, tr.Continued.Priority)
	}
	return fmt.Sprintf("hung up by %s (cause %d)", tr.Hangup.By, tr.Hangup.Cause)
}

// startPlayer plays a WAV with whatever player the machine has; none is fine, the text is shown anyway.
func startPlayer(path string) *exec.Cmd {
	for _, p := range [][]string{{"aplay", "-q"}, {"paplay"}, {"play", "-q"}} {
		if _, err := exec.LookPath(p[0]); err != nil {
			continue
		}
		cmd := exec.Command(p[0], append(p[1:], path)...)
		if cmd.Start() == nil {
			go func() { _ = cmd.Wait() }()
			return cmd
		}
	}
	return nil
}

func stopPlayer(cmd *exec.Cmd) {
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

// rawTerminal lets single key presses through without Enter; it does nothing when stdin is not a terminal.
func rawTerminal() (restore func()) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return func() {}
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(fd, old) }
}

// readInput forwards every byte of in, in order, until EOF (then the channel closes). It is started once per demo.
func readInput(in io.Reader) <-chan byte {
	keys := make(chan byte, 64)
	go func() {
		defer close(keys)
		buf := make([]byte, 256)
		for {
			n, err := in.Read(buf)
			for _, b := range buf[:n] {
				keys <- b
			}
			if err != nil {
				return
			}
		}
	}()
	return keys
}

// readLine gathers bytes up to a newline; ok is false at EOF or when ctx ends (Ctrl-C, SIGTERM).
func readLine(ctx context.Context, keys <-chan byte) (line string, ok bool) {
	var b strings.Builder
	for {
		select {
		case <-ctx.Done():
			return "", false
		case k, open := <-keys:
			switch {
			case !open:
				return b.String(), b.Len() > 0
			case k == '\n' || k == '\r':
				return b.String(), true
			case k == 3 || k == 4: // Ctrl-C, Ctrl-D typed in raw mode
				return "", false
			default:
				b.WriteByte(k)
			}
		}
	}
}
