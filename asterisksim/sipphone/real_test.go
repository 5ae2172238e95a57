package sipphone_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/asterisksim/sipphone"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// node is the lab's Asterisk with `vika serve` taking its calls, and the options of a carrier calling it.
type node struct {
	tg   lab.Target
	db   *store.Store
	opts sipphone.Options
}

func realVika(t *testing.T) node {
	t.Helper()
	tg := lab.RequireSIP(t)
	db := storetest.NewDB(t)
	lab.Lock(t, tg)
	serveVika(t, tg, storetest.URL(t, db))
	return node{tg: tg, db: db, opts: sipphone.Options{Addr: tg.SIPAddr, Timeout: 40 * time.Second, Prompts: nodePrompts(t, tg)}}
}

func dial(t *testing.T, ctx context.Context, opts sipphone.Options, number, caller string) *sipphone.Call {
	t.Helper()
	call, err := sipphone.Dial(ctx, opts, number, caller)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = call.Hangup(context.Background())
		if t.Failed() {
			t.Logf("transcript:\n%s", call.Transcript())
		}
	})
	return call
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// ariChannel is what Asterisk says of the call's PJSIP channel: which trunk endpoint took it, in which context.
type ariChannel struct {
	Name   string `json:"name"`
	Caller struct {
		Number string `json:"number"`
	} `json:"caller"`
	Dialplan struct {
		Context string `json:"context"`
		Exten   string `json:"exten"`
	} `json:"dialplan"`
}

func channelOf(t *testing.T, tg lab.Target, caller string) ariChannel {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tg.ARIURL+"/channels", nil)
	req.SetBasicAuth(tg.User, tg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var chans []ariChannel
	if err := json.NewDecoder(resp.Body).Decode(&chans); err != nil {
		t.Fatal(err)
	}
	for _, c := range chans {
		if c.Caller.Number == caller {
			return c
		}
	}
	t.Fatalf("no channel on the node with caller %s among %d", caller, len(chans))
	return ariChannel{}
}

func TestCarrierCallsOverSIPAreTakenByTheirTrunkAndTheCallerHearsWelcomeThenTheMainMenu(t *testing.T) {
	n := realVika(t)
	for _, tc := range []struct {
		name, number, caller string
		codecs               []uint8
		trunk, context       string
		codec                uint8
	}{
		{"mobile, A-law", "165", "081234567001", nil, "PJSIP/trunk-mobile-", "from-mobile", sipphone.PCMA},
		{"landline, A-law", "021165", "0215550002", nil, "PJSIP/trunk-landline-", "from-landline", sipphone.PCMA},
		{"landline offering only µ-law", "021165", "0215550003", []uint8{sipphone.PCMU}, "PJSIP/trunk-landline-", "from-landline", sipphone.PCMU},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			opts := n.opts
			opts.Codecs = tc.codecs
			call := dial(t, ctx, opts, tc.number, tc.caller)
			if call.Codec() != tc.codec {
				t.Errorf("Asterisk chose payload type %d, want %d", call.Codec(), tc.codec)
			}
			ch := channelOf(t, n.tg, tc.caller)
			if !strings.HasPrefix(ch.Name, tc.trunk) || ch.Dialplan.Context != tc.context || ch.Dialplan.Exten != tc.number {
				t.Errorf("the call is %s at %s,%s; want a %s channel (identified by source address) in %s,%s",
					ch.Name, ch.Dialplan.Context, ch.Dialplan.Exten, tc.trunk, tc.context, tc.number)
			}
			w := must[phone.Heard](t)(call.WaitPrompt(ctx, "welcome"))
			m := must[phone.Heard](t)(call.WaitPrompt(ctx, "main-menu"))
			w = must[phone.Heard](t)(call.WaitEnd(ctx, w))
			if w.Cut || w.Start.Sub(call.Transcript().Answered) > 2*time.Second {
				t.Errorf("welcome %+v: want it heard in full, starting within 2 s of the answer", w)
			}
			if gap := m.Start.Sub(w.End); gap < -40*time.Millisecond || gap > 1500*time.Millisecond {
				t.Errorf("main-menu started %v after welcome ended; want it to follow", gap)
			}
		})
	}
}

