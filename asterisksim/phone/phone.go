// Package phone is the one way VIKA drives a telephone call: IVR tests, `vika demo`, `vika loadtest` and the
// differential test all dial, press keys and listen through it. A Phone is an ARI application of its own
// (default name "phone") that originates Local channels into the dialplan, exactly as an ARI developer tests
// an app without handsets, so it works unchanged against the simulated Asterisk and a real one.
//
// It owns the caller's side: originate, DTMF, hang-up, waiting for what the caller hears, and the transcript
// (prompts heard with start, end and whether they were cut, keys, how the call ended). It knows nothing of
// VIKA's call flow: prompt ids are plain strings taken from "sound:vika/<id>" media URIs.
//
// It speaks ARI with net/http and github.com/coder/websocket instead of the CyCoreSystems native client,
// on purpose: that client's bus fans every event out to every subscription by a linear scan and silently
// drops events when a subscriber's 100-event buffer is full (a transcript must never lose a PlaybackFinished,
// and a load test has thousands of calls), its REST calls take no context, Connect blocks forever while
// Asterisk is down, and Close races its own reconnect loop under -race. Here one goroutine per Phone reads the
// WebSocket and hands each event to its call through a map lookup; calls own no goroutines.
package phone

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Options say where ARI is and how calls are placed. Only URL, User and Password are required.
type Options struct {
	URL          string // ARI base, e.g. "http://127.0.0.1:8088/ari"
	WSURL        string // events WebSocket; derived from URL ("ws://127.0.0.1:8088/ari/events") when empty
	User         string
	Password     string
	App          string // this phone's ARI application name; default "phone"
	SubscribeAll bool   // open the WebSocket with subscribeAll=true (not needed: originate subscribes us to both halves)

	// Contexts maps a dialled number to the dialplan context it is dialled in.
	// Default: 165 → from-mobile, 021165 → from-landline (asterisk-conf/extensions.conf).
	Contexts       map[string]string
	DefaultContext string // for numbers not in Contexts; default "from-mobile"
	CallerName     string // caller-id name sent with the number; empty sends the number alone

	Timeout          time.Duration // the deadline of every wait when ctx has none sooner; default 30 s
	RequestTimeout   time.Duration // per REST request; default 5 s
	OriginateTimeout time.Duration // how long the line may ring before Asterisk gives up; default 30 s

	// PromptDuration, when set, gives a prompt's natural length as the server plays it (divide by the
	// simulator's Speed). A prompt that ends clearly earlier is then marked Cut; without it, a prompt
	// that ends after a key reached the line while it played is marked Cut.
	PromptDuration func(promptID string) (time.Duration, bool)

	HTTPClient *http.Client                  // default: a private client, closed at Close
	Logf       func(format string, a ...any) // reconnects and dropped events; default silent
}

func (o *Options) defaults() error {
	if o.URL == "" {
		return errors.New("phone: Options.URL is required")
	}
	o.URL = strings.TrimRight(o.URL, "/")
	if o.WSURL == "" {
		u, err := url.Parse(o.URL)
		if err != nil {
			return fmt.Errorf("phone: bad URL: %w", err)
		}
		u.Scheme = map[string]string{"https": "wss"}[u.Scheme]
		if u.Scheme == "" {
			u.Scheme = "ws"
		}
		u.Path = strings.TrimRight(u.Path, "/") + "/events"
		o.WSURL = u.String()
	}
	if o.App == "" {
		o.App = "phone"
	}
	if o.Contexts == nil {
		o.Contexts = map[string]string{"165": "from-mobile", "021165": "from-landline"}
	}
	if o.DefaultContext == "" {
		o.DefaultContext = "from-mobile"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 5 * time.Second
	}
	if o.OriginateTimeout <= 0 {
		o.OriginateTimeout = 30 * time.Second
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return nil
}

// Phone is a connected caller application. It is safe for concurrent use by many calls.
type Phone struct {
	opts    Options
	http    *http.Client
	ownHTTP bool
	idBase  string
	seq     atomic.Int64

	ctx        context.Context // cancelled by Close; ends the reader
	cancel     context.CancelFunc
	readerDone chan struct{}

	mu     sync.Mutex
	conn   *websocket.Conn
	calls  map[string]*Call // by both channel ids
	closed bool
}

// Connect opens the phone's event WebSocket (failing fast on bad credentials or an unreachable server) and
// keeps it open, reconnecting after a drop, until Close.
func Connect(ctx context.Context, opts Options) (*Phone, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	p := &Phone{opts: opts, http: opts.HTTPClient, calls: map[string]*Call{}, readerDone: make(chan struct{})}
	if p.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 256 // a load test keeps many requests in flight to one Asterisk
		p.http, p.ownHTTP = &http.Client{Transport: t}, true
	}
	p.idBase = fmt.Sprintf("%s-%x", opts.App, time.Now().UnixNano()&0xffffffffff)
	conn, err := p.dial(ctx)
	if err != nil {
		p.closeHTTP()
		return nil, err
	}
	p.conn = conn
	p.ctx, p.cancel = context.WithCancel(context.Background())
	go p.read(conn)
	return p, nil
}

func (p *Phone) dial(ctx context.Context) (*websocket.Conn, error) {
	u, err := url.Parse(p.opts.WSURL)
	if err != nil {
		return nil, fmt.Errorf("phone: bad WSURL: %w", err)
	}
	q := u.Query()
	q.Set("app", p.opts.App)
	if p.opts.SubscribeAll {
		q.Set("subscribeAll", "true")
	}
	u.RawQuery = q.Encode()
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(p.opts.User+":"+p.opts.Password)))
	dctx, cancel := context.WithTimeout(ctx, p.opts.RequestTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPHeader: h, HTTPClient: p.http})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return nil, fmt.Errorf("phone: ARI at %s refused user %q (401)", p.opts.WSURL, p.opts.User)
		}
		return nil, fmt.Errorf("phone: connecting to %s: %w", p.opts.WSURL, err)
	}
	conn.SetReadLimit(8 << 20)
	if err := p.waitRegistered(dctx); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return conn, nil
}

