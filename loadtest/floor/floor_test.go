package floor_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5/client/native"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/loadtest/floor"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store/storetest"
)

// The tests drive whole calls as the load test does: the project's simulated Asterisk on a real socket (routing with
// asterisk-conf/extensions.conf, prompt lengths from prompts/sounds), the native ARI client, Run, a real PostgreSQL
// seeded per test, and a caller through asterisksim/phone. Nothing is mocked.

// speed is how much faster than real time the simulator plays prompts and keys.
const speed = 40

var (
	sounds     = filepath.Join("..", "..", "prompts", "sounds")
	extensions = filepath.Join("..", "..", "asterisk-conf", "extensions.conf")
)

// harness is one simulated Asterisk with Run attached to it, and one phone to call from.
type harness struct {
	sim    *asterisksim.Server
	phone  *phone.Phone
	logs   *observer.ObservedLogs
	cancel context.CancelFunc
	done   chan error
	ran    atomic.Bool // Run returned
}

func start(t *testing.T, db *pgxpool.Pool, opts floor.Options) *harness {
	t.Helper()
	sim := asterisksim.Start(t, asterisksim.Options{
		Speed: speed, Sounds: sounds, Extensions: extensions,
		// A password of its own: an earlier test's native client (never closed, see below) redials once a second and
		// must not take this test's calls should its simulator's port be reused.
		Users: map[string]string{"vika": rand.Text()},
		// The test's native client sends REST on net/http's default transport, whose connections are not capped
		// (cmd/vika gives its client a capped pool); Asterisk's default sessionlimit of 100 would refuse some of the
		// many-callers test's connections, which is the client's pool's business, not the floor's.
		SessionLimit: -1,
	})
	// The native client is never closed: its Close races its own reconnect loop under -race (as the ivr tests note).
	client, err := native.Connect(&native.Options{Application: "vika", URL: sim.URL(), WebsocketURL: sim.WebsocketURL(),
		Username: sim.User(), Password: sim.Password()})
	if err != nil {
		t.Fatalf("connect ARI: %v", err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	opts.Logger = zap.New(core)
	h := &harness{sim: sim, logs: logs, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- floor.Run(ctx, client, db, opts) }()
	t.Cleanup(func() { h.stop(t) })
	waitFor(t, "Run to subscribe and the app to register", func() bool {
		return logs.FilterMessage("floor: taking calls").Len() > 0 && sim.Connected("vika")
	})
	pctx, pcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer pcancel()
	h.phone, err = phone.Connect(pctx, phone.Options{URL: sim.URL(), User: sim.User(), Password: sim.Password(),
		Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("phone: %v", err)
	}
	t.Cleanup(func() { _ = h.phone.Close() })
	return h
}

// stop cancels Run's context and requires Run to return, nil, with every call ended.
func (h *harness) stop(t *testing.T) {
	t.Helper()
	if h.ran.Swap(true) {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run returned %v after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Run did not return within 10 s of its context ending")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var callerSeq atomic.Int64

// caller is one call placed by the phone, with the test's deadline.
type caller struct {
	*phone.Call
	t   *testing.T
	ctx context.Context
}

func (h *harness) dial(t *testing.T) *caller {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := h.phone.Dial(ctx, "165", fmt.Sprintf("0812%08d", callerSeq.Add(1)))
	if err != nil {
		t.Fatalf("dial 165: %v", err)
	}
	return &caller{Call: c, t: t, ctx: ctx}
}

func (c *caller) hear(ids ...string) {
	c.t.Helper()
	for _, id := range ids {
		if _, err := c.WaitPrompt(c.ctx, id); err != nil {
			c.t.Fatalf("waiting for %q: %v\nheard so far: %v", id, err, c.Transcript().HeardIDs())
		}
	}
}

func (c *caller) press(keys string) {
	c.t.Helper()
	if err := c.Press(c.ctx, keys); err != nil {
		c.t.Fatalf("press %q: %v\nheard so far: %v", keys, err, c.Transcript().HeardIDs())
	}
}

func (c *caller) hangUp() {
	c.t.Helper()
	if err := c.Hangup(c.ctx); err != nil {
		c.t.Fatalf("hang up: %v", err)
	}
}

// heardExactly compares every prompt the caller heard, in order, once the call is over.
func (c *caller) heardExactly(want ...string) {
	c.t.Helper()
	if got := c.Transcript().HeardIDs(); !slices.Equal(got, want) {
		c.t.Errorf("heard %v\nwant  %v", got, want)
	}
}

func TestFloorCall(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	db := st.Pool()
	now := time.Now()
	seed := func(birth time.Time, status jkn.Status) storetest.Participant {
		return storetest.Seed(t, st, now, storetest.Participant{Birth: birth, Segment: jkn.SegmentPBPU, Status: status})
	}
	type row struct {
		name   string
		p      storetest.Participant
		agent  func(*floor.Options)
		script func(t *testing.T, h *harness, c *caller, p storetest.Participant)
	}
	rows := []row{{
		name: "key 1 by NIK hears the status readout and the after-readout menu",
		p:    seed(storetest.Birth(1980, time.May, 17), jkn.StatusActive),
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("1")
			c.hear("enter-id")
			c.press(p.NIK)
			c.hear("enter-birthdate")
			c.press(p.BirthKeys())
			c.hear("after-readout-menu")
			c.hangUp()
			c.heardExactly("welcome", "main-menu", "enter-id", "enter-birthdate", "please-wait", "status-0", "after-readout-menu")
		},
	}, {
		name: "key 2 by card number ended with # hears the bill readout and the after-readout menu",
		p:    seed(storetest.Birth(1975, time.March, 3), jkn.Status(7)),
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("2")
			c.hear("enter-id")
			c.press(p.Card + "#")
			c.hear("enter-birthdate")
			c.press(p.BirthKeys())
			c.hear("after-readout-menu")
			c.hangUp()
			c.heardExactly("welcome", "main-menu", "enter-id", "enter-birthdate", "please-wait", "bill-this-month", "after-readout-menu")
		},
	}, {
		name: "a wrong menu key hears invalid-key and the main menu again, then succeeds",
		p:    seed(storetest.Birth(1990, time.January, 31), jkn.Status(9)),
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("5")
			c.hear("invalid-key", "main-menu")
			c.press("1")
			c.hear("enter-id")
			c.press(p.NIK)
			c.hear("enter-birthdate")
			c.press(p.BirthKeys())
			c.hear("status-9", "after-readout-menu")
			c.hangUp()
		},
	}, {
		name: "keys typed ahead while the main menu plays (1 and the NIK) still reach enter-birthdate",
		p:    seed(storetest.Birth(2001, time.December, 9), jkn.StatusActive),
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("1" + p.NIK)
			c.hear("enter-birthdate")
			c.press(p.BirthKeys())
			c.hear("status-0", "after-readout-menu")
			c.hangUp()
			for _, heard := range c.Transcript().Heard {
				if heard.PromptID == "main-menu" && !heard.Cut {
					t.Errorf("main-menu played to its end under the caller's keys: %+v", heard)
				}
			}
		},
	}, {
		name: "key 0 hears transfer-agent and continues the line to agents,s,1",
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("0")
			c.hear("transfer-agent")
			got, err := c.WaitContinued(c.ctx)
			if err != nil {
				t.Fatalf("the line never left the app: %v; heard %v", err, c.Transcript().HeardIDs())
			}
			if got.Context != "agents" || got.Exten != "s" || got.Priority != 1 {
				t.Errorf("continued to %s,%s,%d; want agents,s,1", got.Context, got.Exten, got.Priority)
			}
			waitCallEnded(t, h, c, "transferred")
			c.hangUp()
		},
	}, {
		name: "after the readout, 9 returns to the main menu and 0 then continues to the configured agent context",
		p:    seed(storetest.Birth(1968, time.August, 20), jkn.StatusActive),
		agent: func(o *floor.Options) {
			o.Agent.Context = "vika-fallback" // extension and priority default to s, 1
		},
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("1")
			c.hear("enter-id")
			c.press(p.NIK + "#") // the # after a complete NIK is habit, and must not cut enter-birthdate
			c.hear("enter-birthdate")
			c.press(p.BirthKeys())
			c.hear("after-readout-menu")
			c.press("1")
			c.hear("after-readout-menu")
			c.press("9")
			c.hear("main-menu")
			c.press("0")
			c.hear("transfer-agent")
			got, err := c.WaitContinued(c.ctx)
			if err != nil {
				t.Fatalf("the line never left the app: %v; heard %v", err, c.Transcript().HeardIDs())
			}
			if got.Context != "vika-fallback" || got.Exten != "s" || got.Priority != 1 {
				t.Errorf("continued to %s,%s,%d; want vika-fallback,s,1", got.Context, got.Exten, got.Priority)
			}
			c.hangUp()
		},
	}, {
		name: "a wrong birth date hears data-mismatch and the after-readout menu, and a key there says goodbye and hangs up",
		p:    seed(storetest.Birth(1985, time.February, 14), jkn.StatusActive),
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("1")
			c.hear("enter-id")
			c.press(p.NIK)
			c.hear("enter-birthdate")
			c.press("15021985")
			c.hear("data-mismatch", "after-readout-menu")
			c.press("5")
			c.hear("goodbye")
			tr, err := c.WaitHangup(c.ctx)
			if err != nil {
				t.Fatalf("the floor did not hang up after goodbye: %v", err)
			}
			if tr.Hangup.By != phone.ByApp {
				t.Errorf("hung up by %q; want the app", tr.Hangup.By)
			}
			c.heardExactly("welcome", "main-menu", "enter-id", "enter-birthdate", "please-wait", "data-mismatch",
				"after-readout-menu", "goodbye")
		},
	}, {
		name: "a number of the wrong length hears id-incomplete and enter-id again",
		p:    seed(storetest.Birth(1999, time.June, 1), jkn.StatusActive),
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("1")
			c.hear("enter-id")
			c.press("12345#")
			c.hear("id-incomplete", "enter-id")
			c.press(p.NIK)
			c.hear("enter-birthdate")
			c.hangUp()
		},
	}, {
		name: "a caller hanging up during enter-id ends the call at once and leaves no goroutine once Run returns",
		script: func(t *testing.T, h *harness, c *caller, p storetest.Participant) {
			c.hear("main-menu")
			c.press("1")
			c.hear("enter-id")
			c.hangUp()
			waitCallEnded(t, h, c, "caller_hung_up")
			// Run waits for every goroutine it started (calls, REST requests, look-ups): its return is the proof.
			h.stop(t)
		},
	}}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			var opts floor.Options
			if r.agent != nil {
				r.agent(&opts)
			}
			h := start(t, db, opts)
			c := h.dial(t)
			r.script(t, h, c, r.p)
			h.stop(t)
			noNumberLogged(t, h, r.p)
			if t.Failed() {
				t.Logf("what the caller saw:\n%s", c.Transcript())
			}
		})
	}
}

