package ivr

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5/client/native"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/calllog/calllogtest"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// The tests drive whole calls: the simulated Asterisk on a real socket (routing with the project's
// extensions.conf, prompt lengths from prompts/sounds), the native ARI client, this package's App, a real PostgreSQL
// seeded per test, and a caller through asterisksim/phone. Nothing is mocked.

// speed is how much faster than real time the simulator plays prompts and keys; the flow is scaled to match.
const speed = 40

// wib is the time zone of the care center; the default test clock is a Monday at 10:00 WIB (agents open).
var wib = time.FixedZone("WIB", 7*3600)

var mondayMorning = time.Date(2026, 11, 23, 10, 0, 0, 0, wib)

type harnessConfig struct {
	clock   time.Time                    // zero: mondayMorning
	edit    func(f *dialplan.Flow)       // changes to the scaled flow
	dir     func(*store.Store) Directory // default: the store
	limiter CallerLimiter
	db      *store.Store                     // default: a fresh database; set to share one between harnesses (instances)
	sink    calllog.Sink                     // also gets every event (the in-memory sink always does, for call.log())
	logger  *zap.Logger                      // default: the test's log
	simLog  func(format string, args ...any) // gets one line per REST request the simulator serves, as it arrives
	opts    []Option                         // more options for New
}

// harness is one simulated Asterisk with the App attached, one database, and one phone to call from.
type harness struct {
	t     *testing.T
	sim   *asterisksim.Server
	db    *store.Store
	app   *App
	phone *phone.Phone
	sink  *memorySink
	flow  *dialplan.Flow
	now   time.Time
}

func newHarness(t *testing.T, cfg harnessConfig) *harness {
	t.Helper()
	h := &harness{t: t, sink: &memorySink{}, now: cfg.clock}
	if h.now.IsZero() {
		h.now = mondayMorning
	}
	h.db = cfg.db
	if h.db == nil {
		h.db = storetest.NewDB(t)
	}
	h.sim = asterisksim.Start(t, asterisksim.Options{
		Speed:      speed,
		Sounds:     filepath.Join("..", "prompts", "sounds"),
		Extensions: filepath.Join("..", "asterisk-conf", "extensions.conf"),
		// A password of its own: the native client of an earlier test is never closed (see connectARI) and redials
		// once a second; were a later simulator on the same port to accept it, it would take this test's calls.
		Users: map[string]string{"vika": rand.Text()},
		Logf:  cfg.simLog,
	})
	h.flow = testFlow(t, cfg.edit)
	var dir Directory = h.db
	if cfg.dir != nil {
		dir = cfg.dir(h.db)
	}
	opts := []Option{WithClock(func() time.Time { return h.now }), WithNotFound(store.ErrNotFound),
		WithHashKey([]byte("test-key"))}
	if cfg.limiter != nil {
		opts = append(opts, WithCallerLimiter(cfg.limiter))
	}
	opts = append(opts, cfg.opts...)
	var sink calllog.Sink = h.sink
	if cfg.sink != nil {
		sink = teeSink{h.sink, cfg.sink}
	}
	logger := cfg.logger
	if logger == nil {
		logger = zaptest.NewLogger(t)
	}
	h.app = New(h.connectARI(), h.flow, dir, sink, logger, opts...)
	h.runApp()
	// native.Connect returns once its WebSocket is dialled, which can be before Asterisk lists the app: a call
	// dialled in between fails Stasis() and goes to the fallback context.
	waitRegistered(t, h.sim, "vika")
	h.phone = h.connectPhone()
	return h
}

// testFlow is the default flow at simulator speed. The look-up deadline stays in real time: the database does not
// run faster because the prompts do, and a loaded test machine must not turn a slow query into "system busy".
func testFlow(t *testing.T, edit func(*dialplan.Flow)) *dialplan.Flow {
	t.Helper()
	f, err := dialplan.Default()
	if err != nil {
		t.Fatal(err)
	}
	f = f.Scaled(1.0 / speed)
	f.Lookup.Deadline = 5 * time.Second
	// Keys reach the app over two sockets and the race detector; give inter-digit gaps real-time slack.
	f.Identity.Timeouts.InterDigit = 400 * time.Millisecond
	f.BirthDate.Timeouts.InterDigit = 400 * time.Millisecond
	if edit != nil {
		edit(f)
	}
	return f
}

// connectARI attaches the native client as app "vika". It is never closed: its Close races its own reconnect loop
// (a data race the -race detector reports); when the simulator closes at cleanup the loop only retries quietly.
func (h *harness) connectARI() *native.Client {
	h.t.Helper()
	c, err := native.Connect(&native.Options{
		Application: "vika", URL: h.sim.URL(), WebsocketURL: h.sim.WebsocketURL(),
		Username: h.sim.User(), Password: h.sim.Password(),
	})
	if err != nil {
		h.t.Fatalf("connect ARI: %v", err)
	}
	return c.(*native.Client)
}

func (h *harness) runApp() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.app.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			h.t.Error("App.Run did not return after its context ended")
		}
	})
}

func (h *harness) connectPhone() *phone.Phone {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := phone.Connect(ctx, phone.Options{URL: h.sim.URL(), User: h.sim.User(), Password: h.sim.Password(),
		Timeout: 20 * time.Second})
	if err != nil {
		h.t.Fatalf("phone: %v", err)
	}
	h.t.Cleanup(func() { _ = p.Close() })
	return p
}

