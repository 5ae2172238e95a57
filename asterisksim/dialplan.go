package asterisksim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vika-jkn/vika/asterisksim/extconf"
)

// Router walks the dialplan from (context, exten, priority) to the next
// Stasis, Hangup or dead end, listing every step. *extconf.Dialplan is one;
// the simulator then runs those steps with their timing and events.
type Router interface {
	Walk(context, exten string, priority int, vars map[string]string) (extconf.Route, error)
}

func routerFor(opts Options) (Router, error) {
	if opts.Router != nil {
		return opts.Router, nil
	}
	path := opts.Extensions
	if path == "" {
		var err error
		if path, err = projectExtensions(); err != nil {
			return nil, err
		}
	}
	d, err := extconf.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("asterisksim: extensions: %w", err)
	}
	return d, nil
}

// projectExtensions finds asterisk-conf/extensions.conf of the module the
// process runs in, walking up from the working directory to go.mod.
func projectExtensions() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "asterisk-conf", "extensions.conf")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("asterisksim: no Options.Extensions and %s: %w", p, err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("asterisksim: no Options.Extensions and no go.mod above the working directory")
		}
		dir = parent
	}
}

// dialplanVars are the channel values a walk may expand (${CALLERID(num)}).
func (ch *channel) dialplanVars() map[string]string {
	v := make(map[string]string, len(ch.vars)+4)
	for k, val := range ch.vars {
		v[k] = val
	}
	v["CALLERID(num)"] = ch.caller.Number
	v["CALLERID(name)"] = ch.caller.Name
	v["CHANNEL(language)"] = ch.language
	v["CHANNEL(name)"] = ch.name
	return v
}

// runFrom walks from (context, exten, priority) and starts executing. When
// the position does not exist the channel hangs up by itself with cause 0,
// as after a continue to a nonexistent context. Must hold s.mu.
func (s *Server) runFrom(ch *channel, context, exten string, priority int) {
	r, err := s.router.Walk(context, exten, priority, ch.dialplanVars())
	if err != nil || len(r.Steps) == 0 {
		// The hang-up request still shows where the channel was; only
		// ChannelDestroyed shows the position it could not run.
		ch.finalDP = &dialplanJSON{Context: context, Exten: exten, Priority: priority}
		s.pbxEnd(ch, 0)
		return
	}
	ch.steps = r.Steps
	ch.stepIdx = 0
	ch.endOfWalk = r.End
	s.step(ch)
}

// step executes the channel's current dialplan step and, for applications
// that return at once, the ones after it. Must hold s.mu.
func (s *Server) step(ch *channel) {
	for !ch.gone && !ch.hangingUp && ch.stepIdx < len(ch.steps) {
		st := ch.steps[ch.stepIdx]
		ch.stepIdx++
		ch.dp = dialplanJSON{Context: st.Context, Exten: st.Exten, Priority: st.Priority, AppName: st.App, AppData: st.Data}
		s.emit(evChannel("ChannelDialplan", ch, field{"dialplan_app", st.App}, field{"dialplan_app_data", st.Data}), ch)
		if wait := s.execApp(ch, st); wait {
			return
		}
	}
	if ch.gone || ch.hangingUp || ch.inStasis || ch.blocked {
		return
	}
	switch ch.endOfWalk {
	case extconf.EndHangup, extconf.EndFellOff:
		s.pbxEnd(ch, 16)
	default:
		s.pbxEnd(ch, 0)
	}
}

