package extconf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrNoRoute means no extension in the context (or what it includes) matches the dialled number, or the
// priority asked for does not exist. Asterisk answers an originate to such a Local channel with 200 and
// then destroys both halves with cause 0; the simulator does the same.
var ErrNoRoute = errors.New("no such extension")

// Step is one application the channel executes, in the shape of ARI's channel.dialplan and of the
// ChannelDialplan event (dialplan_app, dialplan_app_data).
type Step struct {
	Context  string // the channel's context (stays the dialled one when the extension came from an include)
	Exten    string // the channel's extension: the dialled number, not the pattern
	Priority int
	Label    string
	App      string
	Data     string      // after ${VAR} substitution, as app_data shows it
	FoundIn  string      // the context that defines the line (differs from Context after include =>)
	Pattern  string      // the extension name that matched, e.g. "_X." or "165"
	Stasis   *StasisCall // non-nil when App is Stasis
	Pos      Pos
}

// StasisCall is Stasis(app[,args...]) split as app_stasis does: on commas, the first field the app name.
type StasisCall struct {
	App  string
	Args []string
}

// End says why a walk stopped.
type End int

const (
	EndStasis  End = iota + 1 // last step is Stasis: hand the channel to the app
	EndHangup                 // last step is Hangup()
	EndFellOff                // the next priority does not exist: Asterisk hangs up (autofallthrough=yes)
	EndBadGoto                // a Goto/GotoIf pointed nowhere: Asterisk hangs up
)

func (e End) String() string {
	switch e {
	case EndStasis:
		return "stasis"
	case EndHangup:
		return "hangup"
	case EndFellOff:
		return "fell off the end"
	case EndBadGoto:
		return "goto to nowhere"
	}
	return "unknown"
}

// Route is what a channel does from where the walk started until it reaches Stasis, hangs up or runs
// out of dialplan. Every step is included, Goto and NoOp too, because Asterisk reports each as a
// ChannelDialplan event.
type Route struct {
	Steps []Step
	End   End
	Vars  map[string]string // channel variables after the walk (Set and the ones passed in)
}

// Stasis returns the Stasis step the route ends at.
func (r Route) Stasis() (Step, bool) {
	if r.End != EndStasis || len(r.Steps) == 0 {
		return Step{}, false
	}
	return r.Steps[len(r.Steps)-1], true
}

// Last returns the final step, if any.
func (r Route) Last() (Step, bool) {
	if len(r.Steps) == 0 {
		return Step{}, false
	}
	return r.Steps[len(r.Steps)-1], true
}

// maxSteps stops Goto loops; Asterisk would loop forever, a test must not.
const maxSteps = 1000

// Route walks a freshly dialled number from priority 1.
func (d *Dialplan) Route(context, exten string) (Route, error) {
	return d.Walk(context, exten, 1, nil)
}

// AfterStasis continues after a Stasis step returned with the given STASISSTATUS ("FAILED" when the app
// was not connected, "SUCCESS" when it let the channel go without continue or hangup), at the next priority
// as pbx.c does.
func (d *Dialplan) AfterStasis(s Step, status string, vars map[string]string) (Route, error) {
	v := copyVars(vars)
	v["STASISSTATUS"] = status
	return d.Walk(s.Context, s.Exten, s.Priority+1, v)
}

// Walk runs the dialplan from (context, exten, priority) with the given channel variables (function values
// such as "CALLERID(num)" are looked up by that name), following
// Goto, GotoIf and Set, until Stasis, Hangup, or a dead end. Applications it does not interpret (Answer,
// Playback, Queue, Wait, ...) are listed as steps and the walk moves to the next priority, as they would
// when they return. The first position must exist, or the error wraps ErrNoRoute.
func (d *Dialplan) Walk(context, exten string, priority int, vars map[string]string) (Route, error) {
	w := walker{d: d, vars: copyVars(vars)}
	if _, _, err := d.find(context, exten, priority); err != nil {
		return Route{}, err
	}
	return w.run(context, exten, priority)
}

type walker struct {
	d    *Dialplan
	vars map[string]string
}

func (w *walker) run(context, exten string, priority int) (Route, error) {
	r := Route{}
	for len(r.Steps) < maxSteps {
		pr, found, err := w.d.find(context, exten, priority)
		if err != nil {
			if len(r.Steps) == 0 {
				return r, err
			}
			r.End = EndFellOff
			if last := r.Steps[len(r.Steps)-1]; isGoto(last.App) {
				r.End = EndBadGoto
			}
			r.Vars = w.vars
			return r, nil
		}
		w.vars["CONTEXT"], w.vars["EXTEN"], w.vars["PRIORITY"] = context, exten, strconv.Itoa(priority)
		st := Step{Context: context, Exten: exten, Priority: priority, Label: pr.Label, App: pr.App,
			Data: w.expand(pr.Data), FoundIn: found.ctx, Pattern: found.ext.Name, Pos: pr.Pos}
		if strings.EqualFold(st.App, "Stasis") {
			st.Stasis = parseStasis(st.Data)
		}
		r.Steps = append(r.Steps, st)
		switch strings.ToLower(st.App) {
		case "stasis":
			r.End, r.Vars = EndStasis, w.vars
			return r, nil
		case "hangup":
			r.End, r.Vars = EndHangup, w.vars
			return r, nil
		case "set":
			w.set(st.Data)
		case "goto":
			context, exten, priority, err = w.target(st.Data, context, exten, found.ext)
			if err != nil {
				return r, fmt.Errorf("%s: %w", pr.Pos, err)
			}
			continue
		case "gotoif":
			dest, jump := w.gotoIf(st.Data)
			if jump {
				context, exten, priority, err = w.target(dest, context, exten, found.ext)
				if err != nil {
					return r, fmt.Errorf("%s: %w", pr.Pos, err)
				}
				continue
			}
		}
		priority++
	}
	return r, fmt.Errorf("extconf: more than %d steps from %s,%s: a Goto loop?", maxSteps, context, exten)
}

