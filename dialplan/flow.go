package dialplan

import (
	"time"
)

// Flow is one validated call flow. Build it with Load or Default; a Flow is read-only once built and safe to share
// between every call.
type Flow struct {
	Entries      map[string]Entry `yaml:"entries"`
	DefaultEntry string           `yaml:"default_entry"`
	Menus        map[string]*Menu `yaml:"menus"`
	Identity     Identity         `yaml:"identity"`
	BirthDate    BirthDate        `yaml:"birthdate"`
	Lookup       Lookup           `yaml:"lookup"`
	Limits       Limits           `yaml:"limits"`
	Agent        Agent            `yaml:"agent"`
	Fallback     Target           `yaml:"fallback"`
	Goodbye      []string         `yaml:"goodbye"`
	Playback     Playback         `yaml:"playback"`
}

// Entry is where a call comes in: the number dialled and what the caller hears first. Entries are keyed by the
// argument Asterisk passes to Stasis ("mobile", "landline").
type Entry struct {
	Number   string   `yaml:"number"`
	Greeting []string `yaml:"greeting"`
	Menu     string   `yaml:"menu"`
}

// Action is what a key does.
type Action string

// The actions a key (or a step's on_fail) may name; default.yaml explains each.
const (
	ActionLookupStatus     Action = "lookup_status"
	ActionLookupBill       Action = "lookup_bill"
	ActionCollectIdentity  Action = "collect_identity"
	ActionCollectBirthDate Action = "collect_birthdate"
	ActionRepeat           Action = "repeat"
	ActionMainMenu         Action = "main_menu"
	ActionMenu             Action = "menu"
	ActionTransfer         Action = "transfer"
	ActionGoodbye          Action = "goodbye"
)

var knownActions = map[Action]bool{
	ActionLookupStatus: true, ActionLookupBill: true, ActionCollectIdentity: true, ActionCollectBirthDate: true,
	ActionRepeat: true, ActionMainMenu: true, ActionMenu: true, ActionTransfer: true, ActionGoodbye: true,
}

// Menu is a prompt and a one-key choice. A silence or a key the menu does not map counts as a failure; after Tries
// failures in a row the menu takes OnFail.
type Menu struct {
	Name     string   `yaml:"-"`
	Readout  bool     `yaml:"readout"` // said after a readout: `repeat` reads it again
	Prompts  []string `yaml:"prompts"`
	Keys     []Key    `yaml:"keys"`
	NoInput  []string `yaml:"no_input"`
	Invalid  []string `yaml:"invalid"`
	Tries    int      `yaml:"tries"`
	OnFail   Action   `yaml:"on_fail"`
	Timeouts Timeouts `yaml:"timeouts"`
}

// Key maps one DTMF key to an action (and, for ActionMenu, the menu to go to).
type Key struct {
	Key    string `yaml:"key"`
	Action Action `yaml:"action"`
	Menu   string `yaml:"menu,omitempty"`
}

// Lookup finds the key in the menu; ok is false for a key the menu does not map.
func (m *Menu) Lookup(key string) (Key, bool) {
	for _, k := range m.Keys {
		if k.Key == key {
			return k, true
		}
	}
	return Key{}, false
}

// Timeouts bound one digit collection. FirstDigit runs from the end of the prompts, InterDigit from the last key,
// Overall from the end of the prompts (or the first key, whichever comes first) whatever the caller does.
type Timeouts struct {
	FirstDigit time.Duration `yaml:"first_digit"`
	InterDigit time.Duration `yaml:"inter_digit"`
	Overall    time.Duration `yaml:"overall"`
}

// Identity is the NIK / card number entry.
type Identity struct {
	Prompts    []string `yaml:"prompts"`
	NoInput    []string `yaml:"no_input"`
	Incomplete []string `yaml:"incomplete"`
	Invalid    []string `yaml:"invalid"`
	Tries      int      `yaml:"tries"`
	OnFail     Action   `yaml:"on_fail"`
	Timeouts   Timeouts `yaml:"timeouts"`
}

