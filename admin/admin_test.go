package admin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
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
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"unreachable"`) || !strings.Contains(body, `"ari":"ok"`) {
		t.Fatalf("readyz = %d %s", code, body)
	}
	if code, _ := get(t, srv, "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz = %d while a dependency is down; liveness must not depend on it", code)
	}
}

func TestReadinessShowsTheReasonClassOnThePortAndTheDetailOnlyInTheLog(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.DebugLevel)
	h := NewHandler()
	h.SetLogger(zap.New(core))
	const dbErr = `failed to connect to user=vika database=vika_prod: dial tcp 10.1.2.3:5432: connect: connection refused`
	const ariErr = `Get "http://vika:s3cret@asterisk.internal:8088/ari/asterisk/info": dial tcp: connection refused`
	h.AddCheck("database", func(context.Context) error { return errors.New(dbErr) })
	h.AddCheck("ari", func(context.Context) error { return errors.New(ariErr) })
	h.AddCheck("taking calls", func(context.Context) error { return Unready("draining", nil) })
	srv := httptest.NewServer(h)
	defer srv.Close()

	for range 3 { // a probe every few seconds
		code, body := get(t, srv, "/readyz")
		if code != http.StatusServiceUnavailable {
			t.Fatalf("readyz = %d", code)
		}
		for _, leak := range []string{"vika_prod", "10.1.2.3", "asterisk.internal", "s3cret", "user="} {
			if strings.Contains(body, leak) {
				t.Errorf("readyz tells anyone who asks %q: %s", leak, body)
			}
		}
		for _, want := range []string{`"database":"unreachable"`, `"ari":"unreachable"`, `"taking calls":"draining"`} {
			if !strings.Contains(body, want) {
				t.Errorf("readyz lacks %s: %s", want, body)
			}
		}
	}
	fails := logs.FilterMessage("readiness: check fails")
	if fails.Len() != 3 {
		t.Errorf("%d failure lines for 3 failing checks probed 3 times, want one per check", fails.Len())
	}
	if fails.FilterField(zap.Error(errors.New(dbErr))).Len() != 1 {
		t.Errorf("the log lacks the database's detail: %v", fails.All())
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

func TestARegistryFamilyReplacesASourcesFamilyOfTheSameName(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "vika_calls_active", Help: "Calls in progress."})
	g.Set(5)
	reg.MustRegister(g)
	h := NewHandler()
	h.AddSource(func(w *MetricsWriter) {
		w.Gauge("vika_calls_active", "Calls in progress (old).", 3)
		w.Gauge("vika_node_calls_active", "Per node.", 2)
	})
	h.SetGatherer(reg)
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, body := get(t, srv, "/metrics")
	if strings.Count(body, "# TYPE vika_calls_active ") != 1 || !strings.Contains(body, "vika_calls_active 5\n") ||
		strings.Contains(body, "vika_calls_active 3") {
		t.Errorf("vika_calls_active should appear once, from the registry:\n%s", body)
	}
	if !strings.Contains(body, "vika_node_calls_active 2\n") {
		t.Errorf("the source's other families should follow:\n%s", body)
	}
}

func TestReadyIsFalseWhenAnyCheckFails(t *testing.T) {
	t.Parallel()
	h := NewHandler()
	h.AddCheck("database", func(context.Context) error { return nil })
	if !h.Ready(context.Background()) {
		t.Fatal("one passing check: want ready")
	}
	h.AddCheck("ari", func(context.Context) error { return errors.New("refused") })
	if h.Ready(context.Background()) {
		t.Fatal("a failing check: want not ready")
	}
}
