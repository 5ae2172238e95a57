package floor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/arievents"
)

// Timing, in real time (prompts are as long as Asterisk plays them; these bound the caller's silences).
const (
	menuTimeout    = 6 * time.Second  // a menu's key, from the end of the menu prompt
	firstDigit     = 10 * time.Second // the first digit of a number or birth date
	interDigit     = 5 * time.Second  // ends a number or birth date after at least one digit
	maxSilences    = 3                // questions met with silence in a call before it is hung up
	lookupDeadline = 3 * time.Second
	requestTimeout = 2 * time.Second  // one ARI request
	promptMax      = 60 * time.Second // a prompt still playing then is stopped
	goneGrace      = 500 * time.Millisecond
)

// The prompts, all ids of prompts/catalogue.yaml, played as "sound:vika/<id>".
const (
	pWelcome        = "welcome"
	pMainMenu       = "main-menu"
	pNoInput        = "no-input"
	pInvalidKey     = "invalid-key"
	pEnterID        = "enter-id"
	pIDIncomplete   = "id-incomplete"
	pEnterBirthdate = "enter-birthdate"
	pPleaseWait     = "please-wait"
	pDataMismatch   = "data-mismatch"
	pBill           = "bill-this-month" // the readout of key 2: the first prompt of VIKA's bill readout
	pStatusIntro    = "status-intro"    // the readout of key 1 for a status code with no prompt of its own
	pAfterReadout   = "after-readout-menu"
	pTransferAgent  = "transfer-agent"
	pGoodbye        = "goodbye"
)

// statusPrompts are the readouts of key 1: status-<code> for each status_code the schema allows.
var statusPrompts = map[int16]string{0: "status-0", 2: "status-2", 6: "status-6", 7: "status-7", 9: "status-9", 15: "status-15"}

// Call outcomes, for the one debug line per call.
const (
	outTransferred = "transferred"
	outGoodbye     = "goodbye"
	outSilent      = "silent"
	outHungUp      = "caller_hung_up"
	outStopped     = "stopped"
	outError       = "error"
)

var (
	errGone     = errors.New("floor: the channel is gone")     // hung up, or out of Stasis
	errStop     = errors.New("floor: stopping")                // Run's context ended
	errTimeout  = errors.New("floor: deadline passed")         // internal to waits
	errFinished = errors.New("floor: call finished")           // the flow hung up or transferred: not a failure
	errNoAnswer = errors.New("floor: Asterisk did not answer") // an ARI request past requestTimeout
)

// call is one channel in the app, run by one goroutine from StasisStart to its end.
type call struct {
	r   *runner
	ctx context.Context
	id  string
	ch  *ari.ChannelHandle
	mb  *arievents.Mailbox

	keys      []byte    // type-ahead: keys received and not yet taken
	swallow   time.Time // a # arriving before then follows an entry that ended by its length: dropped
	seq       int       // playbacks started
	silences  int
	outcome   string
	service   byte // '1' status, '2' bill
	sawHangup bool
}

func (c *call) run() {
	began := time.Now()
	err := c.flow()
	switch {
	case err == nil, errors.Is(err, errFinished):
	case errors.Is(err, errGone):
		c.outcome = outHungUp
	case errors.Is(err, errStop):
		c.outcome = outStopped
		c.hangup()
	default:
		c.outcome = outError
		c.r.log.Warn("floor: call failed", zap.String("channel", c.id), zap.Error(err))
		c.hangup()
	}
	c.r.log.Debug("floor: call ended", zap.String("channel", c.id), zap.String("outcome", c.outcome),
		zap.Duration("duration", time.Since(began)))
}

// flow is the whole call: welcome, the main menu, identity, birth date, look-up, readout and the menu after it.
func (c *call) flow() error {
	if err := c.rest("answer", c.ch.Answer); err != nil {
		return err
	}
	// Play takes no language; Asterisk finds sounds in the channel's language directory (sounds/id/vika/...).
	if err := c.rest("set language", func() error { return c.ch.SetVariable("CHANNEL(language)", "id") }); err != nil {
		return err
	}
	if err := c.play(pWelcome); err != nil {
		return err
	}
	for {
		if err := c.mainMenu(); err != nil {
			return err
		}
		number, err := c.identity()
		if err != nil {
			return err
		}
		birth, err := c.birthDate()
		if err != nil {
			return err
		}
		readout, err := c.lookUp(number, birth)
		if err != nil {
			return err
		}
		if err := c.afterReadout(readout); err != nil {
			return err
		}
	}
}

// mainMenu returns once the caller chose 1 or 2 (c.service); 0 transfers (errFinished).
func (c *call) mainMenu() error {
	for {
		if err := c.play(pMainMenu); err != nil {
			return err
		}
		k, err := c.nextKey(time.Now().Add(menuTimeout))
		lead := pInvalidKey
		switch {
		case errors.Is(err, errTimeout):
			if lead, err = c.silence(); err != nil {
				return err
			}
		case err != nil:
			return err
		case k == '1' || k == '2':
			c.service = k
			return nil
		case k == '0':
			return c.transfer()
		}
		if err := c.play(lead); err != nil {
			return err
		}
	}
}