func TestAKeySentAsAnRFC4733EventCutsTheMainMenuAndTheCallerHearsEnterID(t *testing.T) {
	n := realVika(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	call := dial(t, ctx, n.opts, "165", "081234567010")
	m := must[phone.Heard](t)(call.WaitPrompt(ctx, "main-menu"))
	time.Sleep(time.Until(m.Start.Add(1500 * time.Millisecond)))
	if err := call.Press(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	e := must[phone.Heard](t)(call.WaitPrompt(ctx, "enter-id"))
	m = must[phone.Heard](t)(call.WaitEnd(ctx, m))
	key := call.Transcript().Keys[0]
	if !m.Cut {
		t.Errorf("main-menu %+v: want it cut by key 1", m)
	}
	if d := m.End.Sub(key.Received); d < -100*time.Millisecond || d > 500*time.Millisecond {
		t.Errorf("main-menu stopped %v after key 1; want within 500 ms (barge-in)", d)
	}
	if e.Start.Before(m.End.Add(-40 * time.Millisecond)) {
		t.Errorf("enter-id started before main-menu stopped")
	}
}

func TestAKey1ReadoutOverSIPForAParticipantKeyedByNIKAndBirthDateIsHeard(t *testing.T) {
	n := realVika(t)
	p := storetest.Seed(t, n.db, time.Now(), storetest.Participant{Birth: storetest.Birth(1985, time.July, 1),
		Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	call := dial(t, ctx, n.opts, "165", "081234567020")
	must[phone.Heard](t)(call.WaitPrompt(ctx, "main-menu"))
	if err := call.Press(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	must[phone.Heard](t)(call.WaitPrompt(ctx, "enter-id"))
	if err := call.Press(ctx, p.NIK); err != nil {
		t.Fatal(err)
	}
	must[phone.Heard](t)(call.WaitPrompt(ctx, "enter-birthdate"))
	if err := call.Press(ctx, p.BirthKeys()); err != nil {
		t.Fatal(err)
	}
	s := must[phone.Heard](t)(call.WaitPrompt(ctx, "status-intro"))
	must[phone.Heard](t)(call.WaitPrompt(ctx, "after-readout-menu"))
	if s, _ = call.WaitEnd(ctx, s); s.Cut {
		t.Errorf("status-intro was cut: %+v", s)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestACallerHangingUpByBYEEndsTheCallMidPrompt(t *testing.T) {
	n := realVika(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	call := dial(t, ctx, n.opts, "021165", "0215550030")
	w := must[phone.Heard](t)(call.WaitPrompt(ctx, "welcome"))
	time.Sleep(time.Until(w.Start.Add(time.Second)))
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("BYE not answered with 200: %v", err)
	}
	tr := must[phone.Transcript](t)(call.WaitHangup(ctx))
	if tr.Hangup.By != phone.ByCaller || len(tr.Heard) != 1 || !tr.Heard[0].Cut {
		t.Errorf("want welcome cut by the caller's hang-up and nothing after; got\n%s", tr)
	}
	time.Sleep(500 * time.Millisecond)
	if appCalls := channelsWithCaller(t, n.tg, "0215550030"); appCalls != 0 {
		t.Errorf("%d channels of the call still on the node after the BYE", appCalls)
	}
}

func channelsWithCaller(t *testing.T, tg lab.Target, caller string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, tg.ARIURL+"/channels", nil)
	req.SetBasicAuth(tg.User, tg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var chans []ariChannel
	if err := json.NewDecoder(resp.Body).Decode(&chans); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range chans {
		if c.Caller.Number == caller {
			n++
		}
	}
	return n
}

func TestWhenVIKASaysGoodbyeAsteriskHangsUpAndTheCallerNoticesTheBYE(t *testing.T) {
	n := realVika(t)
	p := storetest.Seed(t, n.db, time.Now(), storetest.Participant{Birth: storetest.Birth(1990, time.March, 4),
		Segment: jkn.SegmentPPU, Status: jkn.StatusActive})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	call := dial(t, ctx, n.opts, "165", "081234567040")
	must[phone.Heard](t)(call.WaitPrompt(ctx, "main-menu"))
	must[struct{}](t)(struct{}{}, call.Press(ctx, "1"))
	must[phone.Heard](t)(call.WaitPrompt(ctx, "enter-id"))
	must[struct{}](t)(struct{}{}, call.Press(ctx, p.NIK))
	for range 3 { // a date that is no date, three times: the flow's birthdate.on_fail is goodbye
		must[phone.Heard](t)(call.WaitPrompt(ctx, "enter-birthdate"))
		must[struct{}](t)(struct{}{}, call.Press(ctx, "99999999"))
		must[phone.Heard](t)(call.WaitPrompt(ctx, "birthdate-invalid"))
	}
	g := must[phone.Heard](t)(call.WaitPrompt(ctx, "goodbye"))
	tr := must[phone.Transcript](t)(call.WaitHangup(ctx))
	if tr.Hangup.By != phone.ByApp || tr.Hangup.Cause != 16 {
		t.Errorf("hung up by %s, cause %d; want Asterisk's BYE (app) with cause 16", tr.Hangup.By, tr.Hangup.Cause)
	}
	for _, h := range tr.Heard {
		if h.PromptID == "goodbye" && h.Start.Equal(g.Start) && h.Cut {
			t.Errorf("goodbye was cut: the app hung up before it ended\n%s", tr)
		}
	}
}

func TestACallFromAnAddressNoTrunkIdentifiesIsRefusedAndNeverReachesVIKA(t *testing.T) {
	n := realVika(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := n.opts
	opts.From = "127.0.0.3" // pjsip.conf identifies 127.0.0.1 and 127.0.0.2 only
	call, err := sipphone.Dial(ctx, opts, "165", "081234567050")
	if err == nil {
		_ = call.Hangup(ctx)
		t.Fatalf("a call from an unidentified address was answered; want pjsip.conf to refuse it\n%s", call.Transcript())
	}
	t.Logf("from 127.0.0.3: %v", err)
	if !strings.Contains(err.Error(), "refused: 4") {
		t.Errorf("error %q; want a 4xx refusal", err)
	}
	if c := channelsWithCaller(t, n.tg, "081234567050"); c != 0 {
		t.Errorf("the refused call left %d channels on the node", c)
	}
	// The same INVITE from the mobile carrier's address is taken: the address is what decided.
	opts.From = ""
	call = dial(t, ctx, opts, "165", "081234567051")
	must[phone.Heard](t)(call.WaitPrompt(ctx, "welcome"))
}
