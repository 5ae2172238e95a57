package asterisksim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// Fault injection: what goes wrong between an ARI app and a real Asterisk.
// Each fault has a test in faults_test.go.

type faultState struct {
	refuseUntil time.Time // WebSocket upgrades get 503 until then
	rest        []*restFault
	drops       []*eventDrop
	delays      map[string]time.Duration // by app: how late its events go out
}

type restFault struct {
	match  RequestMatcher
	delay  time.Duration
	status int
}

type eventDrop struct {
	match EventMatcher
	left  int // < 0: every matching event
}

// RequestMatcher selects REST requests by method and path (the path as sent,
// including /ari, e.g. "/ari/channels/1795374259.35/play").
type RequestMatcher func(method, path string) bool

// EventMatcher selects events by the app they are for and their type.
type EventMatcher func(app, eventType string) bool

// MatchRequest matches method ("" for any) and a path pattern relative to
// /ari in which "*" stands for one segment: MatchRequest("POST", "/channels/*/play").
func MatchRequest(method, pattern string) RequestMatcher {
	want := strings.Split(strings.Trim(pattern, "/"), "/")
	return func(m, path string) bool {
		if method != "" && !strings.EqualFold(method, m) {
			return false
		}
		got := strings.Split(strings.Trim(strings.TrimPrefix(path, "/ari"), "/"), "/")
		if len(got) != len(want) {
			return false
		}
		for i, w := range want {
			if w != "*" && w != got[i] {
				return false
			}
		}
		return true
	}
}

// MatchEvents matches events of the given types ("" or none: any) for app
// ("" for any app).
func MatchEvents(app string, types ...string) EventMatcher {
	return func(a, typ string) bool {
		if app != "" && a != app {
			return false
		}
		return len(types) == 0 || contains(types, typ)
	}
}

// SetRESTFault makes matching REST calls (and WebSocket upgrades) wait
// delay, then fail with status when status is not 0 (body {"message": the
// status text}), or proceed normally when it is 0. The returned func removes
// the fault.
func (s *Server) SetRESTFault(match RequestMatcher, delay time.Duration, status int) (clear func()) {
	f := &restFault{match: match, delay: delay, status: status}
	s.mu.Lock()
	s.faults.rest = append(s.faults.rest, f)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults.rest {
			if x == f {
				s.faults.rest = append(s.faults.rest[:i], s.faults.rest[i+1:]...)
				return
			}
		}
	}
}

// restFault applies the first matching REST fault; it reports whether the
// request was answered with a failure.
func (s *Server) restFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	var f *restFault
	for _, x := range s.faults.rest {
		if x.match(r.Method, r.URL.Path) {
			f = x
			break
		}
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.delay > 0 {
		// A client that gives up does not end the wait: Asterisk's HTTP thread finishes a request whose client
		// went away, and its session counts against sessionlimit until then.
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
		}
	}
	if f.status == 0 {
		return false
	}
	writeError(w, f.status, http.StatusText(f.status))
	return true
}

// DropEvents loses the next n events that match (n < 0: all of them until
// the returned func is called), as a congested or buggy network would.
func (s *Server) DropEvents(n int, match EventMatcher) (clear func()) {
	d := &eventDrop{match: match, left: n}
	s.mu.Lock()
	s.faults.drops = append(s.faults.drops, d)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		d.left = 0
	}
}

// DelayEvents holds every event for app d before it goes out, in order, while REST answers at once: the
// REST answer overtakes the events sent before it, as on a busy client whose WebSocket reader lags (Asterisk
// sends PlaybackFinished and forgets the playback, and a GET of it answers 404 before the event is read). The
// returned func ends the delay for events sent from then on.
func (s *Server) DelayEvents(app string, d time.Duration) (clear func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.delays == nil {
		s.faults.delays = map[string]time.Duration{}
	}
	s.faults.delays[app] = d
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.faults.delays, app)
	}
}

// dropEvent reports whether an event for app is to be lost. Must hold s.mu.
func (f *faultState) dropEvent(app, typ string) bool {
	for i := 0; i < len(f.drops); i++ {
		d := f.drops[i]
		if d.left == 0 {
			f.drops = append(f.drops[:i], f.drops[i+1:]...)
			i--
			continue
		}
		if d.match == nil || d.match(app, typ) {
			if d.left > 0 {
				d.left--
			}
			return true
		}
	}
	return false
}

func (s *Server) refusingUpgrades() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.faults.refuseUntil)
}

// DropWebSockets closes every event WebSocket abruptly (TCP close, no close
// frame) and answers upgrades with 503 for refuseFor. The apps are
// unregistered at once: a call arriving now fails Stasis() as on Asterisk.
// Channels already in an app stay there; events for them are lost until the
// app reconnects.
func (s *Server) DropWebSockets(refuseFor time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.refuseUntil = time.Now().Add(refuseFor)
	for c := range s.conns {
		c.closeNow()
	}
	clear(s.apps)
}

// Restart does what `core restart now` does to an ARI app (websocket-on-restart):
// every channel gets ChannelHangupRequest cause 4 (soft), then goes down with
// cause 0 (playbacks fail, StasisEnd); about 1.1 s later (scaled by Speed)
// every WebSocket ends with a TCP EOF and no close frame; upgrades get 503
// until then. Channel ids and Local names then start again from 0. Restart
// returns when the sockets are closed.
func (s *Server) Restart() {
	closeAfter := s.scaled(1100 * time.Millisecond)
	s.mu.Lock()
	s.faults.refuseUntil = time.Now().Add(closeAfter)
	chans := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		chans = append(chans, ch)
	}
	sort.Slice(chans, func(i, j int) bool { return chans[i].seq < chans[j].seq })
	for _, ch := range chans {
		ch.stopTimers()
		s.emit(evHangupRequest(ch, 4, true), ch)
	}
	for _, ch := range chans {
		switch {
		case ch.gone:
		case ch.half == 1:
			s.callerGone(ch, 0, false)
		default:
			s.pbxEnd(ch, 0)
		}
	}
	// Counters restart, but a restart takes Asterisk more than a second, so
	// new uniqueids never repeat old ones; keep that true when it takes 50 ms.
	s.epoch, s.chanSeq, s.localSeq = max(time.Now().Unix(), s.epoch+1), 0, 0
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	select {
	case <-time.After(closeAfter):
	case <-s.ctx.Done():
	}
	s.mu.Lock()
	clear(s.apps)
	for _, c := range conns {
		c.endAfterFlush()
	}
	s.mu.Unlock()
	for _, c := range conns {
		select {
		case <-c.done:
		case <-time.After(2 * time.Second):
			c.closeNow()
		}
	}
}
