package sipphone

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/diago"
	"github.com/emiago/diago/media"
	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// ErrCallEnded is returned by a wait or action on a call that is over.
var ErrCallEnded = phone.ErrCallEnded

// Options say where Asterisk is and how the carrier calls. Only Addr is required.
type Options struct {
	Addr string // Asterisk's PJSIP UDP transport, host:port (VIKA_REAL_SIP_ADDR)

	// From is the address the call comes from, which pjsip.conf's identify sections map to a trunk. Empty: by the
	// number dialled, from Sources.
	From string
	// Sources maps a dialled number to its carrier's address. Default: 165 → 127.0.0.1 (mobile trunk),
	// 021165 → 127.0.0.2 (landline trunk), as scripts/with-lab.sh fills pjsip.conf; others 127.0.0.1.
	Sources map[string]string

	// Codecs are the audio payload types offered, in order of preference (PCMA, PCMU). Default: both, A-law first.
	Codecs     []uint8
	CallerName string // display name sent with the number; empty sends the number alone

	Prompts *Prompts      // what can be recognised; default DefaultPrompts
	Timeout time.Duration // the deadline of every wait when ctx has none sooner; default 30 s
}

func (o *Options) defaults() error {
	if o.Addr == "" {
		return errors.New("sipphone: Options.Addr (Asterisk's SIP address, host:port) is required")
	}
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		return fmt.Errorf("sipphone: Options.Addr %q: %w", o.Addr, err)
	}
	if o.Sources == nil {
		o.Sources = map[string]string{"165": "127.0.0.1", "021165": "127.0.0.2"}
	}
	if len(o.Codecs) == 0 {
		o.Codecs = []uint8{PCMA, PCMU}
	}
	if o.Prompts == nil {
		p, err := DefaultPrompts()
		if err != nil {
			return err
		}
		o.Prompts = p
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return nil
}

// Call is one SIP call, from the INVITE to the BYE. Its transcript's Context is the SIP address dialled (which
// dialplan context the trunk leads to is Asterisk's business), Hangup.By is ByCaller for our BYE and ByApp for
// Asterisk's (over SIP the app, the dialplan and Asterisk itself look the same), with the BYE's Q.850 cause.
type Call struct {
	ID string // the SIP Call-ID

	opts    Options
	ag      *agent
	d       *diago.DialogClientSession
	rtp     *media.RTPSession
	audioPT uint8
	eventPT uint8
	done    chan struct{}

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced at every change: waiters re-check
	t         phone.Transcript
	lis       *Listener
	cursor    int // next t.Heard index WaitPrompt looks at
	queue     []keyTx
	key       *keyTx // the key being sent
	gap       int    // 20 ms ticks of silence still to send before the next key
	hangingUp bool
	byeCause  int
	byeText   string
	ended     bool
}

// keyTx is one key on its way as RFC 4733 events.
type keyTx struct {
	index      int // in t.Keys
	event      byte
	hold       int // ticks the key is held
	before     int // ticks of silence before it
	after      int // ticks of silence after it
	ticks, end int
	ts         uint32 // RTP timestamp of the whole event
}

