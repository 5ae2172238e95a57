package ivr

import (
	"errors"
	"net/http"
	"strconv"
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
//     prompt costs a few requests (a 6 s menu with playback.start 2 s: two), and a short one none. Once a prompt
//     has played in full, its length is known (lengths.go) and its next plays are first asked about only when
//     their PlaybackFinished is overdue by playback.start: none with the events flowing;
//   - gone (404): it ended and its PlaybackFinished was lost, or the whole channel is gone: find out which;
//   - no answer to the check within the request timeout: unknown, so treated as playing (below);
//   - anything else before it started (queued, or the request refused): it will never play (an unknown media
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
	// A check Asterisk did not answer in time (errNoAnswer, errNoSlot: this process or Asterisk is that busy)
	// says nothing about the prompt, as a failed request after it started says nothing: under such load the
	// PlaybackStarted is late for the same reason. Give it the benefit of the doubt until playback.max rather
	// than cut a readout that plays (at 5,000 calls dialling at once, a fifth of the calls were cut so).
	var noAnswer errNoAnswer
	var noSlot errNoSlot
	unknown := err != nil && ariStatus(err) != http.StatusNotFound &&
		(!p.started.IsZero() || errors.As(err, &noAnswer) || errors.As(err, &noSlot))
	switch {
	case err == nil && data.State == "playing", unknown:
		if p.started.IsZero() {
			p.started, p.startGuessed = p.posted, true // PlaybackStarted was lost; it began about when it was posted
		}
		p.interval = max(pb.Start, 2*p.interval)
		p.checkAt = earliest(now.Add(p.interval), p.started.Add(pb.Max))
		return nil
	case ariStatus(err) == http.StatusNotFound:
		// Most often the playback has just finished and its PlaybackFinished is still on its way: Asterisk sends
		// the event before it forgets the playback, but the REST answer can overtake it on its way through the
		// WebSocket, the client's bus and this call's mailbox. See awaitPromptEnd for how long it is waited for.
		if err := s.awaitPromptEnd(p); err != nil || p.done {
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

// eventGrace bounds the wait for a PlaybackFinished that Asterisk has sent but the session has not seen. It is real
// time, never scaled with the flow: how long an event takes through the WebSocket, the client's bus and the mailbox
// depends on the load of this process (hundreds of ms with 200 calls on two busy cores), not on how fast prompts
// play. It is rarely waited out: see awaitPromptEnd.
const eventGrace = time.Second

// syncVar is the channel variable awaitPromptEnd sets to mark a point in the call's event stream.
const syncVar = "VIKA_EVENT_SYNC"

// awaitPromptEnd observes events until p is done, or until it is known that its PlaybackFinished will not come.
// Asterisk answered 404 for the playback, so it has already sent the event; the question is only whether the
// WebSocket carried it (then it arrives, however late) or dropped it (then it never does). Waiting a fixed time
// either way would make a busy app report live events as lost (a short wait) or leave every caller whose events
// really were lost in silence (a long one). So the session sets a channel variable and waits for its ChannelVarset:
// Asterisk sends that event after the PlaybackFinished, on the same WebSocket, so once it arrives a PlaybackFinished
// not seen by then was lost. When the app has no WebSocket at all, neither will come and nothing is waited for;
// eventGrace runs out only when the socket drops between the two requests, or the app lags more than that.
func (s *session) awaitPromptEnd(p *prompt) error {
	if err := s.drain(); err != nil || p.done {
		return err
	}
	deadline := time.Now().Add(eventGrace)
	s.syncSeq++
	s.syncWant, s.synced = strconv.Itoa(s.syncSeq), false
	if err := s.do(func() error { return s.ch.SetVariable(syncVar, s.syncWant) }); err != nil {
		s.synced = ariStatus(err) == http.StatusNotFound // the channel is gone: channelGone finds out why
	}
	if !s.synced && !s.appListening() {
		return nil // the WebSocket is down: Asterisk dropped the mark as it dropped the PlaybackFinished
	}
	for !p.done && !s.synced {
		if _, err := s.wait(deadline); errors.Is(err, errTimeout) {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

// appListening says whether Asterisk has the app's WebSocket now (its application is registered). While it has
// not, every event for the app is dropped, the mark's included: there is nothing to wait for, and a caller whose
// events were lost would otherwise sit through eventGrace in silence. Any doubt (the request failed) answers yes.
// Asterisk only forgets an app whose socket closed once no channel is left in it (res_stasis: app_is_finished), so
// with calls in progress the answer is yes and the mark is waited for, eventGrace at most.
func (s *session) appListening() bool {
	key := ari.NewKey(ari.ApplicationKey, s.app.client.ApplicationName())
	_, err := ask(s, func() (*ari.ApplicationData, error) { return s.app.client.Application().Data(key) })
	return ariStatus(err) != http.StatusNotFound
}

// sawVarset notes the ChannelVarset of awaitPromptEnd's mark.
func (s *session) sawVarset(v *ari.ChannelVarset) {
	if v.Variable == syncVar && v.Value == s.syncWant {
		s.synced = true
	}
}

// channelGone asks Asterisk whether the channel still exists. It returns nil when it does, errHangup when it does
// not (or its hang-up event turned up meanwhile), and errShutdown when the app stops. With waitForEvents, a gone
// channel gets eventGrace for its hang-up events to arrive, so that the log can say who hung up; only when
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
		deadline = deadline.Add(eventGrace) // the caller is gone: waiting costs nobody silence
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
	s.app.noteSentAway(s.channelID)
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
