package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5/client/native"
	"go.uber.org/zap/zaptest"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/calllog/calllogtest"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/ivr"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// wib is the care center's zone. The clock stands on a Monday before the 10th (the due date is still ahead), inside
// the agents' hours; the "closed" rows move it to the evening.
var (
	wib          = time.FixedZone("WIB", 7*3600)
	openClock    = time.Date(2026, 11, 2, 10, 0, 0, 0, wib)
	closedClock  = time.Date(2026, 11, 2, 22, 30, 0, 0, wib)
	simSpeed     = 20.0
	callDeadline = 4 * time.Minute
)

// A column is one way of reaching VIKA: it dials, and it can tell whether the line went to the agents.
type column struct {
	name  string
	speed float64 // how much faster than real time prompts run
	dial  func(ctx context.Context, number, caller string) (call, error)
	// transferred reports whether the transcript shows the caller put through to the agents' context.
	transferred func(tr phone.Transcript) bool
	// lineKnown: the column sees the channel id VIKA saw (ARI columns), so the call log can be checked.
	lineKnown bool
}

// call is what a row needs of a caller's call; *phone.Call and the SIP caller both provide it.
type call interface {
	Press(ctx context.Context, keys string) error
	WaitPrompt(ctx context.Context, id string) (phone.Heard, error)
	WaitHangup(ctx context.Context) (phone.Transcript, error)
	Hangup(ctx context.Context) error
	Transcript() phone.Transcript
}

// ariCall adapts *phone.Call (whose Press takes options) to call.
type ariCall struct{ *phone.Call }

func (c ariCall) Press(ctx context.Context, keys string) error { return c.Call.Press(ctx, keys) }

// A row is one case: who calls, what they press when, and what must follow.
type row struct {
	name   string
	number string // 165 or 021165
	p      *storetest.Participant
	closed bool // the agents' hours are over
	run    func(r *run)
	// heard must appear in this order among the prompts heard (other prompts may come between).
	heard       []string
	cut         []string // prompts that must have been cut short
	transferred bool
	hungUpBy    string // phone.ByCaller, phone.ByApp ... ("" = not checked)
	logged      func(t *testing.T, l []calllog.Event)
}

// run is one row being played in one column.
type run struct {
	t    *testing.T
	ctx  context.Context
	c    call
	p    storetest.Participant
	done bool
}

func (r *run) hear(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		if _, err := r.c.WaitPrompt(r.ctx, id); err != nil {
			r.t.Fatalf("waiting for %q: %v\nheard so far: %v", id, err, r.c.Transcript().HeardIDs())
		}
	}
}

func (r *run) press(keys string) {
	r.t.Helper()
	if err := r.c.Press(r.ctx, keys); err != nil {
		r.t.Fatalf("press %q: %v\nheard so far: %v", keys, err, r.c.Transcript().HeardIDs())
	}
}

func (r *run) hangUp() {
	r.t.Helper()
	if err := r.c.Hangup(r.ctx); err != nil {
		r.t.Fatalf("hang up: %v", err)
	}
	r.done = true
}

// waitEnd waits for the line to be hung up by the other side.
func (r *run) waitEnd() {
	r.t.Helper()
	if _, err := r.c.WaitHangup(r.ctx); err != nil {
		r.t.Fatalf("waiting for the end of the call: %v\nheard: %v", err, r.c.Transcript().HeardIDs())
	}
	r.done = true
}

// identify answers enter-id and enter-birthdate for the row's participant, by NIK or by card number.
func (r *run) identify(byCard bool) {
	r.t.Helper()
	r.hear("enter-id")
	if byCard {
		r.press(r.p.Card + "#")
	} else {
		r.press(r.p.NIK)
	}
	r.hear("enter-birthdate")
	r.press(r.p.BirthKeys())
}