// waitRegistered waits until ARI lists the app. Asterisk registers an app only after the WebSocket upgrade
// (event_websocket_established), so a call dialled right after the handshake could lose its first events,
// the line's ChannelDialplan into Stasis among them.
func (p *Phone) waitRegistered(ctx context.Context) error {
	for {
		status, _, err := p.do(ctx, http.MethodGet, "/applications/"+url.PathEscape(p.opts.App), nil)
		if err == nil {
			return nil
		}
		if status != http.StatusNotFound {
			return fmt.Errorf("phone: checking app %s is registered: %w", p.opts.App, err)
		}
		t := time.NewTimer(5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("phone: app %s never registered: %w", p.opts.App, ctx.Err())
		case <-t.C:
		}
	}
}

// read is the phone's only goroutine: it reads events, hands them to calls, and reconnects after a drop.
func (p *Phone) read(conn *websocket.Conn) {
	defer close(p.readerDone)
	for {
		err := p.readUntilError(conn)
		conn.CloseNow()
		if p.ctx.Err() != nil || p.isClosed() {
			return
		}
		p.opts.Logf("phone: event WebSocket lost (%v); reconnecting", err)
		if conn = p.reconnect(); conn == nil {
			return
		}
		p.resync()
	}
}

func (p *Phone) readUntilError(conn *websocket.Conn) error {
	for {
		_, data, err := conn.Read(p.ctx)
		if err != nil {
			return err
		}
		var ev event
		if err := json.Unmarshal(data, &ev); err != nil {
			p.opts.Logf("phone: undecodable event: %v", err)
			continue
		}
		p.dispatch(&ev, time.Now())
	}
}

// reconnect retries with a growing pause (100 ms to 1 s) until it succeeds or the phone is closed.
func (p *Phone) reconnect() *websocket.Conn {
	pause := 100 * time.Millisecond
	for {
		t := time.NewTimer(pause)
		select {
		case <-p.ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		conn, err := p.dial(p.ctx)
		if err == nil {
			p.mu.Lock()
			p.conn = conn
			p.mu.Unlock()
			p.opts.Logf("phone: event WebSocket back")
			return conn
		}
		pause = min(2*pause, time.Second)
	}
}

// resync ends the calls whose line vanished while the WebSocket was down: their ChannelDestroyed was lost
// with the connection, and a waiter must not wait for it forever.
func (p *Phone) resync() {
	for _, c := range p.liveCalls() {
		status, _, err := p.do(p.ctx, http.MethodGet, "/channels/"+url.PathEscape(c.ID), nil)
		if err == nil || status != http.StatusNotFound {
			continue
		}
		c.lost(time.Now())
	}
}

func (p *Phone) liveCalls() []*Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[*Call]bool{}
	var out []*Call
	for _, c := range p.calls {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func (p *Phone) register(c *Call) {
	p.mu.Lock()
	p.calls[c.ID], p.calls[c.LineID] = c, c
	p.mu.Unlock()
}

func (p *Phone) forget(c *Call) {
	p.mu.Lock()
	delete(p.calls, c.ID)
	delete(p.calls, c.LineID)
	p.mu.Unlock()
}

func (p *Phone) lookup(id string) *Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[id]
}

// Close hangs up every call still up, closes the WebSocket and waits for the reader to stop.
// Calls still open are ended in their transcripts with By "phone-closed".
func (p *Phone) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.hangUpAll()
	p.mu.Lock()
	conn := p.conn
	p.mu.Unlock()
	conn.Close(websocket.StatusNormalClosure, "") // the reader sees the close and stops
	p.cancel()                                    // and stops reconnecting, if it was
	<-p.readerDone
	for _, c := range p.liveCalls() {
		c.end(time.Now(), "phone-closed")
	}
	p.closeHTTP()
	return nil
}

// hangUpAll hangs up the calls a test left up (a real Asterisk would keep them for the ring or Wait
// timeout) and gives their ChannelDestroyed events a moment to complete the transcripts.
func (p *Phone) hangUpAll() {
	live := p.liveCalls()
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, c := range live {
		c.markHangupSent()
		p.do(ctx, http.MethodDelete, "/channels/"+url.PathEscape(c.ID), nil)
	}
	for _, c := range live {
		select {
		case <-c.done:
		case <-ctx.Done():
			return
		}
	}
}

func (p *Phone) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *Phone) closeHTTP() {
	if p.ownHTTP {
		p.http.CloseIdleConnections()
	}
}

// APIError is a non-2xx ARI reply, with Asterisk's message ({"message": ...} or {"error": ...}).
type APIError struct {
	Method, Path string
	Status       int
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("ARI %s %s: %d %s", e.Method, e.Path, e.Status, e.Message)
}

// do sends one REST request (Basic auth, query parameters, no body) and returns the status and body.
func (p *Phone) do(ctx context.Context, method, path string, q url.Values) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.RequestTimeout)
	defer cancel()
	u := p.opts.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.SetBasicAuth(p.opts.User, p.opts.Password)
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("ARI %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, body, nil
	}
	var msg struct{ Message, Error string }
	_ = json.Unmarshal(body, &msg)
	m := msg.Message
	if m == "" {
		m = msg.Error
	}
	return resp.StatusCode, body, &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: m}
}
