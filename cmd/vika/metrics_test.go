package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/store/storetest"
)

func TestServeExposesACallsMetricsOnTheAdminPortOnceEach(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	a.cfg.Admin.Addr = freeAddr(t)
	_, ac := startSim(t, soundsWithout(t))

	ctx, ph, stop := serveWithPhone(t, a, ac)
	defer stop()
	call, err := ph.Dial(ctx, "165", "081200000001")
	if err == nil {
		_, err = call.WaitPrompt(ctx, "main-menu")
	}
	if err == nil {
		err = call.Press(ctx, "1")
	}
	if err == nil {
		_, err = call.WaitPrompt(ctx, "enter-id")
	}
	if err != nil {
		t.Fatalf("the call did not reach enter-id: %v", err)
	}
	_ = call.Hangup(ctx)

	var body string
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(body, `vika_calls_ended_total{entry="mobile",outcome="abandoned"} 1`) {
		if time.Now().After(deadline) {
			t.Fatalf("the ended call never showed in /metrics:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
		body = scrapeAdmin(t, a.cfg.Admin.Addr)
	}
	for _, want := range []string{
		`vika_calls_started_total{entry="mobile"} 1`, "vika_calls_active 0\n", "vika_answer_delay_seconds_count 1\n",
		"vika_key_response_seconds_count 1\n", `vika_call_duration_seconds_count{entry="mobile"} 1`,
		"vika_ari_connected 1\n", "vika_ready 1\n", "vika_lookup_deadline_seconds ", "vika_calllog_spool_bytes ",
		"go_goroutines ", "process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, family := range []string{"vika_calls_active", "vika_calls_ended_total", "vika_lookup_seconds"} {
		if n := strings.Count(body, "# TYPE "+family+" "); n != 1 {
			t.Errorf("%s is declared %d times; an exposition may declare a family once", family, n)
		}
	}
}

func scrapeAdmin(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
