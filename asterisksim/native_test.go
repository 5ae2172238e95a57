package asterisksim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"

	"github.com/vika-jkn/vika/asterisksim"
)

// connectNative connects the unmodified CyCoreSystems client as app.
//
// The client is never Closed: in v5.3.1 Close and the client's own listen
// goroutine both write Client.connected unsynchronised, which -race reports.
// Closing the simulator ends the socket instead; the client then retries
// once a second, which is why each test's simulator has its own password
// (see uniqueUsers): a stale client can never take over a later
// simulator that happens to get the same port.
func connectNative(t *testing.T, sim *asterisksim.Server, app string) ari.Client {
	t.Helper()
	cl, err := native.Connect(&native.Options{
		Application: app, URL: sim.URL(), WebsocketURL: sim.WebsocketURL(),
		Username: sim.User(), Password: sim.Password(),
	})
	if err != nil {
		t.Fatalf("native.Connect(%s): %v", app, err)
	}
	return cl
}

// uniqueUsers gives a simulator credentials no other test uses.
func uniqueUsers() map[string]string {
	return map[string]string{"vika": fmt.Sprintf("test-%d", time.Now().UnixNano())}
}

func nextEvent[T ari.Event](t *testing.T, sub ari.Subscription, within time.Duration) T {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e := <-sub.Events():
			if v, ok := e.(T); ok {
				return v
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %T within %v", zero, within)
			return zero
		}
	}
}

// The done-when of issue 3: the real Go ARI client, dialled through the
// project's own extensions.conf, answers, plays, collects keys and hangs up.
func TestGoClientAnswersBothEntriesPlaysAndCollectsAKey(t *testing.T) {
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../asterisk-conf/extensions.conf", Sounds: "testdata/sounds", Speed: 20, Users: uniqueUsers(),
	})
	vika := connectNative(t, sim, "vika")
	driver := connectNative(t, sim, "driver")
	starts := vika.Bus().Subscribe(nil, ari.Events.StasisStart)
	defer starts.Cancel()
	events := vika.Bus().Subscribe(nil, ari.Events.PlaybackFinished, ari.Events.ChannelDtmfReceived, ari.Events.StasisEnd)
	defer events.Cancel()

	for _, tc := range []struct{ dial, context, entry string }{
		{"165", "from-mobile", "mobile"},
		{"021165", "from-landline", "landline"},
	} {
		t.Run(tc.dial, func(t *testing.T) {
			caller, err := driver.Channel().Originate(nil, ari.OriginateRequest{
				Endpoint: "Local/" + tc.dial + "@" + tc.context, App: "driver", AppArgs: "caller",
				CallerID: `"Peserta JKN" <081234567890>`, Timeout: 30,
			})
			if err != nil {
				t.Fatalf("originate: %v", err)
			}
			st := nextEvent[*ari.StasisStart](t, starts, 2*time.Second)
			if len(st.Args) != 1 || st.Args[0] != tc.entry {
				t.Fatalf("StasisStart args %v, want [%s]", st.Args, tc.entry)
			}
			if st.Channel.Dialplan.Priority != 2 || st.Channel.Dialplan.Exten != tc.dial {
				t.Errorf("StasisStart dialplan %+v, want %s at priority 2", st.Channel.Dialplan, tc.dial)
			}
			line := vika.Channel().Get(st.Key(ari.ChannelKey, st.Channel.ID))
			if err := line.Answer(); err != nil {
				t.Fatalf("answer: %v", err)
			}
			if err := line.SetVariable("CHANNEL(language)", "id"); err != nil {
				t.Fatalf("set language: %v", err)
			}
			pb, err := line.Play("pb-"+tc.dial, "sound:vika/welcome")
			if err != nil {
				t.Fatalf("play: %v", err)
			}
			if err := caller.SendDTMF("1", nil); err != nil {
				t.Fatalf("dtmf: %v", err)
			}
			dtmf := nextEvent[*ari.ChannelDtmfReceived](t, events, 2*time.Second)
			if dtmf.Digit != "1" || dtmf.Channel.ID != st.Channel.ID {
				t.Errorf("DTMF %q on %s, want 1 on the line %s", dtmf.Digit, dtmf.Channel.ID, st.Channel.ID)
			}
			fin := nextEvent[*ari.PlaybackFinished](t, events, 2*time.Second)
			if fin.Playback.ID != pb.ID() || fin.Playback.State != "done" || fin.Playback.Language != "id" {
				t.Errorf("PlaybackFinished %+v, want %s done in id", fin.Playback, pb.ID())
			}
			if err := line.Hangup(); err != nil {
				t.Fatalf("hangup: %v", err)
			}
			nextEvent[*ari.StasisEnd](t, events, 2*time.Second)
			heard := sim.Heard(st.Channel.ID)
			if len(heard) != 1 || heard[0].Media != "sound:vika/welcome" || heard[0].Lang != "id" || heard[0].State != "done" {
				t.Errorf("heard %+v, want welcome in id, done", heard)
			}
		})
	}
}
