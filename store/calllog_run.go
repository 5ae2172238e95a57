package store

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
)

// writeTimeout bounds one batch write, so a hung database turns into a retry rather than a stuck writer.
const writeTimeout = 10 * time.Second

// run is the writer goroutine: it batches events, writes them, and backs off while the database is down.
func (c *CallLog) run() {
	defer close(c.done)
	tick := time.NewTicker(c.opts.FlushInterval)
	defer tick.Stop()
	var pending []calllog.Event
	var backoff time.Duration
	var retryAt time.Time
	in := c.in
	for in != nil || len(pending) > 0 || c.spillWaiting() {
		select {
		case e, ok := <-in:
			if !ok {
				in = nil
				break
			}
			pending = c.bound(append(pending, e))
			if len(pending) < c.opts.BatchSize {
				continue
			}
		case <-tick.C:
		case <-c.stopped.Done():
			c.abandon(pending)
			return
		}
		if time.Now().Before(retryAt) {
			continue
		}
		var err error
		if pending, err = c.flush(pending); err != nil {
			backoff = nextBackoff(backoff, c.opts.MaxBackoff)
			retryAt = time.Now().Add(backoff)
			c.failures.Add(1)
			c.log.Warn("call log: write failed; will retry", zap.Error(err), zap.Int("pending", len(pending)),
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

// flush writes the spill file first (its events are older), then pending in batches. It returns what is left.
func (c *CallLog) flush(pending []calllog.Event) ([]calllog.Event, error) {
	if err := c.replaySpill(); err != nil {
		return pending, err
	}
	for len(pending) > 0 {
		n := min(len(pending), c.opts.BatchSize)
		if err := c.write(pending[:n]); err != nil {
			return pending, err
		}
		c.written.Add(int64(n))
		pending = pending[n:]
	}
	return nil, nil
}

func (c *CallLog) write(batch []calllog.Event) error {
	ctx, cancel := context.WithTimeout(c.stopped, writeTimeout)
	defer cancel()
	return writeEvents(ctx, c.pool, batch)
}

// bound keeps pending within MaxPending: the oldest quarter goes to the spill file, or is dropped without one.
func (c *CallLog) bound(pending []calllog.Event) []calllog.Event {
	if len(pending) <= c.opts.MaxPending {
		return pending
	}
	n := len(pending) - c.opts.MaxPending*3/4
	c.spill(pending[:n])
	return append([]calllog.Event(nil), pending[n:]...)
}

// abandon is the end of Close when its context expired: whatever is still pending is spilled or counted as lost.
func (c *CallLog) abandon(pending []calllog.Event) {
	for e := range c.in { // Close has closed c.in; take what Record queued
		pending = append(pending, e)
	}
	c.spill(pending)
}

func (c *CallLog) spill(events []calllog.Event) {
	if len(events) == 0 {
		return
	}
	if c.opts.SpillPath == "" {
		c.dropped.Add(int64(len(events)))
		return
	}
	if err := appendJSONL(c.opts.SpillPath, events); err != nil {
		c.dropped.Add(int64(len(events)))
		c.log.Error("call log: spill failed; events lost", zap.Error(err), zap.Int("events", len(events)))
		return
	}
	c.spilled.Add(int64(len(events)))
}

func appendJSONL(path string, events []calllog.Event) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return fmt.Errorf("spill: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("spill: %w", err)
	}
	return f.Close()
}

func (c *CallLog) spillWaiting() bool {
	if c.opts.SpillPath == "" {
		return false
	}
	st, err := os.Stat(c.opts.SpillPath)
	return err == nil && st.Size() > 0
}

// replaySpill writes the spill file's events and removes the file. Writes are idempotent, so a replay that fails
// half-way is simply done again from the start.
func (c *CallLog) replaySpill() error {
	if !c.spillWaiting() {
		return nil
	}
	f, err := os.Open(c.opts.SpillPath)
	if err != nil {
		return fmt.Errorf("replay spill: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	batch := make([]calllog.Event, 0, c.opts.BatchSize)
	for sc.Scan() {
		var e calllog.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // a torn last line from a crash: nothing to recover
		}
		if batch = append(batch, e); len(batch) == c.opts.BatchSize {
			if err := c.write(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("replay spill: %w", err)
	}
	if err := c.write(batch); err != nil {
		return err
	}
	if err := os.Remove(c.opts.SpillPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replay spill: %w", err)
	}
	return nil
}
