package ivr

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
)

// Faults between the app and Asterisk, injected by the simulator: what the caller hears and what the call log says.

func TestACallInProgressCarriesOnOnceTheARIWebSocketIsBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{edit: func(f *dialplan.Flow) {
		f.Menus["main"].Tries = 100 // the menu keeps asking while nobody can answer it
		// A long playback.max, as long readouts need: the session must not wait for it to notice a prompt ended.
		f.Playback.Max = 3 * time.Second
	}})
	call := h.dial(t, "165")
	call.hear("main-menu")
	dropped := time.Now()
	h.sim.DropWebSockets(100 * time.Millisecond) // the PlaybackFinished of this menu is lost with the socket
	waitRegistered(t, h.sim, "vika")
	waitRegistered(t, h.sim, "phone")
	call.hear("main-menu")
	call.press("1")
	call.hear("enter-id")
	call.hangUp()

	// Without asking Asterisk, the session would sit out playback.max after the lost PlaybackFinished. It may wait
	// eventGrace for its mark (awaitPromptEnd): while the socket is down Asterisk still lists the app, which has this
	// channel in it (res_stasis keeps an app with channels registered, inactive), so appListening cannot tell a
	// dropped socket from a slow one.
	if gap := longestSilence(h.sim.Heard(call.LineID), dropped); gap > eventGrace+500*time.Millisecond {
		t.Errorf("the caller heard nothing for %s after the WebSocket dropped (%s of call time)", gap,
			gap*speed)
	}
	log := call.log()
	if !slices.Contains(log.choices(), "main:1") {
		t.Errorf("menu choices %v: the key pressed after the reconnect did not count", log.choices())
	}
	if hu := log.last(calllog.KindHangup); hu[calllog.FieldBy] != byCaller {
		t.Errorf("hang-up logged as %v, want by caller", hu)
	}
}

