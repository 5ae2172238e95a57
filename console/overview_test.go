package console

import (
	"strings"
	"testing"
	"time"
)

func TestTheOverviewCountsTheDaysCallsThroughTheFunnelAndDrawsThemPerHour(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	h.logCall(testCall{id: "o-1", entry: "mobile", caller: testCaller, nik: testNIK, at: day.Add(9*time.Hour + 5*time.Minute), ended: true})
	h.logCall(testCall{id: "o-2", entry: "landline", caller: testCaller, nik: testNIK, at: day.Add(9*time.Hour + 40*time.Minute), ended: true})
	h.logCall(testCall{id: "o-3", entry: "mobile", caller: testCaller, nik: testNIK, at: day.Add(14 * time.Hour), ended: true})
	h.logCall(testCall{id: "o-elsewhen", entry: "mobile", caller: testCaller, nik: testNIK, at: day.Add(-2 * time.Hour), ended: true})
	sri := h.signIn("sri", supervisorPassword)

	r := h.do(request{method: "GET", path: "/overview?day=" + day.Format(time.DateOnly), cookie: sri})
	if r.StatusCode != 200 {
		t.Fatalf("overview: %d\n%s", r.StatusCode, r.body)
	}
	for _, want := range []string{"<b>3</b> calls", "09:00: 2 calls", "14:00: 1 calls", "heard a readout", "<b>3 ms</b> look-up p50"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	mobile, landline := strings.Count(r.body, `class="entry-mobile"><title>`), strings.Count(r.body, `class="entry-landline"><title>`)
	if mobile != 2 || landline != 1 {
		t.Errorf("per-hour bars: %d mobile, %d landline segments; want 2 and 1", mobile, landline)
	}
}
