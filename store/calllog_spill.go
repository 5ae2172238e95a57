package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
)

// The spill file is JSON Lines, one calllog.Event a line, appended while the database is down. To replay it the
// writer first renames it (so new spills start a new file and nothing appended during the replay is lost), writes
// the renamed file's events, and removes it. A replay that fails half-way is done again from the start later:
// the writes are idempotent.

func (c *CallLog) replayPath() string { return c.opts.SpillPath + ".replay" }

func (c *CallLog) spill(events []calllog.Event) {
	if len(events) == 0 {
		return
	}
	if c.opts.SpillPath == "" {
		c.drop(len(events), errors.New("no spool (calllog.spool)"))
		return
	}
	c.spillMu.Lock()
	var err error
	if c.spillBytes() >= c.opts.SpillMaxBytes {
		err = fmt.Errorf("spool full (%d bytes, the cap)", c.opts.SpillMaxBytes)
	} else {
		err = appendJSONL(c.opts.SpillPath, events)
	}
	c.spillMu.Unlock()
	if err != nil {
		c.drop(len(events), err)
		return
	}
	c.spilled.Add(int64(len(events)))
}

// drop counts lost events and says so in the log, at most once a second: a supervisor must learn that calls have
// gaps from the log, not from a complaint.
func (c *CallLog) drop(n int, why error) {
	total := c.dropped.Add(int64(n))
	now := time.Now().UnixNano()
	last := c.lastDropLog.Load()
	if now-last < int64(time.Second) || !c.lastDropLog.CompareAndSwap(last, now) {
		return
	}
	c.log.Error("call log: events lost", zap.Error(why), zap.Int("events", n), zap.Int64("lost_total", total))
}

// spillBytes is the size of the spill files on disk.
func (c *CallLog) spillBytes() int64 {
	if c.opts.SpillPath == "" {
		return 0
	}
	var n int64
	for _, p := range []string{c.opts.SpillPath, c.replayPath()} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
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
	return c.opts.SpillPath != "" && (exists(c.opts.SpillPath) || exists(c.replayPath()))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (c *CallLog) replaySpill() error {
	if c.opts.SpillPath == "" {
		return nil
	}
	if !exists(c.replayPath()) { // else a replay failed earlier: finish that one first
		c.spillMu.Lock()
		err := os.Rename(c.opts.SpillPath, c.replayPath())
		c.spillMu.Unlock()
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("replay spill: %w", err)
		}
	}
	if err := c.replayFile(c.replayPath()); err != nil {
		return err
	}
	if err := os.Remove(c.replayPath()); err != nil {
		return fmt.Errorf("replay spill: %w", err)
	}
	return nil
}

func (c *CallLog) replayFile(path string) error {
	f, err := os.Open(path)
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
			c.written.Add(int64(len(batch)))
			batch = batch[:0]
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("replay spill: %w", err)
	}
	if err := c.write(batch); err != nil {
		return err
	}
	c.written.Add(int64(len(batch)))
	return nil
}
