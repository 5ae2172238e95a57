package sipphone

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// agent is the SIP user agent of one source address: a UDP socket that sends the INVITEs and receives Asterisk's
// BYEs for every call from that address.
type agent struct {
	ip string
	dg *diago.Diago

	mu    sync.Mutex
	calls map[string]*Call // by SIP Call-ID
}

var (
	agentsMu sync.Mutex
	agents   = map[string]*agent{}
)

func init() {
	// diago's media layer logs every unknown payload type (Asterisk's comfort noise, RTCP oddities) at warn.
	media.SetDefaultLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// agentFor returns the agent of ip offering codecs, starting it on first use.
func agentFor(ip string, codecs []uint8) (*agent, error) {
	key := fmt.Sprint(ip, codecs)
	agentsMu.Lock()
	defer agentsMu.Unlock()
	if a := agents[key]; a != nil {
		return a, nil
	}
	offer := []media.Codec{}
	for _, pt := range codecs {
		switch pt {
		case PCMA:
			offer = append(offer, media.CodecAudioAlaw)
		case PCMU:
			offer = append(offer, media.CodecAudioUlaw)
		default:
			return nil, fmt.Errorf("sipphone: payload type %d is no G.711 codec", pt)
		}
	}
	offer = append(offer, media.CodecTelephoneEvent8000)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("vika-sipphone"), sipgo.WithUserAgentHostname(ip))
	if err != nil {
		return nil, fmt.Errorf("sipphone: user agent on %s: %w", ip, err)
	}
	// The port is chosen here, not by diago (BindPort 0): diago would then rewrite its transport list from the
	// listener goroutine while a Dial reads it, a data race.
	port, err := freeUDPPort(ip)
	if err != nil {
		return nil, err
	}
	a := &agent{ip: ip, calls: map[string]*Call{}}
	a.dg = diago.NewDiago(ua,
		diago.WithLogger(quiet),
		diago.WithTransport(diago.Transport{Transport: "udp", BindHost: ip, BindPort: port}),
		diago.WithServerRequestMiddleware(a.watch),
		diago.WithMediaConfig(diago.MediaConfig{Codecs: offer}),
	)
	// Nobody calls a caller: an INVITE to it is answered by diago's default (the handler returns, the call ends).
	if err := a.dg.ServeBackground(context.Background(), func(*diago.DialogServerSession) {}); err != nil {
		return nil, fmt.Errorf("sipphone: listening on %s: %w", ip, err)
	}
	// ServeBackground returns when the socket is bound, a moment before sipgo files it as the connection to send
	// from; an INVITE in that moment would try to bind the same port again (EADDRINUSE).
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
		if c, _ := ua.TransportLayer().GetConnection("udp", net.JoinHostPort(ip, strconv.Itoa(port))); c != nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("sipphone: the SIP socket on %s never became ready", ip)
		}
	}
	agents[key] = a
	return a, nil
}

// watch sees every request before diago handles it, to note a BYE from Asterisk (and its Q.850 reason) on the
// call it ends; diago then answers it and closes the dialog.
func (a *agent) watch(next sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if req.Method == sip.BYE {
			if id := req.CallID(); id != nil {
				a.mu.Lock()
				c := a.calls[id.Value()]
				a.mu.Unlock()
				if c != nil {
					c.remoteBye(req.GetHeader("Reason"))
				}
			}
		}
		next(req, tx)
	}
}

func (a *agent) add(id string, c *Call) {
	a.mu.Lock()
	a.calls[id] = c
	a.mu.Unlock()
}

func (a *agent) remove(id string) {
	a.mu.Lock()
	delete(a.calls, id)
	a.mu.Unlock()
}

// q850 reads "Q.850;cause=16;text=\"Normal Clearing\"" from a Reason header.
func q850(h sip.Header) (int, string) {
	if h == nil {
		return 0, ""
	}
	v := h.Value()
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(v)), "Q.850") {
		return 0, ""
	}
	cause, text := 0, ""
	for _, part := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch strings.ToLower(k) {
		case "cause":
			fmt.Sscanf(val, "%d", &cause)
		case "text":
			text = strings.Trim(val, `"`)
		}
	}
	return cause, text
}

// freeUDPPort asks the kernel for a UDP port free on ip.
func freeUDPPort(ip string) (int, error) {
	c, err := net.ListenPacket("udp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("sipphone: no UDP port on %s (a loopback alias the OS lacks?): %w", ip, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}
