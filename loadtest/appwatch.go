package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AppWatch reads the serving app's own cost from its /metrics (--app-metrics, the admin address of an external
// vika serve): process_cpu_seconds_total and process_resident_memory_bytes come from its /proc, heap and goroutines
// from its Go runtime, calls and call-log losses from the IVR. Sampled twice a second; the per-call figures are
// taken at the sample with the most calls in progress, over the app's idle figures before the first call.
type AppWatch struct {
	url    string
	client *http.Client

	mu          sync.Mutex
	idle, last  map[string]float64
	peak        map[string]float64 // the sample with the most calls active
	maxHeap     float64            // the most heap in use at any sample: garbage not yet collected included
	scrapeFails int
}

// AppCost is what the app spent, per call and per call in progress.
type AppCost struct {
	CPUSecondsPerCall float64 `json:"cpu_s_per_call"`
	HeapPerCallKiB    float64 `json:"heap_per_call_kib"`
	// HeapPeakPerCallKiB is the run's highest heap (collected or not) over idle, per call at the peak: the bound an
	// operator sizes memory by, where HeapPerCallKiB is the heap at the moment of the most calls.
	HeapPeakPerCallKiB  float64 `json:"heap_peak_per_call_kib"`
	RSSPerCallKiB       float64 `json:"rss_per_call_kib"`
	GoroutinesPerCall   float64 `json:"goroutines_per_call"`
	ARIRequestsPerCall  float64 `json:"ari_requests_per_call"`
	DBRoundTripsPerCall float64 `json:"db_round_trips_per_call"`
	// ARIRequestMS is the mean time an ARI request took, ARIConnWaitMS the part of it spent waiting for one of the
	// pool's connections (ari.max_conns): when the wait is most of it, the pool, not Asterisk, is the queue.
	ARIRequestMS          float64 `json:"ari_request_ms"`
	ARIConnWaitMS         float64 `json:"ari_conn_wait_ms"`
	ARIConnHoldMS         float64 `json:"ari_conn_hold_ms"` // from getting a connection to the answer's body read
	PeakActive            float64 `json:"peak_calls_active"`
	CallsStarted          float64 `json:"calls_started"`
	GoroutinesIdle        float64 `json:"goroutines_idle"`
	GoroutinesAfter       float64 `json:"goroutines_after"`
	CallLogDropped        float64 `json:"calllog_dropped"`
	ScrapeFailures        int     `json:"scrape_failures"`
	ARIRequestsNotCounted bool    `json:"ari_requests_not_counted,omitempty"`
}

// StartAppWatch reads the app's idle figures, then samples it twice a second until stop.
func StartAppWatch(ctx context.Context, url string) (*AppWatch, func(), error) {
	w := &AppWatch{url: strings.TrimSuffix(url, "/") + "/metrics", client: &http.Client{Timeout: 2 * time.Second}}
	idle, err := w.scrape(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("--app-metrics: %w", err)
	}
	w.idle, w.last, w.peak = idle, idle, idle
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.sample(ctx)
			}
		}
	}()
	return w, func() { cancel(); <-done }, nil
}

func (w *AppWatch) sample(ctx context.Context) {
	m, err := w.scrape(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.scrapeFails++ // the load tool's own trouble, not the app's
		return
	}
	w.last = m
	w.maxHeap = max(w.maxHeap, m["go_memstats_heap_inuse_bytes"])
	if m["vika_calls_active"] > w.peak["vika_calls_active"] {
		w.peak = m
	}
}

