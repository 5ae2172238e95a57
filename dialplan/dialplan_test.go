package dialplan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/prompts"
)

func TestTheDefaultFlowLoadsAndSaysWhatDesignPromises(t *testing.T) {
	t.Parallel()
	f, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for arg, number := range map[string]string{"mobile": "165", "landline": "021165"} {
		e, name, ok := f.Entry(arg)
		if !ok || name != arg || e.Number != number || e.Menu != "main" {
			t.Errorf("entry %q = %+v (%q, %v), want number %s into menu main", arg, e, name, ok, number)
		}
	}
	main := f.Menus["main"]
	want := map[string]Action{"1": ActionLookupStatus, "2": ActionLookupBill, "0": ActionTransfer, "9": ActionRepeat}
	for key, action := range want {
		if k, ok := main.Lookup(key); !ok || k.Action != action {
			t.Errorf("main menu key %s = %+v, want %s", key, k, action)
		}
	}
	if main.Tries != 3 || main.OnFail != ActionTransfer {
		t.Errorf("main menu: %d tries then %s, want 3 then transfer", main.Tries, main.OnFail)
	}
	after := f.Menus[f.Lookup.Menu]
	want = map[string]Action{"1": ActionRepeat, "2": ActionCollectIdentity, "9": ActionMainMenu, "0": ActionTransfer}
	for key, action := range want {
		if k, ok := after.Lookup(key); !ok || k.Action != action {
			t.Errorf("after-readout key %s = %+v, want %s", key, k, action)
		}
	}
	if a := f.Agent; a.Context != "agents" || a.Extension != "s" || a.Priority != 1 {
		t.Errorf("agent target = %s/%s/%d, want agents/s/1", a.Context, a.Extension, a.Priority)
	}
}

func TestAStasisArgumentNoEntryNamesFallsBackToTheDefaultEntry(t *testing.T) {
	t.Parallel()
	f, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	e, name, ok := f.Entry("pabx")
	if ok || name != "mobile" || e.Number != "165" {
		t.Errorf("Entry(pabx) = %+v, %q, %v; want the mobile entry and false", e, name, ok)
	}
}

