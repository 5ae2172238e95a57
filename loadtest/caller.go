package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// Call is one caller's call, over ARI (phone.Call) or SIP (sipphone.Call).
type Call interface {
	WaitPrompt(ctx context.Context, id string) (phone.Heard, error)
	WaitAnyPrompt(ctx context.Context) (phone.Heard, error)
	Press(ctx context.Context, keys string, opts ...phone.PressOption) error
	Hangup(ctx context.Context) error
	Transcript() phone.Transcript
}

// Dialer places a call to number (165 or 021165) from the caller's number.
type Dialer func(ctx context.Context, number, caller string) (Call, error)

// Identity is a participant a caller keys in: the callers are real rows of the database the app reads.
type Identity struct {
	NIK, Card string
	BirthDate time.Time
}

// A step waits for a prompt to start, then (after a caller's pause, if any) presses keys or hangs up.
type step struct {
	wait   string // prompt id to wait for; "" continues at once
	keys   string // keys to press then; "" none
	hangup bool   // hang up once wait started: mid-prompt
}

// scenario is one kind of caller: the steps it takes for the participant it keys in.
type scenario func(id Identity) []step

// The scenarios are what callers of 165 do: the two services by either number (a card number is 13 digits and
// needs #, a NIK ends by itself at 16), a wrong key first, everything keyed ahead while the menu plays, hanging
// up in the middle of a prompt, and asking for an agent. Each ends by hanging up (or being transferred).
var scenarios = map[string]scenario{
	"status-nik":  func(id Identity) []step { return lookup("1", id.NIK, id) },
	"status-card": func(id Identity) []step { return lookup("1", id.Card+"#", id) },
	"bill-nik":    func(id Identity) []step { return lookup("2", id.NIK, id) },
	"bill-card":   func(id Identity) []step { return lookup("2", id.Card+"#", id) },
	"wrong-key": func(id Identity) []step {
		return append([]step{{wait: "main-menu", keys: "7"}, {wait: "invalid-key"}}, lookup("1", id.NIK, id)...)
	},
	"type-ahead": func(id Identity) []step {
		return []step{{wait: "main-menu", keys: "1" + id.NIK}, {wait: "enter-birthdate", keys: ddmmyyyy(id)}, {wait: "after-readout-menu"}}
	},
	"hangup-mid-prompt": func(Identity) []step {
		return []step{{wait: "main-menu", keys: "2"}, {wait: "enter-id", hangup: true}}
	},
	"agent": func(Identity) []step {
		return []step{{wait: "main-menu", keys: "0"}, {wait: "transfer-agent", hangup: true}}
	},
}

func lookup(service, number string, id Identity) []step {
	return []step{{wait: "main-menu", keys: service}, {wait: "enter-id", keys: number},
		{wait: "enter-birthdate", keys: ddmmyyyy(id)}, {wait: "after-readout-menu"}}
}

func ddmmyyyy(id Identity) string { return id.BirthDate.Format("02012006") }

// DefaultMix is the share of each scenario in a run: mostly the two services, and the rest of what people do.
const DefaultMix = "status-nik=25,status-card=15,bill-nik=15,bill-card=10,wrong-key=10,type-ahead=10,hangup-mid-prompt=5,agent=10"

// Mix is the scenarios and their weights.
type Mix struct {
	names   []string
	weights []int
	total   int
}

// ParseMix reads "name=weight,..." (a bare name weighs 1). Unknown names are an error that lists the known ones.
func ParseMix(s string) (Mix, error) {
	var m Mix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, hasW := strings.Cut(part, "=")
		if _, ok := scenarios[name]; !ok {
			return Mix{}, fmt.Errorf("unknown caller scenario %q (known: %s)", name, strings.Join(ScenarioNames(), ", "))
		}
		weight := 1
		if hasW {
			n, err := strconv.Atoi(w)
			if err != nil || n < 0 {
				return Mix{}, fmt.Errorf("scenario %s: weight %q is not a whole number ≥ 0", name, w)
			}
			weight = n
		}
		m.names, m.weights, m.total = append(m.names, name), append(m.weights, weight), m.total+weight
	}
	if m.total == 0 {
		return Mix{}, fmt.Errorf("no caller scenario with a weight above 0 in %q", s)
	}
	return m, nil
}

// ScenarioNames lists the scenarios, sorted.
func ScenarioNames() []string {
	out := make([]string, 0, len(scenarios))
	for n := range scenarios {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// pick draws a scenario's name by weight.
func (m Mix) pick(r *rand.Rand) string {
	n := r.IntN(m.total)
	for i, w := range m.weights {
		if n < w {
			return m.names[i]
		}
		n -= w
	}
	return m.names[len(m.names)-1]
}

// String is the mix as ParseMix reads it.
func (m Mix) String() string {
	parts := make([]string, len(m.names))
	for i := range m.names {
		parts[i] = fmt.Sprintf("%s=%d", m.names[i], m.weights[i])
	}
	return strings.Join(parts, ",")
}

func newRand(seed, i uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, i)) }
