package phone

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests feed recorded-shape events straight into a call, so the transcript rules are pinned down
// without a server: what counts as cut, who hung up, when the line left the app.

func newTestCall() *Call {
	o := &Options{}
	return &Call{ID: "c", LineID: "c-line", opts: o, done: make(chan struct{}), changed: make(chan struct{}),
		playing: map[string]int{}, t: Transcript{Dialled: time.Unix(0, 0)}}
}

// feed applies events given as compact JSON, one per step, each 100 ms after the previous.
func feed(c *Call, events ...string) {
	at := time.Unix(0, 0)
	for _, e := range events {
		at = at.Add(100 * time.Millisecond)
		var ev event
		if err := json.Unmarshal([]byte(e), &ev); err != nil {
			panic(err)
		}
		c.apply(&ev, at)
	}
}

const (
	lineUp       = `{"type":"ChannelStateChange","channel":{"id":"c-line","state":"Up"}}`
	callerStart  = `{"type":"StasisStart","args":["caller"],"channel":{"id":"c","state":"Up"}}`
	enterStasis  = `{"type":"ChannelDialplan","dialplan_app":"Stasis","dialplan_app_data":"vika,mobile","channel":{"id":"c-line","dialplan":{"context":"from-mobile","exten":"165","priority":2}}}`
	welcome      = `{"type":"PlaybackStarted","playback":{"id":"p1","media_uri":"sound:vika/welcome","target_uri":"channel:c-line","state":"playing"}}`
	welcomeDone  = `{"type":"PlaybackFinished","playback":{"id":"p1","media_uri":"sound:vika/welcome","target_uri":"channel:c-line","state":"done"}}`
	welcomeFail  = `{"type":"PlaybackFinished","playback":{"id":"p1","media_uri":"sound:vika/welcome","target_uri":"channel:c-line","state":"failed"}}`
	key1         = `{"type":"ChannelDtmfReceived","digit":"1","duration_ms":100,"channel":{"id":"c-line"}}`
	lineHangup32 = `{"type":"ChannelHangupRequest","cause":32,"soft":true,"channel":{"id":"c-line"}}`
	callerHangup = `{"type":"ChannelHangupRequest","cause":32,"soft":true,"channel":{"id":"c"}}`
	lineGone16   = `{"type":"ChannelDestroyed","cause":16,"cause_txt":"Normal Clearing","channel":{"id":"c-line"}}`
	callerGone16 = `{"type":"ChannelDestroyed","cause":16,"cause_txt":"Normal Clearing","channel":{"id":"c"}}`
	lineGone0    = `{"type":"ChannelDestroyed","cause":0,"cause_txt":"Unknown","channel":{"id":"c-line"}}`
	callerGone0  = `{"type":"ChannelDestroyed","cause":0,"cause_txt":"Unknown","channel":{"id":"c"}}`
	statusOK     = `{"type":"ChannelVarset","variable":"STASISSTATUS","value":"SUCCESS","channel":{"id":"c-line"}}`
	statusFailed = `{"type":"ChannelVarset","variable":"STASISSTATUS","value":"FAILED","channel":{"id":"c-line"}}`
	agentsNoOp   = `{"type":"ChannelDialplan","dialplan_app":"NoOp","dialplan_app_data":"agents","channel":{"id":"c-line","dialplan":{"context":"agents","exten":"s","priority":1}}}`
	fallbackIf   = `{"type":"ChannelDialplan","dialplan_app":"GotoIf","dialplan_app_data":"1?vika-fallback,s,1","channel":{"id":"c-line","dialplan":{"context":"from-mobile","exten":"165","priority":3}}}`
)

func TestTranscriptRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		hangupMe  bool // the phone asked for the hang-up
		events    []string
		wantHeard string // "id:state:cut" joined by space
		wantBy    string
		wantCause int
		wantCont  string // "context,exten,priority" or ""
		wantEnded bool
	}{
		{
			name:      "a prompt that plays to its end is not cut",
			events:    []string{enterStasis, lineUp, callerStart, welcome, welcomeDone, lineHangup32, lineGone16, callerGone16},
			wantHeard: "welcome:done:false", wantBy: ByApp, wantCause: 16, wantEnded: true,
		},
		{
			name:      "a prompt that ends after a key reached the line was cut by barge-in",
			events:    []string{enterStasis, lineUp, callerStart, welcome, key1, welcomeDone, lineHangup32, lineGone16, callerGone16},
			wantHeard: "welcome:done:true", wantBy: ByApp, wantCause: 16, wantEnded: true,
		},
		{
			name:      "a prompt failed by the caller's hang-up was cut",
			hangupMe:  true,
			events:    []string{enterStasis, lineUp, callerStart, welcome, callerHangup, welcomeFail, callerGone16, lineGone16},
			wantHeard: "welcome:failed:true", wantBy: ByCaller, wantCause: 16, wantEnded: true,
		},
		{
			name:      "a missing sound fails without being cut",
			events:    []string{enterStasis, lineUp, callerStart, welcome, welcomeFail},
			wantHeard: "welcome:failed:false",
		},
		{
			name:   "a number the dialplan does not route is destroyed with cause 0 by the dialplan",
			events: []string{lineGone0, callerGone0},
			wantBy: ByDialplan, wantEnded: true,
		},
		{
			name:     "a continue is seen as the line leaving the app",
			events:   []string{enterStasis, lineUp, callerStart, statusOK, agentsNoOp},
			wantCont: "agents,s,1",
		},
		{
			name:     "the fallback after STASISSTATUS=FAILED is not a continue",
			events:   []string{enterStasis, statusFailed, fallbackIf},
			wantCont: "",
		},
		{
			name:   "one half gone is not the end of the call",
			events: []string{enterStasis, lineUp, callerStart, lineHangup32, lineGone16},
			wantBy: ByApp, wantCause: 32,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestCall()
			c.hangupSent = tc.hangupMe
			feed(c, tc.events...)
			tr := c.Transcript()
			var heard []string
			for _, h := range tr.Heard {
				heard = append(heard, h.Name()+":"+h.State+":"+boolText(h.Cut))
			}
			if got := strings.Join(heard, " "); got != tc.wantHeard {
				t.Errorf("heard %q, want %q", got, tc.wantHeard)
			}
			if tr.Hangup.By != tc.wantBy || tr.Hangup.Cause != tc.wantCause {
				t.Errorf("hung up by %q cause %d, want %q cause %d", tr.Hangup.By, tr.Hangup.Cause, tc.wantBy, tc.wantCause)
			}
			cont := ""
			if tr.Continued != nil {
				cont = tr.Continued.Context + "," + tr.Continued.Exten + "," + strconv.Itoa(tr.Continued.Priority)
			}
			if cont != tc.wantCont {
				t.Errorf("continued %q, want %q", cont, tc.wantCont)
			}
			select {
			case <-c.Done():
				if !tc.wantEnded {
					t.Error("call ended, want it still up")
				}
			default:
				if tc.wantEnded {
					t.Error("call still up, want it ended")
				}
			}
		})
	}
}

func TestKnownPromptLengthDecidesWhetherItWasCut(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		length time.Duration
		cut    bool
	}{
		{"ending at its length is not cut", 100 * time.Millisecond, false},
		{"ending at half its length is cut", 200 * time.Millisecond, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestCall()
			c.opts.PromptDuration = func(string) (time.Duration, bool) { return tc.length, true }
			feed(c, enterStasis, welcome, welcomeDone) // 100 ms apart
			if got := c.Transcript().Heard[0].Cut; got != tc.cut {
				t.Errorf("cut = %v, want %v", got, tc.cut)
			}
		})
	}
}

func TestTranscriptReadsAsATimeline(t *testing.T) {
	t.Parallel()
	c := newTestCall()
	c.t.Exten, c.t.Context, c.t.Caller = "165", "from-mobile", "081234567890"
	feed(c, enterStasis, lineUp, callerStart, welcome, key1, welcomeDone, lineHangup32, lineGone16, callerGone16)
	got := c.Transcript().String()
	for _, want := range []string{
		"call 165@from-mobile from 081234567890",
		"line runs Stasis(vika,mobile) at from-mobile,165,2",
		"answered",
		"▶ welcome",
		"CUT (done)",
		"key 1",
		"hung up by app, cause 16 Normal Clearing",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("transcript lacks %q:\n%s", want, got)
		}
	}
	if strings.Index(got, "key 1") > strings.Index(got, "hung up") {
		t.Errorf("lines are not in time order:\n%s", got)
	}
}

func TestPromptIDComesFromVikaSoundURIsOnly(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"sound:vika/main-menu": "main-menu", "sound:beep": "", "recording:x": ""}
	for uri, want := range cases {
		if got := PromptID(uri); got != want {
			t.Errorf("PromptID(%q) = %q, want %q", uri, got, want)
		}
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Replace(time.Duration(n).String(), "ns", "", 1))
}
