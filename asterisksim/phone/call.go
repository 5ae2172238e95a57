package phone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrCallEnded is returned by a wait or action on a call whose line is already gone.
var ErrCallEnded = errors.New("phone: call ended")

// Who hung up, as Transcript.Hangup.By reports it.
const (
	ByCaller      = "caller"       // this phone (Hangup, or Close)
	ByApp         = "app"          // the line's ARI app hung up, while the line was in Stasis
	ByDialplan    = "dialplan"     // the dialplan ended the line (Hangup(), no route, after a continue)
	ByAsterisk    = "asterisk"     // the caller's half went first without us asking (restart, originate timeout)
	ByPhoneClosed = "phone-closed" // the Phone was closed or lost the line while the call was up
)

// Call is one call placed by the phone: the caller half ID (the ;1 Local half, in the phone app) and the
// LineID (the ;2 half that runs the dialplan into the app under test).
type Call struct {
	ID, LineID string

	p    *Phone
	opts *Options
	done chan struct{}

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced at every change: waiters re-check
	t           Transcript
	playing     map[string]int // playback id → index in t.Heard of the item playing
	cursor      int            // next t.Heard index WaitPrompt/WaitAnyPrompt look at
	lastSound   time.Time      // when the last prompt ended, for WaitSilence
	callerInApp bool
	lineInApp   bool
	hangupSent  bool
	lineGone    bool
	callerGone  bool
	ended       bool
}

// Dial calls exten with the given caller number: it originates Local/<exten>@<context> into the dialplan
// (context from Options.Contexts, or "exten@context" given directly) with this phone as the app of the
// caller half. It returns once Asterisk accepted the originate; the line answers (or not) afterwards:
// see WaitAnswer, and Done for a number the dialplan does not route.
func (p *Phone) Dial(ctx context.Context, exten, callerNumber string) (*Call, error) {
	context_ := p.opts.DefaultContext
	if e, c, ok := strings.Cut(exten, "@"); ok {
		exten, context_ = e, c
	} else if c, ok := p.opts.Contexts[exten]; ok {
		context_ = c
	}
	id := fmt.Sprintf("%s-%d", p.idBase, p.seq.Add(1))
	c := &Call{ID: id, LineID: id + "-line", p: p, opts: &p.opts, done: make(chan struct{}),
		changed: make(chan struct{}), playing: map[string]int{}}
	endpoint := "Local/" + exten + "@" + context_
	c.t = Transcript{CallID: id, LineID: c.LineID, Exten: exten, Context: context_, Caller: callerNumber,
		Endpoint: endpoint, Dialled: time.Now()}
	if p.isClosed() {
		return nil, errors.New("phone: Dial on a closed phone")
	}
	p.register(c) // before the POST: the line's first events can beat the reply
	q := url.Values{
		"endpoint":       {endpoint},
		"app":            {p.opts.App},
		"appArgs":        {"caller"},
		"channelId":      {c.ID},
		"otherChannelId": {c.LineID},
		"timeout":        {strconv.Itoa(int(p.opts.OriginateTimeout / time.Second))},
	}
	if cid := callerID(p.opts.CallerName, callerNumber); cid != "" {
		q.Set("callerId", cid)
	}
	if _, _, err := p.do(ctx, http.MethodPost, "/channels", q); err != nil {
		p.forget(c)
		return nil, fmt.Errorf("phone: dialling %s: %w", endpoint, err)
	}
	return c, nil
}

func callerID(name, number string) string {
	if name == "" {
		return number
	}
	return fmt.Sprintf("%q <%s>", name, number)
}

// Done is closed when both halves of the call are gone.
func (c *Call) Done() <-chan struct{} { return c.done }

// Transcript returns a copy of what happened so far.
func (c *Call) Transcript() Transcript {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.clone()
}

// PressOption changes how keys are sent.
type PressOption func(*pressOpts)

type pressOpts struct {
	duration, between, before, after time.Duration
	noWait                           bool
}

// Duration is how long each key is held (ARI duration; default 100 ms).
func Duration(d time.Duration) PressOption { return func(o *pressOpts) { o.duration = d } }

// Between is the gap between keys (ARI between; default 100 ms).
func Between(d time.Duration) PressOption { return func(o *pressOpts) { o.between = d } }

// Before is the pause before the first key (ARI before; default 0).
func Before(d time.Duration) PressOption { return func(o *pressOpts) { o.before = d } }

// After is the pause after the last key (ARI after; default 0).
func After(d time.Duration) PressOption { return func(o *pressOpts) { o.after = d } }

