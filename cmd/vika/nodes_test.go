package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestAriNodesAreValidatedAndNameTheNodeOfAWrongValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		ari     ARIConfig
		wantKey string
	}{
		{"a node without a URL", ARIConfig{App: "vika", User: "vika", Password: "pw", MaxConns: 4,
			Nodes: []ARINode{{Name: "a", URL: "http://127.0.0.1:8128/ari"}, {Name: "b"}}}, "ari.nodes[1].url"},
		{"two nodes with one name", ARIConfig{App: "vika", User: "vika", Password: "pw", MaxConns: 4,
			Nodes: []ARINode{{Name: "a", URL: "http://127.0.0.1:8128/ari"}, {Name: "a", URL: "http://127.0.0.1:8138/ari"}}}, "ari.nodes[1].name"},
		{"two nodes named by one host:port", ARIConfig{App: "vika", User: "vika", Password: "pw", MaxConns: 4,
			Nodes: []ARINode{{URL: "http://127.0.0.1:8128/ari"}, {URL: "http://127.0.0.1:8128/ari"}}}, "ari.nodes[1].name"},
		{"no password anywhere", ARIConfig{App: "vika", User: "vika", MaxConns: 4,
			Nodes: []ARINode{{Name: "a", URL: "http://127.0.0.1:8128/ari"}}}, "ari.nodes[0].password"},
		{"an app name with a comma", ARIConfig{App: "vika,a", User: "vika", Password: "pw", MaxConns: 4,
			Nodes: []ARINode{{Name: "a", URL: "http://127.0.0.1:8128/ari"}}}, "ari.app"},
		{"nodes sharing ari.user and ari.password", ARIConfig{App: "vika-a", User: "vika", Password: "pw", MaxConns: 4,
			Nodes: []ARINode{{Name: "a", URL: "http://127.0.0.1:8128/ari"}, {URL: "http://127.0.0.1:8138/ari"}}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Config{ARI: tc.ari}
			err := c.validateARI()
			var ce *ConfigError
			switch {
			case tc.wantKey == "" && err != nil:
				t.Fatalf("valid nodes refused: %v", err)
			case tc.wantKey != "" && (!errors.As(err, &ce) || ce.Key != tc.wantKey):
				t.Fatalf("got %v, want an error naming %s", err, tc.wantKey)
			}
		})
	}
}

func TestRedactedConfigHidesEveryNodesPasswordAndLeavesTheRunningConfigAlone(t *testing.T) {
	t.Parallel()
	c := Config{ARI: ARIConfig{Nodes: []ARINode{{Name: "a", Password: "s3cret-a"}, {Name: "b", Password: "s3cret-b"}}}}
	r := c.redacted()
	if s := fmt.Sprintf("%+v", r); strings.Contains(s, "s3cret") {
		t.Errorf("redacted config shows a node password: %s", s)
	}
	if c.ARI.Nodes[0].Password != "s3cret-a" {
		t.Error("redacting for the log changed the password serve connects with")
	}
}

// simNode is one simulated Asterisk node with a password of its own (see the note on Client.Close in nodes.go).
func simNode(t *testing.T, name string) (*asterisksim.Server, ARIConfig) {
	t.Helper()
	pw := "pw-" + t.Name() + "-" + name
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../../asterisk-conf/extensions.conf",
		Sounds:     soundsWithout(t),
		Speed:      20,
		Users:      map[string]string{"vika": pw},
	})
	return sim, ARIConfig{URL: sim.URL(), User: "vika", Password: pw, App: "vika"}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitRegistered waits until app is registered on the node (serve connected to it).