// callerSeq gives every test call its own caller number, so per-caller limits of one test never touch another.
var callerSeq atomic.Int64

func newCaller() string { return fmt.Sprintf("0812%08d", callerSeq.Add(1)) }

// call is one test call from the phone, with the test's context.
type call struct {
	*phone.Call
	h   *harness
	t   *testing.T
	ctx context.Context
}

func (h *harness) dial(t *testing.T, number string) *call {
	return h.dialFrom(t, number, newCaller())
}

func (h *harness) dialFrom(t *testing.T, number, caller string) *call {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := h.phone.Dial(ctx, number, caller)
	if err != nil {
		t.Fatalf("dial %s: %v", number, err)
	}
	return &call{Call: c, h: h, t: t, ctx: ctx}
}

// hear waits for each prompt in turn.
func (c *call) hear(ids ...string) {
	c.t.Helper()
	for _, id := range ids {
		if _, err := c.WaitPrompt(c.ctx, id); err != nil {
			c.t.Fatalf("waiting for %q: %v\nheard so far: %v", id, err, c.Transcript().HeardIDs())
		}
	}
}

func (c *call) press(keys string) {
	c.t.Helper()
	if err := c.Press(c.ctx, keys); err != nil {
		c.t.Fatalf("press %q: %v\nheard so far: %v", keys, err, c.Transcript().HeardIDs())
	}
}

// end waits for the line to hang up (the app's goodbye or transfer) and for the App to let go of the call.
func (c *call) end() phone.Transcript {
	c.t.Helper()
	tr, err := c.WaitHangup(c.ctx)
	if err != nil {
		c.t.Fatalf("waiting for the end of the call: %v\nheard: %v", err, c.Transcript().HeardIDs())
	}
	c.h.settle(c.t)
	return tr
}

// transferred waits until the line has left the app for the dialplan (an agent transfer), then hangs up.
func (c *call) transferred() phone.Transcript {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for c.Transcript().Continued == nil {
		if time.Now().After(deadline) {
			c.t.Fatalf("the line never left the app; heard %v", c.Transcript().HeardIDs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.h.settle(c.t)
	tr := c.Transcript()
	_ = c.Hangup(c.ctx)
	return tr
}

// hangUp is the caller putting the phone down.
func (c *call) hangUp() phone.Transcript {
	c.t.Helper()
	if err := c.Hangup(c.ctx); err != nil {
		c.t.Fatalf("hang up: %v", err)
	}
	c.h.settle(c.t)
	return c.Transcript()
}

// settle waits until the App has no session and no look-up goroutine left: every goroutine a call started is gone.
func (h *harness) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.app.live.Load() != 0 || h.app.activeSessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the App still runs %d goroutines (%d sessions) after the call", h.app.live.Load(), h.app.activeSessions())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// log returns what the call log recorded for the call on this line, once the call has ended.
func (c *call) log() callLog {
	c.t.Helper()
	defer func() {
		if c.t.Failed() {
			c.t.Logf("what the caller saw:\n%s", c.Transcript())
		}
	}()
	return c.h.sink.call(c.t, c.Transcript().LineID)
}

// --- the call log as a test sees it -----------------------------------------------------------------------------

// memorySink keeps every event; call finds one call's events.
type memorySink struct{ calllogtest.Memory }

// teeSink hands every event to each sink in turn.
type teeSink []calllog.Sink

func (t teeSink) Record(e calllog.Event) {
	for _, s := range t {
		s.Record(e)
	}
}

// call finds the events of the call that arrived on channel, waiting for its end event.
func (m *memorySink) call(t *testing.T, channel string) callLog { return m.Memory.Call(t, channel) }

type callLog []calllog.Event

func (l callLog) of(kind calllog.Kind) []map[string]any {
	var out []map[string]any
	for _, e := range l {
		if e.Kind == kind {
			out = append(out, e.Fields)
		}
	}
	return out
}

func (l callLog) last(kind calllog.Kind) map[string]any {
	all := l.of(kind)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

// choices lists "menu:choice" in order.
func (l callLog) choices() []string {
	var out []string
	for _, f := range l.of(calllog.KindMenu) {
		out = append(out, fmt.Sprint(f[calllog.FieldMenu], ":", f[calllog.FieldChoice]))
	}
	return out
}

// text is everything in the call log as one string, to look for a leaked number.
func (l callLog) text() string {
	var b strings.Builder
	for _, e := range l {
		fmt.Fprintf(&b, "%s %v\n", e.Kind, e.Fields)
	}
	return b.String()
}

// goroutines counts the goroutines of the process, less the idle keep-alive connections of the HTTP clients and
// servers (net/http keeps those per connection, not per call: their number follows the connection pools).
func goroutines() (n int, dump string) {
	buf := make([]byte, 1<<20)
	for {
		k := runtime.Stack(buf, true)
		if k < len(buf) {
			buf = buf[:k]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "net/http.(*persistConn)") || strings.Contains(g, "net/http.(*conn).serve") {
			continue
		}
		n++
	}
	return n, string(buf)
}

// goroutinesSettle waits for the goroutine count to come back to at most before.
func goroutinesSettle(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, dump := goroutines()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before the call, %d after:\n%s", before, n, dump)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
