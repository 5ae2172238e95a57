package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/pgtemp"
)

type loadOptions struct {
	calls        int
	concurrency  int
	speed        float64
	participants int
	attachURL    string
	sipAddr      string // place the calls over SIP to this Asterisk (loadtest_sip.go)
	noApp        bool
	rate         float64 // new calls per second, Poisson arrivals (loadtest_arrivals.go); 0: as places free
	appMetrics   string  // an external vika serve's admin URL: its own cost (loadtest_app.go)
	jsonPath     string  // --json
}

func newLoadtestCmd(a *app) *cobra.Command {
	var o loadOptions
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Many concurrent simulated calls over real sockets; reports latency percentiles, calls/s and memory per call",
		Long: `Loadtest places --calls calls, --concurrency at a time, each a full key-1 or key-2 call: the greeting, a
menu choice, a 16-digit NIK, the birth date, the readout, a hang-up. By default everything runs in this process: a
throwaway PostgreSQL (or DATABASE_URL), the simulated Asterisk at --speed, and the app (the same code as vika serve).
--ari-url attaches to a running vika sim or Asterisk instead; add --no-app when a vika serve already takes its calls.

Latencies are measured by the caller from ARI events: answer = dial to the first prompt; key response = the line
receiving the last key of an entry to the next prompt starting; call = dial to hang-up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.sipDefaults(); err != nil {
				return err
			}
			if o.attachURL != "" && !cmd.Flags().Changed("speed") {
				o.speed = 1 // an attached vika sim or Asterisk runs in real time unless told otherwise
			}
			if o.calls < 1 || o.concurrency < 1 || o.speed <= 0 {
				return errors.New("--calls, --concurrency and --speed must be positive")
			}
			return runLoadtest(cmd.Context(), a, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.calls, "calls", 500, "calls to place")
	f.IntVar(&o.concurrency, "concurrency", 200, "calls in progress at once")
	f.Float64Var(&o.speed, "speed", 20, "simulated Asterisk speed (prompts and tones this many times faster than real time)")
	f.IntVar(&o.participants, "participants", 20000, "synthetic participants to seed")
	f.StringVar(&o.attachURL, "ari-url", "", "attach to a running ARI server (vika sim or Asterisk); credentials from ari.user/ari.password")
	f.StringVar(&o.appMetrics, "app-metrics", "", "admin URL of the vika serve taking the calls (e.g. http://127.0.0.1:9165): its CPU, heap, RSS and goroutines per call from its /metrics; fails on dropped call-log events or leaked goroutines")
	f.StringVar(&o.jsonPath, "json", "", "write the results as JSON to this file")
	f.Float64Var(&o.rate, "rate", 0, "new calls per second, arriving as a Poisson process (0: each call as soon as one of --concurrency ends)")
	f.BoolVar(&o.noApp, "no-app", false, "do not run the app here (a vika serve already handles the calls)")
	f.StringVar(&o.sipAddr, "sip", "", "place the calls over SIP to this Asterisk (HOST:PORT of its PJSIP transport), which runs VIKA's dialplan; needs --ari-url of the same Asterisk for the app")
	return cmd
}

func runLoadtest(ctx context.Context, a *app, o loadOptions, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if a.cfg.Database.URL == "" && !o.noApp {
		pg, err := pgtemp.Start(ctx)
		if err != nil {
			return err
		}
		defer pg.Stop()
		a.cfg.Database.URL = pg.URL
	}
	logQuiet(a)
	samples, err := loadSamples(ctx, a, o)
	if err != nil {
		return err
	}
	if o.attachURL == "" {
		a.speed = o.speed
	}
	ac, stopSim, err := demoARI(a, demoOptions{speed: o.speed, attachURL: o.attachURL}, io.Discard)
	if err != nil {
		return err
	}
	defer stopSim()
	served := make(chan error, 1)
	if o.noApp {
		served = nil
	} else {
		go func() { served <- runServe(ctx, a, ac, 10*time.Second) }()
	}
	ph, err := connectPhone(ctx, ac, served)
	if err != nil {
		return err
	}
	defer ph.Close()

	dial := func(ctx context.Context, number, caller string) (loadCall, error) {
		c, err := ph.Dial(ctx, number, caller)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if o.sipAddr != "" {
		dial = sipDialer(o.sipAddr)
	}
	var watch *appWatch
	if o.appMetrics != "" {
		w, stop, err := startAppWatch(ctx, o.appMetrics)
		if err != nil {
			return err
		}
		defer stop()
		watch = w
	}
	res := runCalls(ctx, dial, o, samples)
	res.report(out, o)
	var cost *appCost
	if watch != nil {
		c := watch.finish(ctx, 3*time.Second)
		c.report(out)
		cost = &c
	}
	if o.jsonPath != "" {
		if err := writeLoadJSON(o.jsonPath, res, cost); err != nil {
			return err
		}
	}
	reportPromptFailures(out, a.metrics)
	if !o.noApp {
		ariStats.snapshot().report(out, o.calls)
	}
	cancel()
	if served != nil {
		flushStart := time.Now()
		<-served
		reportCallLog(out, a.callLog, time.Since(flushStart))
	}
	if res.failed.Load() > 0 {
		return fmt.Errorf("%d of %d calls failed (first: %v)", res.failed.Load(), o.calls, res.firstErr)
	}
	return cost.check()
}

func loadSamples(ctx context.Context, a *app, o loadOptions) ([]store.Sample, error) {
	// With --no-app the callers' identities come from seeding the database the serving app reads (database.url):
	// the seed is deterministic, so both see the same participants.
	if err := a.need(NeedDatabase); err != nil {
		return nil, err
	}
	st, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	rep, err := store.Seed(ctx, st.Pool(), store.SeedOptions{Participants: o.participants, Seed: 1})
	if err != nil {
		return nil, err
	}
	return rep.Samples, nil
}

type loadResults struct {
	mu                    sync.Mutex
	answer, keyResp, call []time.Duration
	ok, failed            atomic.Int64
	firstErr              error
	elapsed               time.Duration
	peakGoroutines        int
	heapBefore, heapPeak  uint64
}

// loadCall is one caller's call, over ARI (phone.Call) or SIP (sipphone.Call).
type loadCall interface {
	WaitPrompt(ctx context.Context, id string) (phone.Heard, error)
	Press(ctx context.Context, keys string, opts ...phone.PressOption) error
	Hangup(ctx context.Context) error
	Transcript() phone.Transcript
}

type loadDialer func(ctx context.Context, number, caller string) (loadCall, error)

func runCalls(ctx context.Context, dial loadDialer, o loadOptions, samples []store.Sample) *loadResults {
	r := &loadResults{}
	r.heapBefore = heapInUse()
	sem := make(chan struct{}, o.concurrency)
	var wg sync.WaitGroup
	stopSampling := r.sampleMemory()
	start := time.Now()
	pace := newPacer(o.rate)
	for i := 0; i < o.calls && pace.wait(ctx); i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.add(oneLoadCall(ctx, dial, i, samples[i%len(samples)], o.speed))
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	stopSampling()
	return r
}

// oneLoadCall is a complete caller: greeting, a service, NIK, birth date, readout, hang-up.
func oneLoadCall(ctx context.Context, dial loadDialer, i int, s store.Sample, speed float64) (phone.Transcript, error) {
	entry, service := []string{"165", "021165"}[i%2], []string{"1", "2"}[i/2%2]
	ctx, cancel := context.WithTimeout(ctx, time.Duration(float64(3*time.Minute)/speed)+10*time.Second)
	defer cancel()
	call, err := dial(ctx, entry, fmt.Sprintf("0812%08d", i))
	if err != nil {
		return phone.Transcript{}, err
	}
	steps := []struct{ wait, keys string }{
		{"main-menu", service}, {"enter-id", s.NIK}, {"enter-birthdate", s.BirthDate.Format("02012006")}, {"after-readout-menu", ""},
	}
	for _, st := range steps {
		if _, err := call.WaitPrompt(ctx, st.wait); err != nil {
			_ = call.Hangup(context.Background())
			return call.Transcript(), fmt.Errorf("waiting for %s: %w", st.wait, err)
		}
		if st.keys != "" {
			if err := call.Press(ctx, st.keys, phone.NoWait()); err != nil {
				return call.Transcript(), err
			}
		}
	}
	err = call.Hangup(ctx)
	return call.Transcript(), err
}

func (r *loadResults) add(t phone.Transcript, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failed.Add(1)
		if r.firstErr == nil {
			r.firstErr = err
		}
		return
	}
	r.ok.Add(1)
	if len(t.Heard) > 0 {
		r.answer = append(r.answer, t.Heard[0].Start.Sub(t.Dialled))
	}
	r.call = append(r.call, t.Ended.Sub(t.Dialled))
	r.keyResp = append(r.keyResp, keyResponses(t)...)
}

// keyResponses are, for each run of keys, the time from the line receiving its last key to the next prompt.
func keyResponses(t phone.Transcript) []time.Duration {
	var out []time.Duration
	for i, k := range t.Keys {
		if k.Received.IsZero() || (i+1 < len(t.Keys) && !t.Keys[i+1].Received.IsZero() && t.Keys[i+1].Received.Sub(k.Received) < time.Second) {
			continue // not the last key of its run
		}
		for _, h := range t.Heard {
			if h.Start.After(k.Received) {
				out = append(out, h.Start.Sub(k.Received))
				break
			}
		}
	}
	return out
}

func (r *loadResults) sampleMemory() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				r.mu.Lock()
				r.peakGoroutines = max(r.peakGoroutines, runtime.NumGoroutine())
				r.heapPeak = max(r.heapPeak, heapInUse())
				r.mu.Unlock()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func (r *loadResults) report(w io.Writer, o loadOptions) {
	fmt.Fprintf(w, "calls: %d ok, %d failed, in %s (%.1f calls/s), %d at once, %s\n",
		r.ok.Load(), r.failed.Load(), r.elapsed.Round(time.Millisecond), float64(r.ok.Load())/r.elapsed.Seconds(), o.concurrency, o.transport())
	fmt.Fprintf(w, "%-14s %8s %8s %8s %8s %6s\n", "latency", "p50", "p95", "p99", "max", "n")
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{{"answer", r.answer}, {"key response", r.keyResp}, {"whole call", r.call}} {
		fmt.Fprintf(w, "%-14s %8s %8s %8s %8s %6d\n", row.name, pct(row.d, 50), pct(row.d, 95), pct(row.d, 99), pct(row.d, 100), len(row.d))
	}
	perCall := float64(0)
	if r.heapPeak > r.heapBefore {
		perCall = float64(r.heapPeak-r.heapBefore) / float64(o.concurrency) / 1024
	}
	fmt.Fprintf(w, "memory: peak heap %.1f MiB (+%.1f KiB per concurrent call, %s in one process), peak goroutines %d\n",
		float64(r.heapPeak)/(1<<20), perCall, o.inProcess(), r.peakGoroutines)
}

// reportCallLog says what became of the call-log events once serve has flushed them: every event recorded must be
// written (or, with the database away, wait in the spool); a dropped event is a gap in some call's timeline.
func reportCallLog(w io.Writer, cl *store.CallLog, flush time.Duration) {
	if cl == nil {
		return
	}
	s := cl.Stats()
	fmt.Fprintf(w, "call log: %d events recorded, %d written, %d spooled, %d dropped; peak queue %d; shutdown flush %s\n",
		s.Recorded, s.Written, s.Spilled, s.Dropped, s.PeakQueued, flush.Round(time.Millisecond))
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	i = min(max(i-1, 0), len(s)-1)
	return s[i].Round(100 * time.Microsecond).String()
}
