package ivr

import (
	"strconv"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/prompts"
)

// prompt is one playback of one prompt id on the channel.
type prompt struct {
	id, playbackID  string
	posted, started time.Time
	accepted        time.Time // when Asterisk answered the Play: playback.start counts from here
	done            bool
	startGuessed    bool          // its PlaybackStarted was lost: started is when it was posted (checkPrompt)
	checkAt         time.Time     // when to ask Asterisk about it if no event has ended it by then
	interval        time.Duration // between such checks; doubles each time
}

// playPrompts says ids one after another, one Play per id (the Go client sends a single media string, and a comma
// list in it is not split). With bargeIn, a key pressed before or during a prompt stops it (DTMF does not stop a
// playback in Asterisk: the app must DELETE it) and drops the rest of the sequence; the key stays in the type-ahead
// buffer for the collector. Without bargeIn every prompt plays to its end and keys wait in the buffer.
func (s *session) playPrompts(ids []string, bargeIn bool) (cut bool, err error) {
	for _, id := range ids {
		if err := s.drain(); err != nil {
			return false, err
		}
		if bargeIn && s.hasKey() {
			return true, nil
		}
		p, err := s.startPrompt(id)
		if err != nil {
			return false, err
		}
		if cut, err := s.waitPrompt(p, bargeIn); cut || err != nil {
			return cut, err
		}
	}
	return false, nil
}

// say plays ids to the end; keys pressed meanwhile wait for the next collector.
func (s *session) say(ids ...[]string) error {
	var all []string
	for _, part := range ids {
		all = append(all, part...)
	}
	_, err := s.playPrompts(all, false)
	return err
}

// startPrompt posts the Play. The playback id is chosen here, before the request, because Asterisk may send
// PlaybackStarted (even PlaybackFinished, for a missing file) before it answers the POST: the events then find
// their prompt whenever the session reads them.
func (s *session) startPrompt(id string) (*prompt, error) {
	s.pbSeq++
	p := &prompt{id: id, playbackID: s.rec.callID + "-" + strconv.Itoa(s.pbSeq), posted: time.Now()}
	if !s.lastKeyAt.IsZero() {
		s.app.obs.KeyResponse(p.posted.Sub(s.lastKeyAt))
		s.lastKeyAt = time.Time{}
	}
	s.playbacks[p.playbackID] = p
	if err := s.do(func() error { _, err := s.ch.Play(p.playbackID, prompts.MediaURI(id)); return err }); err != nil {
		delete(s.playbacks, p.playbackID)
		return nil, s.restErr("play "+id, err)
	}
	// Under load a Play can wait its turn for one of the ARI pool's connections (ari.max_conns) for most of a
	// second: counted from the post, playback.start would run out before Asterisk even had the playback, and the
	// check it triggers (GET /playbacks) would join that same queue — at 5,000 calls a third of the requests in
	// flight were such checks. From Asterisk's answer, it measures what it is meant to: Asterisk starting the sound.
	p.accepted = time.Now()
	return p, nil
}

// waitPrompt waits for the prompt to finish, for a key (with bargeIn), or for its next check. Asterisk reports
// some failures (an unknown media scheme) only by never finishing, and a dropped WebSocket loses the events of a
// prompt that plays on, so the session does not wait blindly: see checkPrompt.
func (s *session) waitPrompt(p *prompt, bargeIn bool) (cut bool, err error) {
	p.checkAt = p.accepted.Add(s.flow.Playback.Start)
	for !p.done {
		if bargeIn && s.hasKey() {
			s.bargeIn(p)
			return true, nil
		}
		if _, err := s.wait(p.checkAt); err == errTimeout {
			if err := s.checkPrompt(p); err != nil {
				return false, err
			}
		} else if err != nil {
			return false, err
		}
	}
	return false, nil
}

