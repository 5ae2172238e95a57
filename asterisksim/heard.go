package asterisksim

import "time"

// Heard is one sound a caller heard: one media item of a playback on the
// line (or a Playback() step of the dialplan), with wall-clock times. State
// is what really happened, finer than ARI's: "done" (played to its end),
// "stopped" (the app stopped it, ARI says "done"), "failed" (hang-up or
// restart under it), "missing" (no such file, nothing heard), "playing"
// (still on the line).
type Heard struct {
	PlaybackID string
	Media      string // "sound:vika/welcome"
	Lang       string // language of the file played ("en" when lang=fr fell back)
	Started    time.Time
	Ended      time.Time
	State      string
	Dialplan   bool // played by the dialplan, not by an ARI app
}

// heardLog is shared by both halves of a Local pair: what is played on ;2
// is what the caller on ;1 hears. Guarded by Server.mu.
type heardLog struct {
	items []Heard
}

func (l *heardLog) add(h Heard) int {
	l.items = append(l.items, h)
	return len(l.items) - 1
}

func (l *heardLog) end(i int, state string) {
	if i < 0 || i >= len(l.items) || l.items[i].State != "playing" {
		return
	}
	l.items[i].State = state
	l.items[i].Ended = time.Now()
}

// Heard returns what was played on the Local pair of channelID (either
// half), in order. It keeps answering after the call ended.
func (s *Server) Heard(channelID string) []Heard {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.heard[channelID]
	if l == nil {
		return nil
	}
	return append([]Heard(nil), l.items...)
}

// ForgetHeard drops the records of a finished call (long load tests).
func (s *Server) ForgetHeard(channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.heard[channelID]
	for id, x := range s.heard {
		if x == l {
			delete(s.heard, id)
		}
	}
}
