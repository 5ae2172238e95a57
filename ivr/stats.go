package ivr

import (
	"sync"
	"sync/atomic"
	"time"
)

// Outcomes of a call, as counted by Stats and written to the call log's end event.
const (
	OutcomeServed      = "served"      // heard at least one readout
	OutcomeTransferred = "transferred" // left Stasis for the agents
	OutcomeGoodbye     = "goodbye"     // the line said goodbye before any readout
	OutcomeAbandoned   = "abandoned"   // the caller hung up before any readout
	OutcomeLimited     = "limited"     // too many failed tries (per call or per caller number)
	OutcomeSystemBusy  = "system_busy" // the directory was down or slow and the caller never got an answer
	OutcomeError       = "error"       // the app could not drive the channel (ARI errors)
	OutcomeShutdown    = "shutdown"    // the app stopped during the call
	OutcomeRefused     = "refused"     // arrived while the app drained; sent to the fallback context
)

// Look-up outcomes, as counted by Stats and written to the call log's lookup events.
const (
	LookupFound    = "found"
	LookupNotFound = "not_found" // also a wrong birth date: the two are one outcome by design
	LookupError    = "error"
	LookupTimeout  = "timeout"
)

// latencyBounds are the upper bounds of the look-up latency histogram.
var latencyBounds = []time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2500 * time.Millisecond, 5 * time.Second,
}

// Stats counts what the app does, for /metrics. It is safe for concurrent use; read it with Snapshot.
type Stats struct {
	active, total atomic.Int64

	mu            sync.Mutex
	outcomes      map[string]int64
	lookups       map[string]int64
	latencyCounts []uint64 // per bucket, not cumulative; the last is +Inf
	latencySum    time.Duration
}

func newStats() *Stats {
	return &Stats{
		outcomes:      map[string]int64{},
		lookups:       map[string]int64{},
		latencyCounts: make([]uint64, len(latencyBounds)+1),
	}
}

// StatsSnapshot is a copy of the counters at one moment, shaped for the Prometheus text format.
type StatsSnapshot struct {
	CallsActive int64
	CallsTotal  int64
	Outcomes    map[string]int64 // by Outcome*
	Lookups     map[string]int64 // by Lookup*
	// LookupLatency is a histogram: Bounds in seconds, Cumulative[i] = look-ups that took ≤ Bounds[i].
	LookupLatency Histogram
}

// Histogram is a cumulative histogram in seconds.
type Histogram struct {
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	Sum        float64
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() StatsSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := StatsSnapshot{
		CallsActive: s.active.Load(),
		CallsTotal:  s.total.Load(),
		Outcomes:    make(map[string]int64, len(s.outcomes)),
		Lookups:     make(map[string]int64, len(s.lookups)),
	}
	for k, v := range s.outcomes {
		snap.Outcomes[k] = v
	}
	for k, v := range s.lookups {
		snap.Lookups[k] = v
	}
	var sum uint64
	for i, b := range latencyBounds {
		sum += s.latencyCounts[i]
		snap.LookupLatency.Bounds = append(snap.LookupLatency.Bounds, b.Seconds())
		snap.LookupLatency.Cumulative = append(snap.LookupLatency.Cumulative, sum)
	}
	snap.LookupLatency.Count = sum + s.latencyCounts[len(latencyBounds)]
	snap.LookupLatency.Sum = s.latencySum.Seconds()
	return snap
}

func (s *Stats) callStarted() {
	s.active.Add(1)
	s.total.Add(1)
}

func (s *Stats) callEnded(outcome string) {
	s.active.Add(-1)
	s.mu.Lock()
	s.outcomes[outcome]++
	s.mu.Unlock()
}

func (s *Stats) lookedUp(outcome string, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lookups[outcome]++
	i := 0
	for i < len(latencyBounds) && latency > latencyBounds[i] {
		i++
	}
	s.latencyCounts[i]++
	s.latencySum += latency
}
