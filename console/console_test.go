package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/store"
)

func TestEveryRouteButSignInAndStaticFilesRefusesARequestWithoutASession(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, rt := range h.srv.table() {
		// The Live page's EventSource asks for an event stream; a page asks for HTML.
		r := h.do(request{method: rt.method, path: rt.example, form: url.Values{}, header: map[string]string{"Accept": acceptFor(rt)}})
		if rt.access == public {
			if r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusSeeOther {
				t.Errorf("%s %s without a session: %d, want it served", rt.method, rt.example, r.StatusCode)
			}
			continue
		}
		switch {
		case rt.method == "GET" && rt.example != "/live/events":
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/signin") {
				t.Errorf("GET %s without a session: %d %s, want a redirect to /signin", rt.example, r.StatusCode, r.Header.Get("Location"))
			}
		case r.StatusCode != http.StatusUnauthorized:
			t.Errorf("%s %s without a session: %d, want 401", rt.method, rt.example, r.StatusCode)
		}
	}
}

func acceptFor(rt route) string {
	if strings.HasSuffix(rt.example, "/events") {
		return "text/event-stream"
	}
	return "text/html"
}

func TestNoRouteThatChangesStateAcceptsACrossSiteRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.signIn("ana", adminPassword)
	changing := 0
	for _, rt := range h.srv.table() {
		if !rt.changesState() {
			continue
		}
		changing++
		form := url.Values{"name": {"mallory"}, "role": {"admin"}, "password": {"a long enough password"}}
		for _, hdr := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			r := h.do(request{method: rt.method, path: rt.example, form: form, cookie: admin, header: hdr})
			if r.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s from another site (%v): %d, want 403", rt.method, rt.example, hdr, r.StatusCode)
			}
		}
	}
	if changing < 4 {
		t.Fatalf("only %d state-changing routes in the table", changing)
	}
	if !h.signedIn(admin) {
		t.Error("a cross-site sign-out ended the session")
	}
	if _, err := h.st.ConsoleUser(t.Context(), "mallory"); err == nil {
		t.Error("a cross-site form added a user")
	}
}

func TestAdminPagesRefuseASupervisor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sri := h.signIn("sri", supervisorPassword)
	admins := 0
	for _, rt := range h.srv.table() {
		if rt.access != admin {
			continue
		}
		admins++
		r := h.do(request{method: rt.method, path: rt.example, cookie: sri,
			form: url.Values{"name": {"eve"}, "role": {"admin"}, "password": {"a long enough password"}}})
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as a supervisor: %d, want 403", rt.method, rt.example, r.StatusCode)
		}
	}
	if admins == 0 {
		t.Fatal("no admin routes in the table")
	}
	if r := h.do(request{method: "GET", path: "/calls", cookie: sri}); strings.Contains(r.body, "/admin/users") {
		t.Error("a supervisor's menu links to the admin pages")
	}
}

func TestEveryResponseCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.signIn("ana", adminPassword)
	for _, path := range []string{"/signin", "/calls", "/overview", "/admin/audit", "/static/console.css", "/nowhere"} {
		r := h.do(request{method: "GET", path: path, cookie: admin})
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if r.Header.Get("Referrer-Policy") != "no-referrer" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", path, r.Header)
		}
		if strings.Contains(r.body, "<script>") || strings.Contains(r.body, " onclick=") {
			t.Errorf("GET %s has inline script", path)
		}
	}
}

func TestSignInGivesANewSessionEachTimeWithAStrictHttpOnlyCookie(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	planted := &http.Cookie{Name: h.srv.cookieName(), Value: "chosen-by-an-attacker"}
	if h.signedIn(planted) {
		t.Fatal("a made-up session cookie opened the console")
	}
	first, second := h.signIn("sri", supervisorPassword), h.signIn("sri", supervisorPassword)
	if first.Value == second.Value || first.Value == planted.Value {
		t.Fatal("sign-in reused a session id")
	}
	if !first.HttpOnly || first.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie: HttpOnly=%v SameSite=%v", first.HttpOnly, first.SameSite)
	}
	r := h.do(request{method: "POST", path: "/signin", form: url.Values{"name": {"sri"}, "password": {"wrong password!"}}})
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong user name or password") {
		t.Errorf("a wrong password: %d", r.StatusCode)
	}
	r = h.do(request{method: "POST", path: "/signin", form: url.Values{"name": {"nobody"}, "password": {"wrong password!"}}})
	if !strings.Contains(r.body, "Wrong user name or password") {
		t.Errorf("an unknown user is told apart from a wrong password:\n%s", r.body)
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.signIn("sri", supervisorPassword)
	r := h.do(request{method: "POST", path: "/signout", cookie: c, header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.StatusCode)
	}
	if h.signedIn(c) {
		t.Fatal("the cookie from before sign-out still opens the console")
	}
}

