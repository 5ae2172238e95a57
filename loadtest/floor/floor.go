package floor

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/arievents"
)

// Options configure Run. The zero value is ready to use.
type Options struct {
	// Agent is where key 0 sends the caller (ARI continue); default agents, s, 1.
	Agent struct {
		Context, Extension string
		Priority           int
	}
	Logger *zap.Logger // nil: nop
}

// events are all Run acts on. Playback events reach only the bus (their key is the playback's), so Run takes one
// bus subscription and routes each event to its call by channel id.
var events = []string{
	ari.Events.StasisStart, ari.Events.StasisEnd, ari.Events.ChannelHangupRequest, ari.Events.ChannelDestroyed,
	ari.Events.ChannelDtmfReceived, ari.Events.PlaybackFinished,
}

// errBusClosed is Run's error when the client's event bus closes under it.
var errBusClosed = errors.New("floor: ARI event bus closed")

type runner struct {
	client ari.Client
	db     *pgxpool.Pool
	opts   Options
	log    *zap.Logger
	wg     sync.WaitGroup // every goroutine Run started: calls, their REST requests and look-ups

	mu    sync.Mutex
	calls map[string]*call // by channel id
}

// Run takes every channel entering the Stasis app the client is connected to, until ctx ends; it returns when all
// its calls have ended.
//
// Run subscribes to the client's bus when it starts: a channel that entered Stasis before that is not taken, so
// start Run before the first call (it logs "floor: taking calls" at debug level once subscribed). When ctx ends,
// every call still in the app is hung up, and Run returns nil once every goroutine it started has ended (REST
// requests included: give the client an HTTP timeout). It returns an error if the client's event bus closes.
func Run(ctx context.Context, client ari.Client, db *pgxpool.Pool, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Agent.Context == "" {
		opts.Agent.Context = "agents"
	}
	if opts.Agent.Extension == "" {
		opts.Agent.Extension = "s"
	}
	if opts.Agent.Priority == 0 {
		opts.Agent.Priority = 1
	}
	r := &runner{client: client, db: db, opts: opts, log: opts.Logger, calls: map[string]*call{}}
	sub := client.Bus().Subscribe(nil, events...)
	defer sub.Cancel()
	ctx, cancel := context.WithCancel(ctx)
	defer r.wg.Wait() // after cancel: the calls hang up and end
	defer cancel()
	app := client.ApplicationName()
	r.log.Debug("floor: taking calls", zap.String("app", app))
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-sub.Events():
			if !ok {
				return errBusClosed
			}
			r.route(ctx, app, e)
		}
	}
}

// route hands an event to its call's mailbox, starting the call on StasisStart. It never blocks.
func (r *runner) route(ctx context.Context, app string, e ari.Event) {
	var id string
	switch v := e.(type) {
	case *ari.StasisStart:
		if a := v.GetApplication(); a == "" || app == "" || a == app {
			r.start(ctx, v)
		}
		return
	case *ari.ChannelDtmfReceived:
		id = v.Channel.ID
	case *ari.PlaybackFinished:
		id = strings.TrimPrefix(v.Playback.TargetURI, "channel:")
	case *ari.StasisEnd:
		id = v.Channel.ID
	case *ari.ChannelHangupRequest:
		id = v.Channel.ID
	case *ari.ChannelDestroyed:
		id = v.Channel.ID
	default:
		return
	}
	r.mu.Lock()
	c := r.calls[id]
	r.mu.Unlock()
	if c != nil {
		c.mb.Put(e)
	}
}

func (r *runner) start(ctx context.Context, e *ari.StasisStart) {
	id := e.Channel.ID
	c := &call{r: r, ctx: ctx, id: id, ch: r.client.Channel().Get(e.Key(ari.ChannelKey, id)), mb: arievents.NewMailbox()}
	r.mu.Lock()
	if r.calls[id] != nil {
		r.mu.Unlock()
		return
	}
	r.calls[id] = c
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		c.run()
		r.mu.Lock()
		delete(r.calls, id)
		r.mu.Unlock()
	}()
}
