// Package metrics is what vika exposes to Prometheus: one registry with the Go runtime and process collectors and
// the IVR's own collectors (calls, key response, look-ups, answer delay, prompts, ARI, the call log). It implements
// ivr.Observer, so the IVR reports what happens as it happens; the call log, ARI and readiness are read at scrape
// time through functions the command that wires vika passes in. It imports no other vika package.
//
// Every metric name is listed in Names, which the deploy/ dashboard and alert rules are checked against.
package metrics

import (
	"net/http"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// CallLogStats is what the call log reports at scrape time (store.CallLogStats, converted by the wiring).
type CallLogStats struct {
	Written, Dropped, Spilled int64
	Pending                   int64 // accepted and not yet written or lost
	SpoolBytes                int64
}

// Metrics holds the registry and every collector. The zero value is not usable; use New.
type Metrics struct {
	reg *prometheus.Registry

	callsActive    prometheus.Gauge
	callsStarted   *prometheus.CounterVec
	callsEnded     *prometheus.CounterVec
	callDuration   *prometheus.HistogramVec
	answerDelay    prometheus.Histogram
	keyResponse    prometheus.Histogram
	lookup         *prometheus.HistogramVec
	lookupDeadline prometheus.Gauge
	promptFailures *prometheus.CounterVec
	restErrors     *prometheus.CounterVec
	ariConnected   prometheus.Gauge
	ariReconnects  prometheus.Counter

	names []string // of the vika_ families, which a vector with no series yet leaves out of Gather

	mu       sync.Mutex
	ariUp    bool
	ariSeen  bool
	callLog  func() CallLogStats
	readyFn  func() bool
	lastLog  CallLogStats
	lastRead time.Time
}

// Bucket bounds, in seconds. Key response and answer delay are what a caller waits for in silence: they should sit
// well under a second. Look-ups have a deadline of a few seconds (dialplan lookup.deadline). Calls last minutes.
var (
	keyResponseBuckets  = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5}
	answerDelayBuckets  = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2}
	lookupBuckets       = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
	callDurationBuckets = []float64{5, 15, 30, 60, 90, 120, 180, 300, 600}
)

// New builds the registry.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.callsActive = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vika_calls_active", Help: "Calls in progress."})
	m.callsStarted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vika_calls_started_total",
		Help: "Calls that entered the app, by entry (mobile 165, landline 021165)."}, []string{"entry"})
	m.callsEnded = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vika_calls_ended_total",
		Help: "Calls ended, by entry and outcome (served, transferred, goodbye, abandoned, limited, system_busy, error, shutdown, refused, recovered)."},
		[]string{"entry", "outcome"})
	m.callDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vika_call_duration_seconds",
		Help: "From StasisStart to the end of the call, by entry.", Buckets: callDurationBuckets}, []string{"entry"})
	m.answerDelay = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vika_answer_delay_seconds",
		Help: "From StasisStart to Asterisk accepting the Answer request.", Buckets: answerDelayBuckets})
	m.keyResponse = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vika_key_response_seconds",
		Help: "From the caller's last key to the next Play request (includes a look-up when the key ended an entry).", Buckets: keyResponseBuckets})
	m.lookup = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vika_lookup_seconds",
		Help: "Participant look-up latency, by outcome (found, not_found, error, timeout).", Buckets: lookupBuckets}, []string{"outcome"})
	m.lookupDeadline = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vika_lookup_deadline_seconds",
		Help: "The look-up deadline of the running flow (lookup.deadline); past it the caller hears system busy."})
	m.promptFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vika_prompt_failures_total",
		Help: "Prompts that did not play as asked, by reason (failed: Asterisk could not play the sound; not_started; overran: stopped at playback.max; events_lost: ended with no PlaybackFinished)."},
		[]string{"reason"})
	m.restErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vika_ari_rest_errors_total",
		Help: "ARI requests that failed during calls, by operation."}, []string{"op"})
	m.ariConnected = prometheus.NewGauge(prometheus.GaugeOpts{Name: "vika_ari_connected",
		Help: "1 while every Asterisk node has the app's events WebSocket (GET /ari/applications/<app> answers), 0 otherwise."})
	m.ariReconnects = prometheus.NewCounter(prometheus.CounterOpts{Name: "vika_ari_reconnects_total",
		Help: "Times the ARI connection came back after being seen lost."})

	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	vika := []prometheus.Collector{
		m.callsActive, m.callsStarted, m.callsEnded, m.callDuration, m.answerDelay, m.keyResponse, m.lookup,
		m.lookupDeadline, m.promptFailures, m.restErrors, m.ariConnected, m.ariReconnects,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vika_ready",
			Help: "1 when /readyz would answer 200 (database, ARI, taking calls), 0 otherwise."}, m.ready),
		m.callLogFunc(prometheus.CounterValue, "vika_calllog_written_total", "Call-log events written to the database.",
			func(s CallLogStats) int64 { return s.Written }),
		m.callLogFunc(prometheus.CounterValue, "vika_calllog_dropped_total", "Call-log events lost (no spool, or the spool full: calllog.spool_max_mb).",
			func(s CallLogStats) int64 { return s.Dropped }),
		m.callLogFunc(prometheus.CounterValue, "vika_calllog_spooled_total", "Call-log events written to the disk spool (replayed when the database keeps up).",
			func(s CallLogStats) int64 { return s.Spilled }),
		m.callLogFunc(prometheus.GaugeValue, "vika_calllog_spool_bytes", "Size of the call-log spool on disk.",
			func(s CallLogStats) int64 { return s.SpoolBytes }),
		m.callLogFunc(prometheus.GaugeValue, "vika_calllog_pending", "Call-log events waiting to be written (the queue depth).",
			func(s CallLogStats) int64 { return s.Pending }),
	}
	m.reg.MustRegister(vika...)
	m.names = describedNames(vika)
	// Label values known in advance are created now, so a dashboard and alert see 0 rather than no series.
	for _, r := range []string{"failed", "not_started", "overran", "events_lost"} {
		m.promptFailures.WithLabelValues(r)
	}
	return m
}