func TestASessionEndsWhenIdleTooLongOrTooOldWhateverItsUse(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	idle := h.signIn("sri", supervisorPassword)
	h.clock.Add(29 * time.Minute)
	if !h.signedIn(idle) {
		t.Fatal("a session used 29 minutes ago ended (idle timeout is 30m)")
	}
	h.clock.Add(31 * time.Minute)
	if h.signedIn(idle) {
		t.Fatal("a session idle for 31 minutes is still open")
	}

	busy := h.signIn("sri", supervisorPassword)
	for range 17 { // used every 29 minutes, for 8h13m
		h.clock.Add(29 * time.Minute)
		if !h.signedIn(busy) && h.clock.Now().Sub(time.Now()) < 8*time.Hour {
			t.Fatal("a session in use ended before its maximum life")
		}
	}
	if h.signedIn(busy) {
		t.Fatal("a session in use for more than 8h (max_session) is still open")
	}
}

func TestDisablingAUserEndsTheirOpenSessionAndStopsTheirSignIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sri := h.signIn("sri", supervisorPassword)
	admin := h.signIn("ana", adminPassword)
	r := h.do(request{method: "POST", path: "/admin/users/sri/disable", cookie: admin, header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", r.StatusCode, r.body)
	}
	if h.signedIn(sri) {
		t.Fatal("a disabled user's open session still works")
	}
	r = h.do(request{method: "POST", path: "/signin", form: url.Values{"name": {"sri"}, "password": {supervisorPassword}}})
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a disabled user signs in: %d", r.StatusCode)
	}
}

func TestSignInIsThrottledPerUserAndPerAddressEvenWithTheRightPassword(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := range throttlePerUser {
		h.do(request{method: "POST", path: "/signin", from: "10.0.0." + string(rune('2'+i)),
			form: url.Values{"name": {"sri"}, "password": {"guess number " + string(rune('a'+i))}}})
	}
	r := h.do(request{method: "POST", path: "/signin", from: "10.9.9.9", form: url.Values{"name": {"sri"}, "password": {supervisorPassword}}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures for sri, the right password: %d, want 429", throttlePerUser, r.StatusCode)
	}
	h.clock.Add(throttleWindow + time.Minute)
	h.signIn("sri", supervisorPassword) // the window has passed

	for i := range throttlePerRemote {
		h.do(request{method: "POST", path: "/signin", from: "10.7.7.7",
			form: url.Values{"name": {"user" + string(rune('a'+i))}, "password": {"some wrong password"}}})
	}
	r = h.do(request{method: "POST", path: "/signin", from: "10.7.7.7", form: url.Values{"name": {"ana"}, "password": {adminPassword}}})
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one address, a sign-in from it: %d, want 429", throttlePerRemote, r.StatusCode)
	}
	r = h.do(request{method: "POST", path: "/signin", from: "10.8.8.8", form: url.Values{"name": {"ana"}, "password": {adminPassword}}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("ana from another address: %d, want signed in", r.StatusCode)
	}
	var throttled int
	for _, e := range h.audit() {
		if e.Action == store.AuditSignInThrottled {
			throttled++
		}
	}
	if throttled != 2 {
		t.Errorf("%d throttled sign-ins in the audit, want 2", throttled)
	}
}

func TestAnAdminResetsAForgottenPasswordAndTheOldOneAndItsSessionsStopWorking(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sri := h.signIn("sri", supervisorPassword)
	admin := h.signIn("ana", adminPassword)
	sameSite := map[string]string{"Sec-Fetch-Site": "same-origin"}
	const newPassword = "a new one for sri 2"

	for _, tc := range []struct {
		name, user, password string
		want                 int
	}{
		{"a password the policy refuses", "sri", "short", http.StatusBadRequest},
		{"a user who does not exist", "nobody", newPassword, http.StatusNotFound},
		{"sri's new password", "sri", newPassword, http.StatusSeeOther},
	} {
		r := h.do(request{method: "POST", path: "/admin/users/password", cookie: admin, header: sameSite,
			form: url.Values{"name": {tc.user}, "password": {tc.password}}})
		if r.StatusCode != tc.want {
			t.Fatalf("%s: %d, want %d\n%s", tc.name, r.StatusCode, tc.want, r.body)
		}
		if r.StatusCode == http.StatusSeeOther {
			page := h.do(request{method: "GET", path: r.Header.Get("Location"), cookie: admin})
			if !strings.Contains(page.body, "The password of sri is set") {
				t.Errorf("after the reset the users page does not say so:\n%s", page.body)
			}
		}
	}
	if h.signedIn(sri) {
		t.Error("sri's session from before the reset still works")
	}
	r := h.do(request{method: "POST", path: "/signin", form: url.Values{"name": {"sri"}, "password": {supervisorPassword}}})
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("sri signs in with the old password: %d", r.StatusCode)
	}
	h.signIn("sri", newPassword)

	var resets []store.AuditEntry
	for _, e := range h.audit() {
		if strings.Contains(e.Detail, newPassword) || strings.Contains(e.Detail, "short") {
			t.Errorf("a password in the audit: %+v", e)
		}
		if e.Action == store.AuditUserPassword {
			resets = append(resets, e)
		}
	}
	if len(resets) != 1 || resets[0].User != "ana" || resets[0].Detail != "user=sri" {
		t.Errorf("password resets in the audit: %+v; want one, by ana, of sri", resets)
	}
}
