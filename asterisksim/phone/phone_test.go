package phone_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

func TestCallerWhoPressesAKeyDuringTheWelcomeCutsItAndHearsTheReply(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		startTestApp(t, tg)
		p := connect(t, tg)
		ctx := t.Context()
		call, err := p.Dial(ctx, "165", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.WaitPrompt(ctx, "welcome"); err != nil {
			t.Fatal(err)
		}
		if err := call.Press(ctx, "1"); err != nil {
			t.Fatal(err)
		}
		if _, err := call.WaitPrompt(ctx, "short"); err != nil {
			t.Fatal(err)
		}
		tr, err := call.WaitHangup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s", tr)
		if got := heardSummary(tr); got != "welcome:cut short:done" {
			t.Errorf("heard %q, want welcome cut then short to its end", got)
		}
		if tr.Digits() != "1" || tr.Hangup.By != phone.ByApp || tr.App != "vika" || !slices.Equal(tr.AppArgs, []string{"mobile"}) {
			t.Errorf("keys %q, hung up by %q, app %s%v; want 1, app, vika[mobile]", tr.Digits(), tr.Hangup.By, tr.App, tr.AppArgs)
		}
		if tr.Hangup.Cause != 16 {
			t.Errorf("cause %d (%s), want 16 normal clearing", tr.Hangup.Cause, tr.Hangup.CauseText)
		}
	})
}

func TestSixteenDigitsAndHashArriveInOrderWithTheGivenTiming(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		app := startTestApp(t, tg)
		app.collectKeys()
		p := connect(t, tg)
		ctx := t.Context()
		call, err := p.Dial(ctx, "165", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		const nik = "3507014501900003#"
		start := time.Now()
		if err := call.Press(ctx, nik, phone.Duration(120*time.Millisecond), phone.Between(150*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		tr, err := call.WaitHangup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Digits() != nik || app.received() != nik {
			t.Errorf("line received %q, app %q; want %q", tr.Digits(), app.received(), nik)
		}
		// 17 keys of 120 ms with 150 ms between: about 4.5 s at real speed (dtmf-sequence.jsonl).
		want := time.Duration(float64(17*270*time.Millisecond) / tg.speed)
		if took < want*7/10 || took > want*2+time.Second {
			t.Errorf("delivery took %v, want about %v", took, want)
		}
		if k := tr.Keys[0]; k.Duration != 120*time.Millisecond {
			t.Errorf("first key held %v, want 120ms as sent", k.Duration)
		}
	})
}

func TestLandlineCallerReachesTheAppWithTheLandlineEntryAndCanHangUp(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		startTestApp(t, tg)
		p := connect(t, tg)
		ctx := t.Context()
		call, err := p.Dial(ctx, "021165", "0215551234")
		if err != nil {
			t.Fatal(err)
		}
		h, err := call.WaitAnyPrompt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := call.Hangup(ctx); err != nil {
			t.Fatal(err)
		}
		tr := call.Transcript()
		if h.PromptID != "welcome" || !slices.Equal(tr.AppArgs, []string{"landline"}) || tr.Context != "from-landline" {
			t.Errorf("first prompt %q, args %v, context %s; want welcome, [landline], from-landline", h.PromptID, tr.AppArgs, tr.Context)
		}
		if tr.Hangup.By != phone.ByCaller || !tr.Heard[0].Cut || tr.Heard[0].State != "failed" {
			t.Errorf("hung up by %q, welcome cut=%v state=%s; want caller, a welcome cut by the hang-up (failed)",
				tr.Hangup.By, tr.Heard[0].Cut, tr.Heard[0].State)
		}
	})
}

func TestANumberTheDialplanDoesNotRouteEndsWithoutAnswer(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		p := connect(t, tg)
		call, err := p.Dial(t.Context(), "999", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		tr, err := call.WaitHangup(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !tr.Answered.IsZero() || tr.Hangup.Cause != 0 || tr.Hangup.By != phone.ByDialplan {
			t.Errorf("answered %v, cause %d, by %q; want never answered, cause 0, by dialplan", !tr.Answered.IsZero(), tr.Hangup.Cause, tr.Hangup.By)
		}
		if err := call.Press(t.Context(), "1"); !errors.Is(err, phone.ErrCallEnded) {
			t.Errorf("Press on an ended call: %v, want ErrCallEnded", err)
		}
	})
}

func TestKeyZeroLeavesTheAppForTheAgentsContext(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		startTestApp(t, tg)
		p := connect(t, tg)
		ctx := t.Context()
		call, err := p.Dial(ctx, "165", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.WaitPrompt(ctx, "welcome"); err != nil {
			t.Fatal(err)
		}
		if err := call.Press(ctx, "0"); err != nil {
			t.Fatal(err)
		}
		cont, err := call.WaitContinued(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cont.Context != "agents" || cont.Exten != "s" || cont.Priority != 1 {
			t.Errorf("continued to %s,%s,%d, want agents,s,1", cont.Context, cont.Exten, cont.Priority)
		}
		if err := call.Hangup(ctx); err != nil {
			t.Fatal(err)
		}
		// The agents context may end the call itself (a Queue with no members), or we hang up: never the app.
		if tr := call.Transcript(); tr.Hangup.By == phone.ByApp || tr.StasisStatus != "SUCCESS" {
			t.Errorf("by %q, STASISSTATUS %q; want the caller or the dialplan, SUCCESS", tr.Hangup.By, tr.StasisStatus)
		}
	})
}

