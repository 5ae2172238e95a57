package ivr

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/vika-jkn/vika/calllog"
)

// lockedBuffer is a log destination several goroutines write to.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Sync() error { return nil }

func (l *lockedBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Split(strings.TrimSpace(l.b.String()), "\n")
}

func TestTheCallEndedLineHasOneCallerKeyAndTheNumberMaskedToItsPrefixAndLastDigits(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	// As `vika serve` logs: JSON, with the source location, which zap writes under the key "caller".
	enc := zap.NewProductionEncoderConfig()
	logger := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(enc), &out, zap.DebugLevel), zap.AddCaller())
	h := newHarness(t, harnessConfig{logger: logger})
	number := "0811111111"
	c := h.dialFrom(t, "165", number)
	c.hear("main-menu")
	c.hangUp()

	var ended string
	for _, l := range out.lines() {
		if strings.Contains(l, `"ivr: call ended"`) {
			ended = l
		}
	}
	if ended == "" {
		t.Fatalf("no call ended line in:\n%s", strings.Join(out.lines(), "\n"))
	}
	if n := strings.Count(ended, `"caller":`); n != 1 {
		t.Errorf("the line has %d \"caller\" keys (a pipeline keeps one): %s", n, ended)
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(ended), &fields); err != nil {
		t.Fatal(err)
	}
	if got := fields["caller_masked"]; got != "0811****11" {
		t.Errorf("caller_masked is %v, want 0811****11", got)
	}
	if got := calllog.MaskCaller(number); got != "0811****11" {
		t.Errorf("the call log masks %s as %s", number, got)
	}
	for _, l := range out.lines() {
		if strings.Contains(l, "111111") {
			t.Errorf("a log line holds 6 digits of the caller number: %s", l)
		}
	}
}
