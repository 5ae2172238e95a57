package store

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
)

// The synthetic call log follows the default flow (dialplan/default.yaml) step by step, with the events and fields
// the IVR records at each step (compare a `vika demo --script` call's call_events): a greeting and the main menu, the
// choice keyed (or cut in on the menu), the NIK or card number keyed digit by digit and logged masked ("x"), the
// identity event with its masked number and keyed hash, the birth date likewise, the look-up with its latency, the
// readout's prompts (a bill is some 40 prompts of numbers and words, a status fewer), the after-readout menu, and the
// hang-up and end. Callers give up at each stage, mistype, get a wrong date, reach a slow directory or ask for an
// agent in roughly the proportions a care-center line sees, so every outcome, menu and funnel stage is present.
// Callers repeat (most once or twice a month, a Zipf-distributed fifth of the calls from repeat callers, the busiest a
// few hundred times) and each calls about one to three family members' numbers, so caller and identity searches find several calls, as they do on the real line.

type seedCall struct {
	id                                            string
	started                                       time.Time
	ended                                         *time.Time
	entry, masked, hash, node, outcome, cause, by *string
	durationMS                                    *int64
}

type seedEvent struct {
	call   int // index into callGen.calls
	seq    int32
	at     time.Time
	kind   calllog.Kind
	fields []byte // JSON
}

// callPopulation is what all chunks share: who calls, through which node, and how traffic spreads over time.
type callPopulation struct {
	callers int // distinct caller numbers
	nodes   []string
	nodeW   []float64
	hourW   [24]float64
	opts    CallLogSeedOptions
}

func newCallPopulation(opts CallLogSeedOptions) *callPopulation {
	return &callPopulation{
		callers: max(opts.Calls*45/100, 10),
		// Asterisk entity ids, as the IVR logs them; the first nodes of a cluster carry more calls.
		nodes: []string{"02:fc:00:00:00:01", "02:fc:00:00:00:02", "02:fc:00:00:00:03", "02:fc:00:00:00:04"},
		nodeW: []float64{0.34, 0.30, 0.24, 0.12},
		// Calls per hour of the day in WIB: quiet at night, a morning peak, a dip at lunch, an afternoon peak.
		hourW: [24]float64{1, 0.6, 0.5, 0.5, 1, 2, 4, 8, 12, 14, 14, 12, 9, 11, 13, 12, 10, 8, 7, 6, 5, 4, 3, 2},
		opts:  opts,
	}
}

type callGen struct {
	pop    *callPopulation
	opts   CallLogSeedOptions
	rng    *rand.Rand
	zipf   *rand.Zipf
	calls  []seedCall
	events []seedEvent

	// the call being generated
	cur     int
	seq     int32
	t       time.Time
	heard   bool // a readout was heard: the call is served whatever follows
	idTries int
}

func (g *callGen) pick(w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	r := g.rng.Float64() * total
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

func (g *callGen) chance(p float64) bool { return g.rng.Float64() < p }

// startTime draws when call i starts: a day in the window (weekends lighter), an hour by the daily profile in WIB.
// The last InProgress calls start in the last five minutes and are still going on.
func (g *callGen) startTime(i int) time.Time {
	end := g.opts.End
	if i >= g.opts.Calls-g.opts.InProgress {
		return end.Add(-time.Duration(g.rng.Int64N(int64(5 * time.Minute))))
	}
	for {
		day := end.In(wib).AddDate(0, 0, -g.rng.IntN(g.opts.Days))
		wd := day.Weekday()
		if (wd == time.Saturday || wd == time.Sunday) && !g.chance(0.55) {
			continue
		}
		h := g.pick(g.pop.hourW[:])
		t := time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, wib).
			Add(time.Duration(g.rng.Int64N(int64(time.Hour))))
		if t.Before(end.Add(-5 * time.Minute)) {
			return t.UTC()
		}
	}
}

