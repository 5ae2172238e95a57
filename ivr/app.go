package ivr

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
)

// App is the Stasis application: it takes every channel that enters it and runs one session per channel.
type App struct {
	client   ari.Client
	flow     *dialplan.Flow
	dir      Directory
	sink     calllog.Sink
	logger   *zap.Logger
	clock    func() time.Time
	limiter  CallerLimiter
	hashKey  []byte
	notFound []error
	node     string
	stats    *Stats
	obs      Observer
	// sub is taken in New, not in Run: the client's WebSocket is already up, and a StasisStart that reached the bus
	// before anyone subscribed would be dropped, leaving that caller in silence.
	sub ari.Subscription

	mu       sync.Mutex
	sessions map[string]*session // by channel id
	wg       sync.WaitGroup
	live     atomic.Int64 // goroutines this App started and that still run (sessions, look-ups)
	draining atomic.Bool  // Drain was called: new calls go to the fallback context
	// startedDuringRecovery notes the channels StasisStart brings in until recoverStranded has judged which of the
	// app's channels a previous process left behind; nil after that.
	startedDuringRecovery map[string]bool
	// sentAway holds, once the App drains, the channels its sessions sent to the fallback (noteSentAway).
	sentAway map[string]bool

	requestTimeout time.Duration
	requestSlots   chan struct{} // a slot per ARI request out (WithRequestSlots); nil: no limit
	lengths        promptLengths // how long each prompt plays here, for checkPrompt (lengths.go)
}

// Option changes how New builds the App.
type Option func(*App)

// WithClock sets the wall clock used for opening hours, the per-caller window and the look-up's "now" (the
// current month's bill). Timeouts always use real timers.
func WithClock(now func() time.Time) Option { return func(a *App) { a.clock = now } }

// WithCallerLimiter replaces the in-memory per-caller limiter (built from the flow's limits).
func WithCallerLimiter(l CallerLimiter) Option { return func(a *App) { a.limiter = l } }

// WithHashKey sets the key for the keyed hash of identity numbers in the call log (jkn.HashID). It must be the
// same key the supervisor console hashes a searched number with. Without it the App uses a random key per process,
// and hashes cannot be searched across restarts.
func WithHashKey(key []byte) Option { return func(a *App) { a.hashKey = key } }

// WithNotFound declares the Directory's own not-found errors (store.ErrNotFound), in addition to ErrNotFound.
func WithNotFound(errs ...error) Option {
	return func(a *App) { a.notFound = append(a.notFound, errs...) }
}

// WithNode names the Asterisk node this client talks to, for the call log's arrival event.
func WithNode(node string) Option { return func(a *App) { a.node = node } }

// New builds the Stasis application on client, running flow, looking participants up in dir and recording every
// call to sink. The logger gets one line per call (and errors); nil means no logs.
// New subscribes to the client's events at once, so no call that arrives before Run is lost; Run it once.
func New(client ari.Client, flow *dialplan.Flow, dir Directory, sink calllog.Sink, logger *zap.Logger, opts ...Option) *App {
	if logger == nil {
		logger = zap.NewNop()
	}
	if sink == nil {
		sink = calllog.Discard
	}
	a := &App{
		client:         client,
		flow:           flow,
		dir:            dir,
		sink:           sink,
		logger:         logger,
		clock:          time.Now,
		notFound:       []error{ErrNotFound},
		stats:          newStats(),
		obs:            nopObserver{},
		requestTimeout: defaultRequestTimeout,
		sessions:       map[string]*session{},

		startedDuringRecovery: map[string]bool{},
	}
	for _, o := range opts {
		o(a)
	}
	if a.limiter == nil {
		a.limiter = NewMemoryLimiter(flow.Limits.FailedPerCaller, flow.Limits.CallerWindow)
	}
	if a.hashKey == nil {
		a.hashKey = make([]byte, 32)
		_, _ = rand.Read(a.hashKey) // crypto/rand.Read never fails (Go 1.24+)
	}
	a.sub = client.Bus().Subscribe(nil, events...)
	return a
}

// Stats are the App's counters, for /metrics.
func (a *App) Stats() *Stats { return a.stats }

// events are the ARI events the App acts on. Playback events reach only the bus (a channel subscription never sees
// them: their only key is the playback's), so the App subscribes to the bus once and routes by channel.
var events = []string{
	ari.Events.StasisStart, ari.Events.StasisEnd, ari.Events.ChannelHangupRequest, ari.Events.ChannelDestroyed,
	ari.Events.ChannelDtmfReceived, ari.Events.PlaybackStarted, ari.Events.PlaybackFinished,
	ari.Events.ChannelVarset, // only a session's own mark matters (awaitPromptEnd)
}