// Dial calls number at Options.Addr as the carrier would, with callerNumber in From and P-Asserted-Identity, and
// returns once Asterisk answered (200 OK, ACK sent). A call Asterisk refuses (no trunk identified for the source
// address, no route) is an error naming the SIP status.
func Dial(ctx context.Context, opts Options, number, callerNumber string) (*Call, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	src := opts.From
	if src == "" {
		src = opts.Sources[number]
	}
	if src == "" {
		src = "127.0.0.1"
	}
	ag, err := agentFor(src, opts.Codecs)
	if err != nil {
		return nil, err
	}
	host, portS, _ := net.SplitHostPort(opts.Addr)
	port, _ := strconv.Atoi(portS)
	d, err := ag.dg.NewDialog(sip.Uri{User: number, Host: host, Port: port}, diago.NewDialogOptions{})
	if err != nil {
		return nil, fmt.Errorf("sipphone: dialling %s at %s: %w", number, opts.Addr, err)
	}
	inv := diago.InviteClientOptions{}
	inv.WithCaller(opts.CallerName, callerNumber, src)
	if callerNumber != "" {
		inv.Headers = append(inv.Headers, sip.NewHeader("P-Asserted-Identity", fmt.Sprintf("<sip:%s@%s>", callerNumber, src)))
	}
	c := &Call{opts: opts, ag: ag, d: d, done: make(chan struct{}), changed: make(chan struct{}), lis: NewListener(opts.Prompts)}
	c.t = phone.Transcript{Exten: number, Context: opts.Addr, Endpoint: fmt.Sprintf("sip:%s@%s", number, opts.Addr), Caller: callerNumber, Dialled: time.Now()}
	med, err := d.Invite(ctx, inv)
	if err != nil {
		d.Close()
		var refused *sipgo.ErrDialogResponse
		if errors.As(err, &refused) {
			return nil, fmt.Errorf("sipphone: %s from %s refused: %d %s", number, src, refused.Res.StatusCode, refused.Res.Reason)
		}
		var refusedV sipgo.ErrDialogResponse
		if errors.As(err, &refusedV) {
			return nil, fmt.Errorf("sipphone: %s from %s refused: %d %s", number, src, refusedV.Res.StatusCode, refusedV.Res.Reason)
		}
		return nil, fmt.Errorf("sipphone: dialling %s from %s: %w", number, src, err)
	}
	if err := d.Ack(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("sipphone: acknowledging the answer of %s: %w", number, err)
	}
	c.ID = d.InviteRequest.CallID().Value()
	c.t.CallID = c.ID
	c.t.Answered = time.Now()
	if err := c.negotiated(med); err != nil {
		_ = d.Hangup(context.WithoutCancel(ctx))
		d.Close()
		return nil, err
	}
	ag.add(c.ID, c)
	go c.listen()
	go c.speak()
	return c, nil
}

// negotiated takes the codecs Asterisk chose from the answer.
func (c *Call) negotiated(med *diago.DialogMedia) error {
	c.rtp = med.RTPSession()
	ms := med.MediaSession()
	if c.rtp == nil || ms == nil {
		return errors.New("sipphone: the answer set up no media")
	}
	audio, event := false, false
	for _, codec := range ms.CommonCodecs() {
		switch {
		case codec.Matches(media.CodecTelephoneEvent8000) && !event:
			c.eventPT, event = codec.PayloadType, true
		case (codec.PayloadType == PCMA || codec.PayloadType == PCMU) && !audio:
			c.audioPT, audio = codec.PayloadType, true
		}
	}
	if !audio || !event {
		return fmt.Errorf("sipphone: Asterisk answered without G.711 audio and telephone-event (codecs %v)", ms.CommonCodecs())
	}
	return nil
}

// Codec is the audio payload type Asterisk chose: PCMA or PCMU.
func (c *Call) Codec() uint8 { return c.audioPT }

// listen reads Asterisk's RTP until the media closes.
func (c *Call) listen() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		if _, err := c.rtp.ReadRTP(buf, &pkt); err != nil {
			return
		}
		if pt := pkt.PayloadType; pt == PCMA || pt == PCMU {
			c.mu.Lock()
			if !c.ended && c.lis.Audio(time.Now(), pt, pkt.SequenceNumber, pkt.Payload) {
				c.heardChanged()
			}
			c.mu.Unlock()
		}
	}
}

// speak sends a 20 ms frame every 20 ms, as a handset does: silence, or the events of a key. It also ends the
// call when the dialog ends (a BYE either way).
func (c *Call) speak() {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	seq, ts, ssrc := uint16(rand.Uint32()), rand.Uint32(), rand.Uint32()
	quiet := make([]byte, 160)
	for i := range quiet {
		quiet[i] = silence(c.audioPT)
	}
	for {
		select {
		case <-c.d.Context().Done():
			c.finish()
			return
		case now := <-tick.C:
			c.mu.Lock()
			if c.ended {
				c.mu.Unlock()
				return
			}
			if c.lis.Idle(now) {
				c.heardChanged()
			}
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: c.audioPT, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: quiet}
			c.nextKeyPacket(now, &pkt)
			c.mu.Unlock()
			_ = c.rtp.WriteRTP(&pkt) // a lost frame is what UDP does; the dialog's end is noticed above
			seq++
			ts += 160
		}
	}
}