// call generates call i and its events.
func (g *callGen) call(i int) {
	if g.zipf == nil {
		// P(k) ∝ (1000+k)^-2: the most frequent caller makes about 0.1% of the repeat calls, a few hundred a month
		// on a log of a million.
		g.zipf = rand.NewZipf(g.rng, 2, 1000, uint64(g.pop.callers-1))
	}
	var idb [12]byte
	for j := range 3 {
		v := g.rng.Uint32()
		idb[4*j], idb[4*j+1], idb[4*j+2], idb[4*j+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	// Most calls come from people who call once or twice a month; a fifth from repeat callers, some of whom call
	// every day.
	caller := g.rng.IntN(g.pop.callers)
	if g.chance(0.2) {
		caller = int(g.zipf.Uint64())
	}
	number, entry := callerNumber(caller)
	masked, hash := seedMaskCaller(number), seedHash(g.opts.HashKey, number)
	node := g.pop.nodes[g.pick(g.pop.nodeW)]
	start := g.startTime(i)
	g.calls = append(g.calls, seedCall{id: hex.EncodeToString(idb[:]), started: start, entry: &entry, masked: &masked,
		hash: &hash, node: &node})
	g.cur, g.seq, g.t, g.heard, g.idTries = len(g.calls)-1, 0, start, false, 0
	g.event(calllog.KindArrival, `{"node":`+q(node)+`,"entry":`+q(entry)+`,"number":`+
		q(map[string]string{"mobile": "165", "landline": "021165"}[entry])+`,"channel":`+
		q("PJSIP/trunk-"+hex.EncodeToString(idb[:4]))+`,"caller_hash":`+q(hash)+`,"caller_masked":`+q(masked)+`}`)
	if i >= g.opts.Calls-g.opts.InProgress {
		g.prompt("welcome", 3962, false)
		g.prompt("main-menu", 14271, g.chance(0.5))
		return // still on the line
	}
	outcome, by := g.flow(caller)
	g.finish(outcome, by)
}

// flow plays the call from the greeting to its end and says how it ended and who hung up.
func (g *callGen) flow(caller int) (outcome, by string) {
	switch r := g.rng.Float64(); {
	case r < 0.0015:
		g.prompt("welcome", 3962, true)
		return "error", "unknown"
	case r < 0.002:
		return "refused", "system"
	case r < 0.0025:
		g.prompt("welcome", 3962, false)
		return "shutdown", "system"
	case r < 0.003:
		return "recovered", "system"
	}
	if g.chance(0.05) {
		g.prompt("welcome", 3962, true)
		return "abandoned", "caller"
	}
	g.prompt("welcome", 3962, false)
	for tries := 0; ; tries++ {
		cut := g.chance(0.45) // regular callers key their choice over the menu
		g.prompt("main-menu", 14271, cut)
		switch r := g.rng.Float64(); {
		case r < 0.06:
			return "abandoned", "caller"
		case r < 0.12:
			g.keyChoice("main", "0")
			return g.transfer("menu")
		case r < 0.15:
			g.prompt("no-input", 2800, false)
			g.menu("main", "no_input")
			if tries == 2 {
				g.menu("main", "on_fail:transfer")
				return g.transfer("on_fail")
			}
			continue
		case r < 0.17:
			g.keyChoice("main", "9")
			continue
		}
		choice := "1"
		if g.chance(0.45) {
			choice = "2"
		}
		g.keyChoice("main", choice)
		return g.identity(caller, choice)
	}
}

// identity collects a number and a birth date, looks them up and reads the answer out.
func (g *callGen) identity(caller int, choice string) (outcome, by string) {
	service := map[string]string{"1": "lookup_status", "2": "lookup_bill"}[choice]
	for {
		if g.chance(0.05) {
			g.prompt("enter-id", 8638, true)
			return g.ended("abandoned"), "caller"
		}
		g.prompt("enter-id", 8638, false)
		kind, digits := "nik", 16
		if g.chance(0.25) {
			kind, digits = "card", 13
		}
		if g.chance(0.04) { // a digit short or a NIK that is not one
			g.keys(digits - 1 - g.rng.IntN(3))
			g.event(calllog.KindIdentity, `{"kind":"unknown","length":`+strconv.Itoa(digits-1)+
				`,"masked":"****","reason":"length"}`)
			g.prompt("id-incomplete", 3100, false)
			g.idTries++
			if g.idTries >= 3 {
				g.menu("identity", "on_fail:transfer")
				return g.transfer("identity")
			}
			continue
		}
		g.keys(digits)
		number := identityNumber(caller*3+g.rng.IntN(3), kind)
		g.event(calllog.KindIdentity, `{"hash":`+q(seedHash(g.opts.HashKey, number))+`,"kind":`+q(kind)+
			`,"length":`+strconv.Itoa(digits)+`,"masked":`+q(jkn.Mask(number))+`}`)
		if g.chance(0.04) {
			g.prompt("enter-birthdate", 18930, true)
			return g.ended("abandoned"), "caller"
		}
		g.prompt("enter-birthdate", 18930, false)
		if g.chance(0.04) {
			g.keys(6)
			g.menu("birthdate", "invalid")
			g.prompt("birthdate-invalid", 3500, false)
			if g.chance(0.3) { // never gets the date right: the flow gives up
				g.prompt("enter-birthdate", 18930, false)
				g.menu("birthdate", "no_input")
				g.prompt("no-input", 2800, false)
				g.prompt("enter-birthdate", 18930, false)
				g.keys(4)
				g.menu("birthdate", "invalid")
				g.menu("birthdate", "on_fail:goodbye")
				g.prompt("goodbye", 2100, false)
				return g.ended("goodbye"), "system"
			}
			g.prompt("enter-birthdate", 18930, true)
		}
		g.keys(8)
		g.menu("birthdate", "entered")
		g.prompt("please-wait", 3484, false)
		switch r := g.rng.Float64(); {
		case r < 0.015: // the directory was down or slow
			outcome := "timeout"
			if r < 0.005 {
				outcome = "error"
			}
			g.lookup(kind, outcome, 3000)
			g.prompt("system-busy", 6200, false)
			if g.chance(0.5) {
				g.keyChoice("busy", "0")
				_, by := g.transfer("busy")
				return g.ended("transferred"), by
			}
			g.prompt("goodbye", 2100, false)
			return g.ended("system_busy"), "system"
		case r < 0.10: // unknown number or wrong date
			g.lookup(kind, "not_found", g.latency())
			g.prompt("data-mismatch", 5200, false)
			g.idTries++
			if g.idTries >= 3 {
				g.prompt("too-many-tries", 4100, false)
				g.prompt("goodbye", 2100, false)
				return g.ended("limited"), "system"
			}
			continue
		}
		g.lookup(kind, "found", g.latency())
		for {
			g.menu("readout", service)
			g.readout(service)
			g.heard = true
			g.prompt("after-readout-menu", 10400, g.chance(0.3))
			switch r := g.rng.Float64(); {
			case r < 0.68:
				return "served", "caller"
			case r < 0.76:
				g.keyChoice("after_readout", "1")
				continue
			case r < 0.85:
				g.keyChoice("after_readout", "0")
				_, by := g.transfer("menu")
				return "transferred", by
			case r < 0.90:
				g.keyChoice("after_readout", "2")
				service = "lookup_status"
				if g.chance(0.5) {
					service = "lookup_bill"
				}
				g.idTries = 0
				return g.identityAgain(caller, service)
			}
			g.prompt("no-input", 2800, false)
			g.menu("after_readout", "no_input")
			g.prompt("after-readout-menu", 10400, false)
			g.menu("after_readout", "on_fail:goodbye")
			g.prompt("goodbye", 2100, false)
			return "served", "system"
		}
	}
}

// identityAgain is a second number in the same call (a family member's), after a readout.
func (g *callGen) identityAgain(caller int, service string) (string, string) {
	choice := "1"
	if service == "lookup_bill" {
		choice = "2"
	}
	_, by := g.identity(caller+1, choice)
	return "served", by
}

func (g *callGen) ended(outcome string) string {
	if g.heard {
		return "served"
	}
	return outcome
}

func (g *callGen) transfer(reason string) (string, string) {
	g.prompt("transfer-agent", 3300, false)
	g.event(calllog.KindTransfer, `{"reason":`+q(reason)+`,"context":"agents","extension":"s","priority":1}`)
	return "transferred", ""
}

// readout plays a status (a few prompts) or a bill (amounts in words: dozens of short prompts).
func (g *callGen) readout(service string) {
	n := 4 + g.rng.IntN(5)
	if service == "lookup_bill" {
		n = 18 + g.rng.IntN(24)
	}
	words := []string{"num-2", "num-3", "word-ratus", "word-ribu", "word-rupiah", "word-puluh", "num-10", "word-bulan",
		"word-juta", "month-11", "num-6"}
	g.prompt(map[string]string{"lookup_status": "status-active", "lookup_bill": "bill-this-month"}[service], 1923, false)
	for range n {
		g.prompt(words[g.rng.IntN(len(words))], 450+g.rng.IntN(300), false)
	}
}

// latency is a look-up's time in milliseconds: a few ms mostly, with a tail when the database is busy.
func (g *callGen) latency() int {
	ms := math.Exp(g.rng.NormFloat64()*0.7 + math.Log(4))
	if g.chance(0.01) {
		ms += float64(g.rng.IntN(800))
	}
	return max(1, int(ms))
}

func (g *callGen) finish(outcome, by string) {
	c := &g.calls[g.cur]
	g.t = g.t.Add(time.Duration(200+g.rng.IntN(800)) * time.Millisecond)
	cause := "16"
	if by != "" {
		switch by {
		case "unknown":
			cause = "0"
		case "asterisk":
			cause = "41"
		}
		g.event(calllog.KindHangup, `{"by":`+q(by)+`,"cause":`+cause+`}`)
		c.cause, c.by = &cause, &by
	}
	dur := g.t.Sub(c.started).Milliseconds()
	end := g.t
	c.ended, c.durationMS, c.outcome = &end, &dur, &outcome
	g.event(calllog.KindEnd, `{"outcome":`+q(outcome)+`,"duration_ms":`+strconv.FormatInt(dur, 10)+`}`)
}

func (g *callGen) event(kind calllog.Kind, fields string) {
	g.seq++
	g.events = append(g.events, seedEvent{call: g.cur, seq: g.seq, at: g.t, kind: kind, fields: []byte(fields)})
}

// prompt plays a prompt of ms milliseconds, cut by a key or a hang-up part way through when cut.
func (g *callGen) prompt(id string, ms int, cut bool) {
	g.t = g.t.Add(time.Duration(300+g.rng.IntN(400)) * time.Microsecond)
	started := g.t
	d := time.Duration(ms) * time.Millisecond
	if cut {
		d = time.Duration(g.rng.Int64N(int64(d)))
	}
	ended := started.Add(d)
	g.event(calllog.KindPrompt, `{"id":`+q(id)+`,"cut":`+strconv.FormatBool(cut)+`,"ended":`+
		q(ended.Format(time.RFC3339Nano))+`,"started":`+q(started.Format(time.RFC3339Nano))+`}`)
	g.t = ended
}

// keys are the digits of a number or date, logged masked, one every quarter second or so.
func (g *callGen) keys(n int) {
	g.t = g.t.Add(time.Duration(800+g.rng.IntN(2000)) * time.Millisecond)
	for range n {
		g.event(calllog.KindKey, `{"digit":"x"}`)
		g.t = g.t.Add(time.Duration(150+g.rng.IntN(250)) * time.Millisecond)
	}
}

// keyChoice is a lone digit a menu took: logged as typed, then the menu's choice.
func (g *callGen) keyChoice(menu, digit string) {
	g.t = g.t.Add(time.Duration(300+g.rng.IntN(1500)) * time.Millisecond)
	g.event(calllog.KindKey, `{"digit":`+q(digit)+`}`)
	g.menu(menu, digit)
}

func (g *callGen) menu(menu, choice string) {
	g.t = g.t.Add(5 * time.Microsecond)
	g.event(calllog.KindMenu, `{"menu":`+q(menu)+`,"choice":`+q(choice)+`}`)
}

func (g *callGen) lookup(kind, outcome string, ms int) {
	g.t = g.t.Add(time.Duration(ms) * time.Millisecond)
	g.event(calllog.KindLookup, `{"kind":`+q(kind)+`,"outcome":`+q(outcome)+`,"latency_ms":`+strconv.Itoa(ms)+`}`)
}

// callerNumber is caller k's number: mostly mobile (165), some landlines in Jakarta (021-165).
func callerNumber(k int) (number, entry string) {
	x := uint64(k)*2654435761%100_000_000 + 0 // a bijection on [0, 10^8) for k < 10^8
	if k%10 < 3 {
		return fmt.Sprintf("021%08d", x), "landline"
	}
	ops := []string{"0811", "0812", "0813", "0821", "0852", "0857", "0878", "0896"}
	return fmt.Sprintf("%s%08d", ops[k%len(ops)], x), "mobile"
}

// identityNumber is person k's NIK or card number (synthetic; not checked against the participants table).
func identityNumber(k int, kind string) string {
	x := uint64(k)*2862933555777941757 + 3037000493
	if kind == "card" {
		return fmt.Sprintf("000%010d", x%10_000_000_000)
	}
	return fmt.Sprintf("3%015d", x%1_000_000_000_000_000)
}

func q(s string) string { return strconv.Quote(s) }
