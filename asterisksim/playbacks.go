package asterisksim

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Playbacks on channels (inbound-answer-play, multi-media-play,
// play-missing-sound, rest-errors). A playback holds one or more media; its
// items play back to back, each on one timer; playbacks on a channel queue
// behind each other. Ids are forgotten as soon as a playback finishes.

const msgPlaybackNotFound = "Playback not found"

type playback struct {
	id    string
	ch    *channel
	media []string
	idx   int
	lang  string // as requested, or the channel's language; shown in events
	state string // queued, playing, paused, continuing, done, failed

	timer     *time.Timer
	itemEnd   time.Time     // when the current item ends (wall clock)
	remaining time.Duration // while paused
	itemLen   time.Duration // scaled length of the current item
	rec       int           // index of the current item's Heard record, or -1
	stopped   bool          // stopped while queued: finishes "done" when its turn comes
}

type playbackJSON struct {
	ID           string `json:"id"`
	MediaURI     string `json:"media_uri"`
	NextMediaURI string `json:"next_media_uri,omitempty"`
	TargetURI    string `json:"target_uri"`
	Language     string `json:"language"`
	State        string `json:"state"`
}

func (pb *playback) snapshot() playbackJSON {
	j := playbackJSON{ID: pb.id, MediaURI: pb.media[pb.idx], TargetURI: "channel:" + pb.ch.id, Language: pb.lang, State: pb.state}
	if pb.idx+1 < len(pb.media) {
		j.NextMediaURI = pb.media[pb.idx+1]
	}
	return j
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// playOnChannel is POST /channels/{id}/play[/{playbackId}].
func (s *Server) playOnChannel(w http.ResponseWriter, r *request) {
	p := r.params
	media := p.lists["media"]
	if len(media) == 0 {
		if m := p.get("media"); m != "" {
			if p.fromBody["media"] {
				media = []string{m} // a JSON string is one URI, commas and all
			} else {
				media = strings.Split(m, ",")
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.stasisChannel(w, r.vars["channelId"])
	if !ok {
		return
	}
	if len(media) == 0 {
		writeError(w, http.StatusInternalServerError, "Failed to queue media for playback")
		return
	}
	id := r.vars["playbackId"]
	if id == "" {
		id = p.get("playbackId")
	}
	if id == "" {
		id = newUUID()
	}
	lang := p.get("lang")
	if lang == "" {
		lang = ch.language
	}
	pb := &playback{id: id, ch: ch, media: media, lang: lang, state: "queued", rec: -1}
	if ch.hangingUp {
		// Between ChannelHangupRequest and StasisEnd: accepted, then fails.
		pb.state = "playing"
		s.emit(evPlayback("PlaybackStarted", pb), ch)
		pb.state = "failed"
		s.emit(evPlayback("PlaybackFinished", pb), ch)
		writeJSON(w, http.StatusCreated, pb.snapshot())
		return
	}
	resp := pb.snapshot()
	s.playbacks[id] = append(s.playbacks[id], pb)
	if ch.playing == nil {
		s.startPlayback(pb)
	} else {
		ch.queued = append(ch.queued, pb)
	}
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) startPlayback(pb *playback) {
	ch := pb.ch
	ch.playing = pb
	pb.state = "playing"
	s.startItem(pb)
	if ch.half == 2 && ch.state != "Up" && !ch.progress && ch.peer != nil && !ch.peer.gone {
		// Media before answer is early media: the caller's side reports
		// progress (rest-errors: play before answer).
		ch.progress = true
		c1 := ch.peer
		s.emit(newEvent("Dial", field{"dialstatus", "PROGRESS"}, field{"forward", ""},
			field{"dialstring", c1.dp.Exten + "@" + c1.dp.Context}, field{"peer", c1.snapshot()}), c1)
	}
}

// startItem plays pb.media[pb.idx]: PlaybackStarted, then a timer for the
// file's length. A missing file fails about 1 ms later, or is skipped when
// more media follow; an unknown scheme starts and never finishes.
func (s *Server) startItem(pb *playback) {
	ch := pb.ch
	// One instant for the start event and the item's timer: reading the file's length may take a while on a
	// loaded machine, and must not lengthen the prompt.
	now := s.now()
	started := evPlayback("PlaybackStarted", pb)
	started.at = now
	s.emit(started, ch)
	uri := pb.media[pb.idx]
	scheme, name, _ := strings.Cut(uri, ":")
	if scheme != "sound" {
		ch.playing = nil
		ch.lingered = append(ch.lingered, pb)
		s.startNext(ch)
		return
	}
	d, fileLang, found := s.sounds.duration(name, pb.lang)
	if !found {
		ch.heard.add(Heard{PlaybackID: pb.id, Media: uri, Lang: pb.lang, Started: now, Ended: now, State: "missing"})
		if pb.idx+1 < len(pb.media) {
			s.nextItem(pb)
			return
		}
		pb.timer = s.after(ch, time.Millisecond, func() { s.finish(pb, "failed") })
		return
	}
	pb.itemLen = s.scaled(d)
	pb.itemEnd = now.Add(pb.itemLen)
	pb.rec = ch.heard.add(Heard{PlaybackID: pb.id, Media: uri, Lang: fileLang, Started: now, State: "playing"})
	pb.timer = s.after(ch, pb.itemLen, func() { s.itemDone(pb) })
}

func (s *Server) itemDone(pb *playback) {
	pb.ch.heard.end(pb.rec, "done")
	pb.rec = -1
	if pb.idx+1 < len(pb.media) {
		s.nextItem(pb)
		return
	}
	s.finish(pb, "done")
}

// nextItem: PlaybackContinuing (still naming the item that ended), then
// PlaybackStarted for the next one.
func (s *Server) nextItem(pb *playback) {
	pb.state = "continuing"
	s.emit(evPlayback("PlaybackContinuing", pb), pb.ch)
	pb.idx++
	pb.state = "playing"
	s.startItem(pb)
}

// finish ends pb with PlaybackFinished and starts the channel's next one.
func (s *Server) finish(pb *playback, state string) {
	ch := pb.ch
	if pb.timer != nil {
		pb.timer.Stop()
		delete(ch.timers, pb.timer)
		pb.timer = nil
	}
	pb.state = state
	s.emit(evPlayback("PlaybackFinished", pb), ch)
	s.forget(pb)
	if ch.playing == pb {
		ch.playing = nil
		s.startNext(ch)
	}
}

func (s *Server) startNext(ch *channel) {
	if ch.playing != nil || len(ch.queued) == 0 || ch.hangingUp {
		return
	}
	next := ch.queued[0]
	ch.queued = ch.queued[1:]
	if next.stopped {
		// Stopped while queued: PlaybackFinished "done" without a
		// PlaybackStarted, when it would have started (checked on the lab).
		next.state = "done"
		s.emit(evPlayback("PlaybackFinished", next), ch)
		s.forget(next)
		s.startNext(ch)
		return
	}
	s.startPlayback(next)
}

func (s *Server) forget(pb *playback) {
	list := s.playbacks[pb.id]
	for i, x := range list {
		if x == pb {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.playbacks, pb.id)
	} else {
		s.playbacks[pb.id] = list
	}
}

// failPlaybacks is a hang-up or a restart under a playback: the running one
// finishes "failed"; queued and never-ending ones are dropped.
func (s *Server) failPlaybacks(ch *channel) {
	for _, pb := range ch.queued {
		s.forget(pb)
	}
	for _, pb := range ch.lingered {
		s.forget(pb)
	}
	ch.queued, ch.lingered = nil, nil
	if pb := ch.playing; pb != nil {
		ch.heard.end(pb.rec, "failed")
		pb.rec = -1
		ch.playing = nil
		s.finish(pb, "failed")
	}
}

// lookupPlayback returns the playback an id names now (with a reused id,
// the one that plays first). Must hold s.mu.
func (s *Server) lookupPlayback(id string) *playback {
	if list := s.playbacks[id]; len(list) > 0 {
		return list[0]
	}
	return nil
}

func (s *Server) getPlayback(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	pb := s.lookupPlayback(r.vars["playbackId"])
	var snap playbackJSON
	if pb != nil {
		snap = pb.snapshot()
	}
	s.mu.Unlock()
	if pb == nil {
		writeError(w, http.StatusNotFound, msgPlaybackNotFound)
		return
	}
	writeJSON(w, http.StatusOK, snap)
}

// stopPlayback is DELETE /playbacks/{id}: 204, then PlaybackFinished with
// state "done" (not "stopped"), and the next queued playback starts.
func (s *Server) stopPlayback(w http.ResponseWriter, r *request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pb := s.lookupPlayback(r.vars["playbackId"])
	if pb == nil {
		writeError(w, http.StatusNotFound, msgPlaybackNotFound)
		return
	}
	writeNoContent(w)
	ch := pb.ch
	switch {
	case ch.playing == pb:
		ch.heard.end(pb.rec, "stopped")
		pb.rec = -1
		s.finish(pb, "done")
	case contains(ch.lingered, pb):
		ch.lingered = removePlayback(ch.lingered, pb)
		s.finish(pb, "done")
	default:
		pb.stopped = true
	}
}

func contains[T comparable](list []T, x T) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

func removePlayback(list []*playback, pb *playback) []*playback {
	for i, x := range list {
		if x == pb {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// controlPlayback is POST /playbacks/{id}/control?operation=. pause sends
// no event; unpause sends PlaybackStarted again (rest-errors).
func (s *Server) controlPlayback(w http.ResponseWriter, r *request) {
	op := r.params.get("operation")
	switch op {
	case "pause", "unpause", "restart", "reverse", "forward":
	default:
		writeError(w, http.StatusBadRequest, "Invalid operation "+op)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pb := s.lookupPlayback(r.vars["playbackId"])
	if pb == nil {
		writeError(w, http.StatusNotFound, msgPlaybackNotFound)
		return
	}
	if pb.ch.playing != pb || pb.timer == nil && pb.state != "paused" {
		writeError(w, http.StatusConflict, "Playback not in a state to control")
		return
	}
	now := time.Now()
	skip := s.scaled(3 * time.Second)
	switch op {
	case "pause":
		if pb.state == "playing" {
			s.stopItemTimer(pb)
			pb.remaining = pb.itemEnd.Sub(now)
			pb.state = "paused"
		}
	case "unpause":
		if pb.state == "paused" {
			pb.state = "playing"
			s.emit(evPlayback("PlaybackStarted", pb), pb.ch)
			s.resumeItem(pb, pb.remaining)
		}
	case "restart":
		s.rescheduleItem(pb, pb.itemLen)
	case "reverse":
		s.rescheduleItem(pb, min(pb.itemLen, pb.itemEnd.Sub(now)+skip))
	case "forward":
		s.rescheduleItem(pb, max(0, pb.itemEnd.Sub(now)-skip))
	}
	writeNoContent(w)
}

func (s *Server) stopItemTimer(pb *playback) {
	if pb.timer != nil {
		pb.timer.Stop()
		delete(pb.ch.timers, pb.timer)
		pb.timer = nil
	}
}

func (s *Server) resumeItem(pb *playback, left time.Duration) {
	pb.itemEnd = s.now().Add(left)
	pb.timer = s.after(pb.ch, left, func() { s.itemDone(pb) })
}

func (s *Server) rescheduleItem(pb *playback, left time.Duration) {
	if pb.state == "paused" {
		pb.remaining = left
		return
	}
	s.stopItemTimer(pb)
	s.resumeItem(pb, left)
}
