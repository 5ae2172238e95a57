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

// Stages of the flow, as the Live page names them: the funnel's stages, a transfer to an agent, and the goodbye.
const (
	stageArriving  = "arriving"
	stageMenu      = "menu"
	stageNumber    = "number"
	stageBirthDate = "birth date"
	stageLookup    = "look-up"
	stageReadout   = "readout"
	stageTransfer  = "transfer"
	stageGoodbye   = "goodbye"
)

// where is the stage of the flow a call is in. The call log writes a prompt when it ends, so the latest event says
// what the caller did or heard last and the stage is what comes after it: once enter-id has played the caller is
// keying a number. Events that say nothing of the stage (a readout's words, no-input, a hang-up) are passed over
// for the one before. The menus and prompts are those of the default flow (dialplan/default.yaml).
func where(c store.LiveCall) string {
	for _, st := range c.Steps {
		if stage := stageAfter(st); stage != "" {
			return stage
		}
	}
	return stageArriving
}

func stageAfter(st store.LiveStep) string {
	switch st.Kind {
	case "arrival":
		return stageMenu
	case "transfer":
		return stageTransfer
	case "identity":
		if st.Hashed {
			return stageBirthDate
		}
		return stageNumber
	case "lookup":
		switch st.Outcome {
		case "found":
			return stageReadout
		case "not_found":
			return stageNumber // told the data do not match, asked for the number again
		}
		return stageMenu // the directory is busy: the busy menu
	case "menu":
		return stageAfterMenu(st.Menu, st.Choice)
	case "prompt":
		return stageAfterPrompt[st.Prompt]
	}
	return ""
}

func stageAfterMenu(menu, choice string) string {
	switch {
	case choice == "on_fail:transfer" || (choice == "0" && menu != "identity" && menu != "birthdate"):
		return stageTransfer
	case choice == "on_fail:goodbye":
		return stageGoodbye
	}
	switch menu {
	case "main":
		if choice == "1" || choice == "2" {
			return stageNumber
		}
	case "identity":
		return stageNumber
	case "birthdate":
		if choice == "entered" {
			return stageLookup
		}
		return stageBirthDate
	case "readout":
		return stageReadout
	case "after_readout":
		switch choice {
		case "1":
			return stageReadout
		case "2":
			return stageNumber
		}
	}
	return stageMenu
}

// stageAfterPrompt is the stage a call is in once each prompt has played; prompts not here (a readout's numbers and
// words, no-input, invalid-key) leave the stage as it was.
var stageAfterPrompt = map[string]string{
	"welcome": stageMenu, "main-menu": stageMenu, "after-readout-menu": stageMenu, "system-busy": stageMenu,
	"agent-closed": stageMenu,
	"enter-id":     stageNumber, "id-incomplete": stageNumber, "nik-invalid": stageNumber, "data-mismatch": stageNumber,
	"enter-birthdate": stageBirthDate, "birthdate-invalid": stageBirthDate,
	"please-wait":    stageLookup,
	"transfer-agent": stageTransfer,
	"goodbye":        stageGoodbye, "too-many-tries": stageGoodbye, "lookup-limit": stageGoodbye,
	"caller-limited": stageGoodbye,
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