// execApp runs one dialplan application. It reports whether the channel now
// waits (a timer, Stasis, or an application that only a hang-up ends).
func (s *Server) execApp(ch *channel, st extconf.Step) (wait bool) {
	switch strings.ToLower(st.App) {
	case "stasis":
		return s.dialplanStasis(ch, st)
	case "answer":
		s.answer(ch)
	case "set":
		name, value, _ := strings.Cut(st.Data, "=")
		s.setVar(ch, strings.TrimSpace(name), value, true)
	case "wait":
		secs, _ := strconv.ParseFloat(strings.TrimSpace(st.Data), 64)
		s.after(ch, s.scaled(time.Duration(secs*float64(time.Second))), func() { s.step(ch) })
		return true
	case "playback", "background":
		d, status := s.dialplanPlayback(ch, st.Data)
		ch.dpPlayback = status
		s.after(ch, s.scaled(d), func() {
			s.endDialplanPlayback(ch)
			s.step(ch)
		})
		return true
	case "hangup":
		s.pbxEnd(ch, 16)
		return true
	case "queue":
		return s.queueJoinEmpty(ch, st)
	case "dial", "musiconhold", "echo", "confbridge", "park", "waitexten":
		// Nobody answers in the simulator: the caller waits until hang-up.
		ch.blocked = true
		return true
	}
	return false // NoOp, Goto, GotoIf, Verbose, Log...: return at once
}

// dialplanStasis hands the channel to the app, or fails as Stasis() does
// when the app has no WebSocket (STASISSTATUS=FAILED, next priority).
func (s *Server) dialplanStasis(ch *channel, st extconf.Step) bool {
	var name string
	var args []string
	if st.Stasis != nil {
		name, args = st.Stasis.App, st.Stasis.Args
	}
	if s.apps[name] == nil {
		s.setVar(ch, "STASISSTATUS", "FAILED", true)
		s.continueAfter(ch, st)
		return false
	}
	s.setVar(ch, "STASISSTATUS", "", true)
	s.enterStasis(ch, name, args)
	return true
}

// queueJoinEmpty is Queue() in a simulator that has no agents: as on Asterisk with no member logged in
// (queues.conf joinempty=unavailable,invalid,unknown), it returns at once with QUEUESTATUS=JOINEMPTY and
// the dialplan goes on, so the caller hears what follows instead of waiting forever.
func (s *Server) queueJoinEmpty(ch *channel, st extconf.Step) bool {
	// app_queue clears these first, then sets the status (seen on the lab, asterisksim/difftest).
	for _, v := range []string{"ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS", "QUEUEWAIT", "QUEUEWAIT_MS"} {
		s.setVar(ch, v, "", true)
	}
	s.setVar(ch, "QUEUESTATUS", "JOINEMPTY", true)
	s.continueAfter(ch, st)
	return false
}

// continueAfter re-walks from the priority after st, so that later steps expand variables the
// application just set (${QUEUESTATUS}, ${STASISSTATUS}). Must hold s.mu.
func (s *Server) continueAfter(ch *channel, st extconf.Step) {
	r, err := s.router.Walk(st.Context, st.Exten, st.Priority+1, ch.dialplanVars())
	if err != nil {
		ch.steps, ch.stepIdx, ch.endOfWalk = nil, 0, extconf.EndFellOff
		return
	}
	ch.steps, ch.stepIdx, ch.endOfWalk = r.Steps, 0, r.End
}

// endDialplanPlayback is Playback() returning, at its end or at a hang-up:
// it sets PLAYBACKSTATUS (SUCCESS even when the caller hung up mid-file, as
// the lab shows). Must hold s.mu.
func (s *Server) endDialplanPlayback(ch *channel) {
	if ch.dpPlayback == "" {
		return
	}
	status := ch.dpPlayback
	ch.dpPlayback = ""
	s.setVar(ch, "PLAYBACKSTATUS", status, true)
}

// dialplanPlayback records what a Playback(a&b) in the dialplan lets the
// caller hear and returns how long it lasts and the PLAYBACKSTATUS it ends
// with (FAILED when a file is missing).
func (s *Server) dialplanPlayback(ch *channel, data string) (time.Duration, string) {
	result := "SUCCESS"
	files, _, _ := strings.Cut(data, ",")
	var total time.Duration
	now := time.Now()
	for _, f := range strings.Split(files, "&") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, _, ok := s.sounds.duration(f, ch.language)
		state := "done"
		if !ok {
			state, result = "failed", "FAILED"
		}
		start := now.Add(s.scaled(total))
		total += d
		ch.heard.add(Heard{Media: "sound:" + f, Lang: ch.language, Started: start, Ended: now.Add(s.scaled(total)), State: state, Dialplan: true})
	}
	return total, result
}
