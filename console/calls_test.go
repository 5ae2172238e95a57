package console

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

const (
	testNIK    = "3507014501900003"
	testCaller = "081234567890"
)

func TestASupervisorFindsACallByNIKAndTheSharedURLCarriesOnlyItsHash(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := time.Now()
	h.logCall(testCall{id: "c-nik", entry: "landline", caller: testCaller, nik: testNIK, node: "ast-1", at: now.Add(-time.Hour), ended: true})
	h.logCall(testCall{id: "c-other", entry: "mobile", caller: "081299998888", nik: "3171010101900001", node: "ast-2", at: now.Add(-30 * time.Minute), ended: true})
	sri := h.signIn("sri", supervisorPassword)

	r := h.do(request{method: "POST", path: "/calls/search", cookie: sri, form: url.Values{"number": {testNIK}},
		header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || strings.Contains(loc, testNIK) || !strings.Contains(loc, jkn.HashID(testHashKey, testNIK)) {
		t.Fatalf("search by NIK: %d, Location %q: want a redirect to a URL with the hash, not the NIK", r.StatusCode, loc)
	}
	list := h.do(request{method: "GET", path: loc, cookie: sri})
	if !strings.Contains(list.body, "/calls/c-nik") || strings.Contains(list.body, "/calls/c-other") {
		t.Fatalf("the shared URL lists the wrong calls:\n%s", list.body)
	}
	if !strings.Contains(list.body, jkn.Mask(testNIK)) {
		t.Error("the page does not show which (masked) number was searched")
	}

	for _, tc := range []struct{ name, query, want, notWant string }{
		{"by entry", "?entry=mobile", "c-other", "c-nik"},
		{"by node", "?node=ast-1", "c-nik", "c-other"},
		{"by time range", "?to=" + url.QueryEscape(now.Add(-45*time.Minute).Format("2006-01-02T15:04")), "c-nik", "c-other"},
	} {
		body := h.do(request{method: "GET", path: "/calls" + tc.query, cookie: sri}).body
		if !strings.Contains(body, "/calls/"+tc.want) || strings.Contains(body, "/calls/"+tc.notWant) {
			t.Errorf("filter %s (%s): want %s and not %s", tc.name, tc.query, tc.want, tc.notWant)
		}
	}

	var searches []store.AuditEntry
	for _, e := range h.audit() {
		if e.Action == store.AuditSearch {
			searches = append(searches, e)
		}
		if strings.Contains(e.Detail, testNIK) {
			t.Errorf("the audit holds the NIK: %+v", e)
		}
	}
	if len(searches) != 2 || !strings.Contains(searches[0].Detail, jkn.HashID(testHashKey, testNIK)) || searches[0].User != "sri" {
		t.Errorf("audit of the NIK search (posted, then opened): %+v", searches)
	}
}

func TestTheCallsListPagesNewestFirstWithoutSkippingOrRepeating(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	base := time.Now().Add(-3 * time.Hour)
	const n = pageSize*2 + 7
	for i := range n {
		// Pairs of calls share a start: the cursor must break the tie by id.
		h.logCall(testCall{id: fmt.Sprintf("p-%03d", i), entry: "mobile", caller: testCaller, nik: testNIK, at: base.Add(time.Duration(i/2) * time.Second), ended: true})
	}
	sri := h.signIn("sri", supervisorPassword)
	seen := map[string]bool{}
	var order []string
	path := "/calls?entry=mobile"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		body := h.do(request{method: "GET", path: path, cookie: sri}).body
		for _, part := range strings.Split(body, `href="/calls/p-`)[1:] {
			id := "p-" + part[:3]
			if seen[id] {
				t.Fatalf("%s shown twice", id)
			}
			seen[id] = true
			order = append(order, id)
		}
		path = ""
		if i := strings.Index(body, `rel="next"`); i >= 0 {
			start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
			path = strings.ReplaceAll(body[start:strings.Index(body[start:], `"`)+start], "&amp;", "&")
		}
	}
	if len(order) != n || order[0] != fmt.Sprintf("p-%03d", n-1) || order[n-1] != "p-000" {
		t.Fatalf("paged through %d calls from %s to %s; want %d, newest first", len(order), order[0], order[len(order)-1], n)
	}
}

func TestTheCallPageShowsTheTimelineMaskedAndTheAudioPlaysWithRanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.logCall(testCall{id: "c-1", entry: "mobile", caller: testCaller, nik: testNIK, node: "ast-1", at: time.Now().Add(-time.Minute), ended: true})
	sri := h.signIn("sri", supervisorPassword)

	page := h.do(request{method: "GET", path: "/calls/c-1", cookie: sri})
	for _, want := range []string{"main-menu", "status-intro", "Status kepesertaan", jkn.Mask(testNIK), "found", "3 ms", "hung up by caller", "cut", "•", `src="/calls/c-1/audio.wav"`, "Download"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the call page lacks %q", want)
		}
	}
	for _, secret := range []string{testNIK, testCaller} {
		if strings.Contains(page.body, secret) {
			t.Errorf("the call page shows %s in full", secret)
		}
	}

	full := h.do(request{method: "GET", path: "/calls/c-1/audio.wav", cookie: sri})
	if full.StatusCode != 200 || full.Header.Get("Content-Type") != "audio/wav" || len(full.body) < 44 {
		t.Fatalf("audio: %d %s, %d bytes", full.StatusCode, full.Header.Get("Content-Type"), len(full.body))
	}
	samples := binary.LittleEndian.Uint32([]byte(full.body[40:44])) / 2
	if got := time.Duration(samples) * time.Second / 8000; got < 4400*time.Millisecond || got > 4600*time.Millisecond {
		t.Errorf("the replay lasts %s; the call lasted 4.5s", got)
	}
	part := h.do(request{method: "GET", path: "/calls/c-1/audio.wav", cookie: sri, header: map[string]string{"Range": "bytes=1000-1999"}})
	if part.StatusCode != http.StatusPartialContent || len(part.body) != 1000 || part.body != full.body[1000:2000] {
		t.Fatalf("a range request: %d, %d bytes", part.StatusCode, len(part.body))
	}
	dl := h.do(request{method: "GET", path: "/calls/c-1/audio.wav?download=1", cookie: sri})
	if !strings.Contains(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: Content-Disposition %q", dl.Header.Get("Content-Disposition"))
	}

	actions := map[string]int{}
	for _, e := range h.audit() {
		if e.Detail == "call=c-1" && e.User == "sri" {
			actions[e.Action]++
		}
	}
	if actions[store.AuditCallView] != 1 || actions[store.AuditReplay] != 1 || actions[store.AuditDownload] != 1 {
		t.Errorf("audit of view, replay (a seek is not a new replay) and download: %v", actions)
	}
	if r := h.do(request{method: "GET", path: "/calls/nope", cookie: sri}); r.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown call: %d", r.StatusCode)
	}
}
