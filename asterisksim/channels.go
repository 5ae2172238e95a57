package asterisksim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// REST handlers of /channels. Status codes and messages are those of
// Asterisk 22 (rest-errors, continue-in-dialplan, app-hangup).

const (
	msgChannelNotFound = "Channel not found"
	msgNotInStasis     = "Channel not in Stasis application"
)

func (s *Server) listChannels(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	list := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		list = append(list, ch)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	out := make([]channelJSON, len(list))
	for i, ch := range list {
		out[i] = ch.snapshot()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// originate is POST /channels and POST /channels/{channelId}. Only Local
// channels exist here: any other technology fails to allocate, as chan_pjsip
// does on a build without it.
func (s *Server) originate(w http.ResponseWriter, r *request) {
	p := r.params
	endpoint := p.get("endpoint")
	if endpoint == "" {
		writeError(w, http.StatusBadRequest, "Endpoint must be specified")
		return
	}
	app, exten := p.get("app"), p.get("extension")
	if app == "" && exten == "" {
		writeError(w, http.StatusBadRequest, "Application or extension must be specified")
		return
	}
	tech, rest, _ := strings.Cut(endpoint, "/")
	if !strings.EqualFold(tech, "Local") || rest == "" {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "Allocation failed"})
		return
	}
	sp := localSpec{app: app, id1: p.get("channelId"), id2: p.get("otherChannelId"), vars: p.objs["variables"]}
	if id := r.vars["channelId"]; id != "" {
		sp.id1 = id
	}
	dest, _, _ := strings.Cut(rest, "/") // drop Local options such as /n
	sp.exten, sp.context, _ = strings.Cut(dest, "@")
	if sp.context == "" {
		sp.context = "default"
	}
	if args := p.get("appArgs"); args != "" {
		sp.appArgs = strings.Split(args, ",")
	}
	if cid := p.get("callerId"); cid != "" {
		sp.caller, sp.hasCallerID = parseCallerID(cid), true
	}
	if app == "" {
		sp.dialContext, sp.dialExten, sp.dialPriority = p.get("context"), exten, p.int("priority", 1)
		if sp.dialContext == "" {
			sp.dialContext = "default"
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range []string{sp.id1, sp.id2} {
		if id != "" && s.channels[id] != nil {
			writeError(w, http.StatusConflict, "Channel with given unique ID already exists")
			return
		}
	}
	c1, c2 := s.newLocalPair(sp)
	resp := c1.snapshot()
	s.startLocal(c1, c2, sp)
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) getChannel(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	ch := s.lookupChannel(r.vars["channelId"])
	var snap channelJSON
	if ch != nil {
		snap = ch.snapshot()
	}
	s.mu.Unlock()
	if ch == nil {
		writeError(w, http.StatusNotFound, msgChannelNotFound)
		return
	}
	writeJSON(w, http.StatusOK, snap)
}

// hangupChannel is DELETE /channels/{id}?reason=|reason_code=.
func (s *Server) hangupChannel(w http.ResponseWriter, r *request) {
	cause := 16
	if code := r.params.get("reason_code"); code != "" {
		n, err := strconv.Atoi(code)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Invalid reason for hangup reason provided")
			return
		}
		cause = n
	} else if reason := r.params.get("reason"); reason != "" {
		n, ok := hangupCauses[reason]
		if !ok {
			writeError(w, http.StatusBadRequest, "Invalid reason for hangup reason provided")
			return
		}
		cause = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.lookupChannel(r.vars["channelId"])
	if ch == nil {
		writeError(w, http.StatusNotFound, msgChannelNotFound)
		return
	}
	s.appHangup(ch, cause)
	writeNoContent(w)
}

func (s *Server) answerChannel(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.stasisChannel(w, r.vars["channelId"])
	if !ok {
		return
	}
	s.answer(ch)
	writeNoContent(w)
}

// stasisChannel finds a channel an app may control: 404 when it does not
// exist, 409 when it has left Stasis. Must hold s.mu.
func (s *Server) stasisChannel(w http.ResponseWriter, id string) (*channel, bool) {
	ch := s.lookupChannel(id)
	if ch == nil {
		writeError(w, http.StatusNotFound, msgChannelNotFound)
		return nil, false
	}
	if !ch.inStasis && !ch.hangingUp {
		writeError(w, http.StatusConflict, msgNotInStasis)
		return nil, false
	}
	return ch, true
}

// continueChannel is POST /channels/{id}/continue: StasisEnd, then the
// channel runs the dialplan from there (continue-in-dialplan). Without a
// priority it starts at 1 of the given extension; with nothing at all, at
// the next priority.
func (s *Server) continueChannel(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.stasisChannel(w, r.vars["channelId"])
	if !ok {
		return
	}
	p := r.params
	context, exten := p.get("context"), p.get("extension")
	priority := p.int("priority", 0)
	if context == "" && exten == "" && priority == 0 {
		priority = ch.dp.Priority + 1
	}
	if context == "" {
		context = ch.dp.Context
	}
	if exten == "" {
		exten = ch.dp.Exten
	}
	if priority == 0 {
		priority = 1
	}
	writeNoContent(w)
	s.leaveStasis(ch)
	s.runFrom(ch, context, exten, priority)
}

// redirectChannel is POST /channels/{id}/redirect?endpoint=Local/x@ctx.
// Modelled as a continue to that extension (the simulator has no other
// channel technology to redirect to).
func (s *Server) redirectChannel(w http.ResponseWriter, r *request) {
	endpoint := r.params.get("endpoint")
	if endpoint == "" {
		writeError(w, http.StatusBadRequest, "Required parameter endpoint not provided")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.stasisChannel(w, r.vars["channelId"])
	if !ok {
		return
	}
	tech, rest, _ := strings.Cut(endpoint, "/")
	if !strings.EqualFold(tech, "Local") {
		writeError(w, http.StatusUnprocessableEntity, "Endpoint parameter '"+endpoint+"' does not contain a valid technology")
		return
	}
	dest, _, _ := strings.Cut(rest, "/")
	exten, context, _ := strings.Cut(dest, "@")
	if context == "" {
		context = "default"
	}
	writeNoContent(w)
	s.leaveStasis(ch)
	s.runFrom(ch, context, exten, 1)
}

// sendDTMF is POST /channels/{id}/dtmf. It returns at once; digits are
// generated afterwards, each ChannelDtmfReceived at the end of its digit, on
// the Local peer (DTMF sent on ;1 is received on ;2). Timing as traced
// (dtmf-sequence): the first after before+duration+100 ms, then one every
// duration+between ms. Sends queue behind each other on a channel.
func (s *Server) sendDTMF(w http.ResponseWriter, r *request) {
	p := r.params
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.stasisChannel(w, r.vars["channelId"])
	if !ok {
		return
	}
	digits := p.get("dtmf")
	if digits == "" {
		writeError(w, http.StatusBadRequest, "DTMF is required")
		return
	}
	before, between := p.millis("before", 0), p.millis("between", 100)
	duration, after := p.millis("duration", 100), p.millis("after", 0)
	target := ch
	if ch.peer != nil && !ch.peer.gone {
		target = ch.peer
	}
	now := s.now()
	start := now
	if ch.dtmfFree.After(now) {
		start = ch.dtmfFree
	}
	first := start.Sub(now) + s.scaled(before+duration+100*time.Millisecond)
	n := time.Duration(len(digits))
	ch.dtmfFree = start.Add(s.scaled(before + 100*time.Millisecond + n*duration + (n-1)*between + after))
	s.sendDigit(target, digits, int(duration/time.Millisecond), now.Add(first), s.scaled(duration+between))
	writeNoContent(w)
}

// sendDigit schedules one digit due at `at` and, when it fires, the next at
// at+every: one pending timer per sending, however long the string. Each
// digit is timed from the planned time of the one before, not from when its
// timer fired, so timer lateness does not add up over a 16-digit NIK (it did:
// +25 ms a digit at speed 10, against the lab's steady 270 ms).
func (s *Server) sendDigit(target *channel, digits string, durationMS int, at time.Time, every time.Duration) {
	if digits == "" {
		return
	}
	s.after(target, max(at.Sub(s.now()), 0), func() {
		d := digits[:1]
		if strings.ContainsAny(d, "0123456789*#ABCDabcd") {
			s.emit(evChannel("ChannelDtmfReceived", target, field{"digit", strings.ToUpper(d)}, field{"duration_ms", durationMS}), target)
		}
		s.sendDigit(target, digits[1:], durationMS, at.Add(every), every)
	})
}
