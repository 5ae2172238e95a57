package ivr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/arievents"
	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
)

// session is one call: the channel in Stasis, what the caller has keyed and heard so far, and where the flow is.
// One goroutine runs it from StasisStart to the end of the call; every wait it does is bounded by a deadline and by
// the session's context.
type session struct {
	app  *App
	flow *dialplan.Flow
	ch   *ari.ChannelHandle
	mb   *arievents.Mailbox
	ctx  context.Context
	stop context.CancelFunc // ends the call from outside (App.Drain's deadline); set before run starts
	// sendingAway marks a session that only sends its channel to the fallback (a call refused while draining, found
	// stranded at start, or released at the end): Drain neither waits for it nor cuts it.
	sendingAway bool
	log         *zap.Logger
	rec         recorder

	channelID, entryName, caller string
	entry                        dialplan.Entry
	began                        time.Time

	keys      []key              // type-ahead: keys received and not yet taken by a collector
	swallow   time.Time          // a # until then is the habit of ending an entry that already ended by itself
	playbacks map[string]*prompt // in flight, by playback id
	pbSeq     int
	lastKeyAt time.Time // the caller's last key not yet answered by a prompt (the key-response metric)

	callerHungUp   bool // ChannelHangupRequest or ChannelDestroyed seen, not asked for by this app
	asteriskHungUp bool // Asterisk itself hung the channel up (a restart), not the caller
	vanished       bool // the channel is gone and the events saying why were lost (WebSocket down)
	cause          int
	leftStasis     bool // StasisEnd seen
	systemHungUp   bool // this app hung the channel up
	transferred    bool
	fellBack       bool // sent to the fallback context because the app could not drive the channel
	outcome        string
	promptErrors   int    // prompts that failed to play (missing sound, no events)
	syncSeq        int    // awaitPromptEnd's marks so far
	syncWant       string // the value of the mark awaited
	synced         bool   // its ChannelVarset has arrived

	verify verification

	waitTimer *time.Timer // see timer
	reqTimer  *time.Timer // see requestTimer
}

// key is one DTMF key as received.
type key struct {
	digit string
	at    time.Time
}

// Errors that end a session's flow.
var (
	errHangup   = errors.New("the call ended")      // the caller hung up, or the channel left Stasis
	errShutdown = errors.New("the app is stopping") // the session's context ended
	errTimeout  = errors.New("deadline passed")     // internal to waits; never ends a session
)

func newSession(a *App, ch *ari.ChannelHandle, e *ari.StasisStart) *session {
	var arg string
	if len(e.Args) > 0 {
		arg = e.Args[0]
	}
	entry, name, known := a.flow.Entry(arg)
	s := &session{
		app: a, flow: a.flow, ch: ch, mb: arievents.NewMailbox(),
		channelID: e.Channel.ID, entryName: name, entry: entry, caller: e.Channel.Caller.GetNumber(),
		began: time.Now(), playbacks: map[string]*prompt{}, outcome: OutcomeAbandoned,
	}
	s.rec = recorder{sink: a.sink, callID: newCallID(), clock: time.Now}
	// WithLazy: the fields are encoded only if the call logs a line at an enabled level. With encodes them at once
	// into a buffer the session would hold for the whole call (about 1 KiB per call in progress), most often for
	// nothing, as a call that goes well logs only "call ended", at info.
	s.log = a.logger.WithLazy(zap.String("call_id", s.rec.callID), zap.String("channel", s.channelID),
		zap.String("entry", name))
	if !known {
		s.log.Warn("ivr: StasisStart argument names no entry; using the default entry", zap.String("arg", arg))
	}
	return s
}

// run is the whole call. s.ctx and s.stop are set by the App before it starts the goroutine.
func (s *session) run() {
	defer s.stop()
	s.app.stats.callStarted()
	s.app.obs.CallStarted(s.entryName)
	s.recordArrival()
	err := s.answer()
	if err == nil {
		err = s.follow(s.menuStep(s.entry.Menu, s.entry.Greeting))
	}
	s.finish(err)
}

func (s *session) recordArrival() {
	s.rec.record(calllog.KindArrival, map[string]any{
		calllog.FieldEntry: s.entryName, calllog.FieldCaller: s.caller, calllog.FieldNode: s.app.node,
		"channel": s.channelID, "number": s.entry.Number,
	})
}