func isGoto(app string) bool {
	a := strings.ToLower(app)
	return a == "goto" || a == "gotoif"
}

// found says where a priority line was found.
type found struct {
	ctx string
	ext *Extension
}

// find looks up (context, exten, priority) as pbx_find_extension does: the context's own extensions
// first (exact before patterns, then the most specific pattern), then each include in order.
func (d *Dialplan) find(context, exten string, priority int) (*Priority, found, error) {
	ext, in, ok := d.match(context, exten, map[string]bool{})
	if !ok {
		return nil, found{}, fmt.Errorf("%w: %s@%s", ErrNoRoute, exten, context)
	}
	pr, ok := ext.Priority(priority)
	if !ok {
		return nil, found{}, fmt.Errorf("%w: %s@%s priority %d", ErrNoRoute, exten, context, priority)
	}
	return pr, found{ctx: in, ext: ext}, nil
}

func (d *Dialplan) match(context, exten string, seen map[string]bool) (*Extension, string, bool) {
	c, ok := d.Contexts[context]
	if !ok || seen[context] {
		return nil, "", false
	}
	seen[context] = true
	var best *Extension
	for _, e := range c.Extens {
		if !matchExten(e.Name, exten) {
			continue
		}
		if !isPattern(e.Name) {
			return e, context, true
		}
		if best == nil || morePreciseThan(e.Name, best.Name) {
			best = e
		}
	}
	if best != nil {
		return best, context, true
	}
	for _, inc := range c.Includes {
		// include => ctx,timespec: the time condition is ignored; the walk is timeless.
		name, _, _ := strings.Cut(inc, ",")
		if e, in, ok := d.match(strings.TrimSpace(name), exten, seen); ok {
			return e, in, true
		}
	}
	return nil, "", false
}

// target resolves a Goto destination: [[context,]exten,]priority, where priority is a number or a label
// of the destination extension.
func (w *walker) target(dest, context, exten string, cur *Extension) (string, string, int, error) {
	parts := splitArgs(dest)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	var prio string
	switch len(parts) {
	case 1:
		prio = parts[0]
	case 2:
		exten, prio = parts[0], parts[1]
	case 3:
		context, exten, prio = parts[0], parts[1], parts[2]
	default:
		return "", "", 0, fmt.Errorf("bad Goto destination %q", dest)
	}
	if n, err := strconv.Atoi(prio); err == nil {
		return context, exten, n, nil
	}
	ext := cur
	if len(parts) > 1 {
		e, _, ok := w.d.match(context, exten, map[string]bool{})
		if !ok {
			// Asterisk hangs the channel up; let run() report it as EndBadGoto.
			return context, exten, 1 << 30, nil
		}
		ext = e
	}
	n, ok := ext.Label(prio)
	if !ok {
		return context, exten, 1 << 30, nil
	}
	return context, exten, n, nil
}

// gotoIf splits "cond?iftrue[:iffalse]" and evaluates cond. It returns the destination to jump to, or
// jump=false to continue with the next priority (the chosen side is empty).
func (w *walker) gotoIf(data string) (dest string, jump bool) {
	cond, dests, ok := strings.Cut(data, "?")
	if !ok {
		return "", false
	}
	ifTrue, ifFalse, _ := strings.Cut(dests, ":")
	dest = ifFalse
	if truthy(cond) { // cond has been through expand: $[...] is already 1 or 0
		dest = ifTrue
	}
	dest = strings.TrimSpace(dest)
	return dest, dest != ""
}

// set handles Set(NAME=value); function writes like CHANNEL(language)=id are kept under their written name.
func (w *walker) set(data string) {
	name, value, ok := strings.Cut(data, "=")
	if !ok {
		return
	}
	w.vars[strings.TrimSpace(name)] = value
}

func parseStasis(data string) *StasisCall {
	args := splitArgs(data)
	if len(args) == 0 || strings.TrimSpace(args[0]) == "" {
		return &StasisCall{}
	}
	sc := &StasisCall{App: args[0]}
	if len(args) > 1 {
		sc.Args = args[1:]
	}
	return sc
}

// splitArgs splits application data on commas as Asterisk's standard_app_args does: commas inside
// parentheses, brackets or double quotes do not split, and a backslash escapes the next character.
func splitArgs(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	var cur strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			continue
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[':
			depth++
		case (c == ')' || c == ']') && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String())
}

func copyVars(v map[string]string) map[string]string {
	out := make(map[string]string, len(v)+4)
	for k, x := range v {
		out[k] = x
	}
	return out
}
