package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/loadtest"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// A burst of calls makes many REST requests in flight at once. Asterisk serves at most http.conf's sessionlimit
// connections and closes any more unanswered, so an app that opens a connection per request in flight fails calls
// (answer, play: "EOF"). With ari.max_conns under the limit every call goes through, however many are at once.
func TestABurstOfCallsIsServedWithinAsterisksHTTPSessionLimit(t *testing.T) {
	t.Parallel()
	const (
		limit    = 24 // the simulated Asterisk's sessionlimit
		appConns = 12 // ari.max_conns: 12 REST + 1 WebSocket for the app
		calls    = 80 // at once, at speed 20: hundreds of requests in flight during the greeting
	)
	dbURL := storetest.NewEmptyDB(t)
	samples := seedSamples(t, dbURL, 200)
	// The callers' own ARI client: 3 REST + 1 WebSocket. With the app's 13, net/http's 2 idle (probe, prompt check,
	// registration polls), that is 19 of 24: the rest is room for a connection closed but not yet seen closed.
	sim, ctx, ph := sessionLimitRig(t, dbURL, 20, limit, appConns, 3, 3*time.Minute)

	ids := make([]loadtest.Identity, len(samples))
	for i, x := range samples {
		ids[i] = loadtest.Identity{NIK: x.NIK, Card: x.Card, BirthDate: x.BirthDate}
	}
	mix, err := loadtest.ParseMix("status-nik")
	if err != nil {
		t.Fatal(err)
	}
	// Each call's deadline as for speed 2 (100 s), not 20: on a loaded machine a call may take longer than its
	// audio, and the test is about requests refused, not about time.
	res, err := loadtest.Run(ctx, func(ctx context.Context, number, caller string) (loadtest.Call, error) {
		return ph.Dial(ctx, number, caller)
	}, ids, loadtest.Options{Calls: calls, Concurrency: calls, Speed: 2, Mix: mix})
	if err != nil {
		t.Fatal(err)
	}
	failed := res.Failed + res.ToolErrors
	if failed > 0 {
		t.Errorf("first failed call: %v %v", res.FirstFailure, res.FirstTool)
	}
	s := sim.Sessions()
	t.Logf("%d calls; HTTP sessions: peak %d open of %d, %d in all, %d refused", calls, s.Peak, limit, s.Accepted, s.Refused)
	if failed > 0 || s.Refused > 0 {
		t.Fatalf("%d of %d calls failed; the simulated Asterisk refused %d HTTP sessions over its limit of %d (peak %d open)",
			failed, calls, s.Refused, limit, s.Peak)
	}
}

// seedSamples loads n participants into the database at dbURL and returns the seed's samples.
func seedSamples(t *testing.T, dbURL string, n int) []store.Sample {
	t.Helper()
	ctx := context.Background()
	if err := store.Migrate(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := store.Seed(ctx, st.Pool(), store.SeedOptions{Participants: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Samples
}

// sessionLimitRig starts a simulated Asterisk at speed serving at most limit HTTP sessions, vika serve on it with
// ari.max_conns appConns (its log at warn in the test's), and the callers' phone on a pool of callerConns; all stop
// when the test ends, and serve must stop cleanly.
func sessionLimitRig(t *testing.T, dbURL string, speed float64, limit, appConns, callerConns int, timeout time.Duration) (*asterisksim.Server, context.Context, *phone.Phone) {
	t.Helper()
	pw := "pw-" + t.Name()
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions:   "../../asterisk-conf/extensions.conf",
		Sounds:       soundsWithout(t),
		Speed:        speed,
		Users:        map[string]string{"vika": pw},
		SessionLimit: limit,
	})
	ac := ARIConfig{URL: sim.URL(), User: "vika", Password: pw, App: "vika", MaxConns: appConns}
	a := testApp(t, dbURL)
	a.log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, a, ac, 10*time.Second) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve ended with %v", err)
			}
		case <-time.After(30 * time.Second): // or it ended before the phone connected, which said why
		}
	})
	callers := ariHTTPClient(callerConns, 0)
	ph, err := connectPhoneAs(ctx, ac, served, phone.Options{App: "callers", HTTPClient: callers})
	if err != nil {
		t.Fatalf("the callers' phone: %v", err)
	}
	t.Cleanup(func() { ph.Close(); callers.CloseIdleConnections() })
	return sim, ctx, ph
}

// When Asterisk is slow, a request the call stops waiting for (past its 2 s deadline) is still being served there,
// and its HTTP session still counts against sessionlimit until Asterisk is done with it. An app that cancels such
// a request closes the connection and opens another for the next request, so sessions pile up past the limit and
// Asterisk refuses connections with EOF, failing calls that would otherwise have gone through once it recovers.
func TestRequestsAsteriskIsSlowToAnswerDoNotPileSessionsUpPastItsLimit(t *testing.T) {
	t.Parallel()
	const (
		limit    = 10
		appConns = 4 // + 1 WebSocket; the callers 1 + 1; net/http's probe and polls up to 2
		calls    = 16
	)
	dbURL := storetest.NewEmptyDB(t)
	seedSamples(t, dbURL, 200)
	sim, ctx, ph := sessionLimitRig(t, dbURL, 20, limit, appConns, 1, 2*time.Minute)

	// Every prompt takes Asterisk 3 s to start: each call's welcome outlives the app's 2 s deadline.
	clear := sim.SetRESTFault(func(method, path string) bool {
		return method == http.MethodPost && strings.Contains(path, "/play")
	}, 3*time.Second, 0)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, err := ph.Dial(ctx, "165", fmt.Sprintf("08120000%04d", i)); err == nil {
				_, _ = c.WaitPrompt(ctx, "main-menu") // these calls fail: Asterisk is too slow
				_ = c.Hangup(ctx)
			}
		}()
	}
	wg.Wait()
	clear()
	// Asterisk has recovered: the next caller is served.
	c, err := ph.Dial(ctx, "165", "081299999999")
	if err == nil {
		_, err = c.WaitPrompt(ctx, "main-menu")
		_ = c.Hangup(ctx)
	}
	s := sim.Sessions()
	t.Logf("HTTP sessions: peak %d open of %d, %d in all, %d refused", s.Peak, limit, s.Accepted, s.Refused)
	if s.Refused > 0 {
		t.Errorf("the simulated Asterisk refused %d HTTP sessions over its limit of %d while slow", s.Refused, limit)
	}
	if err != nil {
		t.Errorf("a caller once Asterisk recovered: %v", err)
	}
}

// Callers who dial in the same instant (a burst after an outage, a TV spot) all need answering at once. Put into
// the bounded ARI pool together, their answers queue behind one another past each request's 2 s deadline and a
// share of the calls fail before the caller hears a word ("Asterisk did not answer", while Asterisk was never
// asked). Waiting their turn in the app, before their 2 s start, every caller is answered and reaches the menu.
func TestCallersDiallingInTheSameInstantWaitTheirTurnAndAllReachTheMenu(t *testing.T) {
	t.Parallel()
	const calls = 200 // Asterisk takes 60 ms to answer each: 200 × 60 ms / 4 connections = 3 s of the pool
	dbURL := storetest.NewEmptyDB(t)
	seedSamples(t, dbURL, 10)
	sim, ctx, ph := sessionLimitRig(t, dbURL, 20, 24, 4, 3, 2*time.Minute)
	clear := sim.SetRESTFault(asterisksim.MatchRequest(http.MethodPost, "/channels/*/answer"), 60*time.Millisecond, 0)
	defer clear()
	dialAll(t, ctx, ph, calls, func(c *phone.Call) error {
		_, err := c.WaitPrompt(ctx, "main-menu")
		return err
	})
}

// Callers who dialled together press their keys in the same seconds. Each key stops the menu and plays the next
// question: as many requests at once as there are callers. Waiting in the ARI pool, they would spend their 2 s
// there and fail, the caller hung up on after pressing 1; waiting their turn in the app, before their 2 s start,
// every caller hears the next question, later.
func TestCallersPressingTheirKeysInTheSameInstantAllHearTheNextQuestion(t *testing.T) {
	t.Parallel()
	const calls = 48 // the Play of enter-id takes Asterisk 300 ms: 48 × 300 ms / 4 connections = 3.6 s of the pool
	dbURL := storetest.NewEmptyDB(t)
	seedSamples(t, dbURL, 10)
	sim, ctx, ph := sessionLimitRig(t, dbURL, 1, 24, 4, 3, 2*time.Minute) // real time: the menu lasts seconds
	var (
		atMenu  = make(chan struct{}, calls)
		press   = make(chan struct{})
		stopped = make(chan func(), 1)
	)
	go func() {
		give := time.After(time.Minute) // a call that never reached the menu fails the test below
		for range calls {
			select {
			case <-atMenu:
			case <-give:
			}
		}
		stopped <- sim.SetRESTFault(asterisksim.MatchRequest(http.MethodPost, "/channels/*/play/*"), 300*time.Millisecond, 0)
		close(press)
	}()
	dialAll(t, ctx, ph, calls, func(c *phone.Call) error {
		_, err := c.WaitPrompt(ctx, "main-menu")
		atMenu <- struct{}{}
		if err != nil {
			return err
		}
		<-press // every caller is in the menu, which plays for seconds yet
		if err := c.Press(ctx, "1"); err != nil {
			return err
		}
		_, err = c.WaitPrompt(ctx, "enter-id")
		return err
	})
	(<-stopped)()
}

// dialAll dials calls callers at once, runs each through do and hangs up; it fails the test with how many failed.
func dialAll(t *testing.T, ctx context.Context, ph *phone.Phone, calls int, do func(*phone.Call) error) {
	t.Helper()
	failed := atOnce(calls, func(i int) error {
		c, err := ph.Dial(ctx, "165", fmt.Sprintf("08121000%04d", i))
		if err != nil {
			return err
		}
		defer func() { _ = c.Hangup(ctx) }()
		return do(c)
	})
	if len(failed) > 0 {
		t.Fatalf("%d of %d callers did not hear what they waited for; the first: %v", len(failed), calls, failed[0])
	}
}