// BirthDate is the DDMMYYYY entry, the second factor.
type BirthDate struct {
	Prompts  []string `yaml:"prompts"`
	NoInput  []string `yaml:"no_input"`
	Invalid  []string `yaml:"invalid"`
	Tries    int      `yaml:"tries"`
	OnFail   Action   `yaml:"on_fail"`
	Timeouts Timeouts `yaml:"timeouts"`
}

// Lookup is the database step between the entry and the readout.
type Lookup struct {
	Wait        []string      `yaml:"wait"`
	Deadline    time.Duration `yaml:"deadline"`
	MinDuration time.Duration `yaml:"min_duration"`
	Mismatch    []string      `yaml:"mismatch"`
	BusyMenu    string        `yaml:"busy_menu"`
	Menu        string        `yaml:"menu"`
}

// Limits keep the line from being used to enumerate participants and keep a call bounded.
type Limits struct {
	LookupsPerCall       int           `yaml:"lookups_per_call"`
	IdentityTriesPerCall int           `yaml:"identity_tries_per_call"`
	FailedPerCaller      int           `yaml:"failed_per_caller"`
	CallerWindow         time.Duration `yaml:"caller_window"`
	TooMany              []string      `yaml:"too_many"`
	LookupLimit          []string      `yaml:"lookup_limit"`
	CallerLimited        []string      `yaml:"caller_limited"`
	OnLimit              Action        `yaml:"on_limit"`
}

// Agent is the live-agent transfer: where the channel continues in the Asterisk dialplan, and when agents work.
type Agent struct {
	Context   string   `yaml:"context"`
	Extension string   `yaml:"extension"`
	Priority  int      `yaml:"priority"`
	Prompts   []string `yaml:"prompts"`
	Closed    []string `yaml:"closed"`
	Hours     *Hours   `yaml:"hours"` // nil: no hours configured, agents are always reachable
}

// Target is a place in the Asterisk dialplan a channel continues at when it leaves the app.
type Target struct {
	Context   string `yaml:"context"`
	Extension string `yaml:"extension"`
	Priority  int    `yaml:"priority"`
}

// Playback bounds each prompt: ARI reports some failures only by never starting or never finishing a playback.
type Playback struct {
	Start time.Duration `yaml:"start"`
	Max   time.Duration `yaml:"max"`
}

// Scaled returns a copy of the flow with every duration multiplied by f. Tests run the simulated Asterisk f× faster
// than real time and scale the flow by 1/speed so that timeouts keep their meaning relative to the prompts.
// Opening hours are times of day, not durations, and stay as they are.
func (f *Flow) Scaled(factor float64) *Flow {
	c := f.clone()
	s := func(d *time.Duration) { *d = time.Duration(float64(*d) * factor) }
	for _, m := range c.Menus {
		scaleTimeouts(&m.Timeouts, s)
	}
	scaleTimeouts(&c.Identity.Timeouts, s)
	scaleTimeouts(&c.BirthDate.Timeouts, s)
	s(&c.Lookup.Deadline)
	s(&c.Lookup.MinDuration)
	s(&c.Limits.CallerWindow)
	s(&c.Playback.Start)
	s(&c.Playback.Max)
	return c
}

func scaleTimeouts(t *Timeouts, s func(*time.Duration)) {
	s(&t.FirstDigit)
	s(&t.InterDigit)
	s(&t.Overall)
}

// clone copies the flow deeply enough that scaling or editing the copy never touches the original: menus are
// pointers and the only shared state worth copying (prompt slices are never written after load).
func (f *Flow) clone() *Flow {
	c := *f
	c.Menus = make(map[string]*Menu, len(f.Menus))
	for name, m := range f.Menus {
		mc := *m
		c.Menus[name] = &mc
	}
	c.Entries = make(map[string]Entry, len(f.Entries))
	for name, e := range f.Entries {
		c.Entries[name] = e
	}
	return &c
}

// Entry returns the entry for a Stasis argument, or the default entry and false when no entry has that name.
func (f *Flow) Entry(name string) (Entry, string, bool) {
	if e, ok := f.Entries[name]; ok {
		return e, name, true
	}
	return f.Entries[f.DefaultEntry], f.DefaultEntry, false
}
