package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
)

// CallLogOptions tunes the call-log writer. Zero values take the defaults in parentheses.
type CallLogOptions struct {
	Buffer        int           // events the Record channel holds before the writer takes them (4096)
	MaxPending    int           // events held in memory while the database is down (100000)
	BatchSize     int           // events per COPY (1000)
	Writers       int           // batches written at once, each in its own transaction on its own connection (4)
	FlushInterval time.Duration // longest an event waits before it is written (200ms)
	MaxBackoff    time.Duration // longest wait between retries while the database is down (10s)
	// SpillPath, when set, is a JSONL file that takes the oldest pending events once MaxPending is reached (instead
	// of dropping them) and is replayed into the database when it answers again.
	SpillPath string
	// SpillMaxBytes caps the spill file (1 GiB): a full disk must not take the host down with it. Past it, events
	// are dropped, counted and logged.
	SpillMaxBytes int64
	// HashKey keys the hash of a raw caller number found in an arrival event (calllog.FieldCaller).
	HashKey []byte
}

func (o CallLogOptions) withDefaults() CallLogOptions {
	o.Buffer = orDefault(o.Buffer, 4096)
	o.MaxPending = orDefault(o.MaxPending, 100_000)
	o.BatchSize = orDefault(o.BatchSize, 1000)
	o.Writers = orDefault(o.Writers, 4)
	o.FlushInterval = orDefault(o.FlushInterval, 200*time.Millisecond)
	o.MaxBackoff = orDefault(o.MaxBackoff, 10*time.Second)
	if o.SpillMaxBytes <= 0 {
		o.SpillMaxBytes = 1 << 30
	}
	return o
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// CallLogStats counts what happened to recorded events, for metrics.
type CallLogStats struct {
	Recorded int64 // accepted by Record
	Written  int64 // committed to the database
	Dropped  int64 // lost: Record's channel full, after Close, or memory and spill both full
	Spilled  int64 // written to the spill file (and later replayed)
	Failures int64 // failed database writes (each retried)
	// SpillBytes is the size of the spill files now: events waiting on disk for the database.
	SpillBytes int64
	Buffered   int // in Record's channel now
	Queued     int // in memory waiting for the database now
	// PeakQueued is the most events ever waiting in memory at once: how close the writer came to MaxPending.
	PeakQueued int64
}

// CallLog writes call events to PostgreSQL. It implements calllog.Sink: Record never blocks. A collector goroutine
// moves events from a bounded channel into an in-memory queue, and a writer goroutine writes the queue in batches,
// each in one transaction (the calls rows upserted, the events inserted; both idempotent, so a retried batch
// cannot duplicate). They are two goroutines so that an insert hanging on a sick database never stops the channel
// from draining. While the database is down the queue holds up to MaxPending events; beyond that the oldest go
// to the spill file (SpillPath) or, without one, are dropped and counted. Writes are retried with backoff.
type CallLog struct {
	pool *pgxpool.Pool
	log  *zap.Logger
	opts CallLogOptions

	mu     sync.RWMutex // guards closed against Record sending on a closed channel
	closed bool
	in     chan calllog.Event
	done   chan struct{} // closed when the writer has finished

	qmu       sync.Mutex // guards queue
	queue     []calllog.Event
	wake      chan struct{} // a full batch is waiting
	collected chan struct{} // closed when the collector has taken the last event
	spillMu   sync.Mutex    // serialises appends to and the renaming of the spill file
	// stopped ends when Close's context expires: give up retrying and abandon an insert under way.
	stopped    context.Context
	stopWrites context.CancelFunc

	recorded, written, dropped, spilled, failures atomic.Int64
	peakQueued                                    atomic.Int64
	lastDropLog                                   atomic.Int64 // unix nanoseconds of the last "dropped" log line
}

var _ calllog.Sink = (*CallLog)(nil)

// NewCallLog starts the writer. Close it to flush.
func NewCallLog(pool *pgxpool.Pool, logger *zap.Logger, opts CallLogOptions) *CallLog {
	if logger == nil {
		logger = zap.NewNop()
	}
	opts = opts.withDefaults()
	c := &CallLog{pool: pool, log: logger, opts: opts, in: make(chan calllog.Event, opts.Buffer),
		done: make(chan struct{}), wake: make(chan struct{}, 1), collected: make(chan struct{})}
	c.stopped, c.stopWrites = context.WithCancel(context.Background())
	go c.collect()
	go c.run()
	return c
}

// Record queues an event without waiting on the database. When the queue is full, or after Close (a call the
// draining app sends to the fallback while the log flushes), the event is appended to the spill file at once; only
// without a spill file, or with it full, is it dropped, counted and logged.
func (c *CallLog) Record(e calllog.Event) {
	e = c.scrub(e)
	c.mu.RLock()
	if !c.closed {
		select {
		case c.in <- e:
			c.recorded.Add(1)
			c.mu.RUnlock()
			return
		default:
		}
	}
	c.mu.RUnlock()
	c.recorded.Add(1)
	c.spill([]calllog.Event{e})
}

// scrub replaces a raw caller number by its mask and keyed hash before the event is queued anywhere (memory, the
// spill file, the database). The map is copied: the IVR may reuse its own.
func (c *CallLog) scrub(e calllog.Event) calllog.Event {
	raw, ok := e.Fields[calllog.FieldCaller].(string)
	if !ok {
		return e
	}
	f := make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		if k != calllog.FieldCaller {
			f[k] = v
		}
	}
	f[calllog.FieldCallerMasked] = calllog.MaskCaller(raw)
	if len(c.opts.HashKey) > 0 {
		f[calllog.FieldCallerHash] = jkn.HashID(c.opts.HashKey, raw)
	}
	e.Fields = f
	return e
}

// Stats returns the counters so far.
func (c *CallLog) Stats() CallLogStats {
	return CallLogStats{Recorded: c.recorded.Load(), Written: c.written.Load(), Dropped: c.dropped.Load(),
		Spilled: c.spilled.Load(), Failures: c.failures.Load(), Buffered: len(c.in), Queued: c.queued(),
		SpillBytes: c.spillBytes(), PeakQueued: c.peakQueued.Load()}
}

// Close stops taking events and writes what is pending. If ctx ends first (the database is still down), the rest
// goes to the spill file when there is one, and the error says how many events were lost.
func (c *CallLog) Close(ctx context.Context) error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.in)
	}
	c.mu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		c.stopWrites()
		<-c.done
	}
	c.stopWrites()
	if n := c.dropped.Load(); n > 0 {
		return fmt.Errorf("call log: %d events dropped", n)
	}
	return nil
}
