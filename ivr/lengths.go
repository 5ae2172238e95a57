package ivr

import (
	"sync"
	"time"
)

// promptLengths is how long each prompt played, start to end, the last time it played in full on this App's
// Asterisk, learnt from its PlaybackStarted and PlaybackFinished. With it a session knows when a playing prompt's
// PlaybackFinished is due, and asks Asterisk about the playback (GET /playbacks/{id}) only once that is overdue by
// playback.start, instead of every playback.start while it plays: with the events flowing, a prompt heard before
// costs no request beyond its Play. The length is learnt on the Asterisk the App drives, so recordings that replace
// the generated prompts, or a simulator playing faster than real time, are timed as they really play there; a
// prompt not heard yet is asked about as before (see checkPrompt).
type promptLengths struct {
	mu sync.RWMutex
	d  map[string]time.Duration
}

func (l *promptLengths) get(id string) (time.Duration, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	d, ok := l.d[id]
	return d, ok
}

func (l *promptLengths) learn(id string, d time.Duration) {
	if d <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.d == nil {
		l.d = map[string]time.Duration{}
	}
	l.d[id] = d
}
