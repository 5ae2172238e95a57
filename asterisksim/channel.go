package asterisksim

import (
	"fmt"
	"strings"
	"time"

	"github.com/vika-jkn/vika/asterisksim/extconf"
)

// channel is one Asterisk channel: here always one half of a Local pair.
// All fields are guarded by Server.mu.
type channel struct {
	id, name  string
	half      int // 1 (the originator's side) or 2 (runs the dialplan)
	state     string
	caller    party
	connected party
	dp        dialplanJSON
	finalDP   *dialplanJSON // shown by ChannelDestroyed after a continue to nowhere
	created   time.Time
	language  string
	vars      map[string]string
	peer      *channel

	seq        int      // creation order, for Restart's hang-up order
	originator string   // app that originated the pair: sees both halves
	app        string   // ;1: the app it enters when ;2 answers
	appArgs    []string // ;1: its Stasis args

	dialContext, dialExten string // ;1 of an originate without app: where it runs
	dialPriority           int

	stasisApp string
	inStasis  bool

	// Dialplan execution (;2): the extension's steps and where it is.
	steps      []extconf.Step
	stepIdx    int
	blocked    bool        // in an application that waits for hang-up (Dial, MusicOnHold...)
	dpPlayback string      // a dialplan Playback() runs: the PLAYBACKSTATUS it ends with
	endOfWalk  extconf.End // how the walked steps end

	playing  *playback   // the playback whose audio is on the channel now
	queued   []*playback // waiting behind it
	lingered []*playback // started with an unknown scheme: never finish

	progress bool      // ;2 sent early media: Dial PROGRESS went out
	dtmfFree time.Time // when the channel's DTMF generator is free again
	timers   map[*time.Timer]struct{}

	hangingUp bool // hang-up requested, StasisEnd not yet sent
	gone      bool // destroyed
	heard     *heardLog
}

type party struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

type dialplanJSON struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int    `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

// channelJSON is the ARI Channel model, field order as Asterisk 22 sends it.
type channelJSON struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	State        string       `json:"state"`
	ProtocolID   string       `json:"protocol_id"`
	Caller       party        `json:"caller"`
	Connected    party        `json:"connected"`
	AccountCode  string       `json:"accountcode"`
	Dialplan     dialplanJSON `json:"dialplan"`
	CreationTime string       `json:"creationtime"`
	Language     string       `json:"language"`
}

func (ch *channel) snapshot() channelJSON {
	return channelJSON{
		ID: ch.id, Name: ch.name, State: ch.state,
		Caller: ch.caller, Connected: ch.connected,
		Dialplan: ch.dp, CreationTime: formatTS(ch.created), Language: ch.language,
	}
}

func (ch *channel) stopTimers() {
	for t := range ch.timers {
		t.Stop()
	}
	clear(ch.timers)
}

// newID returns the next Asterisk uniqueid, "<epoch>.<n>". Must hold s.mu.
func (s *Server) newID() string {
	id := fmt.Sprintf("%d.%d", s.epoch, s.chanSeq)
	s.chanSeq++
	return id
}

// parseCallerID splits `"Name" <number>` (or `Name <number>`, or a bare
// number) as Asterisk's ast_callerid_parse does.
func parseCallerID(s string) party {
	s = strings.TrimSpace(s)
	if s == "" {
		return party{}
	}
	lt := strings.LastIndex(s, "<")
	gt := strings.LastIndex(s, ">")
	if lt >= 0 && gt > lt {
		name := strings.TrimSpace(s[:lt])
		name = strings.Trim(name, `"`)
		return party{Name: name, Number: strings.TrimSpace(s[lt+1 : gt])}
	}
	if strings.Trim(s, "0123456789+*#") == "" {
		return party{Number: s}
	}
	return party{Name: strings.Trim(s, `"`)}
}

// callerIDAll is CALLERID(all): `"Name" <number>`.
func callerIDAll(p party) string {
	if p.Name == "" {
		return "<" + p.Number + ">"
	}
	return `"` + p.Name + `" <` + p.Number + ">"
}

// lookupChannel returns a live channel. Must hold s.mu.
func (s *Server) lookupChannel(id string) *channel {
	ch := s.channels[id]
	if ch == nil || ch.gone {
		return nil
	}
	return ch
}
