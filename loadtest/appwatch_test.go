package loadtest

import (
	"strings"
	"testing"
)

func TestTheAppsMetricsAreReadSummedOverTheirLabels(t *testing.T) {
	t.Parallel()
	m, err := parseMetrics(strings.NewReader(`# HELP vika_calls_ended_total Calls ended.
# TYPE vika_calls_ended_total counter
vika_calls_ended_total{entry="mobile",outcome="completed"} 7
vika_calls_ended_total{entry="landline",outcome="hung up"} 3
go_goroutines 42
process_cpu_seconds_total 1.5e+01
vika_odd{path="a b}"} 2
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"vika_calls_ended_total": 10, "go_goroutines": 42, "process_cpu_seconds_total": 15, "vika_odd": 2} {
		if m[name] != want {
			t.Errorf("%s = %v, want %v", name, m[name], want)
		}
	}
}

func TestTheLoadTestFailsOnDroppedCallLogEventsAndLeakedGoroutinesOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cost    AppCost
		failure string
	}{
		{"a clean run passes", AppCost{GoroutinesIdle: 18, GoroutinesAfter: 19}, ""},
		{"idle pool connections within the slack pass", AppCost{GoroutinesIdle: 18, GoroutinesAfter: 18 + GoroutineSlack}, ""},
		{"a dropped call-log event fails", AppCost{GoroutinesIdle: 18, GoroutinesAfter: 18, CallLogDropped: 1}, "call-log"},
		{"goroutines left by the calls fail", AppCost{GoroutinesIdle: 18, GoroutinesAfter: 18 + GoroutineSlack + 1}, "leaked"},
		{"slow calls do not fail it", AppCost{GoroutinesIdle: 18, GoroutinesAfter: 18, CPUSecondsPerCall: 9}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cost.Check()
			if (err == nil) != (tc.failure == "") || (err != nil && !strings.Contains(err.Error(), tc.failure)) {
				t.Fatalf("check() = %v, want failure %q", err, tc.failure)
			}
		})
	}
}