// answer picks the call up and makes Indonesian the channel's language: Channel.Play takes no language, and
// Asterisk looks sounds up in the channel's language directory (sounds/id/vika/...).
func (s *session) answer() error {
	if err := s.do(s.ch.Answer); err != nil {
		return s.restErr("answer", err)
	}
	s.app.obs.Answered(time.Since(s.began))
	if err := s.do(func() error { return s.ch.SetVariable("CHANNEL(language)", "id") }); err != nil {
		return s.restErr("set language", err)
	}
	return nil
}

// wait returns the next event for this call once observed, errTimeout at the deadline, errHangup once the call has
// ended, and errShutdown when the app stops.
func (s *session) wait(deadline time.Time) (ari.Event, error) {
	for {
		if s.over() {
			return nil, errHangup
		}
		if e := s.mb.Take(); e != nil {
			return e, s.observe(e)
		}
		t := s.timer(time.Until(deadline))
		select {
		case <-s.ctx.Done():
			t.Stop()
			return nil, errShutdown
		case <-t.C:
			return nil, errTimeout
		case <-s.mb.Ready():
			t.Stop()
		}
	}
}

// timer is the session's one timer, set to fire after d: a session waits for one thing at a time, and a wait made
// for every event observed would otherwise allocate a timer each (some sixty a call). Since Go 1.23 a timer that
// was stopped or reset delivers no stale tick, so the caller only has to Stop it when it stops waiting early.
func (s *session) timer(d time.Duration) *time.Timer {
	if s.waitTimer == nil {
		s.waitTimer = time.NewTimer(d)
	} else {
		s.waitTimer.Reset(d)
	}
	return s.waitTimer
}

// drain observes every event already queued, without waiting.
func (s *session) drain() error {
	for {
		if s.over() {
			return errHangup
		}
		e := s.mb.Take()
		if e == nil {
			return nil
		}
		if err := s.observe(e); err != nil {
			return err
		}
	}
}

