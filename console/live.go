package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
)

// liveWindow is how far back a call with no logged end still counts as in progress.
const liveWindow = 2 * time.Hour

// liveCall is one row of the Live page, as the page and its event stream carry it.
type liveCall struct {
	ID     string `json:"id"`
	Start  string `json:"start"`
	For    string `json:"for"`
	Entry  string `json:"entry"`
	Caller string `json:"caller"`
	Node   string `json:"node"`
	Where  string `json:"where"`
	Text   string `json:"text"`
}

func (s *Server) liveCalls(r *http.Request) ([]liveCall, error) {
	now := s.opts.Now()
	calls, err := s.opts.Data.LiveCalls(r.Context(), now.Add(-liveWindow))
	if err != nil {
		return nil, err
	}
	out := make([]liveCall, 0, len(calls))
	for _, c := range calls {
		out = append(out, liveCall{
			ID: c.ID, Start: c.StartedAt.In(s.opts.Location).Format("15:04:05"),
			For: fmtDuration(now.Sub(c.StartedAt).Truncate(time.Second)), Entry: entryLabel(c.Entry),
			Caller: c.CallerMasked, Node: c.Node, Where: where(c), Text: promptText(c.LastPrompt),
		})
	}
	return out, nil
}

// where is the step of the flow a call is at, from the latest prompt it heard.
func where(c store.LiveCall) string {
	if c.LastPrompt == "" {
		return "arriving"
	}
	return c.LastPrompt
}

func promptText(id string) string {
	t, _ := prompts.Catalogue().Text(id)
	return t
}

func (s *Server) livePage(w http.ResponseWriter, r *http.Request) {
	calls, err := s.liveCalls(r)
	if err != nil {
		s.fail(w, r, "live", err)
		return
	}
	s.render(w, r, http.StatusOK, "live", "Live", calls)
}

// liveEvents streams the calls in progress as Server-Sent Events: the whole list whenever it changes (it is short,
// and a whole list cannot drift from the truth the way patches can), and a comment now and then to keep proxies
// from closing an idle stream.
func (s *Server) liveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	tick := time.NewTicker(s.opts.LivePoll)
	defer tick.Stop()
	var last string
	quiet := 0
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		calls, err := s.liveCalls(r)
		if err != nil {
			if r.Context().Err() == nil {
				s.fail(w, r, "live events", err)
			}
			return
		}
		b, _ := json.Marshal(calls)
		quiet++
		switch {
		case string(b) != last:
			_, err = fmt.Fprintf(w, "event: calls\ndata: %s\n\n", b)
			last, quiet = string(b), 0
		case quiet >= 15:
			_, err = fmt.Fprint(w, ": still here\n\n")
			quiet = 0
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
