package asterisksim_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Ids differ between a trace and its replay: channel ids are uniqueids,
// Local names carry a counter, playback ids are UUIDs. Both sides are
// normalised to names that mean the same thing: a channel is its Local name
// with the counter replaced by the order in which the pair first appeared
// (per restart generation), a playback is the trace's id for it.

var localName = regexp.MustCompile(`^(Local/[^;]*-)([0-9a-f]{8})(;[12])$`)

// names normalises one side's channel ids.
type names struct {
	mu       sync.Mutex
	counters map[string]int    // gen/counter -> order of appearance
	byID     map[string]string // channel id -> normalised name
}

func newNames() *names { return &names{counters: map[string]int{}, byID: map[string]string{}} }

func (n *names) norm(name string, gen int) string {
	m := localName.FindStringSubmatch(name)
	if m == nil {
		return name
	}
	key := fmt.Sprintf("%d/%s", gen, m[2])
	k, ok := n.counters[key]
	if !ok {
		k = len(n.counters)
		n.counters[key] = k
	}
	return fmt.Sprintf("%s#%d%s", m[1], k, m[3])
}

// observe records every channel object (id + Local name) in a JSON body.
func (n *names) observe(body json.RawMessage, gen int) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.walk(v, gen)
}

func (n *names) walk(v any, gen int) {
	switch x := v.(type) {
	case map[string]any:
		id, _ := x["id"].(string)
		name, _ := x["name"].(string)
		if id != "" && strings.HasPrefix(name, "Local/") {
			if _, seen := n.byID[id]; !seen {
				n.byID[id] = n.norm(name, gen)
			}
		}
		for _, c := range x {
			n.walk(c, gen)
		}
	case []any:
		for _, c := range x {
			n.walk(c, gen)
		}
	}
}

func (n *names) channel(id string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, ok := n.byID[id]
	return s, ok
}

// idMap translates the trace's ids into the simulator's while replaying.
type idMap struct {
	trace, sim *names
	simByNorm  map[string]string
	pbToSim    map[string]string // trace playback id -> sim playback id
	pbToTrace  map[string]string
	seen       int
}

func newIDMap() *idMap {
	return &idMap{trace: newNames(), sim: newNames(), simByNorm: map[string]string{},
		pbToSim: map[string]string{}, pbToTrace: map[string]string{}}
}

// observeTrace learns every channel of the trace, in file order.
func (m *idMap) observeTrace(trace []traceLine) {
	gen := 0
	for _, l := range trace {
		if l.Kind == "note" && l.App == "operator" && strings.HasPrefix(l.Note, "running restart") {
			gen++
		}
		if l.Kind == "event" || l.Kind == "response" {
			m.trace.observe(l.Body, gen)
		}
	}
}

// learn takes in the simulator lines recorded since the last call.
func (m *idMap) learn(r *run) {
	r.mu.Lock()
	lines := append([]simLine(nil), r.lines[m.seen:]...)
	m.seen = len(r.lines)
	r.mu.Unlock()
	for _, l := range lines {
		m.sim.observe(l.Body, l.gen)
	}
	m.sim.mu.Lock()
	for id, norm := range m.sim.byID {
		m.simByNorm[norm] = id
	}
	m.sim.mu.Unlock()
}

// learnPlayback pairs the playback ids of a play's two 201 responses.
func (m *idMap) learnPlayback(want, got *traceLine) {
	var w, g struct {
		ID       string `json:"id"`
		MediaURI string `json:"media_uri"`
	}
	if json.Unmarshal(want.Body, &w) != nil || json.Unmarshal(got.Body, &g) != nil {
		return
	}
	if w.ID != "" && g.ID != "" && w.MediaURI != "" && g.MediaURI != "" {
		m.pbToSim[w.ID] = g.ID
		m.pbToTrace[g.ID] = w.ID
	}
}

func (m *idMap) value(v string) string {
	if norm, ok := m.trace.channel(v); ok {
		if id, ok := m.simByNorm[norm]; ok {
			return id
		}
	}
	if id, ok := m.pbToSim[v]; ok {
		return id
	}
	return v
}

func (m *idMap) path(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = m.value(s)
	}
	return strings.Join(segs, "/")
}
