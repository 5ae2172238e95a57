package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestReadinessFailsAndNamesTheDependencyThatIsDown(t *testing.T) {
	t.Parallel()
	h := NewHandler()
	h.AddCheck("ari", func(context.Context) error { return nil })
	h.AddCheck("database", func(context.Context) error { return errors.New("connection refused") })
	srv := httptest.NewServer(h)
	defer srv.Close()

	code, body := get(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"connection refused"`) || !strings.Contains(body, `"ari":"ok"`) {
		t.Fatalf("readyz = %d %s", code, body)
	}
	if code, _ := get(t, srv, "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz = %d while a dependency is down; liveness must not depend on it", code)
	}
}

func TestAHungDependencyDoesNotHangTheReadinessProbe(t *testing.T) {
	t.Parallel()
	h := NewHandler()
	h.timeout = 100 * time.Millisecond
	h.AddCheck("database", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	srv := httptest.NewServer(h)
	defer srv.Close()
	start := time.Now()
	code, _ := get(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || time.Since(start) > 2*time.Second {
		t.Fatalf("readyz = %d after %s", code, time.Since(start))
	}
}

func TestMetricsAreServedInPrometheusTextFormat(t *testing.T) {
	t.Parallel()
	h := NewHandler()
	h.AddSource(func(w *MetricsWriter) {
		w.Gauge("vika_calls_active", "Calls in progress.", 3)
		w.CounterVec("vika_calls_total", "Calls ended, by outcome.", map[string]float64{"agent": 2, "goodbye": 5}, "outcome")
		w.Histogram("vika_lookup_seconds", "Look-up latency.", []float64{0.01, 0.1}, []uint64{4, 6}, 7, 0.5)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, body := get(t, srv, "/metrics")
	for _, want := range []string{
		"# TYPE vika_calls_active gauge\nvika_calls_active 3\n",
		`vika_calls_total{outcome="agent"} 2`,
		`vika_lookup_seconds_bucket{le="0.1"} 6`,
		`vika_lookup_seconds_bucket{le="+Inf"} 7`,
		"vika_lookup_seconds_count 7",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}
