// Package difftest holds the simulated Asterisk to a real one on the same scripted calls. One driver (this
// file) runs each scenario (scenarios.go) against an ARI server as two apps of its own: "vika", the app the
// dialplan's Stasis(vika,...) hands calls to, and "diff-driver", the caller that originates Local channels.
// It records a normalised transcript: every event each app received (type and the fields that matter, ids
// replaced by the scenario's names, Local counters masked) with its server time, and every REST status. The
// test compares the simulator's transcript with the real Asterisk's, live when VIKA_REAL_ARI_URL is set,
// otherwise with testdata/real-asterisk.json recorded from one.
//
// It must not know the simulator: it speaks ARI over HTTP and a WebSocket only.
package difftest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Target is an ARI server to run the scenarios against.
type Target struct {
	URL, User, Password string
	// Speed is the simulator's speed (1 for a real Asterisk): the driver's own pauses are divided by it and
	// recorded times multiplied by it, so transcripts are in Asterisk time on both sides.
	Speed float64
}

// Line is one normalised transcript entry.
type Line struct {
	App  string `json:"app"`  // "vika", "diff-driver" or "rest"
	Text string `json:"text"` // e.g. "PlaybackFinished pb=pb1 media=sound:vika/welcome state=done"
	// AtMS is the event's server time since the last REST request the driver sent before it, in Asterisk
	// time: how long Asterisk took to react (a prompt's length, DTMF timing). Measured from the last action,
	// not from the start, so that the driver's own round trips (multiplied by the simulator's speed) do not
	// add up over a scenario.
	AtMS int64 `json:"at_ms,omitzero"`
	ts   time.Time
	sent int // REST requests sent when the event was received
}

// run is one scenario on one target.
type run struct {
	tg     Target
	name   string // scenario name: the prefix of every id it makes
	hc     *http.Client
	ctx    context.Context
	mu     sync.Mutex
	lines  []Line
	sends  []time.Time // when each REST request went out
	apps   map[string]*appConn
	failed error
}

type appConn struct {
	c      *websocket.Conn
	events chan map[string]any
	done   chan struct{}
}

const (
	appIVR    = "vika"
	appDriver = "diff-driver"
)

func runScenario(ctx context.Context, tg Target, name string, script func(*run) error) ([]Line, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	r := &run{tg: tg, name: name, hc: &http.Client{Timeout: 10 * time.Second}, ctx: ctx, apps: map[string]*appConn{}}
	for _, a := range []string{appIVR, appDriver} {
		if err := r.connect(a); err != nil {
			return nil, err
		}
	}
	err := script(r)
	// Let trailing events (ChannelDestroyed after StasisEnd) arrive before the sockets close.
	r.pause(300 * time.Millisecond)
	for _, a := range r.apps {
		_ = a.c.Close(websocket.StatusNormalClosure, "")
		<-a.done
	}
	if err == nil {
		err = r.failed
	}
	r.timeEvents()
	return r.lines, err
}

// timeEvents sets each event's AtMS from the last request sent before the event arrived (by causality,
// not by comparing clocks: the driver acts within a millisecond of an event, which the millisecond
// timestamps cannot order). The server and the driver share this machine's clock, for the simulator and
// the lab Asterisk alike.
func (r *run) timeEvents() {
	// An event reaches both apps; the earlier arrival is the one that can precede the driver's reaction.
	first := map[string]int{}
	for _, l := range r.lines {
		k := l.Text + l.ts.String()
		if n, ok := first[k]; !ok || l.sent < n {
			first[k] = l.sent
		}
	}
	for i := range r.lines {
		r.lines[i].sent = first[r.lines[i].Text+r.lines[i].ts.String()]
	}
	for i := range r.lines {
		l := &r.lines[i]
		if l.ts.IsZero() || l.sent == 0 {
			continue
		}
		l.AtMS = int64(float64(l.ts.Sub(r.sends[l.sent-1]).Milliseconds()) * r.tg.Speed)
	}
}

func (r *run) connect(app string) error {
	u, err := url.Parse(r.tg.URL)
	if err != nil {
		return err
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path += "/events"
	u.RawQuery = url.Values{"app": {app}, "api_key": {r.tg.User + ":" + r.tg.Password}}.Encode()
	c, _, err := websocket.Dial(r.ctx, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%s: events WebSocket: %w", app, err)
	}
	c.SetReadLimit(1 << 20)
	a := &appConn{c: c, events: make(chan map[string]any, 1000), done: make(chan struct{})}
	r.apps[app] = a
	go func() {
		defer close(a.done)
		defer close(a.events)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var ev map[string]any
			if json.Unmarshal(b, &ev) != nil {
				continue
			}
			r.record(app, ev)
			a.events <- ev
		}
	}()
	return nil
}

// record normalises one event into the transcript.
func (r *run) record(app string, ev map[string]any) {
	ts, _ := time.Parse("2006-01-02T15:04:05.000-0700", str(ev, "timestamp"))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, Line{App: app, Text: r.eventText(ev), ts: ts, sent: len(r.sends)})
}