var participants = map[string]storetest.Participant{
	"pbpu-active": {Birth: storetest.Birth(1996, 1, 6), Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, Class: 2,
		MonthlyDue: 100000, CurrentPaid: true},
	"pbi-active": {Birth: storetest.Birth(1985, 3, 14), Female: true, Segment: jkn.SegmentPBIAPBN, Status: jkn.StatusActive},
	"pbpu-3-months": {Birth: storetest.Birth(1979, 8, 17), Segment: jkn.SegmentPBPU, Status: jkn.StatusInactiveArrears,
		Class: 3, MonthlyDue: 42000, Arrears: 3},
	"bp-6-months": {Birth: storetest.Birth(1961, 12, 1), Female: true, Segment: jkn.SegmentBP, Status: jkn.StatusInactiveArrears,
		Class: 2, MonthlyDue: 100000, Arrears: 6},
}

func participant(name string) *storetest.Participant {
	p := participants[name]
	return &p
}

// rows is the table. Every row runs in every column.
var rows = []row{
	{name: "a mobile caller keying a NIK hears the status readout", number: "165", p: participant("pbpu-active"),
		run: func(r *run) {
			r.hear("main-menu")
			r.press("1")
			r.identify(false)
			r.hear("after-readout-menu")
			r.hangUp()
		},
		heard: []string{"welcome", "main-menu", "enter-id", "enter-birthdate", "please-wait", "status-intro", "status-0",
			"segment-intro", "segment-pbpu", "class-intro", "num-2", "after-readout-menu"},
		cut: []string{"main-menu", "enter-id", "enter-birthdate"}, hungUpBy: phone.ByCaller,
		logged: func(t *testing.T, l []calllog.Event) {
			if got := lastField(l, calllog.KindLookup, calllog.FieldOutcome); got != "found" {
				t.Errorf("call log look-up outcome %q, want found", got)
			}
		}},
	{name: "a landline caller keying a card number hears the status readout", number: "021165", p: participant("pbi-active"),
		run: func(r *run) {
			r.hear("main-menu")
			r.press("1")
			r.identify(true)
			r.hear("after-readout-menu")
			r.hangUp()
		},
		heard: []string{"welcome", "main-menu", "enter-id", "enter-birthdate", "please-wait", "status-intro", "status-0",
			"segment-intro", "segment-pbi-apbn", "class-intro", "num-3", "after-readout-menu"}},
	{name: "a mobile caller in arrears keying a NIK hears the bill", number: "165", p: participant("pbpu-3-months"),
		run: func(r *run) {
			r.hear("main-menu")
			r.press("2")
			r.identify(false)
			r.hear("after-readout-menu")
			r.hangUp()
		},
		heard: []string{"please-wait", "bill-this-month", "bill-arrears-intro", "bill-total", "after-readout-menu"}},
	{name: "a landline caller six months in arrears keying a card number hears the bill and REHAB", number: "021165",
		p: participant("bp-6-months"),
		run: func(r *run) {
			r.hear("main-menu")
			r.press("2")
			r.identify(true)
			r.hear("after-readout-menu")
			r.hangUp()
		},
		heard: []string{"please-wait", "bill-this-month", "bill-arrears-intro", "bill-total", "rehab-eligible", "after-readout-menu"}},
	{name: "a caller with the wrong birth date hears that the data do not match", number: "165", p: participant("pbpu-active"),
		run: func(r *run) {
			r.hear("main-menu")
			r.press("1")
			r.hear("enter-id")
			r.press(r.p.NIK)
			r.hear("enter-birthdate")
			r.press("01011990")
			r.hear("data-mismatch")
			r.hangUp()
		},
		heard: []string{"enter-birthdate", "please-wait", "data-mismatch"},
		logged: func(t *testing.T, l []calllog.Event) {
			if got := lastField(l, calllog.KindLookup, calllog.FieldOutcome); got != "not_found" {
				t.Errorf("call log look-up outcome %q, want not_found", got)
			}
		}},
	{name: "a key pressed during the menu cuts it and the next question follows at once", number: "021165",
		run: func(r *run) {
			r.hear("main-menu")
			r.press("1")
			r.hear("enter-id")
			r.hangUp()
		},
		heard: []string{"welcome", "main-menu", "enter-id"}, cut: []string{"main-menu"}},
	{name: "a caller silent three times is put through to an agent", number: "165",
		run: func(r *run) {
			r.hear("main-menu", "no-input", "main-menu", "no-input", "main-menu", "no-input", "transfer-agent")
		},
		heard:       []string{"main-menu", "no-input", "main-menu", "no-input", "main-menu", "no-input", "transfer-agent"},
		transferred: true},
	{name: "a caller pressing 0 inside the agents' hours is put through", number: "021165",
		run: func(r *run) {
			r.hear("main-menu")
			r.press("0")
			r.hear("transfer-agent")
		},
		heard: []string{"welcome", "main-menu", "transfer-agent"}, transferred: true},
	{name: "a caller pressing 0 outside the agents' hours hears the hours and the menu again", number: "165", closed: true,
		run: func(r *run) {
			r.hear("main-menu")
			r.press("0")
			r.hear("agent-closed", "agent-hours-intro", "main-menu")
			r.hangUp()
		},
		heard: []string{"welcome", "main-menu", "agent-closed", "agent-hours-intro", "main-menu"}},
	{name: "a caller who hangs up while asked for the number ends the call cleanly", number: "165",
		run: func(r *run) {
			r.hear("main-menu")
			r.press("2")
			r.hear("enter-id")
			r.hangUp()
		},
		heard: []string{"main-menu", "enter-id"}, hungUpBy: phone.ByCaller,
		logged: func(t *testing.T, l []calllog.Event) {
			if got := lastField(l, calllog.KindHangup, calllog.FieldBy); got != "caller" {
				t.Errorf("call log hang-up by %q, want caller", got)
			}
		}},
}