// WatchDBRoundTrips publishes the statements this process sent to PostgreSQL (store.RoundTrips), read at each
// scrape: with vika_calls_started_total, the database round trips per call an operator sizes the database by.
func (m *Metrics) WatchDBRoundTrips(n func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vika_db_round_trips_total",
		Help: "Statements sent to PostgreSQL (queries, batches, COPYs: look-ups, call log, caller limits), every pool of this process."}, n))
	m.names = append(m.names, "vika_db_round_trips_total")
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry, for tests and for adding collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Names lists every metric family this registry exposes: vika's own, and the Go and process collectors' as gathered
// now. Histograms appear under their family name; their _bucket, _sum and _count series are implied.
func (m *Metrics) Names() ([]string, error) {
	mfs, err := m.reg.Gather()
	if err != nil {
		return nil, err
	}
	names := append([]string(nil), m.names...)
	for _, mf := range mfs {
		if !slices.Contains(names, mf.GetName()) {
			names = append(names, mf.GetName())
		}
	}
	return names, nil
}

// describedNames reads each collector's family names from its descriptions (Desc has no accessor for the name,
// only its String form).
func describedNames(cs []prometheus.Collector) []string {
	var names []string
	ch := make(chan *prometheus.Desc, 4)
	for _, c := range cs {
		go func() { c.Describe(ch); ch <- nil }()
		for d := <-ch; d != nil; d = <-ch {
			if m := fqName.FindStringSubmatch(d.String()); m != nil {
				names = append(names, m[1])
			}
		}
	}
	return names
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// WatchCallLog makes the call-log metrics read stats at each scrape.
func (m *Metrics) WatchCallLog(stats func() CallLogStats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.callLog = stats
}

// WatchReadiness makes vika_ready ask ready at each scrape.
func (m *Metrics) WatchReadiness(ready func() bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.readyFn = ready
}

// SetLookupDeadline publishes the flow's look-up deadline, which the look-up latency alert compares p99 with.
func (m *Metrics) SetLookupDeadline(d time.Duration) { m.lookupDeadline.Set(d.Seconds()) }

// SetARIConnected records whether the ARI connection is up; a change from down to up counts a reconnect.
func (m *Metrics) SetARIConnected(up bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if up && m.ariSeen && !m.ariUp {
		m.ariReconnects.Inc()
	}
	m.ariUp, m.ariSeen = up, true
	if up {
		m.ariConnected.Set(1)
	} else {
		m.ariConnected.Set(0)
	}
}

func (m *Metrics) ready() float64 {
	m.mu.Lock()
	fn := m.readyFn
	m.mu.Unlock()
	if fn != nil && fn() {
		return 1
	}
	return 0
}

// callLogFunc is one call-log figure read at scrape time. The stats are read once per scrape, not once per metric.
func (m *Metrics) callLogFunc(t prometheus.ValueType, name, help string, pick func(CallLogStats) int64) prometheus.Collector {
	read := func() float64 { return float64(pick(m.callLogStats())) }
	if t == prometheus.CounterValue {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, read)
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read)
}

func (m *Metrics) callLogStats() CallLogStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.callLog == nil {
		return CallLogStats{}
	}
	if time.Since(m.lastRead) > 100*time.Millisecond {
		m.lastLog, m.lastRead = m.callLog(), time.Now()
	}
	return m.lastLog
}

// The ivr.Observer methods. They are called from call goroutines and only update collectors.

// CallStarted counts a call entering the app.
func (m *Metrics) CallStarted(entry string) {
	m.callsActive.Inc()
	m.callsStarted.WithLabelValues(entry).Inc()
}

// CallEnded counts a call's end, its outcome and how long it lasted.
func (m *Metrics) CallEnded(entry, outcome string, d time.Duration) {
	m.callsActive.Dec()
	m.callsEnded.WithLabelValues(entry, outcome).Inc()
	m.callDuration.WithLabelValues(entry).Observe(d.Seconds())
}

// Answered observes the delay from StasisStart to the answer.
func (m *Metrics) Answered(d time.Duration) { m.answerDelay.Observe(d.Seconds()) }

// KeyResponse observes the delay from the caller's last key to the next prompt.
func (m *Metrics) KeyResponse(d time.Duration) { m.keyResponse.Observe(d.Seconds()) }

// LookedUp observes one participant look-up.
func (m *Metrics) LookedUp(outcome string, d time.Duration) {
	m.lookup.WithLabelValues(outcome).Observe(d.Seconds())
}

// PromptFailed counts a prompt that did not play as asked.
func (m *Metrics) PromptFailed(reason string) { m.promptFailures.WithLabelValues(reason).Inc() }

// RESTError counts a failed ARI request during a call.
func (m *Metrics) RESTError(op string) { m.restErrors.WithLabelValues(op).Inc() }