func TestSilenceAfterThePromptIsWaitedForAndAMissingPromptTimesOutWithWhatWasHeard(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		startTestApp(t, tg)
		p := connect(t, tg, func(o *phone.Options) { o.Timeout = soundLengths["welcome"] * 2 })
		ctx := t.Context()
		call, err := p.Dial(ctx, "165", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		if err := call.WaitSilence(ctx, time.Duration(float64(time.Second)/tg.speed)); err != nil {
			t.Fatal(err)
		}
		if tr := call.Transcript(); len(tr.Heard) != 1 || tr.Heard[0].End.IsZero() {
			t.Fatalf("silence before the welcome ended: %s", tr)
		}
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err = call.WaitPrompt(short, "main-menu")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "heard: welcome") {
			t.Errorf("waiting for a prompt that never comes: %v; want a deadline error saying welcome was heard", err)
		}
	})
}

func TestWhenTheAppIsDownTheDialplanFallbackSendsTheCallerToTheAgents(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		p := connect(t, tg) // no app "vika": Stasis fails
		ctx := t.Context()
		call, err := p.Dial(ctx, "165", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.WaitContext(ctx, "agents"); err != nil {
			if tg.sim == nil && errors.Is(err, phone.ErrCallEnded) {
				t.Skip("this Asterisk does not run asterisk-conf/extensions.conf (no fallback):", err)
			}
			t.Fatal(err)
		}
		tr := call.Transcript()
		var where []string
		for _, s := range tr.Dialplan {
			where = append(where, s.Context+":"+s.App+"("+s.AppData+")")
		}
		got := strings.Join(where, " ")
		for _, want := range []string{"from-mobile:Stasis(vika,mobile)", "vika-fallback:Playback(vika/service-unavailable)", "agents:"} {
			if !strings.Contains(got, want) {
				t.Errorf("the line ran %s; want %s in it", got, want)
			}
		}
		if tr.StasisStatus != "FAILED" || tr.Continued != nil {
			t.Errorf("STASISSTATUS %q, continued %v; want FAILED and no continue", tr.StasisStatus, tr.Continued)
		}
		defer func() { t.Logf("%s", call.Transcript()) }()
		if err := call.Hangup(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBadCredentialsAreRefusedAtConnect(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		_, err := phone.Connect(t.Context(), phone.Options{URL: tg.url, WSURL: tg.wsURL, User: tg.user, Password: "wrong"})
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("Connect with a wrong password: %v, want a 401 refusal", err)
		}
	})
}

func TestClosingThePhoneHangsUpItsCallsAndLeavesNoGoroutine(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg target) {
		startTestApp(t, tg)
		p, err := phone.Connect(t.Context(), phone.Options{URL: tg.url, WSURL: tg.wsURL, User: tg.user, Password: tg.pass,
			App: "phone-close"})
		if err != nil {
			t.Fatal(err)
		}
		call, err := p.Dial(t.Context(), "165", "081234567890")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := call.WaitPrompt(t.Context(), "welcome"); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-call.Done():
		default:
			t.Fatal("a call is still up after Close")
		}
		if by := call.Transcript().Hangup.By; by != phone.ByCaller {
			t.Errorf("hung up by %q, want the caller (Close hangs up)", by)
		}
		if leaked := phoneGoroutines(); leaked != "" {
			t.Errorf("goroutines of package phone after Close:\n%s", leaked)
		}
	})
}

func TestThePhoneReconnectsAfterTheWebSocketDrops(t *testing.T) {
	t.Parallel()
	tg := simTarget(t)
	p := connect(t, tg)
	tg.sim.DropWebSockets(200 * time.Millisecond)
	time.Sleep(300 * time.Millisecond) // the app under test connects after the refusal window
	startTestApp(t, tg)
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		call, err := p.Dial(ctx, "165", "081234567890")
		if err == nil {
			_, err = call.WaitPrompt(ctx, "welcome")
			call.Hangup(t.Context())
		}
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no call got through after the drop: %v", err)
		}
	}
}

func heardSummary(tr phone.Transcript) string {
	var parts []string
	for _, h := range tr.Heard {
		s := h.Name() + ":" + h.State
		if h.Cut {
			s = h.Name() + ":cut"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// phoneGoroutines lists goroutines running code of package phone (not its tests), waiting briefly for
// goroutines that are on their way out.
func phoneGoroutines() string {
	var stacks string
	for range 50 {
		buf := make([]byte, 1<<20)
		all := string(buf[:runtime.Stack(buf, true)])
		var mine []string
		for _, g := range strings.Split(all, "\n\n") {
			if strings.Contains(g, "asterisksim/phone.(*") && !strings.Contains(g, "testing.tRunner") {
				mine = append(mine, g)
			}
		}
		stacks = strings.Join(mine, "\n\n")
		if stacks == "" {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stacks
}
