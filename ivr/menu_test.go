package ivr

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/prompts"
)

func TestTheMainMenuAnswersEveryKeyAndEverySilence(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	type script func(c *call)
	cases := []struct {
		name        string
		entry       string
		run         script
		heard       []string // the prompts after the greeting, in order
		transferred bool
		choices     []string
	}{
		{"a caller who presses 9 hears the menu again", "165", func(c *call) {
			c.hear("main-menu")
			c.press("9")
			c.hear("main-menu")
		}, []string{"main-menu", "main-menu"}, false, []string{"main:9"}},
		{"a caller who presses 0 is put through to an agent", "021165", func(c *call) {
			c.hear("main-menu")
			c.press("0")
		}, []string{"main-menu", "transfer-agent"}, true, []string{"main:0"}},
		{"a caller who presses a key the menu lacks hears so and the menu again", "165", func(c *call) {
			c.hear("main-menu")
			c.press("5")
			c.hear("invalid-key", "main-menu")
		}, []string{"main-menu", "invalid-key", "main-menu"}, false, []string{"main:invalid"}},
		{"a caller who says nothing hears that no key came and the menu again", "021165", func(c *call) {
			c.hear("main-menu", "no-input", "main-menu")
		}, []string{"main-menu", "no-input", "main-menu"}, false, []string{"main:no_input"}},
		{"a caller who stays silent three times is put through to an agent", "165", func(c *call) {
			c.hear("main-menu", "no-input", "main-menu", "no-input", "main-menu", "no-input", "transfer-agent")
		}, []string{"main-menu", "no-input", "main-menu", "no-input", "main-menu", "no-input", "transfer-agent"}, true,
			[]string{"main:no_input", "main:no_input", "main:no_input", "main:on_fail:transfer"}},
		{"a caller who types ahead during the greeting skips the menu", "021165", func(c *call) {
			c.hear("welcome")
			c.press("1")
			c.hear("enter-id")
		}, []string{"enter-id"}, false, []string{"main:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			call := h.dial(t, c.entry)
			c.run(call)
			var tr = call.Transcript()
			if c.transferred {
				tr = call.transferred()
			} else {
				tr = call.hangUp()
			}
			heard := tr.HeardIDs()
			if heard[0] != "welcome" || !slices.Equal(heard[1:min(len(heard), len(c.heard)+1)], c.heard) {
				t.Errorf("heard %v, want welcome then %v", heard, c.heard)
			}
			if got := call.log().choices(); !slices.Equal(got[:min(len(got), len(c.choices))], c.choices) {
				t.Errorf("menu choices logged %v, want %v first", got, c.choices)
			}
		})
	}
}

func TestAKeyPressedDuringAPromptStopsItAndCounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	call := h.dial(t, "165")
	call.hear("main-menu")
	call.press("9")
	call.hear("main-menu")
	tr := call.hangUp()
	var first bool
	for _, heard := range tr.Heard {
		if heard.PromptID == "main-menu" {
			first = heard.Cut
			break
		}
	}
	if !first {
		t.Errorf("the first main menu was not cut by the key: %v", tr.String())
	}
	prompts := call.log().of(calllog.KindPrompt)
	if len(prompts) < 2 || prompts[1][calllog.FieldID] != "main-menu" || prompts[1][calllog.FieldCut] != true {
		t.Errorf("call log prompts %v, want the main menu logged as cut", prompts)
	}
}

// officeHours are agent hours as an operator configures them (the built-in flow has none).
func officeHours(t *testing.T) *dialplan.Hours {
	t.Helper()
	yaml := strings.Replace(string(dialplan.DefaultYAML()), "  closed: [agent-closed]", "  closed: [agent-closed]\n"+
		`  hours: {timezone: Asia/Jakarta, days: [mon, tue, wed, thu, fri], open: "08:00", close: "16:00", holidays: [2026-12-25]}`, 1)
	f, err := dialplan.Parse([]byte(yaml), prompts.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	return f.Agent.Hours
}

func TestAgentsOutsideTheirHoursAreAnnouncedWithTheDaysHoursAndWIBAndTheMenuComesBack(t *testing.T) {
	t.Parallel()
	const said = "Petugas melayani hari Senin sampai Jumat pukul delapan sampai pukul enam belas WIB kecuali hari libur."
	cases := []struct {
		name  string
		clock time.Time
		entry string
	}{
		{"on Sunday night", time.Date(2026, 11, 22, 22, 30, 0, 0, wib), "165"},
		{"on a weekday after closing", time.Date(2026, 11, 23, 16, 0, 0, 0, wib), "021165"},
		{"on Christmas, a Friday, in office hours (a configured holiday)", time.Date(2026, 12, 25, 10, 0, 0, 0, wib), "165"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{clock: c.clock, edit: func(f *dialplan.Flow) { f.Agent.Hours = officeHours(t) }})
			call := h.dial(t, c.entry)
			call.hear("main-menu")
			call.press("0")
			call.hear("agent-closed", "agent-hours-intro", "main-menu")
			tr := call.hangUp()
			got := heardBetween(tr.HeardIDs(), "agent-closed", "main-menu")
			if text := prompts.Text(got); text != said {
				t.Errorf("hours said as %q, want %q", text, said)
			}
			if tr.Continued != nil {
				t.Errorf("the call went to the agents outside their hours: %+v", tr.Continued)
			}
			if got := call.log().choices(); !slices.Contains(got, "agent:closed") {
				t.Errorf("call log choices %v lack agent:closed", got)
			}
		})
	}
}

func TestWithNoAgentHoursConfiguredACallerReachesTheAgentsInTheMiddleOfTheNight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{clock: time.Date(2026, 12, 25, 3, 0, 0, 0, wib)})
	call := h.dial(t, "165")
	call.hear("main-menu")
	call.press("0")
	tr := call.transferred()
	if tr.Continued == nil || tr.Continued.Context != "agents" || slices.Contains(tr.HeardIDs(), "agent-closed") {
		t.Fatalf("with no hours set the caller heard %v and continued to %+v; want the agents", tr.HeardIDs(), tr.Continued)
	}
}
