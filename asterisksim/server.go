package asterisksim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"
)

// Options configures a simulated Asterisk. The zero value works: the trace
// lab's dialplan, no sounds (every play fails as a missing file does), real
// time, user vika/vika.
type Options struct {
	// Router resolves exten@context to dialplan steps. When nil, Extensions is
	// parsed; when that is empty too, the dialplan the traces were recorded
	// with (TraceDialplan) is used.
	Router Router
	// Extensions is the path of an extensions.conf to route with.
	Extensions string
	// Sounds is a directory laid out as Asterisk's: <Sounds>/<lang>/<id>.wav,
	// e.g. <Sounds>/id/vika/welcome.wav for media "sound:vika/welcome".
	Sounds string
	// Speed divides every playback duration, DTMF timing, dialplan Wait and
	// the Restart delay: 1 is real time, 20 makes a 4 s prompt last 200 ms.
	Speed float64
	// Users maps ARI user to password. Default {"vika": "vika"}.
	Users map[string]string
	// Addr to listen on. Default "127.0.0.1:0".
	Addr string
	// DefaultLanguage of new channels. Default "en", as in the traces.
	DefaultLanguage string
	// HangupWindow is how long a channel hung up by its Local peer stays
	// between ChannelHangupRequest and StasisEnd. Asterisk has such a window
	// (a play in it gets 201 and fails); the default 10 ms makes it observable.
	HangupWindow time.Duration
	// Logf, when set, receives one line per REST request (debug logging) and each session refused over
	// SessionLimit.
	Logf func(format string, args ...any)
	// SessionLimit is http.conf's sessionlimit: TCP connections open at once (keep-alive connections and event
	// WebSockets included); one more is closed unanswered, as Asterisk does. 0 is Asterisk's default, 100;
	// negative means no limit.
	SessionLimit int
}

// Server is a running simulated Asterisk.
type Server struct {
	opts     Options
	router   Router
	sounds   *soundLib
	ln       net.Listener
	sessions *sessionListener
	http     *http.Server
	entityID string
	started  time.Time
	routes   []route

	ctx    context.Context // cancelled at Close: ends every WebSocket
	cancel context.CancelFunc
	wsWG   sync.WaitGroup // WebSocket handlers and writers

	mu        sync.Mutex
	closed    bool
	epoch     int64 // seconds part of channel ids; reset at Restart
	chanSeq   int   // uniqueid counter, reset at Restart
	localSeq  int   // Local/...-%08x counter, reset at Restart
	channels  map[string]*channel
	createSeq int                    // creation order of channels, never reset
	playbacks map[string][]*playback // a reused id names several, in play order
	apps      map[string]*app
	conns     map[*wsConn]struct{}
	heard     map[string]*heardLog
	faults    faultState
	// due is, while a timer's callback runs, the instant it was due: the simulator's "now" for what it does
	// (after). Zero otherwise.
	due time.Time
}

// New starts a simulated Asterisk on a real TCP listener. Close it when done.
func New(opts Options) (*Server, error) {
	if opts.Speed <= 0 {
		opts.Speed = 1
	}
	if len(opts.Users) == 0 {
		opts.Users = map[string]string{"vika": "vika"}
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.DefaultLanguage == "" {
		opts.DefaultLanguage = "en"
	}
	if opts.HangupWindow == 0 {
		opts.HangupWindow = 10 * time.Millisecond
	}
	if opts.SessionLimit == 0 {
		opts.SessionLimit = DefaultSessionLimit
	}
	router, err := routerFor(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("asterisksim: listen: %w", err)
	}
	s := &Server{
		opts:      opts,
		router:    router,
		sounds:    newSoundLib(opts.Sounds),
		ln:        ln,
		sessions:  &sessionListener{Listener: ln, limit: int64(opts.SessionLimit), logf: opts.Logf},
		entityID:  "02:fc:00:00:00:01",
		started:   time.Now(),
		epoch:     time.Now().Unix(),
		channels:  map[string]*channel{},
		playbacks: map[string][]*playback{},
		apps:      map[string]*app{},
		conns:     map[*wsConn]struct{}{},
		heard:     map[string]*heardLog{},
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.routes = s.routeTable()
	// IdleTimeout is Asterisk's session_keep_alive default: an idle keep-alive connection is closed after 15 s, and
	// a client that keeps its idle connections longer sends its next request into a closing connection.
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 15 * time.Second}
	go func() { _ = s.http.Serve(s.sessions) }()
	return s, nil
}

// Start is New for tests: it fails the test on error and closes the server at
// cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("asterisksim: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// URL is the ARI base URL, "http://127.0.0.1:PORT/ari".
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/ari" }

// WebsocketURL is the events URL without query, "ws://127.0.0.1:PORT/ari/events".
func (s *Server) WebsocketURL() string { return "ws://" + s.ln.Addr().String() + "/ari/events" }

// Addr is the listener's address, "127.0.0.1:PORT".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// User is an ARI user name (the alphabetically first of Options.Users).
func (s *Server) User() string {
	names := make([]string, 0, len(s.opts.Users))
	for u := range s.opts.Users {
		names = append(names, u)
	}
	sort.Strings(names)
	return names[0]
}

// Password is User's password.
func (s *Server) Password() string { return s.opts.Users[s.User()] }

// Close stops the server: every timer is stopped, every WebSocket closed and
// every goroutine the server started has returned when Close returns.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, ch := range s.channels {
		ch.stopTimers()
	}
	s.mu.Unlock()
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		_ = s.http.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.closeNow()
	}
	s.mu.Unlock()
	s.wsWG.Wait()
}

// scaled converts a duration in Asterisk time to wall time under Speed.
func (s *Server) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.opts.Speed)
}

// now is the simulator's present: the instant the running timer was due (after), or the wall clock. Must hold s.mu.
func (s *Server) now() time.Time {
	if !s.due.IsZero() {
		return s.due
	}
	return time.Now()
}

// after runs f under s.mu after d (already scaled), unless the server closed
// or the timer was stopped. The timer is tracked on owner so that hang-up and
// Close can stop it. Must hold s.mu.
//
// Time in the simulator is the time things were due, not the time a loaded
// machine got round to them: f runs with s.due set to its due instant, the
// events it emits are stamped with it, and a timer it starts is due d after
// it rather than after the late moment it ran. A prompt's PlaybackFinished
// then says the prompt lasted its length, and two keys sent 270 ms apart are
// 270 ms apart, however late the Go runtime fired the timers (under CPU load,
// 150 ms late was seen: 1.5 s at Speed 10).
func (s *Server) after(owner *channel, d time.Duration, f func()) *time.Timer {
	due := s.now().Add(d)
	var t *time.Timer
	t = time.AfterFunc(max(time.Until(due), 0), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		if owner != nil {
			if _, ok := owner.timers[t]; !ok {
				return // stopped after it fired
			}
			delete(owner.timers, t)
		}
		s.due = due
		defer func() { s.due = time.Time{} }()
		f()
	})
	if owner != nil {
		owner.timers[t] = struct{}{}
	}
	return t
}

// nowTS is the Asterisk timestamp format, "2026-11-22T19:04:19.514+0000".
func nowTS() string { return formatTS(time.Now()) }

func formatTS(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }
