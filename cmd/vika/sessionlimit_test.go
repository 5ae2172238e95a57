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
	pw := "pw-" + t.Name()
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions:   "../../asterisk-conf/extensions.conf",
		Sounds:       soundsWithout(t),
		Speed:        20,
		Users:        map[string]string{"vika": pw},
		SessionLimit: limit,
	})
	ac := ARIConfig{URL: sim.URL(), User: "vika", Password: pw, App: "vika", MaxConns: appConns}
	a := testApp(t, dbURL)
	a.log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, a, ac, 10*time.Second) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	}()
	// The callers' own ARI client: 3 REST + 1 WebSocket. With the app's 13, net/http's 2 idle (probe, prompt check,
	// registration polls), that is 19 of 24: the rest is room for a connection closed but not yet seen closed.
	callers := ariHTTPClient(3, 0)
	defer callers.CloseIdleConnections()
	ph := connectCallers(t, ctx, ac, served, callers)
	defer ph.Close()

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

// connectCallers waits for the app to register, then connects the callers' phone on hc.
func connectCallers(t *testing.T, ctx context.Context, ac ARIConfig, served <-chan error, hc *http.Client) *phone.Phone {
	t.Helper()
	for !appRegistered(ctx, ac) {
		select {
		case err := <-served:
			t.Fatalf("the app did not start: %v", err)
		case <-ctx.Done():
			t.Fatal("the app did not register in time")
		case <-time.After(100 * time.Millisecond):
		}
	}
	ph, err := phone.Connect(ctx, phone.Options{URL: ac.URL, User: ac.User, Password: ac.Password, App: "callers", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return ph
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
	pw := "pw-" + t.Name()
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions:   "../../asterisk-conf/extensions.conf",
		Sounds:       soundsWithout(t),
		Speed:        20,
		Users:        map[string]string{"vika": pw},
		SessionLimit: limit,
	})
	ac := ARIConfig{URL: sim.URL(), User: "vika", Password: pw, App: "vika", MaxConns: appConns}
	a := testApp(t, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, a, ac, 10*time.Second) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	}()
	callers := ariHTTPClient(1, 0)
	defer callers.CloseIdleConnections()
	ph := connectCallers(t, ctx, ac, served, callers)
	defer ph.Close()

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
