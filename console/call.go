package console

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/replay"
	"github.com/vika-jkn/vika/store"
)

// step is one line of a call's timeline as a supervisor reads it.
type step struct {
	Offset time.Duration // from the call's first event
	Kind   string
	What   string // the headline: a prompt id, a key, a menu and its choice...
	Text   string // a prompt's Indonesian text
	Detail string
	Cut    bool
	Length time.Duration // a prompt's playing time
}

type callView struct {
	Call     store.Call
	Steps    []step
	Audio    string
	Download string
	Lookups  []string
}

func (s *Server) callPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, events, ok := s.loadCall(w, r, id)
	if !ok {
		return
	}
	s.audit(r, userOf(r).User, store.AuditCallView, "call="+id)
	audio := "/calls/" + id + "/audio.wav"
	s.render(w, r, http.StatusOK, "call", "Call "+id, callView{
		Call: c, Steps: timeline(events), Audio: audio, Download: audio + "?download=1",
	})
}

func (s *Server) loadCall(w http.ResponseWriter, r *http.Request, id string) (store.Call, []calllog.Event, bool) {
	c, err := s.opts.Data.CallByID(r.Context(), id)
	if errors.Is(err, store.ErrNoCall) {
		http.Error(w, "no such call", http.StatusNotFound)
		return c, nil, false
	}
	if err != nil {
		s.fail(w, r, "call", err)
		return c, nil, false
	}
	events, err := s.opts.Data.CallEvents(r.Context(), id)
	if err != nil {
		s.fail(w, r, "call events", err)
		return c, nil, false
	}
	if len(events) == 0 {
		http.Error(w, "the call has no timeline yet", http.StatusNotFound)
		return c, nil, false
	}
	return c, events, true
}

// timeline turns events into steps. Keys arrive already masked by the IVR ("x" for a digit of a NIK or birth date),
// identities as masked numbers: nothing here can show a full number.
func timeline(events []calllog.Event) []step {
	start := events[0].At
	steps := make([]step, 0, len(events))
	for _, e := range events {
		st := step{Offset: e.At.Sub(start), Kind: string(e.Kind)}
		f := e.Fields
		switch e.Kind {
		case calllog.KindArrival:
			st.What = "arrived on " + entryLabel(text(f, calllog.FieldEntry))
			st.Detail = strings.TrimSpace("node " + text(f, calllog.FieldNode))
		case calllog.KindPrompt:
			st.What = text(f, calllog.FieldID)
			from, to := timeField(f, calllog.FieldStarted), timeField(f, calllog.FieldEnded)
			if !from.IsZero() {
				st.Offset = from.Sub(start)
			}
			if !from.IsZero() && !to.IsZero() {
				st.Length = to.Sub(from)
			}
			st.Cut, _ = f[calllog.FieldCut].(bool)
		case calllog.KindKey:
			st.What = text(f, calllog.FieldDigit)
			if st.What == "x" {
				// A run of masked digits reads as one step: "16 digits", not sixteen rows of dots.
				if n := len(steps); n > 0 && steps[n-1].Kind == "key" && strings.HasPrefix(steps[n-1].What, "•") {
					steps[n-1].What += "•"
					steps[n-1].Detail = fmt.Sprintf("%d digits of a NIK, card number or birth date (not logged)", len([]rune(steps[n-1].What)))
					continue
				}
				st.What, st.Detail = "•", "a digit of a NIK, card number or birth date (not logged)"
			}
		case calllog.KindMenu:
			st.What = text(f, calllog.FieldMenu) + " → " + text(f, calllog.FieldChoice)
		case calllog.KindIdentity:
			st.What = text(f, calllog.FieldKind) + " " + text(f, calllog.FieldMasked)
		case calllog.KindLookup:
			st.What = text(f, calllog.FieldOutcome)
			st.Detail = text(f, calllog.FieldLatencyMS) + " ms"
		case calllog.KindTransfer:
			st.What = "to an agent"
			st.Detail = text(f, calllog.FieldReason)
		case calllog.KindHangup:
			st.What = "hung up by " + text(f, calllog.FieldBy)
			st.Detail = strings.TrimSpace("cause " + text(f, calllog.FieldCause) + " " + text(f, calllog.FieldReason))
		case calllog.KindEnd:
			st.What = text(f, calllog.FieldOutcome)
			st.Detail = text(f, calllog.FieldDurationMS) + " ms"
		}
		steps = append(steps, st)
	}
	return steps
}

func text(f map[string]any, key string) string {
	switch v := f[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprint(v)
	}
}

func timeField(f map[string]any, key string) time.Time {
	if s, ok := f[key].(string); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err == nil {
			return t
		}
	}
	if t, ok := f[key].(time.Time); ok {
		return t
	}
	return time.Time{}
}

// audio serves what the caller heard as a WAV, rendered by package replay like `vika calls replay`, with range
// support (http.ServeContent) so the browser's player can seek. A replay is audited once, at its first byte; the
// player's later range requests are not new replays.
func (s *Server) audio(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, events, ok := s.loadCall(w, r, id)
	if !ok {
		return
	}
	rendered, err := replay.Render(events, s.opts.Sounds, s.opts.Lang)
	if err != nil {
		s.fail(w, r, "replay", err)
		return
	}
	var buf bytes.Buffer
	if err := replay.WriteWAV(&buf, rendered.Samples); err != nil {
		s.fail(w, r, "replay", err)
		return
	}
	download := r.URL.Query().Get("download") != ""
	if rg := r.Header.Get("Range"); rg == "" || strings.HasPrefix(rg, "bytes=0-") {
		action := store.AuditReplay
		if download {
			action = store.AuditDownload
		}
		s.audit(r, userOf(r).User, action, "call="+id)
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Cache-Control", "private, no-store")
	if download {
		w.Header().Set("Content-Disposition", `attachment; filename="vika-call-`+safeFileName(id)+`.wav"`)
	}
	modified := c.StartedAt
	if c.EndedAt != nil {
		modified = *c.EndedAt
	}
	http.ServeContent(w, r, "call.wav", modified, bytes.NewReader(buf.Bytes()))
}

func safeFileName(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			return c
		}
		return '_'
	}, s)
}