func lastField(l []calllog.Event, kind calllog.Kind, field string) string {
	out := ""
	for _, e := range l {
		if e.Kind == kind {
			out = fmt.Sprint(e.Fields[field])
		}
	}
	return out
}

// results keeps each row's prompts per column, to compare the columns at the end.
type results struct {
	mu    sync.Mutex
	heard map[string]map[string][]string // row → column → prompts heard
}

func (r *results) put(rowName, col string, heard []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.heard[rowName] == nil {
		r.heard[rowName] = map[string][]string{}
	}
	r.heard[rowName][col] = heard
}

func TestEveryCaseSoundsTheSameOnTheSimulatorAndOnARealAsterisk(t *testing.T) {
	res := &results{heard: map[string]map[string][]string{}}
	t.Run("columns", func(t *testing.T) { playColumns(t, res) })
	if t.Failed() {
		return
	}
	// The same row must sound the same everywhere.
	for _, rw := range rows {
		cols := res.heard[rw.name]
		var names []string
		for c := range cols {
			names = append(names, c)
		}
		slices.Sort(names)
		for _, c := range names {
			if !slices.Equal(cols[c], cols[names[0]]) {
				t.Errorf("%s: %s heard %v\n%s heard %v", rw.name, names[0], cols[names[0]], c, cols[c])
			}
		}
	}
}

func playColumns(t *testing.T, res *results) {
	t.Run("simulator", func(t *testing.T) {
		t.Parallel()
		playColumn(t, simulatorTarget(t), res, ariColumn)
	})
	t.Run("real-asterisk", func(t *testing.T) {
		t.Parallel()
		tg := lab.Require(t)
		lab.Lock(t, tg)
		// One column at a time: each runs its own App as "vika" on the node.
		t.Run("ari", func(t *testing.T) {
			playColumn(t, target{url: tg.ARIURL, user: tg.User, pass: tg.Password, speed: 1, real: tg}, res, ariColumn)
		})
		for _, c := range extraRealColumns {
			t.Run(c.name, func(t *testing.T) {
				playColumn(t, target{url: tg.ARIURL, user: tg.User, pass: tg.Password, speed: 1, real: tg}, res, c.make)
			})
		}
	})
}

// extraRealColumns are further ways of calling the real Asterisk (the SIP caller adds itself here).
var extraRealColumns []struct {
	name string
	make func(t *testing.T, tg target) column
}