// waitCallEnded waits for the floor's own line saying the call on this line ended with outcome.
func waitCallEnded(t *testing.T, h *harness, c *caller, outcome string) {
	t.Helper()
	line := c.Transcript().LineID
	waitFor(t, "the floor to end the call as "+outcome, func() bool {
		for _, e := range h.logs.FilterMessage("floor: call ended").All() {
			if e.ContextMap()["channel"] == line {
				if got := e.ContextMap()["outcome"]; got != outcome {
					t.Fatalf("the floor ended the call as %v; want %s", got, outcome)
				}
				return true
			}
		}
		return false
	})
}

// noNumberLogged fails if any log line holds the participant's NIK or card number.
func noNumberLogged(t *testing.T, h *harness, p storetest.Participant) {
	t.Helper()
	for _, e := range h.logs.All() {
		line := fmt.Sprint(e.Message, " ", e.ContextMap())
		for _, n := range []string{p.NIK, p.Card} {
			if n != "" && strings.Contains(line, n) {
				t.Errorf("a log line holds a whole identity number: %s", line)
			}
		}
	}
}

// Every prompt the floor can play is in the catalogue and has a sound, so the simulator (and Asterisk) plays it.
func TestEveryPromptTheFloorPlaysIsInTheCatalogueWithASound(t *testing.T) {
	t.Parallel()
	cat := prompts.Catalogue()
	for _, id := range floor.PromptIDs() {
		if !cat.Has(id) {
			t.Errorf("prompt %q is not in prompts/catalogue.yaml", id)
		}
		if _, err := os.Stat(filepath.Join(sounds, "id", "vika", id+".wav")); err != nil {
			t.Errorf("prompt %q has no sound: %v", id, err)
		}
	}
}

