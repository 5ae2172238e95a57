package phone

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Transcript is what the caller experienced, in the phone's clock (local receive times of the events).
type Transcript struct {
	CallID, LineID string
	Exten, Context string // dialled number and the context it was dialled in
	Endpoint       string // Local/<exten>@<context>
	Caller         string // caller number sent

	Dialled  time.Time
	Answered time.Time // zero when the line never answered

	App          string   // the Stasis app the line entered ("vika"), from ChannelDialplan
	AppArgs      []string // its arguments (["mobile"])
	StasisStatus string   // last STASISSTATUS seen on the line (SUCCESS, FAILED)

	Heard     []Heard
	Keys      []Key
	Dialplan  []DialplanStep // every dialplan application the line ran
	Continued *Continued     // the line left the app for the dialplan (an agent transfer)
	Hangup    Hangup
	Ended     time.Time // zero while the call is up
}

// Heard is one prompt (one media item) played to the caller.
type Heard struct {
	PromptID   string // "main-menu" for "sound:vika/main-menu"; empty for other media
	MediaURI   string
	PlaybackID string
	Language   string
	Start, End time.Time // End is zero while it plays
	// Cut is true when the prompt stopped before its natural end: by a key (barge-in), a stop, or a hang-up.
	Cut bool
	// State is the playback state that ended the item: done, continuing (the next item of a list
	// followed), failed (missing file, or a hang-up); "playing" while it plays.
	State string
}

// Name is the prompt id, or the media URI for media that is not a VIKA prompt.
func (h Heard) Name() string {
	if h.PromptID != "" {
		return h.PromptID
	}
	return h.MediaURI
}

// Key is one key the caller pressed.
type Key struct {
	Digit    string
	Sent     time.Time     // when the phone asked Asterisk to send it (zero for keys it did not send)
	Received time.Time     // when the line reported it (ChannelDtmfReceived); zero if never
	Duration time.Duration // as the line reported it
}

// DialplanStep is one ChannelDialplan of the line.
type DialplanStep struct {
	At             time.Time
	Context, Exten string
	Priority       int
	App, AppData   string
}

// Continued is where the line went when it left the app (ARI continue), e.g. agents,s,1 running NoOp.
type Continued DialplanStep

// Hangup is how the call ended.
type Hangup struct {
	By        string // ByCaller, ByApp, ByDialplan, ByAsterisk, ByPhoneClosed
	Cause     int    // Q.850 cause on the caller's half (16 normal clearing, 0 unknown)
	CauseText string
	At        time.Time // the first hang-up request (or destruction) seen
}

// HeardIDs lists the prompt names in the order they started.
func (t Transcript) HeardIDs() []string {
	out := make([]string, len(t.Heard))
	for i, h := range t.Heard {
		out[i] = h.Name()
	}
	return out
}

// Digits is every key the line received, in order.
func (t Transcript) Digits() string {
	var b strings.Builder
	for _, k := range t.Keys {
		if !k.Received.IsZero() {
			b.WriteString(k.Digit)
		}
	}
	return b.String()
}

func (t Transcript) clone() Transcript {
	t.AppArgs = slices.Clone(t.AppArgs)
	t.Heard = slices.Clone(t.Heard)
	t.Keys = slices.Clone(t.Keys)
	t.Dialplan = slices.Clone(t.Dialplan)
	if t.Continued != nil {
		c := *t.Continued
		t.Continued = &c
	}
	return t
}

// String renders the call for a person, one line per thing that happened, times from the dial:
//
//	call 165@from-mobile from 081234567890
//	 +0.004s  line enters Stasis(vika,mobile) at from-mobile,165,2
//	 +0.006s  answered
//	 +0.008s  ▶ welcome                 4.271s  done
//	 +4.290s  ▶ main-menu               1.204s  CUT (done)
//	 +5.300s  key 1
//	 +9.800s  hung up by caller, cause 16 Normal Clearing
func (t Transcript) String() string {
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	add := func(at time.Time, f string, a ...any) { lines = append(lines, line{at, fmt.Sprintf(f, a...)}) }
	for _, s := range t.Dialplan {
		add(s.At, "line runs %s(%s) at %s,%s,%d", s.App, s.AppData, s.Context, s.Exten, s.Priority)
	}
	if !t.Answered.IsZero() {
		add(t.Answered, "answered")
	}
	for _, h := range t.Heard {
		add(h.Start, "▶ %-24s %s", h.Name(), heardOutcome(h))
	}
	for _, k := range t.Keys {
		switch {
		case !k.Received.IsZero():
			add(k.Received, "key %s", k.Digit)
		default:
			add(k.Sent, "key %s sent, never reached the line", k.Digit)
		}
	}
	if t.Continued != nil {
		add(t.Continued.At, "left the app for %s,%s,%d", t.Continued.Context, t.Continued.Exten, t.Continued.Priority)
	}
	if !t.Hangup.At.IsZero() {
		add(t.Hangup.At, "hung up by %s, cause %d %s", t.Hangup.By, t.Hangup.Cause, t.Hangup.CauseText)
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
	var b strings.Builder
	fmt.Fprintf(&b, "call %s@%s from %s\n", t.Exten, t.Context, orNone(t.Caller))
	for _, l := range lines {
		fmt.Fprintf(&b, " %+8.3fs  %s\n", l.at.Sub(t.Dialled).Seconds(), l.text)
	}
	return b.String()
}

func heardOutcome(h Heard) string {
	if h.End.IsZero() {
		return "playing"
	}
	d := fmt.Sprintf("%6.3fs", h.End.Sub(h.Start).Seconds())
	if h.Cut {
		return d + "  CUT (" + h.State + ")"
	}
	return d + "  " + h.State
}

func orNone(s string) string {
	if s == "" {
		return "(no caller id)"
	}
	return s
}