// target is an ARI server with VIKA's dialplan and prompts.
type target struct {
	url, user, pass string
	speed           float64
	real            lab.Target // zero for the simulator
}

func simulatorTarget(t *testing.T) target {
	sim := asterisksim.Start(t, asterisksim.Options{
		Speed:      simSpeed,
		Sounds:     filepath.Join("..", "prompts", "sounds"),
		Extensions: filepath.Join("..", "asterisk-conf", "extensions.conf"),
		Users:      map[string]string{"vika": rand.Text()},
	})
	return target{url: sim.URL(), user: sim.User(), pass: sim.Password(), speed: simSpeed}
}

// ariColumn calls through asterisksim/phone: Local channels originated over ARI.
func ariColumn(t *testing.T, tg target) column {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := phone.Connect(ctx, phone.Options{URL: tg.url, User: tg.user, Password: tg.pass, Timeout: callDeadline})
	if err != nil {
		t.Fatalf("phone: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	name := "ari"
	if tg.speed != 1 {
		name = "simulator"
	}
	return column{name: name, speed: tg.speed, lineKnown: true,
		dial: func(ctx context.Context, number, caller string) (call, error) {
			c, err := p.Dial(ctx, number, caller)
			if err != nil {
				return nil, err
			}
			return ariCall{c}, nil
		},
		transferred: func(tr phone.Transcript) bool { return tr.Continued != nil && tr.Continued.Context == "agents" },
	}
}

var callerSeq atomic.Int64

// playColumn runs VIKA against the target and plays every row through the column's caller: the open-hours rows at
// once, then the closed-hours rows with the clock moved on.
func playColumn(t *testing.T, tg target, res *results, makeColumn func(*testing.T, target) column) {
	db := storetest.NewDB(t)
	var now atomic.Pointer[time.Time]
	now.Store(&openClock)
	sink := &calllogtest.Memory{}
	startApp(t, tg, db, sink, func() time.Time { return *now.Load() })
	col := makeColumn(t, tg)
	seeded := map[string]storetest.Participant{}
	for _, rw := range rows {
		if rw.p != nil {
			seeded[rw.name] = storetest.Seed(t, db, openClock, *rw.p)
		}
	}
	for _, closed := range []bool{false, true} {
		if closed {
			now.Store(&closedClock)
		}
		t.Run(map[bool]string{false: "open", true: "closed"}[closed], func(t *testing.T) {
			// All rows at once, as callers ring: subtests started from goroutines are not held to -parallel (2 on
			// a 2-core machine), which would queue real-time calls of up to a minute and a half behind each other.
			var wg sync.WaitGroup
			for _, rw := range rows {
				if rw.closed != closed {
					continue
				}
				wg.Go(func() {
					t.Run(rw.name, func(t *testing.T) {
						heard := playRow(t, col, rw, seeded[rw.name], sink)
						res.put(rw.name, col.name, heard)
					})
				})
			}
			wg.Wait()
		})
	}
}

func playRow(t *testing.T, col column, rw row, p storetest.Participant, sink *calllogtest.Memory) []string {
	ctx, cancel := context.WithTimeout(context.Background(), callDeadline)
	defer cancel()
	c, err := col.dial(ctx, rw.number, fmt.Sprintf("0813%08d", callerSeq.Add(1)))
	if err != nil {
		t.Fatalf("dial %s: %v", rw.number, err)
	}
	r := &run{t: t, ctx: ctx, c: c, p: p}
	defer func() {
		if !r.done {
			_ = c.Hangup(context.Background())
		}
		if t.Failed() {
			t.Logf("what the caller heard (%s):\n%s", col.name, c.Transcript())
		}
	}()
	rw.run(r)
	var tr phone.Transcript
	if rw.transferred {
		deadline := time.Now().Add(time.Duration(float64(30*time.Second) / col.speed))
		for tr = c.Transcript(); !col.transferred(tr) && time.Now().Before(deadline); tr = c.Transcript() {
			time.Sleep(20 * time.Millisecond)
		}
		if !col.transferred(tr) {
			t.Fatalf("the caller was not put through to the agents; heard %v", tr.HeardIDs())
		}
		_ = c.Hangup(ctx)
		r.done = true
	} else if !r.done {
		r.waitEnd()
	}
	if _, err := c.WaitHangup(ctx); err != nil {
		t.Fatalf("the call did not end: %v", err)
	}
	tr = c.Transcript()
	heard := tr.HeardIDs()
	if !subsequence(heard, rw.heard) {
		t.Errorf("heard %v, want %v in this order", heard, rw.heard)
	}
	for _, id := range rw.cut {
		if h, ok := find(tr.Heard, id); !ok || !h.Cut {
			t.Errorf("%s was not cut short by the key (heard %+v)", id, h)
		}
	}
	if rw.hungUpBy != "" && tr.Hangup.By != rw.hungUpBy {
		t.Errorf("hung up by %q, want %q", tr.Hangup.By, rw.hungUpBy)
	}
	if rw.logged != nil && col.lineKnown {
		rw.logged(t, sink.Call(t, tr.LineID))
	}
	return trimAfterLast(heard, rw.heard)
}

// trimAfterLast cuts what was heard after the row's last expected prompt (a hang-up races the next prompt's start).
func trimAfterLast(heard, want []string) []string {
	if len(want) == 0 {
		return heard
	}
	last := want[len(want)-1]
	n := 0
	for _, w := range want {
		if w == last {
			n++
		}
	}
	for i, h := range heard {
		if h == last {
			n--
			if n == 0 {
				return heard[:i+1]
			}
		}
	}
	return heard
}

func subsequence(heard, want []string) bool {
	i := 0
	for _, h := range heard {
		if i < len(want) && h == want[i] {
			i++
		}
	}
	return i == len(want)
}

func find(hs []phone.Heard, id string) (phone.Heard, bool) {
	for _, h := range hs {
		if h.PromptID == id {
			return h, true
		}
	}
	return phone.Heard{}, false
}

// startApp runs VIKA's App as app "vika" on the target, as vika serve wires it: the native ARI client, the default
// flow (scaled to the simulator's speed), the store as the directory.
func startApp(t *testing.T, tg target, db *store.Store, sink calllog.Sink, clock func() time.Time) {
	client, err := native.Connect(&native.Options{Application: "vika", URL: tg.url,
		WebsocketURL: strings.Replace(strings.Replace(tg.url, "http", "ws", 1), "/ari", "/ari/events", 1),
		Username:     tg.user, Password: tg.pass})
	if err != nil {
		t.Fatalf("connect ARI: %v", err)
	}
	// Agents' hours as an operator sets them (the built-in flow has none: agents around the clock).
	yaml := strings.Replace(string(dialplan.DefaultYAML()), "  closed: [agent-closed]", "  closed: [agent-closed]\n"+
		`  hours: {timezone: Asia/Jakarta, days: [mon, tue, wed, thu, fri], open: "08:00", close: "16:00"}`, 1)
	flow, err := dialplan.Parse([]byte(yaml), prompts.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	if tg.speed != 1 {
		flow = flow.Scaled(1 / tg.speed)
		// The database and the keys over two sockets under -race do not run faster with the prompts.
		flow.Lookup.Deadline = 5 * time.Second
		flow.Identity.Timeouts.InterDigit = 400 * time.Millisecond
		flow.BirthDate.Timeouts.InterDigit = 400 * time.Millisecond
	}
	app := ivr.New(client, flow, db, sink, zaptest.NewLogger(t), ivr.WithClock(clock), ivr.WithNotFound(store.ErrNotFound),
		ivr.WithHashKey([]byte("e2e-key")))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("App.Run did not return after its context ended")
		}
	})
	waitRegistered(t, tg)
}

// waitRegistered returns once Asterisk lists the app: a call dialled before would fail Stasis() into the fallback.
func waitRegistered(t *testing.T, tg target) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, tg.url+"/applications/vika", nil)
		req.SetBasicAuth(tg.user, tg.pass)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ARI app vika not registered on %s within 10 s", tg.url)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
