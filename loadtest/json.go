package loadtest

import (
	"encoding/json"
	"os"
)

// Document is --json's file: one run, and the floor's run beside it when --floor ran in the same invocation.
type Document struct {
	Calls struct {
		OK         int `json:"ok"`
		Failed     int `json:"failed"`
		ToolErrors int `json:"tool_errors"`
		Placed     int `json:"placed"`
	} `json:"calls"`
	KeyResponseMS map[string]float64 `json:"key_response_ms"`
	AnswerMS      map[string]float64 `json:"answer_ms"`
	CallMS        map[string]float64 `json:"call_ms"`
	// KeyResponseByNextMS is the key response split by the prompt that answered the key.
	KeyResponseByNextMS map[string]map[string]float64 `json:"key_response_by_next_prompt_ms,omitempty"`
	Failures            map[string]int                `json:"failures,omitempty"`      // the app's, by reason
	ToolFailures        map[string]int                `json:"tool_failures,omitempty"` // the load tool's own
	ByScenario          map[string]*ScenarioCount     `json:"by_scenario"`
	ElapsedS            float64                       `json:"elapsed_s"`
	// ToolCPUSeconds is what the load tool's own process spent (callers, and with the app in it, the app): it must
	// not be what limits a run.
	ToolCPUSeconds float64   `json:"tool_cpu_s,omitempty"`
	App            *AppCost  `json:"app,omitempty"`
	CallLogDropped *float64  `json:"calllog_dropped,omitempty"`
	Floor          *Document `json:"floor,omitempty"`
	// RatioToFloor is each key-response and answer percentile over the floor's: 1.0 is as fast as the floor.
	RatioToFloor map[string]float64 `json:"ratio_to_floor,omitempty"`
	Options      map[string]any     `json:"options,omitempty"`
}

// Doc is the results as --json writes them; cost is nil when the app's /metrics were not read.
func (r *Results) Doc(cost *AppCost) *Document {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := &Document{KeyResponseMS: Percentiles(r.KeyResponse), AnswerMS: Percentiles(r.Answer), CallMS: Percentiles(r.Call),
		Failures: r.Failures, ToolFailures: r.Tools, ByScenario: r.ByScenario, ElapsedS: r.Elapsed.Seconds()}
	d.KeyResponseByNextMS = map[string]map[string]float64{}
	for next, ds := range r.ByNextPrompt {
		d.KeyResponseByNextMS[next] = Percentiles(ds)
		d.KeyResponseByNextMS[next]["n"] = float64(len(ds))
	}
	d.Calls.OK, d.Calls.Failed, d.Calls.ToolErrors, d.Calls.Placed = r.OK, r.Failed, r.ToolErrors, r.Started()
	if cost != nil {
		d.App, d.CallLogDropped = cost, &cost.CallLogDropped
	}
	return d
}

// CompareWith sets the floor's run and the ratios to it.
func (d *Document) CompareWith(floor *Document) {
	d.Floor = floor
	d.RatioToFloor = map[string]float64{}
	for _, m := range []struct {
		name       string
		mine, base map[string]float64
	}{{"key_response", d.KeyResponseMS, floor.KeyResponseMS}, {"answer", d.AnswerMS, floor.AnswerMS}} {
		for _, p := range []string{"p50", "p90", "p99"} {
			if b := m.base[p]; b > 0 {
				d.RatioToFloor[m.name+"_"+p] = m.mine[p] / b
			}
		}
	}
}

// Write saves the document as indented JSON.
func (d *Document) Write(path string) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