// stopPrompt stops a playback (barge-in, or a playback that overran) and records it as cut. The PlaybackFinished
// that follows (state "done", as Asterisk reports a stopped playback) finds no prompt and is ignored.
func (s *session) stopPrompt(p *prompt, cut bool) {
	key := s.ch.Key().New(ari.PlaybackKey, p.playbackID)
	if err := s.do(func() error { return s.app.client.Playback().Stop(key) }); err != nil {
		// 404: it finished on its own meanwhile. Nothing else to do either way.
		s.log.Debug("ivr: stop playback", zap.String("prompt", p.id), zap.Error(err))
	}
	s.endPrompt(p, time.Now(), cut, false)
}

// bargeIn stops a prompt for a key without waiting for Asterisk's answer, so that what the key asks for (the next
// prompt, most often) is posted at once rather than one REST round trip later: the caller's key response. The
// next Play cannot overtake the stop and be cut by it: it has its own playback id, and Asterisk queues a Play
// behind the playback in progress (a Play that arrives first waits for the DELETE; see the traces'
// multi-media-play), so the order the two requests reach Asterisk in does not change what is heard. As with
// stopPrompt, a failed stop (404: it had just finished) needs nothing more. The request runs on its own goroutine,
// counted in App.live until the HTTP exchange ends.
func (s *session) bargeIn(p *prompt) {
	key := s.ch.Key().New(ari.PlaybackKey, p.playbackID)
	pb, log, id := s.app.client.Playback(), s.log, p.id
	s.app.live.Add(1)
	ctx, slot := s.ctx, s.app.requestSlot
	go func() {
		defer s.app.live.Add(-1)
		release, err := slot(ctx, time.NewTimer)
		if err != nil {
			log.Debug("ivr: stop playback", zap.String("prompt", id), zap.Error(err))
			return
		}
		defer release()
		if err := pb.Stop(key); err != nil {
			log.Debug("ivr: stop playback", zap.String("prompt", id), zap.Error(err))
		}
	}()
	s.endPrompt(p, time.Now(), true, false)
}

func (s *session) promptStarted(playbackID string) {
	if p := s.playbacks[playbackID]; p != nil && p.started.IsZero() {
		p.started = time.Now()
		if d, ok := s.app.lengths.get(p.id); ok {
			// Its PlaybackFinished is due at started+d: ask about it only once that is overdue (lengths.go).
			pb := s.flow.Playback
			p.checkAt = earliest(p.started.Add(d+pb.Start), p.started.Add(pb.Max))
		}
	}
}

// promptFinished ends a prompt on PlaybackFinished. "failed" while the call is up means the sound is missing (or
// could not be read); the caller heard nothing for it, and the flow goes on.
func (s *session) promptFinished(playbackID, state string) {
	p := s.playbacks[playbackID]
	if p == nil {
		return
	}
	failed := state == "failed"
	if failed {
		s.promptErrors++
		s.app.obs.PromptFailed(PromptFailedSound)
	}
	now := time.Now()
	if !failed && !p.started.IsZero() && !p.startGuessed {
		s.app.lengths.learn(p.id, now.Sub(p.started)) // played in full, timed by its own two events
	}
	s.endPrompt(p, now, false, failed)
}

func (s *session) endPrompt(p *prompt, at time.Time, cut, failed bool) {
	if p.done {
		return
	}
	p.done = true
	delete(s.playbacks, p.playbackID)
	started := p.started
	if started.IsZero() {
		started = p.posted
	}
	fields := map[string]any{
		calllog.FieldID: p.id, calllog.FieldStarted: started, calllog.FieldEnded: at, calllog.FieldCut: cut,
	}
	if failed {
		fields["failed"] = true
	}
	s.rec.recordAt(started, calllog.KindPrompt, fields)
}

// cutPromptsInFlight closes the prompts still playing when the call ends (a hang-up mid-prompt).
func (s *session) cutPromptsInFlight(at time.Time) {
	for _, p := range s.playbacks {
		s.endPrompt(p, at, true, false)
	}
}
