package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

var testHashKey = []byte("console-test-key")

const (
	adminPassword      = "admin password 1"
	supervisorPassword = "supervisor password 1"
)

// clock is a test clock the sessions read; tests move it to expire them.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	t     *testing.T
	st    *store.Store
	srv   *Server
	ts    *httptest.Server
	clock *clock
}

// newHarness serves a console on a real socket over a fresh database with an admin "ana" and a supervisor "sri".
func newHarness(t *testing.T) *harness {
	t.Helper()
	st := storetest.NewDB(t)
	h := &harness{t: t, st: st, clock: &clock{t: time.Now()}}
	srv, err := New(Options{Data: st, Sounds: prompts.Sounds(), HashKey: testHashKey, TrustProxy: true,
		IdleTimeout: 30 * time.Minute, MaxSession: 8 * time.Hour, Now: h.clock.Now, LivePoll: 50 * time.Millisecond,
		Log: zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.ts = httptest.NewServer(srv)
	t.Cleanup(h.ts.Close)
	h.addUser("ana", RoleAdmin, adminPassword)
	h.addUser("sri", RoleSupervisor, supervisorPassword)
	return h
}

func (h *harness) addUser(name, role, password string) {
	h.t.Helper()
	hash, err := HashPassword(password)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.st.AddConsoleUser(context.Background(), name, role, hash); err != nil {
		h.t.Fatal(err)
	}
}

// request sends one request without following redirects; from is the client address (X-Forwarded-For).
type request struct {
	method, path string
	form         url.Values
	cookie       *http.Cookie
	header       map[string]string
	from         string
}

type response struct {
	*http.Response
	body string
}

func (h *harness) do(r request) response {
	h.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	req, err := http.NewRequest(r.method, h.ts.URL+r.path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.cookie != nil {
		req.AddCookie(r.cookie)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	req.Header.Set("X-Forwarded-For", cmpOr(r.from, "10.0.0.1"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp, string(b)}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// signIn signs in and returns the session cookie, failing the test if sign-in does not succeed.
func (h *harness) signIn(name, password string) *http.Cookie {
	h.t.Helper()
	r := h.do(request{method: "POST", path: "/signin", form: url.Values{"name": {name}, "password": {password}}})
	if r.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign in as %s: %d\n%s", name, r.StatusCode, r.body)
	}
	for _, c := range r.Cookies() {
		if c.Name == h.srv.cookieName() && c.Value != "" {
			return c
		}
	}
	h.t.Fatalf("sign in as %s set no session cookie", name)
	return nil
}

// signedIn says whether a cookie still opens the calls page.
func (h *harness) signedIn(c *http.Cookie) bool {
	h.t.Helper()
	return h.do(request{method: "GET", path: "/calls", cookie: c}).StatusCode == http.StatusOK
}

// testCall is a call as the IVR logs it: arrival, menus, a NIK keyed (digits masked), a look-up, a readout, hang-up.
type testCall struct {
	id, entry, caller, nik, node string
	at                           time.Time
	ended                        bool
}

func (h *harness) logCall(c testCall) {
	h.t.Helper()
	ctx := context.Background()
	at := func(ms int) time.Time { return c.at.Add(time.Duration(ms) * time.Millisecond) }
	type ev struct {
		ms     int
		kind   string
		fields map[string]any
	}
	prompt := func(id string, from, to int, cut bool) map[string]any {
		return map[string]any{"id": id, "started": at(from).Format(time.RFC3339Nano), "ended": at(to).Format(time.RFC3339Nano), "cut": cut}
	}
	events := []ev{
		{0, "arrival", map[string]any{"entry": c.entry, "node": c.node, "caller_masked": jkn.Mask(c.caller), "caller_hash": jkn.HashID(testHashKey, c.caller)}},
		{10, "prompt", prompt("welcome", 10, 1500, false)},
		{1500, "prompt", prompt("main-menu", 1500, 2500, true)},
		{2400, "key", map[string]any{"digit": "1"}},
		{2450, "menu", map[string]any{"menu": "main", "choice": "1"}},
		{2500, "prompt", prompt("enter-id", 2500, 3000, true)},
		{2900, "key", map[string]any{"digit": "x"}},
		{3100, "identity", map[string]any{"kind": "nik", "masked": jkn.Mask(c.nik), "hash": jkn.HashID(testHashKey, c.nik)}},
		{3200, "menu", map[string]any{"menu": "birthdate", "choice": "entered"}},
		{3300, "lookup", map[string]any{"outcome": "found", "latency_ms": 3, "kind": "nik"}},
		{3400, "menu", map[string]any{"menu": "readout", "choice": "lookup_status"}},
		{3400, "prompt", prompt("status-intro", 3400, 4400, false)},
	}
	if c.ended {
		events = append(events,
			ev{4500, "hangup", map[string]any{"cause": "16", "by": "caller"}},
			ev{4500, "end", map[string]any{"outcome": "served", "duration_ms": 4500}})
	}
	_, err := h.st.Pool().Exec(ctx, `INSERT INTO calls (id, started_at, ended_at, entry, caller_masked, caller_hash, node,
		outcome, hangup_cause, hangup_by, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.id, c.at, ifEnded(c.ended, at(4500)), c.entry, jkn.Mask(c.caller), jkn.HashID(testHashKey, c.caller), c.node,
		ifEnded(c.ended, "served"), ifEnded(c.ended, "16"), ifEnded(c.ended, "caller"), ifEnded(c.ended, int64(4500)))
	if err != nil {
		h.t.Fatal(err)
	}
	for i, e := range events {
		f, _ := json.Marshal(e.fields)
		if _, err := h.st.Pool().Exec(ctx, "INSERT INTO call_events (call_id, seq, at, kind, fields) VALUES ($1, $2, $3, $4, $5)",
			c.id, i+1, at(e.ms), e.kind, string(f)); err != nil {
			h.t.Fatal(err)
		}
	}
}

func ifEnded[T any](ended bool, v T) *T {
	if !ended {
		return nil
	}
	return &v
}

// audit returns the audit trail, oldest first.
func (h *harness) audit() []store.AuditEntry {
	h.t.Helper()
	entries, err := h.st.AuditEntries(context.Background(), store.AuditFilter{Limit: 1000})
	if err != nil {
		h.t.Fatal(err)
	}
	for i, j := 0, len(entries)-1; i < j; i, j = i+1, j-1 {
		entries[i], entries[j] = entries[j], entries[i]
	}
	return entries
}
