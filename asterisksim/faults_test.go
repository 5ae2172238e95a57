package asterisksim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
)

func TestDroppedWebSocketEndsWithoutCloseFrameRefusesReconnectsThenRecovers(t *testing.T) {
	sim := traceSim(t, nil)
	vika := dialApp(t, sim, "vika")
	driver := dialApp(t, sim, "driver")
	line, _ := call(t, sim, vika, driver)

	sim.DropWebSockets(200 * time.Millisecond)
	select {
	case err := <-vika.ended:
		if !isEOF(err) {
			t.Errorf("socket ended with %v, want an EOF without close frame", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("socket not dropped")
	}
	resp, err := http.Get(sim.URL() + "/events?app=vika&api_key=vika:vika")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("upgrade during the refusal: %d, want 503", resp.StatusCode)
	}
	// A call arriving while the app is gone fails Stasis() as on Asterisk.
	if st, _ := ariCall(t, sim, "POST", "/channels", url.Values{"endpoint": {"Local/165@from-mobile"}, "app": {"nobody"}}); st != 200 {
		t.Fatalf("originate: %d", st)
	}

	time.Sleep(250 * time.Millisecond)
	vika2 := dialApp(t, sim, "vika")
	// The channel stayed in the app: events for it reach the new socket.
	if st, _ := ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/short"}, "lang": {"id"}}); st != 201 {
		t.Fatalf("play after reconnect: %d", st)
	}
	if pb := playbackOf(vika2.next(2*time.Second, "PlaybackStarted")); pb["media_uri"] != "sound:vika/short" {
		t.Errorf("after reconnect got %v", pb)
	}
}

func TestRestartHangsUpEveryCallAsAsteriskDoesAndRestartsIDs(t *testing.T) {
	sim := traceSim(t, nil)
	vika := dialApp(t, sim, "vika")
	driver := dialApp(t, sim, "driver")
	line, _ := call(t, sim, vika, driver)
	if st, body := ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/menu"}, "lang": {"id"}}); st != 201 {
		t.Fatalf("play: %d %v", st, body)
	}
	vika.next(time.Second, "PlaybackStarted")

	sim.Restart()

	var got []string
	for e := range vika.events {
		typ, _ := e["type"].(string)
		switch typ {
		case "ChannelHangupRequest":
			got = append(got, typ+"/"+jsonNum(e["cause"]))
		case "PlaybackFinished":
			got = append(got, typ+"/"+playbackOf(e)["state"].(string))
		default:
			got = append(got, typ)
		}
	}
	want := []string{"ChannelHangupRequest/4", "ChannelHangupRequest/0", "PlaybackFinished/failed", "StasisEnd"}
	if len(got) != len(want) {
		t.Fatalf("vika saw %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("vika saw %v, want %v", got, want)
		}
	}
	if err := <-vika.ended; !isEOF(err) {
		t.Errorf("socket ended with %v, want an EOF without close frame", err)
	}
	if st, _ := ariCall(t, sim, "GET", "/channels/"+line, nil); st != 404 {
		t.Errorf("old channel after restart: %d, want 404", st)
	}
	vika2 := dialApp(t, sim, "vika")
	_, body := ariCall(t, sim, "POST", "/channels", url.Values{"endpoint": {"Local/165@from-mobile"}, "app": {"driver"}})
	if name, _ := body["name"].(string); name != "Local/165@from-mobile-00000000;1" {
		t.Errorf("first channel after restart is %q, want counter 00000000 again", name)
	}
	if id := chanID(vika2.next(time.Second, "StasisStart")); id == line {
		t.Errorf("a new channel reused the old id %s", id)
	}
}

func jsonNum(v any) string {
	f, _ := v.(float64)
	return fmt.Sprint(int(f))
}

func TestSlowAndFailingRESTCallsAreInjected(t *testing.T) {
	sim := traceSim(t, nil)
	clear := sim.SetRESTFault(asterisksim.MatchRequest("GET", "/asterisk/info"), 150*time.Millisecond, 0)
	start := time.Now()
	if st, _ := ariCall(t, sim, "GET", "/asterisk/info", nil); st != 200 {
		t.Errorf("slow call: %d", st)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("slow call took %v, want at least 150ms", d)
	}
	clear()
	sim.SetRESTFault(asterisksim.MatchRequest("POST", "/channels/*/play"), 0, http.StatusInternalServerError)
	vika := dialApp(t, sim, "vika")
	line, _ := call(t, sim, vika, nil)
	st, body := ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/short"}})
	if st != 500 || body["message"] != "Internal Server Error" {
		t.Errorf("failing play: %d %v", st, body)
	}
	if st, _ := ariCall(t, sim, "GET", "/channels/"+line, nil); st != 200 {
		t.Errorf("unmatched call failed too: %d", st)
	}
}

func TestDroppedEventsNeverArrive(t *testing.T) {
	sim := traceSim(t, nil)
	vika := dialApp(t, sim, "vika")
	line, _ := call(t, sim, vika, nil)
	sim.DropEvents(1, asterisksim.MatchEvents("vika", "PlaybackStarted"))
	for range 2 {
		if st, _ := ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/short"}, "lang": {"id"}}); st != 201 {
			t.Fatal(st)
		}
	}
	var started, finished int
	for finished < 2 {
		switch vika.next(2*time.Second, "PlaybackStarted", "PlaybackFinished")["type"] {
		case "PlaybackStarted":
			started++
		case "PlaybackFinished":
			finished++
		}
	}
	if started != 1 {
		t.Errorf("%d PlaybackStarted arrived, want 1 of 2 (one dropped)", started)
	}
}