// identity asks for a NIK (16 digits) or card number (13) until one of those lengths is keyed.
func (c *call) identity() (string, error) {
	for {
		if err := c.play(pEnterID); err != nil {
			return "", err
		}
		d, err := c.digits(16)
		lead := pIDIncomplete
		switch {
		case errors.Is(err, errTimeout):
			if lead, err = c.silence(); err != nil {
				return "", err
			}
		case err != nil:
			return "", err
		case len(d) == 13 || len(d) == 16:
			return d, nil
		}
		if err := c.play(lead); err != nil {
			return "", err
		}
	}
}

// birthDate asks for DDMMYYYY; whatever was keyed goes to the compare.
func (c *call) birthDate() (string, error) {
	for {
		if err := c.play(pEnterBirthdate); err != nil {
			return "", err
		}
		d, err := c.digits(8)
		if !errors.Is(err, errTimeout) {
			return d, err
		}
		lead, err := c.silence()
		if err != nil {
			return "", err
		}
		if err := c.play(lead); err != nil {
			return "", err
		}
	}
}

// silence counts a question met with silence: no-input to say before asking again, or, past maxSilences, the end of
// the call (errFinished, hung up).
func (c *call) silence() (string, error) {
	c.silences++
	if c.silences > maxSilences {
		c.outcome = outSilent
		c.hangup()
		return "", errFinished
	}
	return pNoInput, nil
}

type lookupAnswer struct {
	birth  time.Time
	status int16
	err    error
}

const (
	queryByNIK  = `SELECT birth_date, status_code FROM participants WHERE nik = $1`
	queryByCard = `SELECT birth_date, status_code FROM participants WHERE card_number = $1`
)

// lookUp runs the point query while please-wait plays, and returns the prompt to say: the readout, or
// data-mismatch for an unknown number, a wrong birth date or a failed query.
func (c *call) lookUp(number, birth string) (string, error) {
	ctx, cancel := context.WithTimeout(c.ctx, lookupDeadline)
	defer cancel()
	done := make(chan lookupAnswer, 1)
	q := queryByNIK
	if len(number) == 13 {
		q = queryByCard
	}
	c.r.wg.Add(1)
	go func() {
		defer c.r.wg.Done()
		var a lookupAnswer
		a.err = c.r.db.QueryRow(ctx, q, number).Scan(&a.birth, &a.status)
		done <- a
	}()
	if err := c.play(pPleaseWait); err != nil {
		return "", err
	}
	var a lookupAnswer
	for got := false; !got; {
		select {
		case a = <-done:
			got = true
		case <-c.mb.Ready():
			if err := c.drain(); err != nil {
				return "", err
			}
		case <-c.ctx.Done():
			return "", errStop
		}
	}
	switch {
	case errors.Is(a.err, pgx.ErrNoRows):
		return pDataMismatch, nil
	case a.err != nil:
		c.r.log.Warn("floor: look-up failed", zap.String("channel", c.id), zap.Error(a.err))
		return pDataMismatch, nil
	case a.birth.Format("02012006") != birth:
		return pDataMismatch, nil
	case c.service == '2':
		return pBill, nil
	}
	if p, ok := statusPrompts[a.status]; ok {
		return p, nil
	}
	return pStatusIntro, nil
}

// afterReadout says the readout and the menu after it: 1 says the menu again, 9 returns (to the main menu), 0
// transfers, anything else or silence says goodbye and hangs up.
func (c *call) afterReadout(readout string) error {
	if err := c.play(readout); err != nil {
		return err
	}
	for {
		if err := c.play(pAfterReadout); err != nil {
			return err
		}
		k, err := c.nextKey(time.Now().Add(menuTimeout))
		switch {
		case err != nil && !errors.Is(err, errTimeout):
			return err
		case err == nil && k == '1':
			continue
		case err == nil && k == '9':
			return nil
		case err == nil && k == '0':
			return c.transfer()
		}
		c.outcome = outGoodbye
		if err := c.play(pGoodbye); err != nil {
			return err
		}
		c.hangup()
		return errFinished
	}
}

// transfer says transfer-agent and sends the channel to the agents' dialplan; the call is then done for the floor.
func (c *call) transfer() error {
	if err := c.play(pTransferAgent); err != nil {
		return err
	}
	a := c.r.opts.Agent
	if err := c.rest("continue", func() error { return c.ch.Continue(a.Context, a.Extension, a.Priority) }); err != nil {
		return err
	}
	c.outcome = outTransferred
	return errFinished
}

