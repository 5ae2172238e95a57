package ivr

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"
)

// releasePoll is how long Release waits between two looks at the app's channels.
const releasePoll = 100 * time.Millisecond

// Release is the last step of a shutdown, after Drain, once the client's event WebSocket has been closed for good
// (`vika serve` closes it and lets it reconnect no more). Asterisk then takes no new call into the app: Stasis()
// fails and its own dialplan sends the caller to the fallback. A call whose StasisStart raced the close is in the
// app, but its event may never arrive; Release finds every such channel (GET /applications/{app}) and sends it to
// the fallback context, as Drain does for the calls it refuses, looking again until two looks in a row find none.
// It must be called while Run runs. It returns how many calls it sent away.
//
// Without it, a caller who dialled in the last instant before the process exits would stay in Stasis in silence
// until they hung up (issue 17 #1).
func (a *App) Release(ctx context.Context) (int, error) {
	a.draining.Store(true)
	total, quiet := 0, 0
	for quiet < 2 {
		n, err := a.releaseOnce()
		if err != nil {
			return total, err
		}
		total += n
		if quiet++; n > 0 {
			quiet = 0
		}
		if err := a.settle(ctx, releasePoll); err != nil {
			return total, fmt.Errorf("release: %d calls sent away, %d still being sent at the deadline: %w",
				total, a.activeSessions(), err)
		}
	}
	if total > 0 {
		a.logger.Warn("ivr: calls that reached the app as it closed were sent to the fallback", zap.Int("calls", total))
	}
	return total, nil
}

// settle waits until no session runs, and then pause more.
func (a *App) settle(ctx context.Context, pause time.Duration) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for a.activeSessions() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(pause):
		return nil
	}
}

// releaseOnce sends to the fallback the channels in the app that no session has and that were not sent away yet.
func (a *App) releaseOnce() (int, error) {
	ids, err := a.appChannels()
	if ariStatus(err) == http.StatusNotFound {
		return 0, nil // Asterisk forgot the app: no channel is left in it
	}
	if err != nil {
		return 0, fmt.Errorf("release: list the app's channels: %w", err)
	}
	n := 0
	for id := range ids {
		if a.handled(id) {
			continue
		}
		data, err := a.client.Channel().Data(ari.NewKey(ari.ChannelKey, id))
		if err != nil {
			continue // gone meanwhile
		}
		if a.startRescue(context.Background(), data, (*session).release) {
			n++
		}
	}
	return n, nil
}

// handled says whether a session runs the channel now, or a session already sent it to the fallback (Asterisk may
// list it in the app for a moment after it accepted the continue).
func (a *App) handled(channelID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, running := a.sessions[channelID]
	return running || a.sentAway[channelID]
}

// noteSentAway remembers, while the app drains, a channel its session sent to the fallback: a StasisStart for it
// still in the queue, or a later look at the app's channels, must not start a second session that would find it
// gone from the app and hang it up in the fallback's middle.
func (a *App) noteSentAway(channelID string) {
	if !a.draining.Load() {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sentAway == nil {
		a.sentAway = map[string]bool{}
	}
	a.sentAway[channelID] = true
}

// release is the whole of a call found in the app as it closed: logged, and sent to the fallback context. Unlike a
// refused call it is hung up only if it is still in the app: a continue that failed because the channel had just
// left (the caller hung up, or another session sent it on) must not end a call that is now in the dialplan.
func (s *session) release() {
	defer s.stop()
	s.app.stats.callStarted()
	s.recordArrival()
	s.outcome = OutcomeRefused
	if !s.fallBack("shutdown") && s.stillInApp() {
		s.hangupQuietly()
	}
	s.finish(nil)
}

func (s *session) stillInApp() bool {
	ids, err := s.app.appChannels()
	if err != nil {
		return ariStatus(err) != http.StatusNotFound // in doubt, a hang-up is better than silence
	}
	_, ok := ids[s.channelID]
	return ok
}
