package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
)

// Options say how many callers come, how, and how fast the line plays.
type Options struct {
	Calls       int           // calls to place; 0 with Duration: as many as arrive in Duration
	Concurrency int           // calls in progress at most
	Rate        float64       // new calls per second, Poisson arrivals; 0: each as soon as a place frees
	Duration    time.Duration // stop placing new calls after this; 0: after Calls
	Speed       float64       // the simulated Asterisk's speed: callers' pauses and deadlines shrink with it
	Mix         Mix           // the callers; zero: DefaultMix
	Seed        uint64        // the same seed places the same callers in the same order
}

// wrongTurns are prompts no scenario waits for and that say the call went wrong for the caller: hearing one
// fails the call at once, with its name as the reason, rather than after the call's deadline.
var wrongTurns = map[string]bool{
	"system-busy": true, "data-mismatch": true, "nik-invalid": true, "id-incomplete": true, "birthdate-invalid": true,
	"service-unavailable": true, "too-many-tries": true, "lookup-limit": true, "caller-limited": true,
	"agents-busy": true, "no-input": true, "goodbye": true,
}

// Run places the calls and waits for all of them.
func Run(ctx context.Context, dial Dialer, ids []Identity, o Options) (*Results, error) {
	if len(ids) == 0 {
		return nil, errors.New("no participants to call as")
	}
	if o.Concurrency < 1 || o.Speed <= 0 || (o.Calls < 1 && o.Duration <= 0) {
		return nil, errors.New("loadtest: concurrency and speed must be positive, and calls or duration set")
	}
	if o.Mix.total == 0 {
		m, err := ParseMix(DefaultMix)
		if err != nil {
			return nil, err
		}
		o.Mix = m
	}
	r := newResults()
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	// placing ends new arrivals (Duration); the calls already placed run on under ctx.
	placing, stopPlacing := ctx, context.CancelFunc(func() {})
	if o.Duration > 0 {
		placing, stopPlacing = context.WithTimeout(ctx, o.Duration)
	}
	defer stopPlacing()
	pace := newPacer(o.Rate, o.Seed)
	for i := 0; (o.Calls < 1 || i < o.Calls) && pace.wait(placing); i++ {
		select {
		case sem <- struct{}{}:
		case <-placing.Done():
		}
		if placing.Err() != nil {
			break
		}
		wg.Add(1)
		r.started.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.add(oneCall(ctx, dial, i, ids, o))
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	return r, nil
}

// outcome is one call's end, as the caller saw it.
type outcome struct {
	scenario string
	t        phone.Transcript
	err      error // nil: the caller did what it came for
	tool     bool  // err is the load tool's (or the simulator's) trouble, not the app's
}

// oneCall is one caller from the mix: dial, the scenario's steps, hang up.
func oneCall(ctx context.Context, dial Dialer, i int, ids []Identity, o Options) (out outcome) {
	rng := newRand(o.Seed, uint64(i))
	name := o.Mix.pick(rng)
	id := ids[rng.IntN(len(ids))]
	entry := []string{"165", "021165"}[i%2]
	out.scenario = name
	ctx, cancel := context.WithTimeout(ctx, time.Duration(float64(3*time.Minute)/o.Speed)+10*time.Second)
	defer cancel()
	call, err := dial(ctx, entry, fmt.Sprintf("0812%08d", i))
	if err != nil {
		out.err, out.tool = fmt.Errorf("dial: %w", err), true
		return out
	}
	defer func() { out.t = call.Transcript() }()
	for _, st := range scenarios[name](id) {
		if st.wait != "" {
			if err := waitFor(ctx, call, st.wait); err != nil {
				_ = call.Hangup(context.Background())
				out.err, out.tool = classify(call.Transcript(), st.wait, err)
				return out
			}
		}
		if st.hangup {
			sleep(ctx, scaled(time.Second, o.Speed)) // into the prompt
			break
		}
		if st.keys != "" {
			if rng.IntN(2) == 0 { // half the callers think before they press
				sleep(ctx, scaled(time.Duration(500+rng.IntN(2000))*time.Millisecond, o.Speed))
			}
			if err := call.Press(ctx, st.keys, phone.NoWait()); err != nil {
				_ = call.Hangup(context.Background())
				out.err, out.tool = classify(call.Transcript(), "pressing "+st.keys[:1]+"…", err)
				return out
			}
		}
	}
	if err := call.Hangup(ctx); err != nil && call.Transcript().Ended.IsZero() {
		out.err, out.tool = fmt.Errorf("hanging up: %w", err), true
	}
	return out
}

// waitFor waits for prompt id to start, failing at once on a prompt that says the call went wrong.
func waitFor(ctx context.Context, call Call, id string) error {
	for {
		h, err := call.WaitAnyPrompt(ctx)
		if err != nil {
			return err
		}
		switch {
		case h.PromptID == id:
			return nil
		case wrongTurns[h.PromptID]:
			return wrongTurn(h.PromptID)
		}
	}
}

// wrongTurn is a prompt the caller should not have heard.
type wrongTurn string

func (w wrongTurn) Error() string { return "heard " + string(w) }

// classify says why a call failed, and whose trouble it was: a prompt that never came or a call the app ended is
// the app's; a line the phone or the simulator lost, or a request the tool could not send, is the tool's.
func classify(t phone.Transcript, waiting string, err error) (error, bool) {
	var wt wrongTurn
	switch {
	case errors.As(err, &wt):
		return fmt.Errorf("%s while waiting for %s", wt, waiting), false
	case !t.Ended.IsZero() && (t.Hangup.By == phone.ByApp || t.Hangup.By == phone.ByDialplan):
		return fmt.Errorf("the app ended the call before %s", waiting), false
	case !t.Ended.IsZero() && t.Hangup.By != phone.ByCaller:
		return fmt.Errorf("line lost (%s) before %s", t.Hangup.By, waiting), true
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no %s in time", waiting), false
	default:
		return fmt.Errorf("%s: %w", waiting, err), true
	}
}

func scaled(d time.Duration, speed float64) time.Duration { return time.Duration(float64(d) / speed) }

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// pacer spaces the calls' arrivals as a Poisson process of rate calls per second (exponential gaps, seeded so that
// runs compare): how calls reach a line, and what lets a real Asterisk, which sets up each channel in turn, be
// measured at a stated rate rather than with every caller dialling in the same instant. Rate 0 sends each call as
// soon as a place among the concurrency frees.
type pacer struct {
	rate float64
	rng  *rand.Rand
	next time.Time
}

func newPacer(rate float64, seed uint64) *pacer {
	return &pacer{rate: rate, rng: rand.New(rand.NewPCG(seed, 18)), next: time.Now()}
}

// wait blocks until the next arrival is due; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if p.rate <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(time.Until(p.next))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	p.next = p.next.Add(time.Duration(p.rng.ExpFloat64() / p.rate * float64(time.Second)))
	return true
}