// NoWait returns as soon as Asterisk accepted the keys instead of when the line has received them all.
func NoWait() PressOption { return func(o *pressOpts) { o.noWait = true } }

// Press sends keys (0-9, *, #, A-D) from the caller's handset: POST /channels/{caller}/dtmf. It first waits
// for the line to answer, and by default returns when the line has received every key, so what a test does
// next happens after the app has seen them.
func (c *Call) Press(ctx context.Context, keys string, opts ...PressOption) error {
	o := pressOpts{duration: 100 * time.Millisecond, between: 100 * time.Millisecond}
	for _, f := range opts {
		f(&o)
	}
	if keys == "" || strings.Trim(keys, "0123456789*#ABCDabcd") != "" {
		return fmt.Errorf("phone: %q is not a key sequence (0-9, *, #, A-D)", keys)
	}
	keys = strings.ToUpper(keys)
	if err := c.WaitAnswer(ctx); err != nil {
		return err
	}
	q := url.Values{"dtmf": {keys}, "duration": {ms(o.duration)}, "between": {ms(o.between)}}
	if o.before > 0 {
		q.Set("before", ms(o.before))
	}
	if o.after > 0 {
		q.Set("after", ms(o.after))
	}
	c.mu.Lock()
	first := len(c.t.Keys)
	now := time.Now()
	for _, k := range keys {
		c.t.Keys = append(c.t.Keys, Key{Digit: string(k), Sent: now})
	}
	c.mu.Unlock()
	if _, _, err := c.p.do(ctx, http.MethodPost, "/channels/"+url.PathEscape(c.ID)+"/dtmf", q); err != nil {
		c.unsend(first, len(keys))
		return fmt.Errorf("phone: pressing %q: %w", keys, err)
	}
	if o.noWait {
		return nil
	}
	return c.wait(ctx, "keys "+keys+" to reach the line", func() (bool, error) {
		for _, k := range c.t.Keys[first:] {
			if k.Received.IsZero() {
				return false, nil
			}
		}
		return true, nil
	})
}

