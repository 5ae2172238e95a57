package dialplan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// validator collects every problem of a flow, each prefixed with its place in the file, so an operator fixes a file
// in one pass instead of one error per start.
type validator struct {
	known PromptSet
	errs  []error
}

func (v *validator) errf(place, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", place, fmt.Sprintf(format, args...)))
}

func (v *validator) flow(f *Flow) {
	v.entries(f)
	for _, name := range sortedKeys(f.Menus) {
		v.menu(f, f.Menus[name])
	}
	v.identity(f)
	v.birthDate(f)
	v.lookup(f)
	v.limits(f)
	v.agent(&f.Agent)
	v.target("fallback", f.Fallback)
	v.prompts("goodbye", f.Goodbye, true)
	v.positive("playback.start", f.Playback.Start)
	v.positive("playback.max", f.Playback.Max)
	v.reachable(f)
}

func (v *validator) entries(f *Flow) {
	if len(f.Entries) == 0 {
		v.errf("entries", "missing: at least one entry (mobile, landline)")
	}
	for _, name := range sortedKeys(f.Entries) {
		e, place := f.Entries[name], "entries."+name
		if e.Number == "" {
			v.errf(place+".number", "missing")
		}
		v.prompts(place+".greeting", e.Greeting, false)
		v.menuRef(f, place+".menu", e.Menu)
	}
	if _, ok := f.Entries[f.DefaultEntry]; !ok {
		v.errf("default_entry", "%q is not an entry", f.DefaultEntry)
	}
}

func (v *validator) menu(f *Flow, m *Menu) {
	place := "menus." + m.Name
	v.prompts(place+".prompts", m.Prompts, true)
	v.prompts(place+".no_input", m.NoInput, false)
	v.prompts(place+".invalid", m.Invalid, false)
	if len(m.Keys) == 0 {
		v.errf(place+".keys", "missing: a menu needs at least one key")
	}
	seen := map[string]bool{}
	for i, k := range m.Keys {
		kp := fmt.Sprintf("%s.keys[%d]", place, i)
		switch {
		case len(k.Key) != 1 || !strings.Contains("0123456789*#", k.Key):
			v.errf(kp, "key %q is not one of 0-9 * #", k.Key)
		case seen[k.Key]:
			v.errf(kp, "duplicate key %q", k.Key)
		}
		seen[k.Key] = true
		v.action(f, kp, k.Action, k.Menu)
	}
	v.atLeastOne(place+".tries", m.Tries)
	v.action(f, place+".on_fail", m.OnFail, "")
	v.timeouts(place+".timeouts", m.Timeouts, false)
}

// action checks a key's or a step's action; only ActionMenu takes a target menu.
func (v *validator) action(f *Flow, place string, a Action, menu string) {
	if !knownActions[a] {
		v.errf(place, "unknown action %q", a)
		return
	}
	if a == ActionMenu {
		v.menuRef(f, place+".menu", menu)
	} else if menu != "" {
		v.errf(place+".menu", "only action menu takes a menu (action is %q)", a)
	}
}

func (v *validator) identity(f *Flow) {
	id := f.Identity
	v.prompts("identity.prompts", id.Prompts, true)
	v.prompts("identity.no_input", id.NoInput, true)
	v.prompts("identity.incomplete", id.Incomplete, true)
	v.prompts("identity.invalid", id.Invalid, true)
	v.atLeastOne("identity.tries", id.Tries)
	v.stepFail("identity.on_fail", id.OnFail)
	v.timeouts("identity.timeouts", id.Timeouts, true)
}

func (v *validator) birthDate(f *Flow) {
	b := f.BirthDate
	v.prompts("birthdate.prompts", b.Prompts, true)
	v.prompts("birthdate.no_input", b.NoInput, true)
	v.prompts("birthdate.invalid", b.Invalid, true)
	v.atLeastOne("birthdate.tries", b.Tries)
	v.stepFail("birthdate.on_fail", b.OnFail)
	v.timeouts("birthdate.timeouts", b.Timeouts, true)
}

// stepFail is where a failed entry step goes: only ending actions make sense there, since the caller has just
// failed to say who they are.
func (v *validator) stepFail(place string, a Action) {
	switch a {
	case ActionTransfer, ActionGoodbye, ActionMainMenu:
	default:
		v.errf(place, "%q: want transfer, goodbye or main_menu", a)
	}
}

