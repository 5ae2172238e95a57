package ivr

import (
	"errors"
	"net/http"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
)

// A session learns what happens on its channel from ARI events, and events can be lost: the native client
// reconnects after its WebSocket drops, and whatever Asterisk sent meanwhile is gone (a PlaybackFinished, the
// caller's hang-up). So no wait trusts events alone: when one is overdue the session asks Asterisk over REST
// what became of the playback or the channel, and carries on from the answer. That keeps a call in progress
// going once events flow again, and ends one whose channel vanished, with the call log closed.

// checkPrompt runs when a prompt's check time has come and no event has ended it. The playback is asked about:
//   - playing: its events were lost or it is simply long; check again later, at doubling intervals, so a long
//     prompt costs a few requests (a 6 s menu with playback.start 2 s: two), and a short one none;
//   - gone (404): it ended and its PlaybackFinished was lost, or the whole channel is gone: find out which;
//   - anything else before it started (queued, or the request failed): it will never play (an unknown media
//     scheme); stop it and go on, as a prompt that failed;
//   - still going past playback.max: stop it.
func (s *session) checkPrompt(p *prompt) error {
	now := time.Now()
	pb := s.flow.Playback
	if !p.started.IsZero() && !now.Before(p.started.Add(pb.Max)) {
		s.promptErrors++
		s.app.obs.PromptFailed(PromptOverran)
		s.log.Warn("ivr: prompt still playing at playback.max; stopped", zap.String("prompt", p.id))
		s.stopPrompt(p, false)
		return nil
	}
	key := s.ch.Key().New(ari.PlaybackKey, p.playbackID)
	data, err := ask(s, func() (*ari.PlaybackData, error) { return s.app.client.Playback().Data(key) })
	switch {
	case err == nil && data.State == "playing", err != nil && ariStatus(err) != http.StatusNotFound && !p.started.IsZero():
		if p.started.IsZero() {
			p.started = p.posted // PlaybackStarted was lost; it began about when it was posted
		}
		p.interval = max(pb.Start, 2*p.interval)
		p.checkAt = earliest(now.Add(p.interval), p.started.Add(pb.Max))
		return nil
	case ariStatus(err) == http.StatusNotFound:
		// Most often the playback has just finished and its PlaybackFinished is still on its way: Asterisk sends
		// the event before it forgets the playback, but the REST answer can overtake it on its way through the
		// WebSocket, the client's bus and this call's mailbox. The event is given playback.start to arrive (the
		// patience already given a prompt to start); only one that has not come by then was really lost.
		if err := s.awaitPromptEnd(p, now.Add(pb.Start)); err != nil || p.done {
			return err
		}
		if err := s.channelGone(true); err != nil || p.done {
			return err
		}
		s.app.obs.PromptFailed(PromptEventsLost)
		s.log.Warn("ivr: prompt ended without its events (event stream interrupted?)", zap.String("prompt", p.id))
		s.endPrompt(p, now, false, false)
		return nil
	}
	s.promptErrors++
	s.app.obs.PromptFailed(PromptNotStarted)
	s.log.Warn("ivr: prompt did not start in time; stopped", zap.String("prompt", p.id))
	s.stopPrompt(p, false)
	return nil
}

// awaitPromptEnd observes events until p is done or the deadline passes.
func (s *session) awaitPromptEnd(p *prompt, deadline time.Time) error {
	for !p.done {
		if _, err := s.wait(deadline); errors.Is(err, errTimeout) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// channelGone asks Asterisk whether the channel still exists. It returns nil when it does, errHangup when it does
// not (or its hang-up event turned up meanwhile), and errShutdown when the app stops. With waitForEvents, a gone
// channel gets playback.start for its hang-up events to arrive, so that the log can say who hung up; only when
// none comes is the channel marked vanished.
func (s *session) channelGone(waitForEvents bool) error {
	if err := s.drain(); err != nil {
		return err
	}
	if _, err := ask(s, s.ch.Data); ariStatus(err) != http.StatusNotFound {
		return nil
	}
	deadline := time.Now()
	if waitForEvents {
		deadline = deadline.Add(s.flow.Playback.Start)
	}
	for {
		_, err := s.wait(deadline)
		if errors.Is(err, errTimeout) {
			break
		}
		if err != nil {
			return err
		}
	}
	s.vanished = true
	s.log.Warn("ivr: the channel is gone and no event said why (event stream interrupted?)")
	return errHangup
}

// fallBack sends a call the app can no longer drive (Asterisk refuses its requests) to the flow's fallback
// context, where the dialplan says "service unavailable" and queues the caller for an agent: better than a dead line
// and a hang-up. It reports whether the channel left; if even that request fails, the caller hangs up.
func (s *session) fallBack(reason string) bool {
	if s.over() || s.systemHungUp {
		return false
	}
	f := s.flow.Fallback
	if err := s.do(func() error { return s.ch.Continue(f.Context, f.Extension, f.Priority) }); err != nil {
		s.log.Warn("ivr: continue to the fallback context failed; hanging up", zap.Error(err))
		return false
	}
	s.transferred, s.fellBack = true, true
	s.rec.record(calllog.KindTransfer, map[string]any{
		calllog.FieldReason: reason, "context": f.Context, "extension": f.Extension, "priority": f.Priority,
	})
	return true
}

// ariStatus is the HTTP status of a failed ARI request, or 0. The native client wraps its status-carrying error
// in errors that offer either Unwrap or the older Cause, so both chains are followed.
func ariStatus(err error) int {
	for err != nil {
		if c, ok := err.(interface{ Code() int }); ok {
			return c.Code()
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Cause() error }:
			err = u.Cause()
		default:
			return 0
		}
	}
	return 0
}
