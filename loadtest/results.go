package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// Results is what a run measured, as its callers saw it.
type Results struct {
	mu                        sync.Mutex
	Answer, KeyResponse, Call []time.Duration // dial → first prompt; last key of a run → next prompt; dial → end
	OK, Failed, ToolErrors    int             // calls; Failed is the app's failures, ToolErrors the tool's own
	Failures, Tools           map[string]int  // by reason
	FirstFailure, FirstTool   error
	ByScenario                map[string]*ScenarioCount
	ByNextPrompt              map[string][]time.Duration // key responses by the prompt that answered the key
	Elapsed                   time.Duration
	started                   atomic.Int64
}

// ScenarioCount is how one kind of caller fared.
type ScenarioCount struct{ OK, Failed, ToolErrors int }

func newResults() *Results {
	return &Results{Failures: map[string]int{}, Tools: map[string]int{}, ByScenario: map[string]*ScenarioCount{},
		ByNextPrompt: map[string][]time.Duration{}}
}

// Started is how many calls were placed.
func (r *Results) Started() int { return int(r.started.Load()) }

func (r *Results) add(o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sc := r.ByScenario[o.scenario]
	if sc == nil {
		sc = &ScenarioCount{}
		r.ByScenario[o.scenario] = sc
	}
	switch {
	case o.err != nil && o.tool:
		r.ToolErrors++
		sc.ToolErrors++
		r.Tools[reason(o.err)]++
		if r.FirstTool == nil {
			r.FirstTool = o.err
		}
		return
	case o.err != nil:
		r.Failed++
		sc.Failed++
		r.Failures[reason(o.err)]++
		if r.FirstFailure == nil {
			r.FirstFailure = o.err
		}
	default:
		r.OK++
		sc.OK++
	}
	// A failed call's latencies up to its failure are real ones the caller waited through.
	if len(o.t.Heard) > 0 {
		r.Answer = append(r.Answer, o.t.Heard[0].Start.Sub(o.t.Dialled))
	}
	if o.err == nil && !o.t.Ended.IsZero() {
		r.Call = append(r.Call, o.t.Ended.Sub(o.t.Dialled))
	}
	for _, k := range keyResponses(o.t) {
		r.KeyResponse = append(r.KeyResponse, k.d)
		r.ByNextPrompt[k.next] = append(r.ByNextPrompt[k.next], k.d)
	}
}

// reason is an error's text without what varies from call to call (a wrapped error's details stay: they name the
// kind of trouble).
func reason(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// KeyResponses are, for each run of keys, the time from the line receiving its last key to the next prompt
// starting: the delay a caller notices.
func KeyResponses(t phone.Transcript) []time.Duration {
	var out []time.Duration
	for _, k := range keyResponses(t) {
		out = append(out, k.d)
	}
	return out
}

type keyResponse struct {
	d    time.Duration
	next string // the prompt that answered the key
}

func keyResponses(t phone.Transcript) []keyResponse {
	var out []keyResponse
	for i, k := range t.Keys {
		if k.Received.IsZero() || (i+1 < len(t.Keys) && !t.Keys[i+1].Received.IsZero() && t.Keys[i+1].Received.Sub(k.Received) < time.Second) {
			continue // not the last key of its run
		}
		for _, h := range t.Heard {
			if h.Start.After(k.Received) {
				out = append(out, keyResponse{h.Start.Sub(k.Received), h.Name()})
				break
			}
		}
	}
	return out
}

// Percentiles of d in milliseconds: p50, p90, p99 (and max), by the nearest-rank method.
func Percentiles(d []time.Duration) map[string]float64 {
	out := map[string]float64{}
	if len(d) == 0 {
		return out
	}
	s := slices.Clone(d)
	slices.Sort(s)
	for _, p := range []int{50, 90, 99, 100} {
		name := "p" + strconv.Itoa(p)
		if p == 100 {
			name = "max"
		}
		out[name] = float64(s[rank(len(s), p)].Microseconds()) / 1000
	}
	return out
}

func rank(n, p int) int { return min(max((n*p+99)/100-1, 0), n-1) }

// pcts gives d's percentiles ps as duration strings ("-" when d is empty), sorting d once.
func pcts(d []time.Duration, ps ...int) []any {
	out := make([]any, len(ps))
	s := slices.Sorted(slices.Values(d))
	for i, p := range ps {
		out[i] = "-"
		if len(s) > 0 {
			out[i] = s[rank(len(s), p)].Round(100 * time.Microsecond).String()
		}
	}
	return out
}

// Report prints the results: calls, latencies, failures by reason (the app's, then the tool's), and the callers.
func (r *Results) Report(w io.Writer, headline string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(w, "calls: %d ok, %d failed (the app), %d the load tool's own errors, in %s (%.1f calls/s); %s\n",
		r.OK, r.Failed, r.ToolErrors, r.Elapsed.Round(time.Millisecond), float64(r.OK)/r.Elapsed.Seconds(), headline)
	fmt.Fprintf(w, "%-14s %8s %8s %8s %8s %8s %6s\n", "latency", "p50", "p90", "p95", "p99", "max", "n")
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{{"answer", r.Answer}, {"key response", r.KeyResponse}, {"whole call", r.Call}} {
		fmt.Fprintf(w, "%-14s %8s %8s %8s %8s %8s %6d\n", append(append([]any{row.name}, pcts(row.d, 50, 90, 95, 99, 100)...), len(row.d))...)
	}
	// Which reply was slow: the menu key answered by enter-id, the birth date by please-wait (the look-up), …
	for _, next := range slices.Sorted(maps.Keys(r.ByNextPrompt)) {
		if d := r.ByNextPrompt[next]; len(d) >= max(10, len(r.KeyResponse)/50) {
			fmt.Fprintf(w, "  key → %-18s %8s %8s %8s %8s %8s %6d\n", append(append([]any{next}, pcts(d, 50, 90, 95, 99, 100)...), len(d))...)
		}
	}
	for _, f := range []struct {
		who string
		m   map[string]int
	}{{"the app", r.Failures}, {"the load tool", r.Tools}} {
		for _, k := range sortedByCount(f.m) {
			fmt.Fprintf(w, "failed (%s): %d × %s\n", f.who, f.m[k], k)
		}
	}
	names := slices.Sorted(maps.Keys(r.ByScenario))
	line := "callers:"
	for _, n := range names {
		c := r.ByScenario[n]
		line += fmt.Sprintf(" %s %d", n, c.OK+c.Failed+c.ToolErrors)
		if c.Failed+c.ToolErrors > 0 {
			line += fmt.Sprintf(" (%d failed)", c.Failed+c.ToolErrors)
		}
	}
	fmt.Fprintln(w, line)
}

func sortedByCount(m map[string]int) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || (m[keys[i]] == m[keys[j]] && keys[i] < keys[j]) })
	return keys
}