// The reliability table's "ARI WebSocket dropped 5 s", in call time (5 s / speed here): calls in progress carry on
// once the socket is back, calls that arrive meanwhile are refused by Asterisk (no app) and its dialplan sends them
// to the fallback, and no call's log has a gap.
func TestWhileTheARIWebSocketIsDownNewCallsGoToTheFallbackAndCallsInProgressCarryOn(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{edit: func(f *dialplan.Flow) {
		f.Menus["main"].Tries = 100
		f.Playback.Max = 3 * time.Second
	}})
	var inProgress []*call
	for range 3 {
		c := h.dial(t, "165")
		c.hear("main-menu")
		inProgress = append(inProgress, c)
	}
	down := 5 * time.Second / speed
	dropped := time.Now()
	h.sim.DropWebSockets(down)
	var during []*call
	for range 2 {
		during = append(during, h.dial(t, "021165"))
	}
	waitRegistered(t, h.sim, "vika")
	back := time.Since(dropped)
	waitRegistered(t, h.sim, "phone")
	for i, c := range during {
		fallback := func(x asterisksim.Heard) bool { return x.Dialplan && x.Media == "sound:vika/service-unavailable" }
		deadline := time.Now().Add(5 * time.Second)
		for !slices.ContainsFunc(h.sim.Heard(c.LineID), fallback) {
			if time.Now().After(deadline) {
				t.Fatalf("call %d placed while the socket was down heard %v, not the fallback", i, heardMedia(h.sim.Heard(c.LineID)))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, c := range inProgress {
		c.hear("main-menu")
		c.press("1")
		c.hear("enter-id")
		if err := c.Hangup(c.ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.settle(t)
	for _, c := range inProgress {
		log := c.log()
		for i, e := range log {
			if e.Seq != i+1 {
				t.Fatalf("the call log of a call in progress has a gap at %d: %s", i+1, log.text())
			}
		}
		if !slices.Contains(log.choices(), "main:1") {
			t.Errorf("menu choices %v: the key pressed after the reconnect did not count", log.choices())
		}
	}
	t.Logf("socket down %s (5 s of call time): the app was back %s after the drop; %d calls carried on, %d new calls went to the fallback",
		down, back.Round(time.Millisecond), len(inProgress), len(during))
}

func TestACallerWhoHangsUpWhileTheARIWebSocketIsDownEndsTheSessionWithItsLogClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	call := h.dial(t, "021165")
	call.hear("main-menu")
	h.sim.DropWebSockets(300 * time.Millisecond)
	call.hangUp() // its ChannelHangupRequest and StasisEnd are lost: the app must find out by itself
	log := call.log()
	hu := log.last(calllog.KindHangup)
	if hu[calllog.FieldBy] != byUnknown || hu[calllog.FieldReason] != "channel_vanished" {
		t.Errorf("hang-up logged as %v, want by unknown, reason channel_vanished", hu)
	}
	if e := log.last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeAbandoned {
		t.Errorf("end logged as %v, want abandoned", e)
	}
}

// TestAnAsteriskRestartEndsEveryCallWithItsLogClosedAndNewCallsWork does not run in parallel: it counts the
// process's goroutines.
func TestAnAsteriskRestartEndsEveryCallWithItsLogClosedAndNewCallsWork(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	p := seed(t, h.db, h.now, participant{Birth: birth(1975, 12, 1), Segment: jkn.SegmentPPU})
	time.Sleep(20 * time.Millisecond)
	before, _ := goroutines()
	inMenu := h.dial(t, "165")
	inMenu.hear("main-menu")
	keying := h.dial(t, "021165")
	keying.hear("main-menu")
	keying.press("1")
	keying.hear("enter-id")
	keying.press(p.NIK[:6])

	h.sim.Restart()
	for _, c := range []*call{inMenu, keying} {
		c.end()
		log := c.log()
		if hu := log.last(calllog.KindHangup); hu[calllog.FieldBy] != byAsterisk || hu[calllog.FieldCause] != 4 {
			t.Errorf("hang-up logged as %v, want by asterisk, cause 4", hu)
		}
		if e := log.last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeAbandoned {
			t.Errorf("end logged as %v, want abandoned", e)
		}
	}
	waitRegistered(t, h.sim, "vika")
	waitRegistered(t, h.sim, "phone")
	goroutinesSettle(t, before)

	next := h.dial(t, "165")
	next.hear("main-menu")
	next.press("1")
	next.hear("enter-id")
	next.hangUp()
}

func TestWhenAsteriskRefusesTheAppsRequestsTheCallerIsHandedToTheFallback(t *testing.T) {
	t.Parallel()
	type fault struct {
		match  asterisksim.RequestMatcher
		delay  time.Duration
		status int
	}
	cases := []struct {
		name          string
		faults        []fault
		fallback      bool   // the caller ends up in [vika-fallback]: "service unavailable", then the agents
		reason        string // the call log's transfer (or hang-up) reason starts so
		heardFallback bool   // the fallback's own prompts, played by the dialplan
	}{
		{"answer fails", []fault{{asterisksim.MatchRequest("POST", "/channels/*/answer"), 0, 500}},
			true, "ari_error: answer", true},
		{"answer takes longer than the request timeout",
			[]fault{{asterisksim.MatchRequest("POST", "/channels/*/answer"), 3 * time.Second, 0}},
			true, "ari_error: answer", true},
		{"every prompt fails to play", []fault{{asterisksim.MatchRequest("POST", "/channels/*/play/*"), 0, 500}},
			true, "ari_error: play welcome", true},
		{"every request for the channel fails", []fault{
			{asterisksim.MatchRequest("POST", "/channels/*/*"), 0, 500},
			{asterisksim.MatchRequest("DELETE", "/channels/*"), 0, 500},
		}, false, "ari_error: answer", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{})
			for _, f := range c.faults {
				defer h.sim.SetRESTFault(f.match, f.delay, f.status)() // cleared so the phone can hang up at the end
			}
			call := h.dial(t, "165")
			log := call.log() // waits for the end event: the session gave up, with a reason
			if c.fallback {
				tr := call.transferred()
				if tr.Continued == nil || tr.Continued.Context != h.flow.Fallback.Context {
					t.Errorf("the line continued at %+v, want %s", tr.Continued, h.flow.Fallback.Context)
				}
				tf := log.last(calllog.KindTransfer)
				if r, _ := tf[calllog.FieldReason].(string); !strings.HasPrefix(r, c.reason) {
					t.Errorf("transfer logged as %v, want reason %s...", tf, c.reason)
				}
			} else {
				hu := log.last(calllog.KindHangup)
				if r, _ := hu[calllog.FieldReason].(string); !strings.HasPrefix(r, c.reason) || hu[calllog.FieldBy] != bySystem {
					t.Errorf("hang-up logged as %v, want by system, reason %s...", hu, c.reason)
				}
				h.settle(t)
			}
			if e := log.last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeError {
				t.Errorf("end logged as %v, want error", e)
			}
			// The dialplan starts its Playback() a moment after the line leaves the app; give it that moment.
			fromDialplan := func(h asterisksim.Heard) bool { return h.Dialplan }
			heard := h.sim.Heard(call.LineID)
			for deadline := time.Now().Add(5 * time.Second); c.heardFallback && !slices.ContainsFunc(heard, fromDialplan) && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
				heard = h.sim.Heard(call.LineID)
			}
			if slices.ContainsFunc(heard, fromDialplan) != c.heardFallback {
				t.Errorf("the caller heard %v; want the fallback's prompts: %v", heardMedia(heard), c.heardFallback)
			}
		})
	}
}