// Many callers at once on one Run, each as `vika loadtest` scripts it (keys sent without waiting for the line), all
// get their readout menu, and Run ends clean.
func TestManyCallersAtOnceAllReachTheAfterReadoutMenu(t *testing.T) {
	t.Parallel()
	const calls = 60
	st := storetest.NewDB(t)
	people := make([]storetest.Participant, calls)
	for i := range people {
		people[i] = storetest.Seed(t, st, time.Now(), storetest.Participant{
			Birth: storetest.Birth(1950+i%50, time.Month(1+i%12), 1+i%28), Segment: jkn.SegmentPBPU, Status: jkn.StatusActive})
	}
	h := start(t, st.Pool(), floor.Options{})
	errs := make(chan error, calls)
	for i, p := range people {
		go func() {
			errs <- func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				c, err := h.phone.Dial(ctx, "165", fmt.Sprintf("0813%08d", i))
				if err != nil {
					return err
				}
				defer func() { _ = c.Hangup(context.Background()) }()
				id := p.NIK
				if i%2 == 1 {
					id = p.Card + "#"
				}
				for _, step := range []struct{ wait, keys string }{
					{"main-menu", []string{"1", "2"}[i%2]}, {"enter-id", id}, {"enter-birthdate", p.BirthKeys()},
					{"after-readout-menu", ""},
				} {
					if _, err := c.WaitPrompt(ctx, step.wait); err != nil {
						return fmt.Errorf("call %d: waiting for %s: %w; heard %v", i, step.wait, err, c.Transcript().HeardIDs())
					}
					if step.keys != "" {
						if err := c.Press(ctx, step.keys, phone.NoWait()); err != nil {
							return fmt.Errorf("call %d: %w", i, err)
						}
					}
				}
				return nil
			}()
		}()
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	h.stop(t)
	for _, p := range people {
		noNumberLogged(t, h, p)
	}
	if n := h.logs.FilterMessage("floor: call failed").Len(); n > 0 {
		t.Errorf("%d calls failed: %v", n, h.logs.FilterMessage("floor: call failed").All()[0].ContextMap())
	}
}
