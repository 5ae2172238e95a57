package ivr

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/zap/zaptest"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/store/storetest"
)

// deadProcess is a previous vika that took calls into Stasis and died before acting on them: a raw WebSocket
// registered as the app, closed without a word once its calls have arrived.
func deadProcess(t *testing.T, sim *asterisksim.Server, calls int) {
	t.Helper()
	q := url.Values{"app": {"vika"}, "api_key": {sim.User() + ":" + sim.Password()}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, _, err := websocket.Dial(ctx, sim.WebsocketURL()+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	go func() {
		for got := 0; got < calls; {
			_, data, err := c.Read(ctx)
			if err != nil {
				t.Errorf("the dying process lost its socket early: %v", err)
				return
			}
			var e struct{ Type string }
			_ = json.Unmarshal(data, &e)
			if e.Type == "StasisStart" {
				got++
			}
		}
		c.CloseNow() // SIGKILL: no close frame, no hang-up
	}()
}

func TestCallsLeftInTheAppByADeadProcessAreSentToTheFallbackAtStart(t *testing.T) {
	t.Parallel()
	sim := asterisksim.Start(t, asterisksim.Options{Speed: speed, Sounds: filepath.Join("..", "prompts", "sounds"),
		Extensions: filepath.Join("..", "asterisk-conf", "extensions.conf"), Users: map[string]string{"vika": rand.Text()}})
	const stranded = 3
	deadProcess(t, sim, stranded)
	waitRegistered(t, sim, "vika")
	pctx, pcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer pcancel()
	ph, err := phone.Connect(pctx, phone.Options{URL: sim.URL(), User: sim.User(), Password: sim.Password(), Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ph.Close()
	var calls []*phone.Call
	for range stranded {
		c, err := ph.Dial(pctx, "165", newCaller())
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	// The calls sit in Stasis with nobody driving them; the new process starts.
	waitUnregistered(t, sim, "vika")
	h := &harness{t: t, sim: sim, sink: &memorySink{}, now: mondayMorning}
	db := storetest.NewDB(t)
	h.app = New(h.connectARI(), testFlow(t, nil), db, h.sink, zaptest.NewLogger(t))
	h.runApp()
	waitRegistered(t, sim, "vika")
	// A caller who rings now is served as usual, not taken for a stranded one.
	h.phone = ph
	fresh := h.dial(t, "165")

	for i, c := range calls {
		cont, err := c.WaitContinued(pctx)
		if err != nil {
			t.Fatalf("stranded call %d: %v; it was left in silence: %s", i, err, c.Transcript())
		}
		if cont.Context != "vika-fallback" {
			t.Errorf("stranded call %d continued to %s, want vika-fallback", i, cont.Context)
		}
		if got := h.sink.call(t, c.Transcript().LineID).last(calllog.KindEnd)[calllog.FieldOutcome]; got != OutcomeRecovered {
			t.Errorf("stranded call %d logged as %v, want %s", i, got, OutcomeRecovered)
		}
	}
	fresh.hear("welcome", "main-menu")
	fresh.hangUp()
}

func waitUnregistered(t *testing.T, sim *asterisksim.Server, app string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for appRegistered(sim, app) {
		if time.Now().After(deadline) {
			t.Fatalf("ARI app %s still registered after 10 s", app)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func appRegistered(sim *asterisksim.Server, app string) bool { return sim.Connected(app) }
