package asterisksim

import (
	"bytes"
	"encoding/json"
	"time"
)

// event is one ARI event, built under Server.mu from value snapshots and
// marshalled later by each recipient's writer (with its own "application").
type event struct {
	typ     string
	at      time.Time
	stamped bool // at was set by stamp
	fields  []field
}

type field struct {
	key string
	val any
}

func newEvent(typ string, fields ...field) *event {
	return &event{typ: typ, at: time.Now(), fields: fields}
}

// marshal renders the event as Asterisk does: type and timestamp first, the
// event's own fields, then asterisk_id and application.
func (e *event) marshal(entityID, app string) []byte {
	var b bytes.Buffer
	b.Grow(512)
	b.WriteString(`{"type":`)
	writeJSONString(&b, e.typ)
	b.WriteString(`,"timestamp":"`)
	b.WriteString(formatTS(e.at))
	b.WriteByte('"')
	for _, f := range e.fields {
		b.WriteString(`,"`)
		b.WriteString(f.key)
		b.WriteString(`":`)
		v, err := json.Marshal(f.val)
		if err != nil {
			v = []byte("null")
		}
		b.Write(v)
	}
	b.WriteString(`,"asterisk_id":`)
	writeJSONString(&b, entityID)
	b.WriteString(`,"application":`)
	writeJSONString(&b, app)
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSONString(b *bytes.Buffer, s string) {
	v, _ := json.Marshal(s)
	b.Write(v)
}

// app is a registered Stasis application: the WebSocket it is connected on.
type app struct {
	name         string
	conn         *wsConn
	subscribeAll bool
}

// emit sends e to every application subscribed to one of the channels it is
// about, as Asterisk does:
//   - the app a channel is in Stasis with, from StasisStart to StasisEnd
//     (which is why vika never sees ChannelDestroyed for its own channel);
//   - the app that originated the channel, for both Local halves and for the
//     channel's whole life (so a caller driver sees the line's dialplan,
//     playbacks and DTMF);
//   - every app connected with subscribeAll=true.
//
// Must hold s.mu.
func (s *Server) emit(e *event, about ...*channel) {
	s.stamp(e)
	var to [4]string
	n := 0
	add := func(name string) {
		if name == "" {
			return
		}
		for _, have := range to[:n] {
			if have == name {
				return
			}
		}
		if n < len(to) {
			to[n] = name
			n++
		}
	}
	for _, ch := range about {
		if ch == nil {
			continue
		}
		if ch.inStasis {
			add(ch.stasisApp)
		}
		add(ch.originator)
	}
	for _, name := range to[:n] {
		s.deliver(name, e)
	}
	for name, a := range s.apps {
		if a.subscribeAll && !contains(to[:n], name) {
			s.deliver(name, e)
		}
	}
}

// emitTo sends e to one application only: StasisStart and StasisEnd go to the
// app itself, never to the originator or subscribeAll apps.
func (s *Server) emitTo(name string, e *event) {
	s.stamp(e)
	s.deliver(name, e)
}

// stamp dates an event sent by a timer with the simulated instant the timer was due (after), before any app has it.
// An event emitted twice (emitTo for one app, emit for the others) keeps its first stamp.
func (s *Server) stamp(e *event) {
	if !s.due.IsZero() && !e.stamped {
		e.at, e.stamped = s.due, true
	}
}

func (s *Server) deliver(name string, e *event) {
	a := s.apps[name]
	if a == nil || a.conn == nil {
		return // not connected: Asterisk drops the event
	}
	if s.faults.dropEvent(name, e.typ) {
		return
	}
	out := outEvent{ev: e, app: name}
	if d := s.faults.delays[name]; d > 0 {
		out.due = time.Now().Add(d)
	}
	a.conn.enqueue(out)
}

// Event constructors, one per ARI event the simulator produces.

func evChannel(typ string, ch *channel, extra ...field) *event {
	fields := append(extra, field{"channel", ch.snapshot()})
	return newEvent(typ, fields...)
}

func evHangupRequest(ch *channel, cause int, soft bool) *event {
	fs := []field{{"cause", cause}}
	if soft {
		fs = append(fs, field{"soft", true})
	}
	return evChannel("ChannelHangupRequest", ch, fs...)
}

func evDestroyed(ch *channel, cause int) *event {
	return evChannel("ChannelDestroyed", ch, field{"cause", cause}, field{"cause_txt", causeText(cause)})
}

func evVarset(ch *channel, name, value string) *event {
	return evChannel("ChannelVarset", ch, field{"variable", name}, field{"value", value})
}

func evPlayback(typ string, pb *playback) *event {
	return newEvent(typ, field{"playback", pb.snapshot()})
}

// causeText is Asterisk's ast_cause2str for the causes the simulator uses.
func causeText(cause int) string {
	switch cause {
	case 0:
		return "Unknown"
	case 1:
		return "Unallocated (unassigned) number"
	case 4:
		return "Call Failure (Q.850 4)" // not traced: restart destroys with cause 0
	case 16:
		return "Normal Clearing"
	case 17:
		return "User busy"
	case 18:
		return "No user responding"
	case 19:
		return "User alerting, no answer"
	case 21:
		return "Call Rejected"
	case 26:
		return "Answered elsewhere"
	case 28:
		return "Invalid number format (incomplete number)"
	case 31:
		return "Normal, unspecified"
	case 34:
		return "Circuit/channel congestion"
	case 38:
		return "Network out of order"
	case 58:
		return "Bearer capability not available"
	case 127:
		return "Interworking, unspecified"
	}
	return "Unknown"
}
