package phone

import (
	"strings"
	"time"
)

// event is the part of an ARI event the phone reads. Unknown fields are ignored, so the same decoder serves
// a real Asterisk and the simulator.
type event struct {
	Type            string    `json:"type"`
	Channel         *channel  `json:"channel"`
	Playback        *playback `json:"playback"`
	Args            []string  `json:"args"`
	Digit           string    `json:"digit"`
	DurationMs      int       `json:"duration_ms"`
	Cause           int       `json:"cause"`
	CauseTxt        string    `json:"cause_txt"`
	Soft            bool      `json:"soft"`
	DialplanApp     string    `json:"dialplan_app"`
	DialplanAppData string    `json:"dialplan_app_data"`
	Variable        string    `json:"variable"`
	Value           string    `json:"value"`
}

type channel struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	State    string `json:"state"`
	Dialplan struct {
		Context  string `json:"context"`
		Exten    string `json:"exten"`
		Priority int    `json:"priority"`
		AppName  string `json:"app_name"`
		AppData  string `json:"app_data"`
	} `json:"dialplan"`
}

type playback struct {
	ID        string `json:"id"`
	MediaURI  string `json:"media_uri"`
	TargetURI string `json:"target_uri"`
	Language  string `json:"language"`
	State     string `json:"state"`
}

// dispatch hands an event to the call it concerns: by channel id, or for playbacks by the target channel.
// Events of channels that are not ours (subscribeAll) are dropped here.
func (p *Phone) dispatch(ev *event, now time.Time) {
	var id string
	switch {
	case ev.Channel != nil:
		id = ev.Channel.ID
	case ev.Playback != nil:
		id = strings.TrimPrefix(ev.Playback.TargetURI, "channel:")
	default:
		return
	}
	c := p.lookup(id)
	if c == nil {
		return
	}
	if c.apply(ev, now) {
		p.forget(c)
	}
}

// apply updates the call from one event and reports whether the call is over.
func (c *Call) apply(ev *event, now time.Time) (ended bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return true
	}
	onLine := ev.Channel != nil && ev.Channel.ID == c.LineID
	if onLine && ev.Type != "ChannelDialplan" {
		c.lineSnapshot(ev.Channel)
	}
	switch ev.Type {
	case "StasisStart":
		if !onLine && c.t.Answered.IsZero() {
			c.t.Answered = now // the ;1 half enters the phone app when the line answers
		}
		if !onLine {
			c.callerInApp = true
		}
	case "StasisEnd":
		if !onLine {
			c.callerInApp = false
		}
	case "ChannelStateChange":
		if onLine && ev.Channel.State == "Up" && c.t.Answered.IsZero() {
			c.t.Answered = now
		}
	case "ChannelDialplan":
		if onLine {
			c.dialplanStep(ev, now)
		}
	case "ChannelVarset":
		if onLine && ev.Variable == "STASISSTATUS" && ev.Value != "" {
			c.t.StasisStatus = ev.Value
		}
	case "ChannelDtmfReceived":
		if onLine {
			c.keyReceived(ev.Digit, time.Duration(ev.DurationMs)*time.Millisecond, now)
		}
	case "PlaybackStarted":
		c.playbackStarted(ev.Playback, now)
	case "PlaybackContinuing", "PlaybackFinished":
		c.playbackEnded(ev.Playback, now)
	case "ChannelHangupRequest":
		c.hangupRequested(onLine, ev.Cause, now)
	case "ChannelDestroyed":
		c.destroyed(onLine, ev.Cause, ev.CauseTxt, now)
	}
	c.broadcast()
	return c.ended
}

func (c *Call) dialplanStep(ev *event, now time.Time) {
	st := DialplanStep{At: now, Context: ev.Channel.Dialplan.Context, Exten: ev.Channel.Dialplan.Exten,
		Priority: ev.Channel.Dialplan.Priority, App: ev.DialplanApp, AppData: ev.DialplanAppData}
	c.t.Dialplan = append(c.t.Dialplan, st)
	if strings.EqualFold(st.App, "Stasis") {
		c.lineInApp = true
		c.setApp(st.AppData)
		return
	}
	// The line left the app for the dialplan: continue (or a fallback after STASISSTATUS=FAILED).
	if c.lineInApp && c.t.StasisStatus != "FAILED" && c.t.Continued == nil {
		cont := Continued(st)
		c.t.Continued = &cont
	}
	c.lineInApp = false
}

// lineSnapshot reads the app the line is in from the channel snapshot every event carries, so a lost or
// late ChannelDialplan does not make the phone misjudge who hung up.
func (c *Call) lineSnapshot(ch *channel) {
	if ch.Dialplan.AppName == "" {
		return
	}
	c.lineInApp = strings.EqualFold(ch.Dialplan.AppName, "Stasis")
	if c.lineInApp && c.t.App == "" {
		c.setApp(ch.Dialplan.AppData)
	}
}