// errBusClosed is returned by Run when the client's event bus closes under it (the client was closed).
var errBusClosed = errors.New("ivr: ARI event bus closed")

// Run takes calls until ctx ends, then ends every call in progress (hanging up their channels) and returns once
// every session is gone. It returns ctx's error, or an error if the client's event bus closes.
func (a *App) Run(ctx context.Context) error {
	sub := a.sub
	defer sub.Cancel()
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		a.wg.Wait()
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.recoverStranded(ctx)
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-sub.Events():
			if !ok {
				return errBusClosed
			}
			a.route(ctx, e)
		}
	}
}

// route hands an event to the session of its channel, starting one on StasisStart. It never blocks.
func (a *App) route(ctx context.Context, e ari.Event) {
	if start, ok := e.(*ari.StasisStart); ok {
		if start.GetApplication() == "" || start.GetApplication() == a.client.ApplicationName() {
			a.start(ctx, start)
		}
		return
	}
	id := eventChannel(e)
	a.mu.Lock()
	s := a.sessions[id]
	a.mu.Unlock()
	if s != nil {
		s.mb.Put(e)
	}
}

// eventChannel is the channel an event is about. Playback events name it only in target_uri ("channel:<id>").
func eventChannel(e ari.Event) string {
	switch v := e.(type) {
	case *ari.StasisEnd:
		return v.Channel.ID
	case *ari.ChannelHangupRequest:
		return v.Channel.ID
	case *ari.ChannelDestroyed:
		return v.Channel.ID
	case *ari.ChannelDtmfReceived:
		return v.Channel.ID
	case *ari.ChannelVarset:
		return v.Channel.ID
	case *ari.PlaybackStarted:
		return strings.TrimPrefix(v.Playback.TargetURI, "channel:")
	case *ari.PlaybackFinished:
		return strings.TrimPrefix(v.Playback.TargetURI, "channel:")
	}
	return ""
}

func (a *App) start(ctx context.Context, e *ari.StasisStart) {
	ch := a.client.Channel().Get(e.Key(ari.ChannelKey, e.Channel.ID))
	s := newSession(a, ch, e)
	draining := a.draining.Load()
	if draining {
		// A refusal outlives Run's context: cut at Run's end, it would hang up a caller it was sending on.
		ctx = context.WithoutCancel(ctx)
	}
	s.ctx, s.stop = context.WithCancel(ctx)
	a.mu.Lock()
	if _, dup := a.sessions[e.Channel.ID]; dup {
		a.mu.Unlock()
		s.stop()
		a.logger.Warn("ivr: second StasisStart for a channel in a call; ignored", zap.String("channel", e.Channel.ID))
		return
	}
	if a.sentAway[e.Channel.ID] { // Release found it in the app before its StasisStart came: already in the fallback
		a.mu.Unlock()
		s.stop()
		return
	}
	run := s.run
	if draining {
		run, s.sendingAway = s.refuse, true
	}
	a.sessions[e.Channel.ID] = s
	if a.startedDuringRecovery != nil {
		a.startedDuringRecovery[e.Channel.ID] = true
	}
	a.mu.Unlock()
	a.wg.Add(1)
	a.live.Add(1)
	go func() {
		defer a.live.Add(-1)
		defer a.wg.Done()
		defer a.forget(e.Channel.ID)
		run()
	}()
}

func (a *App) forget(channelID string) {
	a.mu.Lock()
	delete(a.sessions, channelID)
	a.mu.Unlock()
}

// isNotFound says whether a Directory error means "no such participant with that birth date".
func (a *App) isNotFound(err error) bool {
	for _, nf := range a.notFound {
		if errors.Is(err, nf) {
			return true
		}
	}
	return false
}

// String is for logs.
func (a *App) String() string { return fmt.Sprintf("ivr app %q", a.client.ApplicationName()) }

// activeSessions is how many sessions the App is running now, those only sending a call away included.
func (a *App) activeSessions() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions)
}

// callsInProgress is how many calls the App is running now through its flow: the calls Drain waits for.
func (a *App) callsInProgress() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, s := range a.sessions {
		if !s.sendingAway {
			n++
		}
	}
	return n
}