// play says one prompt, one Play. It is not started while a key waits (type-ahead skips it), and a key arriving
// while it plays stops it (barge-in: DELETE /playbacks/{id}); the key stays buffered for the next step.
func (c *call) play(id string) error {
	if err := c.drain(); err != nil {
		return err
	}
	if len(c.keys) > 0 {
		return nil
	}
	c.seq++
	pb := c.id + "-" + strconv.Itoa(c.seq)
	if err := c.rest("play", func() error { _, err := c.ch.Play(pb, "sound:vika/"+id); return err }); err != nil {
		return err
	}
	deadline := time.Now().Add(promptMax)
	for {
		if len(c.keys) > 0 {
			c.stop(pb)
			return nil
		}
		e, err := c.wait(deadline)
		switch {
		case errors.Is(err, errTimeout):
			c.stop(pb)
			return nil
		case err != nil:
			return err
		}
		if f, ok := e.(*ari.PlaybackFinished); ok && f.Playback.ID == pb {
			return nil
		}
	}
}

// stop stops a playback; a 404 (it finished meanwhile) is no matter, nor is any other failure.
func (c *call) stop(pb string) {
	key := c.ch.Key().New(ari.PlaybackKey, pb)
	_ = c.rest("stop playback", func() error { return c.r.client.Playback().Stop(key) })
}

// nextKey takes the oldest buffered key, waiting until deadline for one.
func (c *call) nextKey(deadline time.Time) (byte, error) {
	for len(c.keys) == 0 {
		if _, err := c.wait(deadline); err != nil {
			return 0, err
		}
	}
	k := c.keys[0]
	c.keys = c.keys[1:]
	return k, nil
}

// digits collects up to max digits, ended early by # or by interDigit without a key; * and letters are ignored.
// errTimeout means no key at all within firstDigit.
func (c *call) digits(max int) (string, error) {
	d := make([]byte, 0, max)
	deadline := time.Now().Add(firstDigit)
	for {
		k, err := c.nextKey(deadline)
		switch {
		case errors.Is(err, errTimeout) && len(d) > 0:
			return string(d), nil
		case err != nil:
			return "", err
		case k == '#':
			return string(d), nil
		case k < '0' || k > '9':
			continue
		}
		d = append(d, k)
		if len(d) == max {
			// A # out of habit after a complete entry must not answer (or cut) the next question.
			switch {
			case len(c.keys) == 0:
				c.swallow = time.Now().Add(interDigit)
			case c.keys[0] == '#':
				c.keys = c.keys[1:]
			}
			return string(d), nil
		}
		deadline = time.Now().Add(interDigit)
	}
}

// wait returns the next event of the call, errTimeout at deadline, errGone once the channel is gone and errStop
// when Run's context ends.
func (c *call) wait(deadline time.Time) (ari.Event, error) {
	for {
		if e := c.mb.Take(); e != nil {
			return e, c.observe(e)
		}
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-c.ctx.Done():
			t.Stop()
			return nil, errStop
		case <-t.C:
			return nil, errTimeout
		case <-c.mb.Ready():
			t.Stop()
		}
	}
}

// drain observes the events already queued, without waiting.
func (c *call) drain() error {
	for e := c.mb.Take(); e != nil; e = c.mb.Take() {
		if err := c.observe(e); err != nil {
			return err
		}
	}
	return nil
}

// observe buffers keys and notices the end of the channel.
func (c *call) observe(e ari.Event) error {
	switch v := e.(type) {
	case *ari.ChannelDtmfReceived:
		if v.Digit == "" {
			return nil
		}
		k := v.Digit[0]
		if k == '#' && time.Now().Before(c.swallow) {
			c.swallow = time.Time{}
			return nil
		}
		c.swallow = time.Time{}
		c.keys = append(c.keys, k)
	case *ari.StasisEnd, *ari.ChannelHangupRequest, *ari.ChannelDestroyed:
		c.sawHangup = true
		return errGone
	}
	return nil
}

// rest runs one ARI request within requestTimeout (the native client's requests carry no deadline of their own).
// A failure is usually the caller hanging up under the request: the events saying so are awaited briefly, so that
// the call ends as hung up rather than failed.
func (c *call) rest(what string, f func() error) error {
	done := make(chan error, 1)
	c.r.wg.Add(1)
	go func() {
		defer c.r.wg.Done()
		done <- f()
	}()
	t := time.NewTimer(requestTimeout)
	defer t.Stop()
	var err error
	select {
	case err = <-done:
	case <-t.C:
		err = errNoAnswer
	}
	if err == nil {
		return nil
	}
	if c.sawHangup {
		return errGone
	}
	deadline := time.Now().Add(goneGrace)
	for {
		if _, werr := c.wait(deadline); errors.Is(werr, errGone) || errors.Is(werr, errStop) {
			return werr
		} else if errors.Is(werr, errTimeout) {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// hangup ends the channel from this side; the call is over whatever the answer.
func (c *call) hangup() {
	if c.sawHangup {
		return
	}
	if err := c.rest("hang up", c.ch.Hangup); err != nil && !errors.Is(err, errGone) && !errors.Is(err, errStop) {
		c.r.log.Debug("floor: hang-up failed", zap.String("channel", c.id), zap.Error(err))
	}
}
