package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/vika-jkn/vika/metrics"
)

// promptFailureReasons are the reasons of vika_prompt_failures_total in the order the report gives them:
// events_lost first, since it is the one a load test finds (events the app failed to observe under load).
var promptFailureReasons = []string{"events_lost", "not_started", "overran", "failed"}

// reportPromptFailures prints the app's vika_prompt_failures_total by reason: the prompts the load test's calls did
// not hear as asked. With no app here (--no-app) there is no registry to read, and nothing is printed.
func reportPromptFailures(w io.Writer, m *metrics.Metrics) {
	if m == nil {
		return
	}
	byReason := map[string]float64{}
	fams, err := m.Registry().Gather()
	if err != nil {
		fmt.Fprintf(w, "prompt failures: unreadable (%v)\n", err)
		return
	}
	for _, f := range fams {
		if f.GetName() != "vika_prompt_failures_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "reason" {
					byReason[l.GetValue()] += s.GetCounter().GetValue()
				}
			}
		}
	}
	parts := make([]string, 0, len(promptFailureReasons))
	for _, r := range promptFailureReasons {
		parts = append(parts, fmt.Sprintf("%s %.0f", r, byReason[r]))
	}
	fmt.Fprintf(w, "prompt failures: %s\n", strings.Join(parts, ", "))
}