func waitRegistered(t *testing.T, ctx context.Context, ac ARIConfig, served <-chan error) {
	t.Helper()
	for !appRegistered(ctx, ac) {
		select {
		case err := <-served:
			t.Fatalf("serve ended before it registered on %s: %v", ac.URL, err)
		case <-ctx.Done():
			t.Fatalf("app %q never registered on %s", ac.App, ac.URL)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// reachMenu dials 165 on the node with a new phone, waits for the main menu and hangs up.
func reachMenu(ctx context.Context, ac ARIConfig, caller string) error {
	ph, err := phone.Connect(ctx, phone.Options{URL: ac.URL, User: ac.User, Password: ac.Password, App: "phone-" + caller})
	if err != nil {
		return err
	}
	defer ph.Close()
	call, err := ph.Dial(ctx, "165", caller)
	if err != nil {
		return err
	}
	if _, err := call.WaitPrompt(ctx, "main-menu"); err != nil {
		return fmt.Errorf("caller %s on %s: %w", caller, ac.URL, err)
	}
	if err := call.Hangup(ctx); err != nil {
		return err
	}
	_, err = call.WaitHangup(ctx)
	return err
}

func callsByNode(t *testing.T, st *store.Store) map[string]int {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), `SELECT coalesce(node, ''), count(*) FROM calls GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var node string
		var n int
		if err := rows.Scan(&node, &n); err != nil {
			t.Fatal(err)
		}
		out[node] = n
	}
	return out
}

func TestOneServeTakesCallsFromEveryNodeTagsThemAndLosingANodeLeavesTheOtherServing(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	a.cfg.Admin.Addr = freeAddr(t)
	simA, nodeA := simNode(t, "a")
	simB, nodeB := simNode(t, "b")
	_ = simA
	ac := ARIConfig{App: "vika", User: "vika", MaxConns: 4, Nodes: []ARINode{
		{Name: "jkt-1", URL: nodeA.URL, Password: nodeA.Password},
		{Name: "jkt-2", URL: nodeB.URL, Password: nodeB.Password},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- runServe(serveCtx, a, ac, 10*time.Second) }()
	waitRegistered(t, ctx, nodeA, served)
	waitRegistered(t, ctx, nodeB, served)

	// Calls on both nodes at once: one process serves them side by side.
	errs := make(chan error, 2)
	go func() { errs <- reachMenu(ctx, nodeA, "081200000001") }()
	go func() { errs <- reachMenu(ctx, nodeB, "081200000002") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	admin := "http://" + a.cfg.Admin.Addr
	if code, body := httpGet(t, admin+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"ari jkt-1":"ok"`) || !strings.Contains(body, `"ari jkt-2":"ok"`) {
		t.Errorf("with both nodes up /readyz = %d %s, want 200 with each node ok", code, body)
	}

	// Node jkt-2 goes away: jkt-1's callers are still served, readiness and metrics say which node is lost.
	simB.Close()
	if err := reachMenu(ctx, nodeA, "081200000003"); err != nil {
		t.Fatalf("after node jkt-2 went away, a call on jkt-1: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := httpGet(t, admin+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, `"ari jkt-1":"ok"`) && !strings.Contains(body, `"ari jkt-2":"ok"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with jkt-2 gone /readyz = %d %s, want 503 with jkt-1 ok and jkt-2 not", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, metrics := httpGet(t, admin+"/metrics")
	for _, want := range []string{`vika_ari_node_up{node="jkt-1"} 1`, `vika_ari_node_up{node="jkt-2"} 0`,
		`vika_node_calls_started_total{node="jkt-1"} 2`, `vika_node_calls_started_total{node="jkt-2"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("serve ended with %v, want a clean stop", err)
	}
	if got := callsByNode(t, st); got["jkt-1"] != 2 || got["jkt-2"] != 1 || len(got) != 2 {
		t.Errorf("call log by node = %v, want jkt-1: 2, jkt-2: 1", got)
	}
}

func TestServeStartsWithTheNodesItCanReachWhenOneIsDown(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	_, nodeA := simNode(t, "a")
	ac := ARIConfig{App: "vika", User: "vika", Password: nodeA.Password, MaxConns: 4, Nodes: []ARINode{
		{Name: "up", URL: nodeA.URL},
		{Name: "down", URL: "http://127.0.0.1:1/ari"},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- runServe(serveCtx, a, ac, 3*time.Second) }()
	waitRegistered(t, ctx, nodeA, served)
	if err := reachMenu(ctx, nodeA, "081200000004"); err != nil {
		t.Fatalf("with one node down at start, a call on the other: %v", err)
	}
	stopServe()
	if err := <-served; err != nil {
		t.Fatalf("serve ended with %v", err)
	}
	if got := callsByNode(t, st); got["up"] != 1 {
		t.Errorf("call log by node = %v, want the call tagged up", got)
	}
}