// scrape sums each metric over its labels.
func (w *AppWatch) scrape(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", w.url, resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads the Prometheus text format, summing the samples of each name over their labels.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = line[:i]
			_, rest, _ = strings.Cut(line[strings.LastIndexByte(line, '}')+1:], " ")
		}
		v, err := strconv.ParseFloat(strings.Fields(rest + " x")[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out, sc.Err()
}

// finish takes a last sample once the calls have ended (and the app had a moment to let their goroutines go).
// Finish takes a last sample once the calls have ended and says what the app spent.
func (w *AppWatch) Finish(ctx context.Context, settle time.Duration) AppCost {
	time.Sleep(settle)
	w.sample(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	d := func(m map[string]float64, k string) float64 { return m[k] - w.idle[k] }
	c := AppCost{PeakActive: w.peak["vika_calls_active"], CallsStarted: d(w.last, "vika_calls_started_total"),
		GoroutinesIdle: w.idle["go_goroutines"], GoroutinesAfter: w.last["go_goroutines"],
		CallLogDropped: d(w.last, "vika_calllog_dropped_total"), ScrapeFailures: w.scrapeFails}
	if c.CallsStarted > 0 {
		c.CPUSecondsPerCall = d(w.last, "process_cpu_seconds_total") / c.CallsStarted
		c.ARIRequestsPerCall = d(w.last, "vika_ari_requests_total") / c.CallsStarted
		c.DBRoundTripsPerCall = d(w.last, "vika_db_round_trips_total") / c.CallsStarted
		if n := d(w.last, "vika_ari_requests_total"); n > 0 {
			c.ARIRequestMS = d(w.last, "vika_ari_request_seconds_total") / n * 1000
			c.ARIConnWaitMS = d(w.last, "vika_ari_conn_wait_seconds_total") / n * 1000
			c.ARIConnHoldMS = d(w.last, "vika_ari_conn_hold_seconds_total") / n * 1000
		}
	}
	if _, ok := w.last["vika_ari_requests_total"]; !ok {
		c.ARIRequestsNotCounted = true
	}
	if a := c.PeakActive; a > 0 {
		c.HeapPerCallKiB = d(w.peak, "go_memstats_heap_inuse_bytes") / a / 1024
		c.HeapPeakPerCallKiB = (w.maxHeap - w.idle["go_memstats_heap_inuse_bytes"]) / a / 1024
		c.RSSPerCallKiB = d(w.peak, "process_resident_memory_bytes") / a / 1024
		c.GoroutinesPerCall = d(w.peak, "go_goroutines") / a
	}
	return c
}

func (c AppCost) Report(w io.Writer) {
	fmt.Fprintf(w, "app (its own process, from its /metrics): %.4f CPU-s per call; at %.0f calls in progress: %.1f KiB heap (%.1f KiB at the run's highest heap), %.1f KiB RSS, %.1f goroutines per call; goroutines idle %.0f, after %.0f\n",
		c.CPUSecondsPerCall, c.PeakActive, c.HeapPerCallKiB, c.HeapPeakPerCallKiB, c.RSSPerCallKiB, c.GoroutinesPerCall, c.GoroutinesIdle, c.GoroutinesAfter)
	ari := fmt.Sprintf("%.1f ARI requests per call (mean %.1f ms, of which %.1f ms waiting for a pooled connection; each held its connection %.1f ms)", c.ARIRequestsPerCall, c.ARIRequestMS, c.ARIConnWaitMS, c.ARIConnHoldMS)
	if c.ARIRequestsNotCounted {
		ari = "ARI requests not exported by this serve"
	}
	fmt.Fprintf(w, "app: %s, %.1f database round trips per call; call-log events dropped %.0f; load tool's own scrape failures %d\n", ari, c.DBRoundTripsPerCall, c.CallLogDropped, c.ScrapeFailures)
}

// GoroutineSlack is how many more goroutines than idle the app may have once every call ended (its pools' idle
// connections, a call-log flush in progress) before the load test calls it a leak.
const GoroutineSlack = 20

// Check fails the load test on what an operator would lose: call-log events, or goroutines the calls left behind.
func (c *AppCost) Check() error {
	if c == nil {
		return nil
	}
	if c.CallLogDropped > 0 {
		return fmt.Errorf("the app dropped %.0f call-log events", c.CallLogDropped)
	}
	if c.GoroutinesAfter > c.GoroutinesIdle+GoroutineSlack {
		return fmt.Errorf("the app has %.0f goroutines after the calls, %.0f before them: leaked", c.GoroutinesAfter, c.GoroutinesIdle)
	}
	return nil
}
