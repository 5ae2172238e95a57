package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The dashboard and the alert rules in deploy/ are only worth anything if the series they query exist: a renamed
// metric would leave a panel empty and an alert silent, with nothing to say so.

const (
	dashboardFile  = "../deploy/grafana/vika-dashboard.json"
	alertsFile     = "../deploy/prometheus/vika-alerts.yml"
	alertTestsFile = "../deploy/prometheus/vika-alerts_test.yml"
)

// metricRef finds metric names in PromQL: the families this binary exports (vika_, go_, process_).
var metricRef = regexp.MustCompile(`\b(?:vika|go|process)_[a-zA-Z0-9_]+`)

// prometheusOwn are series Prometheus itself adds for every target.
var prometheusOwn = regexp.MustCompile(`\bup\{`)

func TestEveryMetricTheDashboardAndAlertsUseIsExported(t *testing.T) {
	t.Parallel()
	names, err := New().Names()
	if err != nil {
		t.Fatal(err)
	}
	exported := func(ref string) bool {
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(ref, suffix); ok && slices.Contains(names, base) {
				return true
			}
		}
		return false
	}
	sources := map[string][]string{dashboardFile: dashboardExprs(t), alertsFile: alertExprs(t)}
	for file, exprs := range sources {
		if len(exprs) < 5 {
			t.Fatalf("%s: only %d queries found; the test reads the wrong fields", file, len(exprs))
		}
		for _, e := range exprs {
			refs := metricRef.FindAllString(e, -1)
			if len(refs) == 0 && !prometheusOwn.MatchString(e) {
				t.Errorf("%s: query uses no vika metric: %s", file, e)
			}
			for _, r := range refs {
				if !exported(r) {
					t.Errorf("%s: %s is not exported by vika serve (query %s)", file, r, e)
				}
			}
		}
	}
}

func TestTheAlertRulesPassPromtool(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is missing under CI=true (Debian: apt-get install prometheus)")
		}
		t.Skip("promtool not installed (Debian: apt-get install prometheus)")
	}
	for _, args := range [][]string{{"check", "rules", alertsFile}, {"test", "rules", filepath.Base(alertTestsFile)}} {
		cmd := exec.Command(promtool, args...)
		if args[0] == "test" {
			cmd.Dir = filepath.Dir(alertTestsFile) // rule_files in the test file are relative to it
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

func dashboardExprs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var exprs []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Definition != "" {
			exprs = append(exprs, v.Definition)
		}
	}
	return exprs
}

func alertExprs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	var exprs []string
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	return exprs
}