func (c *Call) setApp(appData string) {
	app, args, _ := strings.Cut(appData, ",")
	c.t.App, c.t.AppArgs = app, nil
	if args != "" {
		c.t.AppArgs = strings.Split(args, ",")
	}
}

func (c *Call) keyReceived(digit string, d time.Duration, now time.Time) {
	for i := range c.t.Keys {
		k := &c.t.Keys[i]
		if k.Received.IsZero() && k.Digit == digit {
			k.Received, k.Duration = now, d
			return
		}
	}
	c.t.Keys = append(c.t.Keys, Key{Digit: digit, Received: now, Duration: d})
}

func (c *Call) playbackStarted(pb *playback, now time.Time) {
	if pb == nil {
		return
	}
	if i, ok := c.playing[pb.ID]; ok && c.t.Heard[i].MediaURI == pb.MediaURI {
		return // unpause: the same item goes on
	}
	c.t.Heard = append(c.t.Heard, Heard{PromptID: PromptID(pb.MediaURI), MediaURI: pb.MediaURI,
		PlaybackID: pb.ID, Language: pb.Language, Start: now, State: pb.State})
	c.playing[pb.ID] = len(c.t.Heard) - 1
}

// playbackEnded closes the item that was playing: PlaybackContinuing ends one item of a list,
// PlaybackFinished the last.
func (c *Call) playbackEnded(pb *playback, now time.Time) {
	if pb == nil {
		return
	}
	i, ok := c.playing[pb.ID]
	if !ok {
		return
	}
	delete(c.playing, pb.ID)
	h := &c.t.Heard[i]
	h.End, h.State = now, pb.State
	h.Cut = c.wasCut(h)
	c.lastSound = now
}

// wasCut tells a prompt stopped early from one that ran its length. A failed playback was cut only when a
// hang-up killed it (a missing file fails at once and was never heard). Otherwise the known length decides
// when there is one; without it, a key reaching the line while the prompt played is the sign of barge-in
// (the app DELETEs the playback on the key; the phone cannot see the DELETE itself).
func (c *Call) wasCut(h *Heard) bool {
	if h.State == "failed" {
		return !c.t.Hangup.At.IsZero() && !c.t.Hangup.At.After(h.End)
	}
	if c.opts.PromptDuration != nil {
		if d, ok := c.opts.PromptDuration(h.PromptID); ok {
			tolerance := max(d/10, 20*time.Millisecond)
			return h.End.Sub(h.Start) < d-tolerance
		}
	}
	for _, k := range c.t.Keys {
		at := k.Received
		if at.IsZero() {
			at = k.Sent
		}
		if !at.Before(h.Start) && !at.After(h.End) {
			return true
		}
	}
	return false
}

func (c *Call) hangupRequested(onLine bool, cause int, now time.Time) {
	if !c.t.Hangup.At.IsZero() {
		return
	}
	c.t.Hangup.At, c.t.Hangup.Cause = now, cause
	switch {
	case c.hangupSent:
		c.t.Hangup.By = ByCaller
	case onLine && c.lineInApp:
		c.t.Hangup.By = ByApp
	case onLine:
		c.t.Hangup.By = ByDialplan
	default:
		c.t.Hangup.By = ByAsterisk
	}
}

func (c *Call) destroyed(onLine bool, cause int, text string, now time.Time) {
	if onLine {
		c.lineGone = true
	} else {
		c.callerGone = true
		// What the caller's handset is told: the cause on its own half.
		c.t.Hangup.Cause, c.t.Hangup.CauseText = cause, text
	}
	if c.t.Hangup.At.IsZero() {
		// Destroyed without a hang-up request: the dialplan had nothing for the number (Asterisk answers
		// the originate with 200 and destroys both halves with cause 0), or Asterisk went away.
		c.t.Hangup.At, c.t.Hangup.Cause, c.t.Hangup.CauseText = now, cause, text
		c.t.Hangup.By = ByDialplan
		if !c.t.Answered.IsZero() {
			c.t.Hangup.By = ByAsterisk
		}
	}
	if c.t.Hangup.CauseText == "" {
		c.t.Hangup.CauseText = text
	}
	if c.lineGone && c.callerGone {
		c.finish(now)
	}
}

// PromptID returns "<id>" for "sound:vika/<id>", and "" for any other media.
func PromptID(mediaURI string) string {
	id, ok := strings.CutPrefix(mediaURI, "sound:vika/")
	if !ok {
		return ""
	}
	return id
}
