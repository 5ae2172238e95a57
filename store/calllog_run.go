package store

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
)

// writeTimeout bounds one batch write, so a hung database turns into a retry rather than a stuck writer. A batch is
// four round trips (begin, the calls rows, COPY, commit): on a database answering every query 3 s late it takes 12 s,
// and at 10 s no batch was ever written while it stayed that slow (reliability.md, "database slow").
const writeTimeout = 30 * time.Second

// collect moves events from Record's channel to the queue, keeping the queue within MaxPending.
func (c *CallLog) collect() {
	defer close(c.collected)
	for e := range c.in {
		c.qmu.Lock()
		c.queue = append(c.queue, e)
		if n := int64(len(c.queue)); n > c.peakQueued.Load() {
			c.peakQueued.Store(n) // only the collector grows the queue past its peak
		}
		over := c.trimLocked()
		full := len(c.queue) >= c.opts.BatchSize
		c.qmu.Unlock()
		c.spill(over)
		if full {
			select {
			case c.wake <- struct{}{}:
			default:
			}
		}
	}
}

// trimLocked cuts the oldest quarter of the queue once it passes MaxPending, for the caller to spill outside
// the lock.
func (c *CallLog) trimLocked() []calllog.Event {
	if len(c.queue) <= c.opts.MaxPending {
		return nil
	}
	n := len(c.queue) - c.opts.MaxPending*3/4
	over := slices.Clone(c.queue[:n])
	c.queue = slices.Clone(c.queue[n:])
	return over
}

// run is the writer: it flushes on a full batch or every FlushInterval, and backs off while the database is down.
func (c *CallLog) run() {
	defer close(c.done)
	tick := time.NewTicker(c.opts.FlushInterval)
	defer tick.Stop()
	collected := c.collected
	var backoff time.Duration
	var retryAt time.Time
	for {
		if collected == nil && c.queued() == 0 && !c.spillWaiting() {
			return
		}
		select {
		case <-c.wake:
		case <-tick.C:
		case <-collected:
			collected = nil // input ended (Close): flush what is left, then return
		case <-c.stopped.Done():
			c.abandon()
			return
		}
		if time.Now().Before(retryAt) {
			continue
		}
		if err := c.flush(); err != nil {
			backoff = nextBackoff(backoff, c.opts.MaxBackoff)
			retryAt = time.Now().Add(backoff)
			c.failures.Add(1)
			c.log.Warn("call log: write failed; will retry", zap.Error(err), zap.Int("queued", c.queued()),
				zap.Duration("retry_in", backoff))
			continue
		}
		backoff, retryAt = 0, time.Time{}
	}
}

func nextBackoff(prev, limit time.Duration) time.Duration {
	if prev == 0 {
		return 100 * time.Millisecond
	}
	return min(2*prev, limit)
}

func (c *CallLog) queued() int {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return len(c.queue)
}

// flush writes the spill file first (its events are older), then the queue: up to Writers batches at a time, each
// on its own connection, so one slow transaction does not hold the rest and the writer keeps up with thousands of
// calls. A batch that fails goes back to the queue whole; the others of its round stay written.
func (c *CallLog) flush() error {
	if err := c.replaySpill(); err != nil {
		return err
	}
	for {
		batches := c.takeBatches(c.opts.Writers, c.batchSize())
		if len(batches) == 0 {
			return nil
		}
		errs := make([]error, len(batches))
		var wg sync.WaitGroup
		for i, b := range batches {
			wg.Go(func() { errs[i] = c.write(b) })
		}
		wg.Wait()
		var failed error
		for i, b := range batches {
			if errs[i] != nil {
				c.putBack(b)
				failed = cmp.Or(failed, errs[i])
				continue
			}
			c.written.Add(int64(len(b)))
		}
		if failed != nil {
			return failed
		}
	}
}

// batchSize is BatchSize, or more when the queue is long: on a machine whose CPU the calls themselves take (2000 at
// once), each round trip costs the writer a wait for the scheduler, and bigger COPYs catch up with fewer of them. At
// most 10 × BatchSize, so that one batch stays one short transaction.
func (c *CallLog) batchSize() int {
	n := c.opts.BatchSize
	if q := c.queued(); q > n*c.opts.Writers {
		n = min(q/c.opts.Writers+1, 10*c.opts.BatchSize)
	}
	return n
}

// takeBatches takes up to n batches of at most size events. A short queue makes one batch: splitting it would
// only add transactions.
func (c *CallLog) takeBatches(n, size int) [][]calllog.Event {
	var out [][]calllog.Event
	for range n {
		b := c.take(size)
		if len(b) == 0 {
			break
		}
		out = append(out, b)
		if len(b) < size {
			break
		}
	}
	return out
}

func (c *CallLog) take(n int) []calllog.Event {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	n = min(n, len(c.queue))
	batch := slices.Clone(c.queue[:n])
	c.queue = c.queue[n:]
	return batch
}

// putBack returns a failed batch to the front of the queue (order is kept, though the writes do not depend on it).
func (c *CallLog) putBack(batch []calllog.Event) {
	c.qmu.Lock()
	c.queue = append(batch, c.queue...)
	over := c.trimLocked()
	c.qmu.Unlock()
	c.spill(over)
}

func (c *CallLog) write(batch []calllog.Event) error {
	ctx, cancel := context.WithTimeout(c.stopped, writeTimeout)
	defer cancel()
	return writeEvents(ctx, c.pool, batch)
}

// abandon ends a Close whose context expired: everything still queued is spilled, or counted as lost.
func (c *CallLog) abandon() {
	<-c.collected // Close has closed c.in, so the collector finishes at once
	c.qmu.Lock()
	rest := c.queue
	c.queue = nil
	c.qmu.Unlock()
	c.spill(rest)
}
