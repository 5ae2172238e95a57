package asterisksim_test

import (
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
)

// serverGoroutines counts goroutines running the simulator's own code.
func serverGoroutines() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	count := 0
	for _, g := range strings.Split(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "asterisksim.(*") && !strings.Contains(g, "asterisksim_test.") {
			count++
		}
	}
	return count
}

func TestCloseLeavesNoGoroutineBehindEvenMidCall(t *testing.T) {
	sim, err := asterisksim.New(asterisksim.Options{Extensions: "testdata/trace-extensions.conf", Sounds: "testdata/sounds", Speed: 20})
	if err != nil {
		t.Fatal(err)
	}
	vika := dialApp(t, sim, "vika")
	line, _ := call(t, sim, vika, nil)
	ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/menu"}})
	ariCall(t, sim, "POST", "/channels/"+line+"/dtmf", url.Values{"dtmf": {"123456"}})
	sim.Close()
	deadline := time.Now().Add(2 * time.Second)
	for serverGoroutines() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := serverGoroutines(); n > 0 {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d simulator goroutines left after Close:\n%s", n, buf[:runtime.Stack(buf, true)])
	}
}

// A subscribeAll app sees every channel's events, the other app's
// playbacks included, but never the other app's StasisStart/StasisEnd.
func TestSubscribeAllSeesEveryChannelButNotOtherAppsStasisEvents(t *testing.T) {
	sim := traceSim(t, nil)
	vika := dialApp(t, sim, "vika")
	monitor := dialApp(t, sim, "monitor", "subscribeAll", "true")
	st, _ := ariCall(t, sim, "POST", "/channels", url.Values{"endpoint": {"Local/165@from-mobile"}, "app": {"driver"}})
	if st != 200 {
		t.Fatal(st)
	}
	line := chanID(vika.next(time.Second, "StasisStart"))
	ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/short"}})
	ariCall(t, sim, "DELETE", "/channels/"+line, nil)
	vika.next(time.Second, "StasisEnd")
	var types []string
	for {
		e := monitor.next(time.Second, "ChannelDialplan", "PlaybackStarted", "PlaybackFinished", "StasisStart", "StasisEnd", "ChannelDestroyed")
		types = append(types, e["type"].(string))
		if e["type"] == "ChannelDestroyed" && chanID(e) == line {
			break
		}
	}
	got := strings.Join(types, " ")
	for _, want := range []string{"ChannelDialplan", "PlaybackStarted", "PlaybackFinished", "ChannelDestroyed"} {
		if !strings.Contains(got, want) {
			t.Errorf("monitor saw %q, want %s in it", got, want)
		}
	}
	if strings.Contains(got, "StasisStart") || strings.Contains(got, "StasisEnd") {
		t.Errorf("monitor saw another app's Stasis events: %s", got)
	}
}

func TestHeardRecordsWhatTheCallerHeardAndWhereItWasCut(t *testing.T) {
	sim := traceSim(t, nil)
	vika := dialApp(t, sim, "vika")
	line, caller := call(t, sim, vika, nil)
	ariCall(t, sim, "POST", "/channels/"+line+"/variable", url.Values{"variable": {"CHANNEL(language)"}, "value": {"id"}})
	ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/short,sound:vika/nope"}})
	vika.next(time.Second, "PlaybackFinished")
	_, pb := ariCall(t, sim, "POST", "/channels/"+line+"/play", url.Values{"media": {"sound:vika/menu"}})
	vika.next(time.Second, "PlaybackStarted")
	time.Sleep(50 * time.Millisecond)
	ariCall(t, sim, "DELETE", "/playbacks/"+pb["id"].(string), nil)
	vika.next(time.Second, "PlaybackFinished")

	heard := sim.Heard(caller) // the caller's half answers for the pair
	want := []struct{ media, lang, state string }{
		{"sound:vika/short", "id", "done"}, {"sound:vika/nope", "id", "missing"}, {"sound:vika/menu", "id", "stopped"},
	}
	if len(heard) != len(want) {
		t.Fatalf("heard %+v", heard)
	}
	for i, w := range want {
		h := heard[i]
		if h.Media != w.media || h.Lang != w.lang || h.State != w.state {
			t.Errorf("heard[%d] = %+v, want %v", i, h, w)
		}
	}
	if d := heard[0].Ended.Sub(heard[0].Started); d < 60*time.Millisecond || d > 120*time.Millisecond {
		t.Errorf("short (1.39 s at Speed 20) lasted %v", d)
	}
}
