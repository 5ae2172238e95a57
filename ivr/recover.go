package ivr

import (
	"context"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"
)

// OutcomeRecovered is a call found in the app when it started: a previous process took it into Stasis and died
// (SIGKILL, a crash) or exited before it could act. It is sent to the fallback context like a refused call.
const OutcomeRecovered = "recovered"

// recoveryGrace is how long Run routes the events already queued before it judges which of the app's channels are
// stranded: a call that entered Stasis just before Run started has its StasisStart in the queue, and must be
// served, not sent away. On two busy cores an event takes hundreds of milliseconds through the WebSocket and the
// bus (see eventGrace); with 500 ms, a caller who dialled as serve came up was once judged stranded in CI and sent
// to the fallback. A caller really stranded by a crash waits these 2 s more, after the restart they waited through.
const recoveryGrace = 2 * time.Second

// recoverStranded finds the channels Asterisk still holds in this app that no session of this process runs, and
// sends each to the fallback context. Asterisk keeps a channel in Stasis when the app's WebSocket goes away; it
// sends no new StasisStart when the app comes back, so without this the caller would wait in silence until they
// gave up.
func (a *App) recoverStranded(ctx context.Context) {
	before, err := a.appChannels()
	if err != nil {
		a.logger.Warn("ivr: cannot list the app's channels at start; calls left by a previous process stay put", zap.Error(err))
		return
	}
	if len(before) == 0 {
		a.endRecoveryWindow()
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(recoveryGrace):
	}
	now, err := a.appChannels()
	if err != nil {
		a.logger.Warn("ivr: cannot list the app's channels at start; calls left by a previous process stay put", zap.Error(err))
		return
	}
	seen := a.endRecoveryWindow()
	n := 0
	for id := range now {
		if _, ok := before[id]; !ok || seen[id] {
			continue
		}
		data, err := a.client.Channel().Data(ari.NewKey(ari.ChannelKey, id))
		if err != nil {
			continue // gone meanwhile
		}
		if a.startRescue(ctx, data, (*session).rescue) {
			n++
		}
	}
	if n > 0 {
		a.logger.Warn("ivr: calls left in the app by a previous process sent to the fallback", zap.Int("calls", n))
	}
}

// appChannels lists the channels in this Stasis app now.
func (a *App) appChannels() (map[string]struct{}, error) {
	ids := map[string]struct{}{}
	var data *ari.ApplicationData
	err := a.bounded(func() (err error) {
		data, err = a.client.Application().Data(ari.NewKey(ari.ApplicationKey, a.client.ApplicationName()))
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, id := range data.ChannelIDs {
		ids[id] = struct{}{}
	}
	return ids, nil
}

// bounded runs an ARI request with the App's request timeout: a hung Asterisk must not hold the start.
func (a *App) bounded(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(a.requestTimeout):
		return context.DeadlineExceeded
	}
}

// endRecoveryWindow stops noting the channels that StasisStart brought in, and returns those noted.
func (a *App) endRecoveryWindow() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := a.startedDuringRecovery
	a.startedDuringRecovery = nil
	return seen
}

// startRescue runs run (the rescue of one stranded channel, or the release of one found in the app as it closed) as
// a session of its own, so its call log and counters are those of any call. It returns false if a session already
// has the channel, or one sent it away.
func (a *App) startRescue(ctx context.Context, data *ari.ChannelData, run func(*session)) bool {
	e := &ari.StasisStart{Channel: *data}
	s := newSession(a, a.client.Channel().Get(ari.NewKey(ari.ChannelKey, data.ID)), e)
	s.ctx, s.stop = context.WithCancel(ctx)
	s.sendingAway = true
	a.mu.Lock()
	if _, dup := a.sessions[data.ID]; dup || a.sentAway[data.ID] || ctx.Err() != nil {
		a.mu.Unlock()
		s.stop()
		return false
	}
	a.sessions[data.ID] = s
	a.wg.Add(1)
	a.live.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.live.Add(-1)
		defer a.wg.Done()
		defer a.forget(data.ID)
		run(s)
	}()
	return true
}

// rescue is the whole of a stranded call: logged, and sent to the fallback context (hung up if even that fails).
func (s *session) rescue() {
	defer s.stop()
	s.app.stats.callStarted()
	s.app.obs.CallStarted(s.entryName)
	s.recordArrival()
	s.outcome = OutcomeRecovered
	if !s.fallBack("stranded") {
		s.hangupQuietly()
	}
	s.finish(nil)
}
