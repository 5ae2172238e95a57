package asterisksim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vika-jkn/vika/asterisksim"
)

// rawApp is a minimal ARI app on a raw WebSocket: enough to see exactly what
// the simulator sends, close frames included.
type rawApp struct {
	t      testing.TB
	sim    *asterisksim.Server
	conn   *websocket.Conn
	events chan map[string]any
	ended  chan error // the read error that ended the socket
}

func dialApp(t testing.TB, sim *asterisksim.Server, app string, extra ...string) *rawApp {
	t.Helper()
	q := url.Values{"app": {app}, "api_key": {sim.User() + ":" + sim.Password()}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, sim.WebsocketURL()+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatalf("dial %s: %v", app, err)
	}
	c.SetReadLimit(1 << 20)
	a := &rawApp{t: t, sim: sim, conn: c, events: make(chan map[string]any, 4096), ended: make(chan error, 1)}
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				a.ended <- err
				close(a.events)
				return
			}
			var m map[string]any
			_ = json.Unmarshal(data, &m)
			a.events <- m
		}
	}()
	t.Cleanup(func() { c.Close(websocket.StatusNormalClosure, "") })
	return a
}

// next returns the next event of one of the given types, skipping others.
func (a *rawApp) next(within time.Duration, types ...string) map[string]any {
	a.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case e, ok := <-a.events:
			if !ok {
				a.t.Fatalf("socket ended while waiting for %v", types)
			}
			for _, typ := range types {
				if e["type"] == typ {
					return e
				}
			}
		case <-deadline:
			a.t.Fatalf("no %v within %v", types, within)
		}
	}
}

// rest calls the simulator's REST API as the test user.
func ariCall(t testing.TB, sim *asterisksim.Server, method, path string, q url.Values) (int, map[string]any) {
	t.Helper()
	u := sim.URL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(method, u, nil)
	req.SetBasicAuth(sim.User(), sim.Password())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func chanID(e map[string]any) string {
	ch, _ := e["channel"].(map[string]any)
	id, _ := ch["id"].(string)
	return id
}

func playbackOf(e map[string]any) map[string]any {
	pb, _ := e["playback"].(map[string]any)
	return pb
}

// call originates Local/165@from-mobile into driver and returns the line's
// (vika's ;2) id and the caller's (;1) id, answered.
func call(t testing.TB, sim *asterisksim.Server, vika *rawApp, driver *rawApp) (line, caller string) {
	t.Helper()
	st, body := ariCall(t, sim, "POST", "/channels", url.Values{
		"endpoint": {"Local/165@from-mobile"}, "app": {"driver"}, "appArgs": {"caller"},
		"callerId": {`"Peserta JKN" <081234567890>`},
	})
	if st != 200 {
		t.Fatalf("originate: %d %v", st, body)
	}
	caller, _ = body["id"].(string)
	line = chanID(vika.next(2*time.Second, "StasisStart"))
	if st, _ := ariCall(t, sim, "POST", "/channels/"+line+"/answer", nil); st != 204 {
		t.Fatalf("answer: %d", st)
	}
	if driver != nil {
		driver.next(2*time.Second, "StasisStart")
	}
	return line, caller
}

func traceSim(t testing.TB, extra func(*asterisksim.Options)) *asterisksim.Server {
	opts := asterisksim.Options{Extensions: "testdata/trace-extensions.conf", Sounds: "testdata/sounds", Speed: 20}
	if extra != nil {
		extra(&opts)
	}
	return asterisksim.Start(t, opts)
}

func isEOF(err error) bool {
	return err != nil && websocket.CloseStatus(err) == -1 && !strings.Contains(err.Error(), "close frame")
}