// TestABrokenFlowIsRefusedWithThePlaceOfEachProblem edits the default file one way per case and checks the error
// names the place an operator has to fix.
func TestABrokenFlowIsRefusedWithThePlaceOfEachProblem(t *testing.T) {
	t.Parallel()
	// The built-in flow has no agent hours; an operator's flow adds them, and their mistakes are named too.
	base := strings.Replace(string(DefaultYAML()), "  closed: [agent-closed]", "  closed: [agent-closed]\n"+
		`  hours: {timezone: Asia/Jakarta, days: [mon, tue, wed], open: "08:00", close: "16:00", holidays: [2026-12-25]}`, 1)
	cases := []struct {
		name, old, new, want string
	}{
		{"duplicate key", `{key: "9", action: repeat}`, `{key: "1", action: repeat}`,
			`menus.main.keys[3]: duplicate key "1"`},
		{"key that is no DTMF", `{key: "9", action: repeat}`, `{key: "A", action: repeat}`,
			`menus.main.keys[3]: key "A" is not one of 0-9 * #`},
		{"unknown prompt id", `prompts: [main-menu]`, `prompts: [main-menuu]`,
			`menus.main.prompts[0]: unknown prompt id "main-menuu"`},
		{"unknown prompt in a step", `incomplete: [id-incomplete]`, `incomplete: [id-too-short]`,
			`identity.incomplete[0]: unknown prompt id "id-too-short"`},
		{"unknown action", `{key: "2", action: lookup_bill}`, `{key: "2", action: lookup_bills}`,
			`menus.main.keys[1]: unknown action "lookup_bills"`},
		{"key into a missing menu", `{key: "2", action: lookup_bill}`, `{key: "2", action: menu, menu: billing}`,
			`menus.main.keys[1].menu: no menu "billing"`},
		{"missing menu timeout", "tries: 2\n    on_fail: goodbye\n    timeouts: {first_digit: 6s, inter_digit: 3s, overall: 20s}",
			"tries: 2\n    on_fail: goodbye\n    timeouts: {first_digit: 6s, inter_digit: 3s}",
			`menus.busy.timeouts.overall: missing`},
		{"missing inter-digit timeout for the identity", `timeouts: {first_digit: 10s, inter_digit: 5s, overall: 45s}`,
			`timeouts: {first_digit: 10s, overall: 45s}`, `identity.timeouts.inter_digit: missing`},
		{"missing look-up deadline", "deadline: 3s", "deadline: 0s", `lookup.deadline: missing`},
		{"unreachable menu", "  busy:\n", "  orphan:\n    prompts: [main-menu]\n    keys: [{key: \"1\", action: goodbye}]\n" +
			"    tries: 1\n    on_fail: goodbye\n    timeouts: {first_digit: 1s, overall: 2s}\n  busy:\n",
			`menus.orphan: unreachable`},
		{"entry into a missing menu", `greeting: [welcome], menu: main}` + "\n", `greeting: [welcome], menu: mian}` + "\n",
			`entries.mobile.menu: no menu "mian"`},
		{"unknown default entry", "default_entry: mobile", "default_entry: sip", `default_entry: "sip" is not an entry`},
		{"typo in a field name", "no_input: [no-input]\n  incomplete", "no_imput: [no-input]\n  incomplete",
			`field no_imput not found`},
		{"unknown day", "days: [mon, tue,", "days: [senin, tue,", `agent.hours.days[0]: unknown day "senin"`},
		{"bad opening time", `open: "08:00"`, `open: "8am"`, `agent.hours.open: want HH:MM`},
		{"unknown time zone", "timezone: Asia/Jakarta", "timezone: Asia/Bandung", `agent.hours.timezone: unknown time zone`},
		{"a holiday that is no date", "holidays: [2026-12-25]", "holidays: [natal]", `agent.hours.holidays[0]: "natal" is not a date`},
		{"a failed entry that goes nowhere sensible", "tries: 3\n  on_fail: goodbye", "tries: 3\n  on_fail: repeat",
			`birthdate.on_fail: "repeat": want transfer, goodbye or main_menu`},
		{"zero tries", "tries: 3            # silences", "tries: 0            # silences", `menus.main.tries: missing`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(base, c.old) {
				t.Fatalf("default.yaml no longer contains %q; update the test", c.old)
			}
			_, err := Parse([]byte(strings.Replace(base, c.old, c.new, 1)), prompts.Catalogue())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	data := strings.Replace(string(DefaultYAML()), `prompts: [main-menu]`, `prompts: [nope]`, 1)
	data = strings.Replace(data, "deadline: 3s", "deadline: 0s", 1)
	_, err := Parse([]byte(data), prompts.Catalogue())
	if err == nil || !strings.Contains(err.Error(), "menus.main.prompts[0]") || !strings.Contains(err.Error(), "lookup.deadline") {
		t.Errorf("error = %v, want both problems", err)
	}
}

func TestLoadReadsAnOperatorsFileAndFallsBackToTheDefault(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "flow.yaml")
	data := strings.Replace(string(DefaultYAML()), "lookups_per_call: 5", "lookups_per_call: 2", 1)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil || f.Limits.LookupsPerCall != 2 {
		t.Fatalf("Load(file) = %v, %v; want lookups_per_call 2", f, err)
	}
	if f, err = Load(""); err != nil || f.Limits.LookupsPerCall != 5 {
		t.Fatalf(`Load("") = %v, %v; want the default`, f, err)
	}
	if _, err = Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load(missing) = %v, want an error naming the file", err)
	}
}

func TestScaledMultipliesEveryDurationAndLeavesTheOriginalAlone(t *testing.T) {
	t.Parallel()
	f, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	s := f.Scaled(0.5)
	checks := []struct {
		name      string
		orig, got time.Duration
	}{
		{"main first digit", f.Menus["main"].Timeouts.FirstDigit, s.Menus["main"].Timeouts.FirstDigit},
		{"main overall", f.Menus["main"].Timeouts.Overall, s.Menus["main"].Timeouts.Overall},
		{"identity inter digit", f.Identity.Timeouts.InterDigit, s.Identity.Timeouts.InterDigit},
		{"birth date overall", f.BirthDate.Timeouts.Overall, s.BirthDate.Timeouts.Overall},
		{"look-up deadline", f.Lookup.Deadline, s.Lookup.Deadline},
		{"look-up minimum", f.Lookup.MinDuration, s.Lookup.MinDuration},
		{"caller window", f.Limits.CallerWindow, s.Limits.CallerWindow},
		{"playback start", f.Playback.Start, s.Playback.Start},
		{"playback max", f.Playback.Max, s.Playback.Max},
	}
	for _, c := range checks {
		if c.got != c.orig/2 {
			t.Errorf("%s: scaled %v, want half of %v", c.name, c.got, c.orig)
		}
	}
	if f.Menus["main"].Timeouts.FirstDigit != 6*time.Second {
		t.Errorf("Scaled changed the original flow: %v", f.Menus["main"].Timeouts.FirstDigit)
	}
	f.Agent.Hours = &Hours{TimeZone: "Asia/Jakarta", Days: []string{"mon"}, Open: "08:00", Close: "20:00"}
	if err := f.Agent.Hours.compile("agent.hours"); err != nil {
		t.Fatal(err)
	}
	if h, m := f.Scaled(0.5).Agent.Hours.OpenAt(); h != 8 || m != 0 {
		t.Errorf("opening time scaled to %d:%02d; times of day must not scale", h, m)
	}
}