// pause waits d (the look-up's padding) while still noticing keys and a hang-up.
func (s *session) pause(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if _, err := s.wait(deadline); err == errTimeout {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// observe updates the session with one event: keys go to the type-ahead buffer, playback events to their prompt,
// and a hang-up or the end of Stasis ends the flow.
func (s *session) observe(e ari.Event) error {
	switch v := e.(type) {
	case *ari.ChannelDtmfReceived:
		s.keys = append(s.keys, key{digit: v.Digit, at: time.Now()})
		s.lastKeyAt = time.Now()
	case *ari.PlaybackStarted:
		s.promptStarted(v.Playback.ID)
	case *ari.PlaybackFinished:
		s.promptFinished(v.Playback.ID, v.Playback.State)
	case *ari.ChannelVarset:
		s.sawVarset(v)
	case *ari.ChannelHangupRequest:
		s.hungUp(v.Cause, v.Soft)
		return errHangup
	case *ari.ChannelDestroyed:
		s.hungUp(v.Cause, false)
		return errHangup
	case *ari.StasisEnd:
		s.leftStasis = true
		return errHangup
	}
	return nil
}

// over says whether the channel has gone, for whatever reason.
func (s *session) over() bool {
	return s.callerHungUp || s.asteriskHungUp || s.vanished || s.leftStasis
}

// hungUp notes the first hang-up of the channel and who did it. A soft hang-up request with a cause other than
// normal clearing (16) that this app did not ask for is Asterisk ending the call itself: a restart (cause 4) or an
// operator's `channel request hangup`. A caller's hang-up reaches the line as normal clearing.
func (s *session) hungUp(cause int, soft bool) {
	if s.callerHungUp || s.asteriskHungUp {
		return // the first hang-up says who and why; the events that follow it repeat or blur it
	}
	s.cause = cause
	switch {
	case s.systemHungUp:
	case soft && cause != 16:
		s.asteriskHungUp = true
	default:
		s.callerHungUp = true
	}
}

// restErr turns a failed ARI request into the session's error. A request fails when the channel is already gone
// (404) or out of Stasis (409), usually because the caller just hung up and the events saying so are on their way:
// wait briefly for them, so the call log says "the caller hung up" rather than "error".
func (s *session) restErr(what string, err error) error {
	op, _, _ := strings.Cut(what, " ") // "play <prompt id>": the operation only, never an id
	s.app.obs.RESTError(op)
	deadline := time.Now().Add(s.flow.Playback.Start)
	for {
		_, werr := s.wait(deadline)
		switch {
		case errors.Is(werr, errHangup), errors.Is(werr, errShutdown):
			return werr
		case errors.Is(werr, errTimeout):
			if gerr := s.channelGone(false); gerr != nil {
				return gerr
			}
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// hangup ends the call from this side (after goodbye).
func (s *session) hangup() error {
	s.systemHungUp = true
	if err := s.do(s.ch.Hangup); err != nil {
		return s.restErr("hang up", err)
	}
	return nil
}

// finish closes the call: the hang-up (unless the call went to an agent or the fallback), the end of the call
// log, the counters, and the one log line of the call. Whatever ended the call, the call log gets a hang-up (or
// transfer) and an end event: a supervisor never finds a call without an end.
func (s *session) finish(err error) {
	now := time.Now()
	s.cutPromptsInFlight(now)
	s.recordUnreadKeys()
	by, reason := s.ending(err)
	if !s.transferred {
		f := map[string]any{calllog.FieldCause: s.hangupCause(by), calllog.FieldBy: by}
		if reason != "" {
			f[calllog.FieldReason] = reason
		}
		s.rec.record(calllog.KindHangup, f)
	}
	dur := now.Sub(s.began)
	s.rec.record(calllog.KindEnd, map[string]any{
		calllog.FieldDurationMS: dur.Milliseconds(), calllog.FieldOutcome: s.outcome,
	})
	s.app.stats.callEnded(s.outcome)
	s.app.obs.CallEnded(s.entryName, s.outcome, dur)
	if ce := s.log.Check(zap.InfoLevel, "ivr: call ended"); ce != nil { // no fields built when info is off
		ce.Write(zap.String("outcome", s.outcome), zap.String("hung_up_by", by),
			zap.Duration("duration", dur), zap.Int("lookups", s.verify.lookups), zap.Int("prompt_errors", s.promptErrors),
			// Not "caller": zap's source location already takes that key, and a log pipeline keeps one of the two.
			zap.String(calllog.FieldCallerMasked, calllog.MaskCaller(s.caller)))
	}
}

// Who ended a call, as the call log's hang-up event says.
const (
	byCaller   = "caller"
	bySystem   = "system"   // this app: goodbye, an error, a shutdown
	byAsterisk = "asterisk" // Asterisk itself (a restart)
	byUnknown  = "unknown"  // the channel vanished while the events saying why were lost
)

// ending works out who ended the call and why, sets the outcome, and hangs up when the app is the one ending it.
func (s *session) ending(err error) (by, reason string) {
	switch {
	case s.fellBack: // the outcome (error, refused) was set by whoever sent the call there
		return bySystem, ""
	case s.transferred:
		s.outcome = OutcomeTransferred
		return bySystem, ""
	case errors.Is(err, errHangup) && s.asteriskHungUp:
		return byAsterisk, ""
	case errors.Is(err, errHangup) && s.vanished:
		return byUnknown, "channel_vanished"
	case errors.Is(err, errHangup) && s.callerHungUp:
		return byCaller, ""
	case errors.Is(err, errShutdown):
		s.outcome = OutcomeShutdown
		s.hangupQuietly()
		return bySystem, "shutdown"
	case err != nil && !errors.Is(err, errHangup):
		s.outcome = OutcomeError
		s.log.Error("ivr: call failed", zap.Error(err))
		reason = "ari_error: " + err.Error()
		if s.fallBack(reason) {
			return bySystem, ""
		}
		s.hangupQuietly()
		return bySystem, reason
	}
	return bySystem, ""
}

// hangupCause is the Asterisk cause when the caller hung up, or 16 (normal clearing) when this app did.
func (s *session) hangupCause(by string) int {
	if by != bySystem || s.cause != 0 {
		return s.cause
	}
	return 16
}

// hangupQuietly hangs up on the way out (an error or a shutdown); the call is over whatever the answer.
func (s *session) hangupQuietly() {
	if s.over() || s.systemHungUp {
		return
	}
	s.systemHungUp = true
	if err := s.do(s.ch.Hangup); err != nil {
		s.log.Debug("ivr: hang-up on the way out failed", zap.Error(err))
	}
}
