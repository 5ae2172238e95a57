package main

import (
	"fmt"
	"net/http"
	"reflect"
	"time"
	"unsafe"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"
)

// defaultARIConns is ari.max_conns when unset: well under Asterisk's default sessionlimit (100), which also counts
// the event WebSocket, an operator's curl and a second vika serve. Measured on the lab's Asterisk 22.10.1 at 1,000
// channels (docs/performance.md): each request took 60-100 ms there and Asterisk served about 500 a second however
// many connections carried them (90 were no better than 50), so a larger pool only queues inside Asterisk instead
// of here, where a request past its deadline is dropped unsent.
const defaultARIConns = 50

// phoneARIConns is the load tool's and demo phone's share of the simulator's sessions (see connectPhone).
const phoneARIConns = 32

// ariIdleTimeout closes an idle pooled connection before Asterisk does: its HTTP server drops a keep-alive
// connection after http.conf's session_keep_alive (15 s by default; measured on 22.10.1), and a POST sent on a
// connection the server is closing fails with EOF and is not retried by net/http (POST is not idempotent).
const ariIdleTimeout = 10 * time.Second

// ariHungRequest frees a pooled connection whose request Asterisk never answers. Only then is a connection
// given up mid-request: see ariHTTPClient.
const ariHungRequest = 30 * time.Second

// ariHTTPClient is the HTTP client for ARI's REST requests: keep-alive connections, at most maxConns to the node
// at once (MaxConnsPerHost; each is one of Asterisk's HTTP sessions), all of them kept idle for reuse. A request
// that finds every connection busy waits for one for at most wait (the caller's own deadline, 0 for none): one
// still waiting then is never sent, so a call's late answer or play cannot reach Asterisk after the session gave
// up on it. A request once sent is left to finish, even past the caller's deadline (the caller has stopped
// waiting for it): cancelling it would close its connection, but Asterisk's HTTP thread goes on serving the
// request and counts the session until it is done, while the pool, one connection short, opens another. Under
// overload those abandoned sessions piled up past sessionlimit (measured: "HTTP session count exceeded 200
// sessions" with ari.max_conns 150 and a 2 s cancel) and Asterisk refused the next connections with EOF.
func ariHTTPClient(maxConns int, wait time.Duration) *http.Client {
	maxConns = ariConns(maxConns)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxConnsPerHost = maxConns
	t.MaxIdleConnsPerHost = maxConns
	t.MaxIdleConns = maxConns
	t.IdleConnTimeout = ariIdleTimeout
	t.ForceAttemptHTTP2 = false // Asterisk speaks HTTP/1.1 only
	hung := time.Duration(0)
	if wait > 0 {
		hung = ariHungRequest
	}
	return &http.Client{Transport: countingTransport{next: t, wait: wait}, Timeout: hung}
}

// ariConns is the pool's size for ari.max_conns n: the default when unset (a config built in code, not loaded).
func ariConns(n int) int {
	if n <= 0 {
		return defaultARIConns
	}
	return n
}

// useHTTPClient makes the native client send its REST requests with hc. ari/v5 v5.3.1 has no option for it: the
// client keeps an unexported http.Client value whose zero Transport is http.DefaultTransport (2 idle connections
// per host, no cap: a new Asterisk session for every request in flight). It is set before Connect, when nothing
// else reads it. If a later ari version renames or retypes the field this fails at start, saying so, rather than
// silently leaving the unbounded transport in place.
func useHTTPClient(cl *native.Client, hc *http.Client) error {
	return setUnexported(cl, "httpClient", *hc)
}

// setNode records the Asterisk entity id on the client, as native.Connect does (and which connectARI, calling New
// and Connect itself to set the HTTP client in between, must do in its place).
func setNode(cl *native.Client, node string) error {
	return setUnexported(cl, "node", node)
}

func setUnexported[T any](cl *native.Client, name string, v T) error {
	f := reflect.ValueOf(cl).Elem().FieldByName(name)
	if !f.IsValid() || f.Type() != reflect.TypeOf(v) {
		return fmt.Errorf("ari native client: no field %s of type %T (the ari/v5 version changed; see cmd/vika/aripool.go)", name, v)
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(v))
	return nil
}

// dialNative is native.Connect with the REST requests on hc: New, the HTTP client set while nothing uses it yet,
// Connect (the event WebSocket), then the entity id Connect would record.
func dialNative(opts *native.Options, hc *http.Client, sock *eventSocket) (ari.Client, error) {
	cl := native.New(opts)
	if err := useHTTPClient(cl, hc); err != nil {
		return nil, err
	}
	ws, err := eventSocketConfig(opts, sock)
	if err != nil {
		return nil, err
	}
	cl.WSConfig = ws
	if err := cl.Connect(); err != nil {
		return cl, err
	}
	info, err := cl.Asterisk().Info(nil)
	if err != nil {
		return cl, err
	}
	return cl, setNode(cl, info.SystemInfo.EntityID)
}