func TestTheDefaultFlowInventsNoAgentHours(t *testing.T) {
	t.Parallel()
	f, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// Care Center 165 is reachable 24 hours (DOMAIN.md); the agents' own hours are BPJS's to publish.
	if f.Agent.Hours != nil {
		t.Fatalf("the built-in flow sets agent hours %+v: they must come from the operator's configuration", *f.Agent.Hours)
	}
	if !f.Agent.Hours.IsOpen(time.Date(2026, 12, 25, 3, 0, 0, 0, time.UTC)) {
		t.Fatal("with no hours configured, agents must be reachable at any hour")
	}
}

func TestAWrongHolidayIsRejectedNamingItsPlace(t *testing.T) {
	t.Parallel()
	h := Hours{TimeZone: "Asia/Jakarta", Days: []string{"mon"}, Open: "08:00", Close: "16:00",
		Holidays: []string{"2026-12-25", "25-12-2026"}}
	err := h.compile("agent.hours")
	if err == nil || !strings.Contains(err.Error(), "agent.hours.holidays[1]") {
		t.Fatalf("compile = %v, want an error naming agent.hours.holidays[1]", err)
	}
}

func TestAgentsAreOpenOnlyWithinTheirHoursInJakartaAndNotOnHolidays(t *testing.T) {
	t.Parallel()
	wib := time.FixedZone("WIB", 7*3600)
	day := func(d, hh, mm int) time.Time { return time.Date(2026, 11, d, hh, mm, 0, 0, wib) } // 23 Nov 2026 is a Monday
	cases := []struct {
		name        string
		days        []string
		open, close string
		at          time.Time
		want        bool
	}{
		{"just before opening", []string{"mon"}, "08:00", "20:00", day(23, 7, 59), false},
		{"at opening", []string{"mon"}, "08:00", "20:00", day(23, 8, 0), true},
		{"just before closing", []string{"mon"}, "08:00", "20:00", day(23, 19, 59), true},
		{"at closing", []string{"mon"}, "08:00", "20:00", day(23, 20, 0), false},
		{"a day not listed", []string{"mon"}, "08:00", "20:00", day(24, 10, 0), false},
		{"the same instant seen from UTC", []string{"mon"}, "08:00", "20:00", day(23, 9, 0).UTC(), true},
		{"until midnight", []string{"mon"}, "00:00", "24:00", day(23, 23, 59), true},
		{"a night shift in the evening", []string{"mon"}, "22:00", "06:00", day(23, 23, 0), true},
		{"a night shift after midnight", []string{"mon"}, "22:00", "06:00", day(24, 5, 0), true},
		{"a night shift that did not start yesterday", []string{"tue"}, "22:00", "06:00", day(24, 5, 0), false},
		{"a listed weekday that is a holiday", []string{"wed"}, "08:00", "20:00", day(25, 10, 0), false},
		{"the holiday seen from UTC the evening before", []string{"wed"}, "08:00", "20:00", day(25, 8, 30).UTC(), false},
		{"the day after a holiday", []string{"thu"}, "08:00", "20:00", day(26, 10, 0), true},
		{"a night shift starting on a holiday", []string{"wed"}, "22:00", "06:00", day(25, 23, 0), false},
		{"a night shift that started the evening before a holiday goes on past midnight", []string{"tue"}, "22:00", "06:00", day(25, 5, 0), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := Hours{TimeZone: "Asia/Jakarta", Days: c.days, Open: c.open, Close: c.close, Holidays: []string{"2026-11-25"}}
			if err := h.compile("hours"); err != nil {
				t.Fatal(err)
			}
			if got := h.IsOpen(c.at); got != c.want {
				t.Errorf("IsOpen(%v) = %v, want %v", c.at, got, c.want)
			}
		})
	}
}