// unsend takes back keys whose POST failed: they were never pressed.
func (c *Call) unsend(first, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if first+n <= len(c.t.Keys) {
		c.t.Keys = append(c.t.Keys[:first], c.t.Keys[first+n:]...)
	}
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// WaitAnswer waits until the line has answered and the caller half is in the phone app.
func (c *Call) WaitAnswer(ctx context.Context) error {
	return c.wait(ctx, "the line to answer", func() (bool, error) { return c.callerInApp, nil })
}

// WaitPrompt waits until the line starts playing "sound:vika/<id>" and returns it. Prompts are consumed in
// order: each wait looks only at prompts that started after the one the previous wait returned, so a menu
// repeated twice is waited for twice.
func (c *Call) WaitPrompt(ctx context.Context, id string) (Heard, error) {
	return c.waitHeard(ctx, "prompt "+id, func(h Heard) bool { return h.PromptID == id })
}

// WaitAnyPrompt waits for the next prompt (any media) to start and returns it.
func (c *Call) WaitAnyPrompt(ctx context.Context) (Heard, error) {
	return c.waitHeard(ctx, "any prompt", func(Heard) bool { return true })
}

func (c *Call) waitHeard(ctx context.Context, what string, match func(Heard) bool) (Heard, error) {
	var got Heard
	err := c.wait(ctx, what, func() (bool, error) {
		for i := c.cursor; i < len(c.t.Heard); i++ {
			if match(c.t.Heard[i]) {
				c.cursor, got = i+1, c.t.Heard[i]
				return true, nil
			}
		}
		return false, nil
	})
	return got, err
}

// WaitSilence waits until nothing has played on the line for d (counted from the end of the last prompt,
// or from the answer). It fails if the call ends first.
func (c *Call) WaitSilence(ctx context.Context, d time.Duration) error {
	var next time.Duration
	return c.waitTimed(ctx, fmt.Sprintf("%v of silence", d), func(now time.Time) (bool, time.Duration, error) {
		if len(c.playing) > 0 || c.t.Answered.IsZero() {
			return false, 0, nil
		}
		since := c.lastSound
		if since.Before(c.t.Answered) {
			since = c.t.Answered
		}
		next = d - now.Sub(since)
		return next <= 0, next, nil
	})
}

// WaitContinued waits until the line leaves the app for the dialplan (ARI continue, e.g. to agents,s,1).
func (c *Call) WaitContinued(ctx context.Context) (Continued, error) {
	var got Continued
	err := c.wait(ctx, "the line to leave the app", func() (bool, error) {
		if c.t.Continued == nil {
			return false, nil
		}
		got = *c.t.Continued
		return true, nil
	})
	return got, err
}

// WaitContext waits until the line runs a step of the given dialplan context (e.g. "agents" after a
// transfer, "vika-fallback" when the app is down), looking at every step since the dial, and returns the first.
func (c *Call) WaitContext(ctx context.Context, dialplanContext string) (DialplanStep, error) {
	var got DialplanStep
	err := c.wait(ctx, "the line to run in context "+dialplanContext, func() (bool, error) {
		for _, s := range c.t.Dialplan {
			if s.Context == dialplanContext {
				got = s
				return true, nil
			}
		}
		return false, nil
	})
	return got, err
}

// WaitHangup waits until the call is over and returns its transcript.
func (c *Call) WaitHangup(ctx context.Context) (Transcript, error) {
	err := c.wait(ctx, "the call to end", func() (bool, error) { return c.ended, nil })
	return c.Transcript(), err
}

// Hangup hangs up the caller's handset (DELETE /channels/{caller}) and waits until both halves are gone.
// Hanging up a call that already ended is not an error.
func (c *Call) Hangup(ctx context.Context) error {
	c.markHangupSent()
	status, _, err := c.p.do(ctx, http.MethodDelete, "/channels/"+url.PathEscape(c.ID), nil)
	if err != nil && status != http.StatusNotFound {
		return fmt.Errorf("phone: hanging up: %w", err)
	}
	if status == http.StatusNotFound {
		c.lost(time.Now()) // gone already; its events may never come
	}
	_, err = c.WaitHangup(ctx)
	return err
}

func (c *Call) markHangupSent() {
	c.mu.Lock()
	c.hangupSent = true
	c.mu.Unlock()
}

// lost ends a call whose channel ARI no longer knows, without the events that would have said how.
func (c *Call) lost(now time.Time) {
	c.mu.Lock()
	if !c.ended {
		if c.t.Hangup.At.IsZero() {
			c.t.Hangup.At, c.t.Hangup.By = now, ByPhoneClosed
			if c.hangupSent {
				c.t.Hangup.By = ByCaller
			}
		}
		c.finish(now)
		c.broadcast()
	}
	c.mu.Unlock()
	c.p.forget(c)
}

// end is lost() for Close: the phone itself goes away.
func (c *Call) end(now time.Time, by string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	if c.t.Hangup.At.IsZero() {
		c.t.Hangup.At, c.t.Hangup.By = now, by
	}
	c.finish(now)
	c.broadcast()
}

// finish closes the transcript; called with c.mu held.
func (c *Call) finish(now time.Time) {
	if c.ended {
		return
	}
	c.ended = true
	c.t.Ended = now
	for id, i := range c.playing {
		h := &c.t.Heard[i]
		h.End, h.State, h.Cut = now, "failed", true
		delete(c.playing, id)
	}
	close(c.done)
}

// broadcast wakes every waiter; called with c.mu held.
func (c *Call) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// wait re-checks cond (with c.mu held) at every change until it holds, the call ends, ctx is done or the
// phone's own deadline (Options.Timeout) passes.
func (c *Call) wait(ctx context.Context, what string, cond func() (bool, error)) error {
	return c.waitTimed(ctx, what, func(time.Time) (bool, time.Duration, error) {
		ok, err := cond()
		return ok, 0, err
	})
}

// waitTimed is wait for conditions that also become true with time alone: cond may ask to be re-checked
// after a delay.
func (c *Call) waitTimed(ctx context.Context, what string, cond func(now time.Time) (bool, time.Duration, error)) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	for {
		c.mu.Lock()
		ok, recheck, err := cond(time.Now())
		ended, changed := c.ended, c.changed
		c.mu.Unlock()
		if ok || err != nil {
			return err
		}
		if ended {
			return fmt.Errorf("%w while waiting for %s (%s)", ErrCallEnded, what, c.brief())
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if recheck > 0 {
			timer = time.NewTimer(recheck)
			fire = timer.C
		}
		select {
		case <-changed:
		case <-fire:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return fmt.Errorf("phone: waiting for %s: %w (%s)", what, ctx.Err(), c.brief())
		}
	}
}

// brief summarises the call for error messages: what was heard and how it ended.
func (c *Call) brief() string {
	t := c.Transcript()
	var ids []string
	for _, h := range t.Heard {
		ids = append(ids, h.Name())
	}
	s := "heard: " + strings.Join(ids, ", ")
	if len(ids) == 0 {
		s = "heard nothing"
	}
	if !t.Hangup.At.IsZero() {
		s += fmt.Sprintf("; hung up by %s, cause %d", t.Hangup.By, t.Hangup.Cause)
	}
	return s
}
