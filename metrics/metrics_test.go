package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestWhatTheIVRObservesIsExposedWithItsLabels(t *testing.T) {
	t.Parallel()
	m := New()
	m.CallStarted("mobile")
	m.CallStarted("landline")
	m.Answered(30 * time.Millisecond)
	m.KeyResponse(120 * time.Millisecond)
	m.LookedUp("found", 40*time.Millisecond)
	m.PromptFailed("events_lost")
	m.RESTError("play")
	m.CallEnded("mobile", "served", 95*time.Second)
	m.SetLookupDeadline(1500 * time.Millisecond)
	body := scrape(t, m)
	for _, want := range []string{
		"vika_calls_active 1\n",
		`vika_calls_started_total{entry="landline"} 1`,
		`vika_calls_ended_total{entry="mobile",outcome="served"} 1`,
		`vika_call_duration_seconds_bucket{entry="mobile",le="120"} 1`,
		`vika_call_duration_seconds_bucket{entry="mobile",le="90"} 0`,
		`vika_answer_delay_seconds_bucket{le="0.05"} 1`,
		`vika_key_response_seconds_bucket{le="0.25"} 1`,
		`vika_lookup_seconds_bucket{outcome="found",le="0.05"} 1`,
		`vika_prompt_failures_total{reason="events_lost"} 1`,
		`vika_prompt_failures_total{reason="failed"} 0`,
		`vika_ari_rest_errors_total{op="play"} 1`,
		"vika_lookup_deadline_seconds 1.5\n",
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestTheCallLogAndReadinessAreReadAtEachScrape(t *testing.T) {
	t.Parallel()
	m := New()
	if body := scrape(t, m); !strings.Contains(body, "vika_ready 0\n") || !strings.Contains(body, "vika_calllog_spool_bytes 0\n") {
		t.Fatalf("before anything is watched, vika_ready and the spool should read 0:\n%s", body)
	}
	m.WatchReadiness(func() bool { return true })
	m.WatchCallLog(func() CallLogStats { return CallLogStats{Spilled: 7, SpoolBytes: 4096, Pending: 3, Written: 10} })
	body := scrape(t, m)
	for _, want := range []string{"vika_ready 1\n", "vika_calllog_spooled_total 7\n", "vika_calllog_spool_bytes 4096\n",
		"vika_calllog_pending 3\n", "vika_calllog_written_total 10\n", "vika_calllog_dropped_total 0\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestAnARIConnectionThatComesBackCountsOneReconnect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		seen       []bool
		reconnects string
		connected  string
	}{
		{"up from the start is no reconnect", []bool{true, true}, "0", "1"},
		{"down at the first probe, then up, counts one", []bool{false, true}, "1", "1"},
		{"lost then back is one", []bool{true, false, false, true}, "1", "1"},
		{"lost twice is two", []bool{true, false, true, false, true}, "2", "1"},
		{"lost and still down", []bool{true, false}, "0", "0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := New()
			for _, up := range c.seen {
				m.SetARIConnected(up)
			}
			body := scrape(t, m)
			if !strings.Contains(body, "vika_ari_reconnects_total "+c.reconnects+"\n") ||
				!strings.Contains(body, "vika_ari_connected "+c.connected+"\n") {
				t.Errorf("want reconnects %s, connected %s:\n%s", c.reconnects, c.connected, grep(body, "vika_ari_"))
			}
		})
	}
}

func grep(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