// wait consumes app's events until one of type typ satisfies match (nil matches any).
func (r *run) wait(app, typ string, match func(map[string]any) bool) (map[string]any, error) {
	a := r.apps[app]
	for {
		select {
		case ev, ok := <-a.events:
			if !ok {
				return nil, fmt.Errorf("%s: WebSocket closed waiting for %s", app, typ)
			}
			if str(ev, "type") == typ && (match == nil || match(ev)) {
				return ev, nil
			}
		case <-r.ctx.Done():
			return nil, fmt.Errorf("%s: no %s: %w", app, typ, r.ctx.Err())
		}
	}
}

// rest sends one request (path relative to /ari, ids already prefixed) and records its status (and the
// error message for 4xx/5xx).
func (r *run) rest(method, path string, q url.Values) (int, map[string]any) {
	u := r.tg.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(r.ctx, method, u, nil)
	if err != nil {
		r.failed = err
		return 0, nil
	}
	req.SetBasicAuth(r.tg.User, r.tg.Password)
	r.mu.Lock()
	// Truncated as Asterisk's event timestamps are, so an immediate reaction is never before its request.
	r.sends = append(r.sends, time.Now().Truncate(time.Millisecond))
	r.mu.Unlock()
	resp, err := r.hc.Do(req)
	if err != nil {
		r.failed = err
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	text := fmt.Sprintf("%s %s -> %d", method, r.sym(path), resp.StatusCode)
	if resp.StatusCode >= 400 {
		text += " " + r.sym(str(body, "message")+str(body, "error"))
	}
	r.mu.Lock()
	r.lines = append(r.lines, Line{App: "rest", Text: text})
	r.mu.Unlock()
	return resp.StatusCode, body
}

// pause waits d of Asterisk time.
func (r *run) pause(d time.Duration) {
	select {
	case <-time.After(time.Duration(float64(d) / r.tg.Speed)):
	case <-r.ctx.Done():
	}
}

// id is the scenario's name for a channel or playback: unique per run, masked back by sym.
func (r *run) id(name string) string { return r.name + "-" + name }

var localCounter = regexp.MustCompile(`-[0-9a-f]{8};`)

// sym replaces the scenario's ids by their short names and masks Local channel counters.
func (r *run) sym(s string) string {
	s = strings.ReplaceAll(s, r.name+"-", "")
	return localCounter.ReplaceAllString(s, "-N;")
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

// eventText keeps what an ARI app acts on: the channel (its name, state and dialplan position), the
// event's own fields, and the playback. Timestamps go to AtMS; asterisk_id and creationtime are dropped.
func (r *run) eventText(ev map[string]any) string {
	var b strings.Builder
	b.WriteString(str(ev, "type"))
	add := func(k, v string) { fmt.Fprintf(&b, " %s=%s", k, v) }
	if ch := obj(ev, "channel"); ch != nil {
		add("ch", r.sym(str(ch, "id")))
		add("name", r.sym(str(ch, "name")))
		add("state", str(ch, "state"))
	}
	switch str(ev, "type") {
	case "StasisStart":
		args, _ := json.Marshal(ev["args"])
		add("args", string(args))
		dp := obj(obj(ev, "channel"), "dialplan")
		add("dp", fmt.Sprintf("%s/%s/%s:%s(%s)", str(dp, "context"), str(dp, "exten"), str(dp, "priority"), str(dp, "app_name"), str(dp, "app_data")))
	case "ChannelDialplan":
		dp := obj(obj(ev, "channel"), "dialplan")
		add("dp", fmt.Sprintf("%s/%s/%s", str(dp, "context"), str(dp, "exten"), str(dp, "priority")))
		add("app", fmt.Sprintf("%s(%s)", str(ev, "dialplan_app"), str(ev, "dialplan_app_data")))
	case "ChannelVarset":
		add("var", str(ev, "variable")+"="+str(ev, "value"))
	case "ChannelHangupRequest":
		add("cause", str(ev, "cause"))
		if str(ev, "soft") == "true" {
			add("soft", "true")
		}
	case "ChannelDestroyed":
		add("cause", str(ev, "cause")+" "+strings.ReplaceAll(str(ev, "cause_txt"), " ", "_"))
	case "ChannelDtmfReceived":
		add("digit", str(ev, "digit"))
		add("ms", str(ev, "duration_ms"))
	case "Dial":
		add("peer", r.sym(str(obj(ev, "peer"), "id")))
		add("status", str(ev, "dialstatus"))
	case "PlaybackStarted", "PlaybackContinuing", "PlaybackFinished":
		pb := obj(ev, "playback")
		add("pb", r.sym(str(pb, "id")))
		add("media", str(pb, "media_uri"))
		if n := str(pb, "next_media_uri"); n != "" {
			add("next", n)
		}
		add("state", str(pb, "state"))
	}
	return b.String()
}
