package phone_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"
	"github.com/CyCoreSystems/ari/v5/rid"
	"github.com/coder/websocket"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/phone"
)

// target is an ARI server to call through: the simulator, or a real Asterisk when VIKA_REAL_ARI_URL is set.
type target struct {
	name       string
	url, wsURL string
	user, pass string
	speed      float64 // how much faster than real time prompts and keys run
	sim        *asterisksim.Server
}

// Lengths of the sounds the test app plays, as in the lab's espeak-ng files (../shared/ari-traces/README.md).
var soundLengths = map[string]time.Duration{"welcome": 4270 * time.Millisecond, "short": 1390 * time.Millisecond}

const simSpeed = 20

func simTarget(t *testing.T) target {
	t.Helper()
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../../asterisk-conf/extensions.conf", Sounds: writeSounds(t), Speed: simSpeed,
	})
	return target{name: "simulator", url: sim.URL(), wsURL: sim.WebsocketURL(), user: sim.User(), pass: sim.Password(),
		speed: simSpeed, sim: sim}
}

// realTarget is the real Asterisk of package lab (scripts/with-lab.sh: asterisk-conf/extensions.conf and the prompts),
// held by this test alone: its one "vika" app name is shared by every test, in every package.
func realTarget(t *testing.T) target {
	tg := lab.Require(t)
	lab.Lock(t, tg)
	return target{name: "real-asterisk", url: tg.ARIURL, user: tg.User, pass: tg.Password, speed: 1}
}

// eachTarget runs f against the simulator and, when configured, a real Asterisk. The real one is not
// parallel: its one "vika" app name is shared by every test.
func eachTarget(t *testing.T, f func(t *testing.T, tg target)) {
	t.Run("simulator", func(t *testing.T) {
		t.Parallel()
		f(t, simTarget(t))
	})
	t.Run("real-asterisk", func(t *testing.T) {
		f(t, realTarget(t))
	})
}

// writeSounds makes silent WAVs of the right lengths as <dir>/id/vika/<id>.wav.
func writeSounds(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for id, d := range soundLengths {
		path := filepath.Join(dir, "id", "vika", id+".wav")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, silentWAV(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func silentWAV(d time.Duration) []byte {
	n := int(d.Seconds() * 8000 * 2)
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)    // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)    // mono
	binary.LittleEndian.PutUint32(b[24:], 8000) // Hz
	binary.LittleEndian.PutUint32(b[28:], 16000)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(n))
	return b
}

// testApp is the smallest IVR that exercises a caller: answer, speak Indonesian, play welcome. A key stops
// the prompt (barge-in). Key 0 continues the line to agents,s,1; any other key is answered with "short",
// then the app hangs up. Without a key it waits 10 s (scaled) after welcome and hangs up.
//
// REST goes through the CyCoreSystems native client and events are decoded with ari.DecodeEvent, but the
// WebSocket is read here: native.Client.Close races its own reconnect loop on the connected flag, which
// -race reports in every test that closes one.
type testApp struct {
	cl   ari.Client
	wait time.Duration
	wg   sync.WaitGroup

	mu      sync.Mutex
	calls   map[string]chan ari.Event // by the app's channel id
	collect bool                      // just collect keys until '#', then hang up
	digits  string                    // what a collecting app received
}

// collectKeys turns the app into a key collector: keys do not stop the prompt; '#' hangs up.
func (a *testApp) collectKeys() { a.mu.Lock(); a.collect = true; a.mu.Unlock() }

func (a *testApp) received() string { a.mu.Lock(); defer a.mu.Unlock(); return a.digits }

func startTestApp(t *testing.T, tg target) *testApp {
	t.Helper()
	cl := native.New(&native.Options{Application: "vika", URL: tg.url, WebsocketURL: wsURL(tg),
		Username: tg.user, Password: tg.pass})
	a := &testApp{cl: cl, wait: time.Duration(float64(10*time.Second) / tg.speed), calls: map[string]chan ari.Event{}}
	h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(tg.user+":"+tg.pass))}}
	conn, _, err := websocket.Dial(t.Context(), wsURL(tg)+"?app=vika", &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		t.Fatalf("test app: %v", err)
	}
	conn.SetReadLimit(8 << 20)
	waitRegistered(t, tg, "vika")
	ctx, cancel := context.WithCancel(context.Background())
	a.wg.Add(1)
	go a.read(ctx, conn)
	t.Cleanup(func() {
		cancel()
		conn.CloseNow()
		a.wg.Wait()
	})
	return a
}