// nextKeyPacket turns pkt into the next RFC 4733 event packet when a key is being sent; called with c.mu held.
// An event is sent every 20 ms while the key is held, all with the timestamp of its start and a growing duration,
// then its end three times (RFC 4733 2.5.1.4); Asterisk reports the key at the end.
func (c *Call) nextKeyPacket(now time.Time, pkt *rtp.Packet) {
	k := c.key
	if k == nil {
		if c.gap > 0 {
			c.gap--
			return
		}
		if len(c.queue) == 0 {
			return
		}
		k = &c.queue[0]
		if k.before > 0 {
			k.before--
			return
		}
		c.key, c.queue = k, c.queue[1:]
		k.ts = pkt.Timestamp
	}
	k.ticks++
	dur, end := k.ticks*160, false
	if k.ticks > k.hold {
		dur, end = k.hold*160, true
		k.end++
	}
	flags := byte(10) // volume -10 dBm0
	if end {
		flags |= 0x80
	}
	pkt.PayloadType, pkt.Timestamp, pkt.Marker = c.eventPT, k.ts, k.ticks == 1
	pkt.Payload = []byte{k.event, flags, byte(dur >> 8), byte(dur)}
	switch k.end {
	case 1: // Asterisk reports the key (ChannelDtmfReceived) at its first end packet
		key := &c.t.Keys[k.index]
		key.Received, key.Duration = now, time.Duration(k.hold)*20*time.Millisecond
		c.broadcast()
	case 3:
		c.key, c.gap = nil, k.after
	}
}

// heardChanged copies what the listener heard into the transcript and wakes waiters; called with c.mu held.
func (c *Call) heardChanged() {
	c.t.Heard = c.lis.Heard()
	c.broadcast()
}

// remoteBye notes the Q.850 cause of Asterisk's BYE; the dialog's end then finishes the call.
func (c *Call) remoteBye(reason sip.Header) {
	cause, text := q850(reason)
	c.mu.Lock()
	c.byeCause, c.byeText = cause, text
	c.mu.Unlock()
}

// finish closes the transcript once the dialog is over.
func (c *Call) finish() {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	c.ended = true
	now := time.Now()
	if c.lis.Hangup() {
		c.t.Heard = c.lis.Heard()
	}
	h := phone.Hangup{By: phone.ByApp, Cause: c.byeCause, CauseText: c.byeText, At: now}
	if c.hangingUp {
		h = phone.Hangup{By: phone.ByCaller, Cause: 16, CauseText: "Normal Clearing", At: now}
	}
	c.t.Hangup, c.t.Ended = h, now
	close(c.done)
	c.broadcast()
	c.mu.Unlock()
	c.ag.remove(c.ID)
	c.d.Close()
}

// broadcast wakes every waiter; called with c.mu held.
func (c *Call) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Done is closed when the call is over.
func (c *Call) Done() <-chan struct{} { return c.done }

// Transcript returns a copy of what happened so far.
func (c *Call) Transcript() phone.Transcript {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	t.Heard = append([]phone.Heard(nil), c.t.Heard...)
	t.Keys = append([]phone.Key(nil), c.t.Keys...)
	return t
}

// Press sends keys (0-9, *, #, A-D) as RFC 4733 events, with the options of phone.Press (Duration, Between,
// Before, After, NoWait). By default it returns when the last key's end has been sent; Key.Received is that time
// (over SIP the caller cannot see when Asterisk took the key; on loopback it is the same moment).
func (c *Call) Press(ctx context.Context, keys string, opts ...phone.PressOption) error {
	s := phone.ResolvePress(opts...)
	if keys == "" || strings.Trim(keys, "0123456789*#ABCDabcd") != "" {
		return fmt.Errorf("sipphone: %q is not a key sequence (0-9, *, #, A-D)", keys)
	}
	keys = strings.ToUpper(keys)
	ticks := func(d time.Duration) int { return int((d + 19*time.Millisecond) / (20 * time.Millisecond)) }
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return fmt.Errorf("%w: pressing %q", ErrCallEnded, keys)
	}
	first, now := len(c.t.Keys), time.Now()
	for i, k := range keys {
		tx := keyTx{index: len(c.t.Keys), event: byte(strings.IndexRune("0123456789*#ABCD", k)), hold: max(ticks(s.Duration), 1),
			after: ticks(s.Between)}
		if i == 0 {
			tx.before = ticks(s.Before)
		}
		if i == len(keys)-1 {
			tx.after = ticks(s.After)
		}
		c.queue = append(c.queue, tx)
		c.t.Keys = append(c.t.Keys, phone.Key{Digit: string(k), Sent: now})
	}
	c.mu.Unlock()
	if s.NoWait {
		return nil
	}
	return c.wait(ctx, "keys "+keys+" to be sent", func() bool {
		for _, k := range c.t.Keys[first:] {
			if k.Received.IsZero() {
				return false
			}
		}
		return true
	})
}

