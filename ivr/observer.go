package ivr

import "time"

// Observer is told what happens in calls as it happens, for /metrics (package metrics implements it). It is
// declared here, where it is used, so the IVR knows nothing of Prometheus. Its methods are called from the calls'
// goroutines and must return at once.
type Observer interface {
	CallStarted(entry string)
	CallEnded(entry, outcome string, d time.Duration)
	// Answered is the delay from StasisStart to Asterisk accepting the Answer request.
	Answered(d time.Duration)
	// KeyResponse is the delay from the caller's last key to the next Play request: how long the caller waits in
	// silence for the line to react (a look-up included when the key ended a number).
	KeyResponse(d time.Duration)
	LookedUp(outcome string, d time.Duration)
	// PromptFailed is a prompt that did not play as asked, by reason: PromptFailedSound, PromptNotStarted,
	// PromptOverran, PromptEventsLost.
	PromptFailed(reason string)
	// RESTError is an ARI request that failed during a call, by operation (answer, play, hangup, ...).
	RESTError(op string)
}

// Reasons a prompt did not play as asked, as Observer.PromptFailed is told.
const (
	PromptFailedSound = "failed"      // PlaybackFinished said failed: Asterisk could not play the sound
	PromptNotStarted  = "not_started" // never started within playback.start; stopped
	PromptOverran     = "overran"     // still playing at playback.max; stopped
	PromptEventsLost  = "events_lost" // gone from Asterisk with no PlaybackFinished even after a grace period
)

// WithObserver sets who is told about calls as they happen (the metrics).
func WithObserver(o Observer) Option { return func(a *App) { a.obs = o } }

type nopObserver struct{}

func (nopObserver) CallStarted(string)                      {}
func (nopObserver) CallEnded(string, string, time.Duration) {}
func (nopObserver) Answered(time.Duration)                  {}
func (nopObserver) KeyResponse(time.Duration)               {}
func (nopObserver) LookedUp(string, time.Duration)          {}
func (nopObserver) PromptFailed(string)                     {}
func (nopObserver) RESTError(string)                        {}