func (v *validator) lookup(f *Flow) {
	l := f.Lookup
	v.prompts("lookup.wait", l.Wait, false)
	v.prompts("lookup.mismatch", l.Mismatch, true)
	v.positive("lookup.deadline", l.Deadline)
	if l.MinDuration < 0 {
		v.errf("lookup.min_duration", "negative")
	}
	v.menuRef(f, "lookup.busy_menu", l.BusyMenu)
	v.menuRef(f, "lookup.menu", l.Menu)
}

func (v *validator) limits(f *Flow) {
	l := f.Limits
	v.atLeastOne("limits.lookups_per_call", l.LookupsPerCall)
	v.atLeastOne("limits.identity_tries_per_call", l.IdentityTriesPerCall)
	v.atLeastOne("limits.failed_per_caller", l.FailedPerCaller)
	v.positive("limits.caller_window", l.CallerWindow)
	v.prompts("limits.too_many", l.TooMany, true)
	v.prompts("limits.lookup_limit", l.LookupLimit, true)
	v.prompts("limits.caller_limited", l.CallerLimited, true)
	v.stepFail("limits.on_limit", l.OnLimit)
}

func (v *validator) agent(a *Agent) {
	if a.Context == "" {
		v.errf("agent.context", "missing")
	}
	if a.Extension == "" {
		v.errf("agent.extension", "missing")
	}
	v.atLeastOne("agent.priority", a.Priority)
	v.prompts("agent.prompts", a.Prompts, false)
	v.prompts("agent.closed", a.Closed, true)
	if a.Hours == nil {
		return
	}
	if err := a.Hours.compile("agent.hours"); err != nil {
		v.errs = append(v.errs, err)
	}
}

func (v *validator) target(place string, t Target) {
	if t.Context == "" {
		v.errf(place+".context", "missing")
	}
	if t.Extension == "" {
		v.errf(place+".extension", "missing")
	}
	v.atLeastOne(place+".priority", t.Priority)
}

func (v *validator) prompts(place string, ids []string, required bool) {
	if required && len(ids) == 0 {
		v.errf(place, "missing: at least one prompt id")
	}
	for i, id := range ids {
		if !v.known.Has(id) {
			v.errf(fmt.Sprintf("%s[%d]", place, i), "unknown prompt id %q", id)
		}
	}
}

func (v *validator) menuRef(f *Flow, place, name string) {
	if name == "" {
		v.errf(place, "missing")
		return
	}
	if _, ok := f.Menus[name]; !ok {
		v.errf(place, "no menu %q", name)
	}
}

// timeouts requires the first-digit and overall timeouts everywhere, and the inter-digit one where more than one
// key is collected.
func (v *validator) timeouts(place string, t Timeouts, multiDigit bool) {
	v.positive(place+".first_digit", t.FirstDigit)
	v.positive(place+".overall", t.Overall)
	if multiDigit {
		v.positive(place+".inter_digit", t.InterDigit)
	}
	if t.InterDigit < 0 {
		v.errf(place+".inter_digit", "negative")
	}
}

func (v *validator) positive(place string, d time.Duration) {
	if d <= 0 {
		v.errf(place, "missing (want a duration such as 5s)")
	}
}

func (v *validator) atLeastOne(place string, n int) {
	if n < 1 {
		v.errf(place, "missing (want 1 or more)")
	}
}

// reachable reports menus no caller can reach: from the entries' menus through keys, the look-up's menus (when a key
// starts a look-up) and main_menu (which returns to an entry's menu, already a root).
func (v *validator) reachable(f *Flow) {
	seen := map[string]bool{}
	var queue []string
	visit := func(name string) {
		if _, ok := f.Menus[name]; ok && !seen[name] {
			seen[name] = true
			queue = append(queue, name)
		}
	}
	for _, name := range sortedKeys(f.Entries) {
		visit(f.Entries[name].Menu)
	}
	for len(queue) > 0 {
		m := f.Menus[queue[0]]
		queue = queue[1:]
		for _, k := range m.Keys {
			switch k.Action {
			case ActionMenu:
				visit(k.Menu)
			case ActionLookupStatus, ActionLookupBill, ActionCollectIdentity, ActionCollectBirthDate:
				visit(f.Lookup.Menu)
				visit(f.Lookup.BusyMenu)
			}
		}
	}
	for _, name := range sortedKeys(f.Menus) {
		if !seen[name] {
			v.errf("menus."+name, "unreachable: no entry or key leads to it")
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return slices.Clip(keys)
}