// WaitAnswer returns at once: Dial returns answered calls. It fails for a call that is over.
func (c *Call) WaitAnswer(ctx context.Context) error {
	return c.wait(ctx, "the answer", func() bool { return true })
}

// WaitPrompt waits until the caller hears "id" start and returns it. Prompts are consumed in order, as in phone:
// each wait looks only at prompts that started after the one the previous wait returned.
func (c *Call) WaitPrompt(ctx context.Context, id string) (phone.Heard, error) {
	return c.waitHeard(ctx, "prompt "+id, func(h phone.Heard) bool { return h.PromptID == id })
}

// WaitAnyPrompt waits for the next prompt to start and returns it.
func (c *Call) WaitAnyPrompt(ctx context.Context) (phone.Heard, error) {
	return c.waitHeard(ctx, "any prompt", func(phone.Heard) bool { return true })
}

// WaitEnd waits until the given heard prompt (as WaitPrompt returned it) has ended and returns it as it ended.
func (c *Call) WaitEnd(ctx context.Context, h phone.Heard) (phone.Heard, error) {
	var got phone.Heard
	err := c.wait(ctx, "prompt "+h.PromptID+" to end", func() bool {
		for _, x := range c.t.Heard {
			if x.PromptID == h.PromptID && x.Start.Equal(h.Start) && !x.End.IsZero() {
				got = x
				return true
			}
		}
		return false
	})
	return got, err
}

func (c *Call) waitHeard(ctx context.Context, what string, match func(phone.Heard) bool) (phone.Heard, error) {
	var got phone.Heard
	err := c.wait(ctx, what, func() bool {
		for i := c.cursor; i < len(c.t.Heard); i++ {
			if match(c.t.Heard[i]) {
				c.cursor, got = i+1, c.t.Heard[i]
				return true
			}
		}
		return false
	})
	return got, err
}

// WaitHangup waits until the call is over and returns its transcript.
func (c *Call) WaitHangup(ctx context.Context) (phone.Transcript, error) {
	err := c.wait(ctx, "the call to end", func() bool { return c.ended })
	return c.Transcript(), err
}

// Hangup sends BYE and waits for Asterisk's answer. Hanging up a call that is over is not an error.
func (c *Call) Hangup(ctx context.Context) error {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return nil
	}
	c.hangingUp = true
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	err := c.d.Hangup(ctx)
	c.finish()
	if err != nil {
		return fmt.Errorf("sipphone: hanging up %s: %w", c.ID, err)
	}
	return nil
}

// wait re-checks cond (with c.mu held) at every change until it holds, the call ends, ctx is done or
// Options.Timeout passes.
func (c *Call) wait(ctx context.Context, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	for {
		c.mu.Lock()
		ok, ended, changed := cond(), c.ended, c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		if ended {
			return fmt.Errorf("%w while waiting for %s (%s)", ErrCallEnded, what, c.brief())
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sipphone: waiting for %s: %w (%s)", what, ctx.Err(), c.brief())
		}
	}
}

// brief summarises the call for error messages: what was heard and how it ended.
func (c *Call) brief() string {
	t := c.Transcript()
	s := "heard nothing"
	if ids := t.HeardIDs(); len(ids) > 0 {
		s = "heard: " + strings.Join(ids, ", ")
	}
	if !t.Hangup.At.IsZero() {
		s += fmt.Sprintf("; hung up by %s, cause %d", t.Hangup.By, t.Hangup.Cause)
	}
	return s
}