func (a *testApp) read(ctx context.Context, conn *websocket.Conn) {
	defer a.wg.Done()
	defer a.closeCalls()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		e, err := ari.DecodeEvent(data)
		if err != nil {
			continue
		}
		if st, ok := e.(*ari.StasisStart); ok {
			ch := make(chan ari.Event, 64)
			a.mu.Lock()
			a.calls[st.Channel.ID] = ch
			a.mu.Unlock()
			a.wg.Add(1)
			go a.handle(st, ch)
			continue
		}
		a.deliver(e)
	}
}

// deliver routes an event to its call by channel id, or by a playback's target channel.
func (a *testApp) deliver(e ari.Event) {
	var id string
	switch ev := e.(type) {
	case *ari.ChannelDtmfReceived:
		id = ev.Channel.ID
	case *ari.StasisEnd:
		id = ev.Channel.ID
	case *ari.PlaybackFinished:
		id = strings.TrimPrefix(ev.Playback.TargetURI, "channel:")
	default:
		return
	}
	a.mu.Lock()
	ch := a.calls[id]
	if _, end := e.(*ari.StasisEnd); end {
		delete(a.calls, id)
	}
	a.mu.Unlock()
	if ch != nil {
		ch <- e
		if _, end := e.(*ari.StasisEnd); end {
			close(ch)
		}
	}
}

func (a *testApp) closeCalls() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, ch := range a.calls {
		close(ch)
		delete(a.calls, id)
	}
}

// waitRegistered waits until ARI lists app: Asterisk registers it only after the WebSocket upgrade.
func waitRegistered(t *testing.T, tg target, app string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, tg.url+"/applications/"+app, nil)
		req.SetBasicAuth(tg.user, tg.pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return
		}
	}
	t.Fatalf("app %s never registered", app)
}

func wsURL(tg target) string {
	if tg.wsURL != "" {
		return tg.wsURL
	}
	u := strings.Replace(strings.Replace(tg.url, "https://", "wss://", 1), "http://", "ws://", 1)
	return strings.TrimRight(u, "/") + "/events"
}

func (a *testApp) handle(st *ari.StasisStart, events <-chan ari.Event) {
	defer a.wg.Done()
	defer func() {
		for range events { // drain until StasisEnd closes it
		}
	}()
	h := a.cl.Channel().Get(st.Key(ari.ChannelKey, st.Channel.ID))
	if h.Answer() != nil || h.SetVariable("CHANNEL(language)", "id") != nil {
		return
	}
	pb, err := h.Play(rid.New("pb"), "sound:vika/welcome")
	if err != nil {
		return
	}
	timeout := time.NewTimer(a.wait + soundLengths["welcome"])
	defer timeout.Stop()
	for {
		select {
		case <-timeout.C:
			h.Hangup()
			return
		case e, ok := <-events:
			if !ok {
				return
			}
			switch ev := e.(type) {
			case *ari.StasisEnd:
				return
			case *ari.ChannelDtmfReceived:
				a.mu.Lock()
				collect := a.collect
				a.digits += ev.Digit
				a.mu.Unlock()
				if collect {
					if ev.Digit == "#" {
						h.Hangup()
						return
					}
					continue
				}
				pb.Stop()
				if ev.Digit == "0" {
					h.Continue("agents", "s", 1)
					return
				}
				pb, _ = h.Play(rid.New("pb"), "sound:vika/short")
			case *ari.PlaybackFinished:
				if pb != nil && ev.Playback.ID == pb.ID() && strings.HasSuffix(ev.Playback.MediaURI, "/short") {
					h.Hangup()
					return
				}
			}
		}
	}
}

// connect opens a phone on tg that the test closes at cleanup.
func connect(t *testing.T, tg target, tweak ...func(*phone.Options)) *phone.Phone {
	t.Helper()
	opts := phone.Options{URL: tg.url, WSURL: tg.wsURL, User: tg.user, Password: tg.pass, App: "phone-test",
		Timeout: 20 * time.Second}
	for _, f := range tweak {
		f(&opts)
	}
	p, err := phone.Connect(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}