func heardMedia(items []asterisksim.Heard) []string {
	var out []string
	for _, h := range items {
		out = append(out, h.Media)
	}
	return out
}

// longestSilence is the longest stretch with nothing playing on the line after since, until the last sound.
func longestSilence(items []asterisksim.Heard, since time.Time) time.Duration {
	sort.Slice(items, func(i, j int) bool { return items[i].Started.Before(items[j].Started) })
	var longest time.Duration
	quietFrom := since
	for _, h := range items {
		if h.Ended.IsZero() || h.Ended.Before(since) {
			continue
		}
		if gap := h.Started.Sub(quietFrom); gap > longest {
			longest = gap
		}
		if h.Ended.After(quietFrom) {
			quietFrom = h.Ended
		}
	}
	return longest
}

// waitRegistered waits until the app has an event WebSocket on the simulated Asterisk again (its client
// reconnected). Listing the app is not enough: Asterisk lists an app that left channels behind.
func waitRegistered(t *testing.T, sim *asterisksim.Server, app string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !sim.Connected(app) {
		if time.Now().After(deadline) {
			t.Fatalf("ARI app %s not registered again within 10 s", app)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// On a busy app the WebSocket reader lags: Asterisk sends PlaybackFinished and forgets the playback, and the
// session's check of the playback gets 404 before the event is read. That prompt played in full; it must not be
// reported as lost however long the event takes, and however fast the flow runs (the delay here is many times the
// scaled playback.start, which was once the whole wait).
func TestAPlaybackFinishedOvertakenByItsPlaybacks404IsWaitedForNotReportedLost(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.WarnLevel)
	h := newHarness(t, harnessConfig{logger: zap.New(core), edit: func(f *dialplan.Flow) {
		f.Playback.Max = 5 * time.Second // checks keep asking until the events arrive
	}})
	h.sim.DelayEvents("vika", 400*time.Millisecond)
	call := h.dial(t, "165")
	call.hear("main-menu")
	call.press("1")
	call.hear("enter-id")
	call.hangUp()
	log := call.log() // the call has ended: every prompt is accounted for
	if n := logs.FilterMessageSnippet("without its events").Len(); n > 0 {
		t.Errorf("%d prompts reported ended without their events; their PlaybackFinished was only late", n)
	}
	if !slices.Contains(log.choices(), "main:1") {
		t.Errorf("menu choices %v, want main:1", log.choices())
	}
	if hu := log.last(calllog.KindHangup); hu[calllog.FieldBy] != byCaller {
		t.Errorf("hang-up logged as %v, want by caller: its events were late, not lost", hu)
	}
}

// Under load both lag: the events (PlaybackStarted is seconds late) and the REST answers (the session's check of
// the playback gets no answer within the request timeout). A check that was not answered says nothing about the
// prompt; taking it for "never started" cut prompts that were playing, a readout's words among them.
func TestAPromptWhoseCheckGetsNoAnswerInTimeIsNotCutAsNeverStarted(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zapcore.WarnLevel)
	h := newHarness(t, harnessConfig{logger: zap.New(core), edit: func(f *dialplan.Flow) {
		f.Playback.Max = 20 * time.Second
	}})
	h.sim.DelayEvents("vika", 2500*time.Millisecond)
	clear := h.sim.SetRESTFault(asterisksim.MatchRequest(http.MethodGet, "/playbacks/*"), 2500*time.Millisecond, 0)
	defer clear()
	call := h.dial(t, "165")
	call.hear("welcome", "main-menu")
	clear()
	call.hangUp()
	if n := logs.FilterMessageSnippet("did not start").Len(); n > 0 {
		t.Errorf("%d prompts were stopped as never started; their checks were only unanswered", n)
	}
	if heard := call.Transcript().HeardIDs(); !slices.Contains(heard, "welcome") || !slices.Contains(heard, "main-menu") {
		t.Errorf("heard %v, want the welcome and the menu", heard)
	}
}
