package asterisksim

import (
	"fmt"
	"strings"
	"time"
)

// This file is the life of a Local channel pair: originate, answer, Stasis
// entry and exit, and the hang-up sequences. Each sequence emits the events
// in the order Asterisk 22.10.1 produced them in testdata/*.jsonl; the
// comments name the trace that shows it.

// localSpec is what an originate asks for.
type localSpec struct {
	exten, context string
	app            string
	appArgs        []string
	caller         party
	hasCallerID    bool
	id1, id2       string
	dialContext    string // originate without app: ;1 runs this dialplan position
	dialExten      string
	dialPriority   int
	vars           map[string]string
}

// newLocalPair creates both halves. ;1 is what the originator gets back
// (state Down, in AppDial2); ;2 will run the dialplan. Must hold s.mu.
func (s *Server) newLocalPair(sp localSpec) (c1, c2 *channel) {
	now := time.Now()
	base := fmt.Sprintf("Local/%s@%s-%08x", sp.exten, sp.context, s.localSeq)
	s.localSeq++
	mk := func(id string, half int) *channel {
		if id == "" {
			id = s.newID()
		} else {
			s.chanSeq++ // Asterisk still consumes a uniqueid
		}
		ch := &channel{
			id: id, name: fmt.Sprintf("%s;%d", base, half), half: half,
			caller: sp.caller, connected: sp.caller, created: now,
			language: s.opts.DefaultLanguage, vars: map[string]string{},
			originator: sp.app, timers: map[*time.Timer]struct{}{},
		}
		for k, v := range sp.vars {
			ch.vars[k] = v
		}
		return ch
	}
	id2 := sp.id2
	if id2 == "" && sp.id1 != "" {
		id2 = sp.id1 + ";2" // what the Go client's client-side ids lead to
	}
	c1, c2 = mk(sp.id1, 1), mk(id2, 2)
	if sp.app == "" {
		c1.originator, c2.originator = "", ""
	}
	c1.state, c2.state = "Down", "Ring"
	c1.dp = dialplanJSON{Context: sp.context, Exten: sp.exten, Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
	c2.dp = dialplanJSON{Context: sp.context, Exten: sp.exten, Priority: 1}
	c1.app, c1.appArgs = sp.app, sp.appArgs
	c1.peer, c2.peer = c2, c1
	log := &heardLog{}
	c1.heard, c2.heard = log, log
	for _, ch := range []*channel{c1, c2} {
		s.createSeq++
		ch.seq = s.createSeq
		s.channels[ch.id] = ch
		s.heard[ch.id] = log
	}
	return c1, c2
}

// startLocal runs ;2 into the dialplan (inbound-answer-play: ChannelCallerId,
// ChannelConnectedLine, Dial, ChannelDialplan per step, ChannelVarset
// STASISSTATUS, StasisStart). An unknown extension destroys both halves with
// cause 0 and no other event (rest-errors). Must hold s.mu.
func (s *Server) startLocal(c1, c2 *channel, sp localSpec) {
	r, err := s.router.Walk(sp.context, sp.exten, 1, c2.dialplanVars())
	if err != nil || len(r.Steps) == 0 {
		s.destroy(c2, 0)
		s.destroy(c1, 0)
		return
	}
	if sp.hasCallerID {
		s.emit(evChannel("ChannelCallerId", c2, field{"caller_presentation", 0},
			field{"caller_presentation_txt", "Presentation Allowed, Not Screened"}), c2)
		s.emit(evChannel("ChannelConnectedLine", c2), c2)
	}
	s.emit(newEvent("Dial", field{"dialstatus", ""}, field{"forward", ""},
		field{"dialstring", sp.exten + "@" + sp.context}, field{"peer", c1.snapshot()}), c1)
	c1.dialContext, c1.dialExten, c1.dialPriority = sp.dialContext, sp.dialExten, sp.dialPriority
	c2.steps, c2.stepIdx, c2.endOfWalk = r.Steps, 0, r.End
	s.step(c2)
}

// answer brings a channel Up. Answering ;2 answers the Local pair: ;1 goes
// Up, Dial reports ANSWER and ;1 enters the originating app. Must hold s.mu.
func (s *Server) answer(ch *channel) {
	if ch.state == "Up" {
		return // answer twice: 204 both times, no event
	}
	ch.state = "Up"
	s.emit(evChannel("ChannelStateChange", ch), ch)
	peer := ch.peer
	if ch.half != 2 || peer == nil || peer.gone || peer.state == "Up" {
		return
	}
	peer.state = "Up"
	s.emit(evChannel("ChannelStateChange", peer), peer)
	s.emit(newEvent("Dial", field{"dialstatus", "ANSWER"}, field{"forward", ""},
		field{"dialstring", peer.dp.Exten + "@" + peer.dp.Context}, field{"peer", peer.snapshot()}), peer)
	switch {
	case peer.app != "":
		data := peer.app
		if len(peer.appArgs) > 0 {
			data += "," + strings.Join(peer.appArgs, ",")
		}
		peer.dp.AppName, peer.dp.AppData = "Stasis", data
		s.setVar(peer, "STASISSTATUS", "", true)
		s.enterStasis(peer, peer.app, peer.appArgs)
	case peer.dialExten != "":
		s.runFrom(peer, peer.dialContext, peer.dialExten, peer.dialPriority)
	}
}

func (s *Server) enterStasis(ch *channel, app string, args []string) {
	if args == nil {
		args = []string{}
	}
	ch.stasisApp, ch.inStasis = app, true
	s.emitTo(app, newEvent("StasisStart", field{"args", args}, field{"channel", ch.snapshot()}))
}

// leaveStasis ends the app's hold on the channel: a running playback fails,
// StasisEnd goes to the app (which is then unsubscribed, so it never sees
// ChannelDestroyed), and STASISSTATUS=SUCCESS goes to the other subscribers.
func (s *Server) leaveStasis(ch *channel) {
	s.failPlaybacks(ch)
	if !ch.inStasis {
		return
	}
	ch.inStasis = false
	s.emitTo(ch.stasisApp, evChannel("StasisEnd", ch))
	s.setVar(ch, "STASISSTATUS", "SUCCESS", true)
}

// appHangup is DELETE /channels/{id}: ChannelHangupRequest cause 32 (soft)
// on the channel, then the Local pair goes down with the given cause
// (app-hangup for ;2, every driver hang-up for ;1).
func (s *Server) appHangup(ch *channel, cause int) {
	if ch.hangingUp {
		return
	}
	s.emit(evHangupRequest(ch, 32, true), ch)
	if ch.half == 2 {
		s.pbxEnd(ch, cause)
		return
	}
	s.callerGone(ch, cause, true)
}

// pbxEnd is ;2 ending its dialplan (app hang-up, Hangup(), a continue to
// nowhere): ;2 soft hang-up 16, ;1 hang-up with the cause, ;2 destroyed,
// ;1 leaves its app and is destroyed (app-hangup, continue-in-dialplan).
func (s *Server) pbxEnd(c2 *channel, cause int) {
	if c2.gone {
		return
	}
	c2.hangingUp = true
	c2.stopTimers()
	s.leaveStasis(c2)
	s.emit(evHangupRequest(c2, 16, true), c2)
	c1 := c2.peer
	alive := c1 != nil && !c1.gone
	if alive {
		c1.hangingUp = true
		s.emit(evHangupRequest(c1, cause, false), c1)
	}
	s.destroy(c2, cause)
	if alive {
		if c1.state != "Up" {
			// The line went down before it was answered (checked on the lab).
			s.emit(newEvent("Dial", field{"dialstatus", "NOANSWER"}, field{"forward", ""},
				field{"dialstring", c1.dp.Exten + "@" + c1.dp.Context}, field{"peer", c1.snapshot()}), c1)
		}
		s.leaveStasis(c1)
		s.destroy(c1, cause)
	}
}

// callerGone is ;1 going away (the caller hangs up, or a restart): ;1 leaves
// its app, ;2 gets a hang-up request with the cause, ;1 is destroyed, the
// line's playback fails, and — after a short window in which a play still
// gets 201 and fails (rest-errors) — ;2 leaves Stasis and is destroyed
// (inbound-answer-play, caller-hangup-during-playback).
func (s *Server) callerGone(c1 *channel, cause int, window bool) {
	c1.hangingUp = true
	c1.stopTimers()
	s.leaveStasis(c1)
	c2 := c1.peer
	if c2 == nil || c2.gone || c2.hangingUp {
		s.destroy(c1, cause)
		return
	}
	c2.hangingUp = true
	c2.stopTimers()
	s.emit(evHangupRequest(c2, cause, false), c2)
	s.destroy(c1, cause)
	s.failPlaybacks(c2)
	finish := func() {
		s.leaveStasis(c2)
		s.endDialplanPlayback(c2)
		s.emit(evHangupRequest(c2, 16, true), c2)
		s.destroy(c2, cause)
	}
	if window && s.opts.HangupWindow > 0 {
		// The window is room for the app to act, which it does in real time: counted from now, not from the
		// simulated instant a late timer was due (after).
		due := s.due
		s.due = time.Time{}
		s.after(c2, s.opts.HangupWindow, finish)
		s.due = due
		return
	}
	finish()
}

// destroy emits ChannelDestroyed and forgets the channel. ;1 reports its
// AppDial2 dialplan again and ;2 an empty application, as traced.
func (s *Server) destroy(ch *channel, cause int) {
	if ch.gone {
		return
	}
	ch.gone, ch.hangingUp = true, true
	ch.stopTimers()
	s.failPlaybacks(ch)
	switch {
	case ch.half == 1:
		ch.dp.Priority, ch.dp.AppName, ch.dp.AppData = 1, "AppDial2", "(Outgoing Line)"
	case ch.finalDP != nil:
		ch.dp = *ch.finalDP
	default:
		ch.dp.AppName, ch.dp.AppData = "", ""
	}
	s.emit(evDestroyed(ch, cause), ch)
	if s.channels[ch.id] == ch {
		delete(s.channels, ch.id)
	}
}

// hangupCauses are the reason= values of DELETE /channels/{id}.
var hangupCauses = map[string]int{
	"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 18, "rejected": 21,
	"unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28, "codec_mismatch": 58,
	"interworking": 127, "failure": 38, "answered_elsewhere": 26,
}
