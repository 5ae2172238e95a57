package asterisksim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vika-jkn/vika/asterisksim"
)

// router hands each event of one WebSocket to the call waiting for it, by
// channel or playback id.
type router struct {
	mu      sync.Mutex
	waiters map[string]chan string // id -> event types
}

func newRouter(tb testing.TB, sim *asterisksim.Server, app string) *router {
	r := &router{waiters: map[string]chan string{}}
	q := url.Values{"app": {app}, "api_key": {sim.User() + ":" + sim.Password()}}
	c, _, err := websocket.Dial(context.Background(), sim.WebsocketURL()+"?"+q.Encode(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var e struct {
				Type     string
				Channel  struct{ ID string }
				Playback struct{ ID string }
			}
			_ = json.Unmarshal(data, &e)
			id := e.Channel.ID
			if e.Playback.ID != "" {
				id = e.Playback.ID
			}
			r.mu.Lock()
			ch := r.waiters[id]
			r.mu.Unlock()
			if ch != nil {
				select {
				case ch <- e.Type:
				default:
				}
			}
		}
	}()
	tb.Cleanup(func() { c.Close(websocket.StatusNormalClosure, "") })
	return r
}

func (r *router) watch(id string) chan string {
	ch := make(chan string, 64)
	r.mu.Lock()
	r.waiters[id] = ch
	r.mu.Unlock()
	return ch
}

func (r *router) forget(id string) {
	r.mu.Lock()
	delete(r.waiters, id)
	r.mu.Unlock()
}

func waitFor(ch chan string, typ string) error {
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-ch:
			if got == typ {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no %s", typ)
		}
	}
}

// BenchmarkConcurrentCalls drives 500 concurrent callers through real
// sockets: originate, StasisStart, answer, play (welcome, 4.3 s at Speed
// 100 = 43 ms), PlaybackFinished, hang up. It reports completed calls/s.
//
//	go test -run - -bench ConcurrentCalls -benchtime 5000x ./asterisksim/
func BenchmarkConcurrentCalls(b *testing.B) {
	sim := asterisksim.Start(b, asterisksim.Options{
		Extensions: "testdata/trace-extensions.conf", Sounds: "testdata/sounds", Speed: 100,
	})
	vika := newRouter(b, sim, "vika")
	newRouter(b, sim, "driver")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
	do := func(method, path string, q url.Values) (int, error) {
		req, _ := http.NewRequest(method, sim.URL()+path+"?"+q.Encode(), nil)
		req.SetBasicAuth(sim.User(), sim.Password())
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	const concurrency = 500
	var next, failed atomic.Int64
	oneCall := func(n int64) error {
		line, caller, pb := fmt.Sprintf("line-%d", n), fmt.Sprintf("caller-%d", n), fmt.Sprintf("pb-%d", n)
		lineEv, pbEv := vika.watch(line), vika.watch(pb)
		defer vika.forget(line)
		defer vika.forget(pb)
		if st, err := do("POST", "/channels", url.Values{"endpoint": {"Local/165@from-mobile"}, "app": {"driver"},
			"channelId": {caller}, "otherChannelId": {line}, "callerId": {"081234567890"}}); err != nil || st != 200 {
			return fmt.Errorf("originate %d %v", st, err)
		}
		if err := waitFor(lineEv, "StasisStart"); err != nil {
			return err
		}
		if st, err := do("POST", "/channels/"+line+"/answer", nil); err != nil || st != 204 {
			return fmt.Errorf("answer %d %v", st, err)
		}
		if st, err := do("POST", "/channels/"+line+"/play/"+pb, url.Values{"media": {"sound:vika/welcome"}, "lang": {"id"}}); err != nil || st != 201 {
			return fmt.Errorf("play %d %v", st, err)
		}
		if err := waitFor(pbEv, "PlaybackFinished"); err != nil {
			return err
		}
		if st, err := do("DELETE", "/channels/"+caller, nil); err != nil || st != 204 {
			return fmt.Errorf("hangup %d %v", st, err)
		}
		return waitFor(lineEv, "StasisEnd")
	}
	var firstErr atomic.Value
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if err := oneCall(n); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d calls failed, first: %v", f, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
}
