package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vika-jkn/vika/loadtest"
	"github.com/vika-jkn/vika/store/storetest"
)

// vika loadtest --floor, whole: the same realistic callers against the floor, then against the app, on one
// simulated Asterisk and one database; every caller served by both, the ratios in the JSON, the histogram drawn.
func TestLoadtestRunsTheSameCallersAgainstTheFloorThenTheAppAndReportsTheRatios(t *testing.T) {
	t.Parallel()
	dbURL := storetest.NewEmptyDB(t)
	a := testApp(t, dbURL)
	dir := t.TempDir()
	o := loadOptions{calls: 48, concurrency: 24, speed: 20, participants: 300, mix: loadtest.DefaultMix, seed: 1,
		floor: true, jsonPath: filepath.Join(dir, "r.json"), histogram: filepath.Join(dir, "h.png")}
	var out bytes.Buffer
	if err := runLoadtest(t.Context(), a, o, &out); err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	b, err := os.ReadFile(o.jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc loadtest.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		name string
		d    *loadtest.Document
	}{{"the app", &doc}, {"the floor", doc.Floor}} {
		if run.d == nil {
			t.Fatalf("%s: no results in the JSON:\n%s", run.name, b)
		}
		if run.d.Calls.OK != o.calls || run.d.Calls.Failed != 0 || run.d.Calls.ToolErrors != 0 {
			t.Errorf("%s: calls %+v, want all %d ok", run.name, run.d.Calls, o.calls)
		}
		if run.d.KeyResponseMS["p50"] <= 0 || run.d.KeyResponseMS["p99"] < run.d.KeyResponseMS["p50"] {
			t.Errorf("%s: key response %v", run.name, run.d.KeyResponseMS)
		}
		if len(run.d.ByScenario) < 6 {
			t.Errorf("%s: only %d kinds of caller in 48 calls of the default mix: %v", run.name, len(run.d.ByScenario), run.d.ByScenario)
		}
	}
	if doc.RatioToFloor["key_response_p50"] <= 0 {
		t.Errorf("no ratio to the floor: %v", doc.RatioToFloor)
	}
	if !strings.Contains(out.String(), "against the floor: key response p50") {
		t.Errorf("the report gives no ratio to the floor:\n%s", out.String())
	}
	f, err := os.Open(o.histogram)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("--histogram: %v", err)
	}
}
