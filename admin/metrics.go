package admin

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MetricsWriter writes the Prometheus text exposition format. It is written by hand because the handful of
// counters and gauges vika exposes do not justify the client library's registry and its dependencies.
type MetricsWriter struct {
	buf bytes.Buffer
	// skip are families the client_golang registry already wrote (SetGatherer); a source's family of the same name
	// is left out, since an exposition may hold a name once.
	skip     map[string]bool
	skipping bool // the family being written is in skip
}

// Labels are a metric's label pairs.
type Labels map[string]string

func (m *MetricsWriter) header(name, help, kind string) {
	if m.skipping = m.skip[name]; m.skipping {
		return
	}
	fmt.Fprintf(&m.buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

// Counter writes one counter with one sample.
func (m *MetricsWriter) Counter(name, help string, v float64) {
	m.header(name, help, "counter")
	m.sample(name, nil, v)
}

// Gauge writes one gauge with one sample.
func (m *MetricsWriter) Gauge(name, help string, v float64) {
	m.header(name, help, "gauge")
	m.sample(name, nil, v)
}

// CounterVec writes a counter with one sample per label set.
func (m *MetricsWriter) CounterVec(name, help string, samples map[string]float64, label string) {
	m.header(name, help, "counter")
	keys := make([]string, 0, len(samples))
	for k := range samples {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.sample(name, Labels{label: k}, samples[k])
	}
}

// GaugeVec writes a gauge with one sample per label value (per node, for instance).
func (m *MetricsWriter) GaugeVec(name, help string, samples map[string]float64, label string) {
	m.header(name, help, "gauge")
	keys := make([]string, 0, len(samples))
	for k := range samples {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.sample(name, Labels{label: k}, samples[k])
	}
}

// Histogram writes a histogram from cumulative bucket counts (upper bound in seconds → count ≤ bound).
func (m *MetricsWriter) Histogram(name, help string, bounds []float64, cumulative []uint64, count uint64, sum float64) {
	m.header(name, help, "histogram")
	for i, b := range bounds {
		m.sample(name+"_bucket", Labels{"le": strconv.FormatFloat(b, 'g', -1, 64)}, float64(cumulative[i]))
	}
	m.sample(name+"_bucket", Labels{"le": "+Inf"}, float64(count))
	m.sample(name+"_sum", nil, sum)
	m.sample(name+"_count", nil, float64(count))
}

func (m *MetricsWriter) sample(name string, l Labels, v float64) {
	if m.skipping {
		return
	}
	m.buf.WriteString(name)
	if len(l) > 0 {
		keys := make([]string, 0, len(l))
		for k := range l {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + `="` + escape(l[k]) + `"`
		}
		m.buf.WriteString("{" + strings.Join(parts, ",") + "}")
	}
	m.buf.WriteString(" " + strconv.FormatFloat(v, 'g', -1, 64) + "\n")
}

// labelEscaper is built once: a Replacer per label value was most of what a /metrics scrape allocated.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escape(s string) string { return labelEscaper.Replace(s) }
