package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vika-jkn/vika/loadtest"
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
	rate         float64 // new calls per second, Poisson arrivals; 0: as places free
	duration     time.Duration
	mix          string
	seed         uint64
	floor        bool   // first the same callers against the floor (loadtest_floor.go)
	appMetrics   string // an external vika serve's admin URL: its own cost (package loadtest, AppWatch)
	jsonPath     string // --json
	histogram    string // --histogram: key responses as a PNG
}

func newLoadtestCmd(a *app) *cobra.Command {
	var o loadOptions
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Many concurrent callers over real sockets; reports latency percentiles against the floor, failures by reason, the app's cost per call",
		Long: `Loadtest places calls from a realistic mix of callers (--mix): key 1 and key 2 by NIK and by card number, a
wrong key first, everything keyed ahead, hang-ups in the middle of a prompt, agent requests; half of them pause
before they press. They arrive --concurrency at a time, or as a Poisson process at --rate a second, for --calls
calls or for --duration.

By default everything runs in this process: a throwaway PostgreSQL (or DATABASE_URL), the simulated Asterisk at
--speed, and the app (the same code as vika serve). --ari-url attaches to a running vika sim or Asterisk instead,
in real time; add --no-app when a vika serve already takes its calls, and --app-metrics with its admin URL to read
what it spent per call (CPU, heap, RSS, goroutines, ARI requests, database round trips) from its /metrics.

--floor first runs the same callers against the floor: a minimal Stasis app (answer, play, stop on a key, the
next prompt, one point query), dialled through asterisk-conf's [vika-floor] context on the same Asterisk and
database, so that every latency is also given as a ratio to it.

Latencies are what the callers see: answer = dial to the first prompt; key response = the line receiving the
last key of an entry to the next prompt starting; call = dial to hang-up. A call fails when its caller does not
get what it came for; the load tool's own errors (its phone, the simulator) are counted apart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.sipDefaults(); err != nil {
				return err
			}
			if o.attachURL != "" && !cmd.Flags().Changed("speed") {
				o.speed = 1 // an attached vika sim or Asterisk runs in real time unless told otherwise
			}
			if o.duration > 0 && !cmd.Flags().Changed("calls") {
				o.calls = 0 // as many as arrive
			}
			if (o.calls < 1 && o.duration <= 0) || o.concurrency < 1 || o.speed <= 0 || o.participants < 0 {
				return errors.New("--calls (or --duration), --concurrency and --speed must be positive, --participants at least 0")
			}
			if o.floor && o.sipAddr != "" {
				return errors.New("--floor places its calls over ARI (asterisk-conf's [vika-floor] context), not with --sip")
			}
			return runLoadtest(cmd.Context(), a, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.calls, "calls", 500, "calls to place (with --duration: at most this many)")
	f.IntVar(&o.concurrency, "concurrency", 200, "calls in progress at once")
	f.Float64Var(&o.speed, "speed", 20, "simulated Asterisk speed (prompts and tones this many times faster than real time); 1 with --ari-url")
	f.IntVar(&o.participants, "participants", 20000, "synthetic participants to seed; 0: seed nothing, the callers are participants sampled from the database as it is")
	f.StringVar(&o.attachURL, "ari-url", "", "attach to a running ARI server (vika sim or Asterisk); credentials from ari.user/ari.password")
	f.StringVar(&o.appMetrics, "app-metrics", "", "admin URL of the vika serve taking the calls (e.g. http://127.0.0.1:9165): its CPU, heap, RSS, goroutines, ARI requests and database round trips per call from its /metrics; fails on dropped call-log events or leaked goroutines")
	f.StringVar(&o.jsonPath, "json", "", "write the results as JSON to this file")
	f.StringVar(&o.histogram, "histogram", "", "draw the key responses (and the floor's) as a PNG histogram in this file")
	f.Float64Var(&o.rate, "rate", 0, "new calls per second, arriving as a Poisson process (0: each call as soon as one of --concurrency ends)")
	f.DurationVar(&o.duration, "duration", 0, "place new calls for this long (e.g. 10s with --rate 300: a burst after an outage)")
	f.StringVar(&o.mix, "mix", loadtest.DefaultMix, "the callers, as scenario=weight,...: "+strings.Join(loadtest.ScenarioNames(), ", "))
	f.Uint64Var(&o.seed, "seed", 1, "the same seed places the same callers in the same order")
	f.BoolVar(&o.floor, "floor", false, "first run the same callers against the floor (a minimal Stasis app) and report every latency's ratio to it")
	f.BoolVar(&o.noApp, "no-app", false, "do not run the app here (a vika serve already handles the calls)")
	f.StringVar(&o.sipAddr, "sip", "", "place the calls over SIP to this Asterisk (HOST:PORT of its PJSIP transport), which runs VIKA's dialplan; needs --ari-url of the same Asterisk for the app")
	return cmd
}

func runLoadtest(ctx context.Context, a *app, o loadOptions, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mix, err := loadtest.ParseMix(o.mix)
	if err != nil {
		return fmt.Errorf("--mix: %w", err)
	}
	if a.cfg.Database.URL == "" && !o.noApp {
		pg, err := pgtemp.Start(ctx)
		if err != nil {
			return err
		}
		defer pg.Stop()
		a.cfg.Database.URL = pg.URL
	}
	logQuiet(a)
	ids, err := loadIdentities(ctx, a, o)
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
	run := loadtest.Options{Calls: o.calls, Concurrency: o.concurrency, Rate: o.rate, Duration: o.duration,
		Speed: o.speed, Mix: mix, Seed: o.seed}

	var floorDoc *loadtest.Document
	var floorRes *loadtest.Results
	if o.floor {
		floorRes, err = runFloor(ctx, a, ac, o, run, ids) // loadtest_floor.go
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		fmt.Fprintln(out, "floor (a minimal Stasis app, the same callers, the same Asterisk and database):")
		floorRes.Report(out, o.transport())
		floorDoc = floorRes.Doc(nil)
		fmt.Fprintln(out)
	}

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
	dial := loadtest.Dialer(func(ctx context.Context, number, caller string) (loadtest.Call, error) {
		c, err := ph.Dial(ctx, number, caller)
		if err != nil {
			return nil, err
		}
		return c, nil
	})
	if o.sipAddr != "" {
		dial = sipDialer(o.sipAddr)
	}
	var watch *loadtest.AppWatch
	if o.appMetrics != "" {
		w, stop, err := loadtest.StartAppWatch(ctx, o.appMetrics)
		if err != nil {
			return err
		}
		defer stop()
		watch = w
	}
	ariBefore := ariStats.snapshot() // the floor's requests, when it ran here, are not the app's
	cpuBefore := ownCPU()
	mem := sampleMemory()
	res, err := loadtest.Run(ctx, dial, ids, run)
	peak := mem.stop()
	if err != nil {
		return err
	}
	if o.floor {
		fmt.Fprintln(out, "the app:")
	}
	res.Report(out, o.transport())
	peak.report(out, o)
	var cost *loadtest.AppCost
	if watch != nil {
		c := watch.Finish(ctx, 3*time.Second)
		c.Report(out)
		cost = &c
	}
	doc := res.Doc(cost)
	doc.ToolCPUSeconds = (ownCPU() - cpuBefore).Seconds()
	fmt.Fprintf(out, "this process (%s): %.1f CPU-s during the calls\n", o.inProcess(), doc.ToolCPUSeconds)
	if floorDoc != nil {
		doc.CompareWith(floorDoc)
		reportRatios(out, doc)
	}
	doc.Options = map[string]any{"calls": o.calls, "concurrency": o.concurrency, "rate": o.rate, "duration_s": o.duration.Seconds(),
		"speed": o.speed, "mix": mix.String(), "seed": o.seed, "transport": o.transport()}
	if o.jsonPath != "" {
		if err := doc.Write(o.jsonPath); err != nil {
			return err
		}
	}
	if o.histogram != "" {
		series := []loadtest.Series{{Name: "vika", D: res.KeyResponse}}
		if floorRes != nil {
			series = append(series, loadtest.Series{Name: "floor", D: floorRes.KeyResponse})
		}
		title := fmt.Sprintf("key response, %d calls, %d at once, %s", res.Started(), o.concurrency, o.transport())
		if err := loadtest.WriteHistogram(o.histogram, title, series...); err != nil {
			return fmt.Errorf("--histogram: %w", err)
		}
	}
	reportPromptFailures(out, a.metrics)
	if !o.noApp {
		ariStats.snapshot().minus(ariBefore).report(out, res.Started())
	}
	cancel()
	if served != nil {
		flushStart := time.Now()
		<-served
		reportCallLog(out, a.callLog, time.Since(flushStart))
	}
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d calls failed (first: %v)", res.Failed, res.Started(), res.FirstFailure)
	}
	if res.ToolErrors > 0 {
		return fmt.Errorf("the load tool failed %d of %d calls itself (first: %v): the figures are not the app's alone", res.ToolErrors, res.Started(), res.FirstTool)
	}
	return cost.Check()
}

// reportRatios says how far the app is from the floor.
func reportRatios(w io.Writer, d *loadtest.Document) {
	var parts []string
	for _, k := range []string{"key_response_p50", "key_response_p90", "key_response_p99", "answer_p50", "answer_p99"} {
		if v, ok := d.RatioToFloor[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %.2f×", strings.ReplaceAll(k, "_", " "), v))
		}
	}
	fmt.Fprintf(w, "against the floor: %s\n", strings.Join(parts, ", "))
}

// loadIdentities seeds --participants synthetic participants (deterministic, so an app reading the same database
// sees the same ones), or with 0 leaves the database as it is; then the callers are participants sampled from it.
func loadIdentities(ctx context.Context, a *app, o loadOptions) ([]loadtest.Identity, error) {
	if err := a.need(NeedDatabase); err != nil {
		return nil, err
	}
	st, err := openMigrated(ctx, a.cfg.Database)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	n := 20000
	if o.participants > 0 {
		if _, err := store.Seed(ctx, st.Pool(), store.SeedOptions{Participants: o.participants, Seed: 1}); err != nil {
			return nil, err
		}
		n = min(n, o.participants)
	}
	samples, err := store.SampleParticipants(ctx, st.Pool(), n)
	if errors.Is(err, store.ErrNoParticipants) {
		return nil, errors.New("the database has no participants to call as: seed it (vika seed) or give --participants N")
	}
	if err != nil {
		return nil, err
	}
	ids := make([]loadtest.Identity, len(samples))
	for i, s := range samples {
		ids[i] = loadtest.Identity{NIK: s.NIK, Card: s.Card, BirthDate: s.BirthDate}
	}
	return ids, nil
}

// memSampler follows this process's heap and goroutines during the calls: with the app in this process (not
// --no-app), the heap per call in progress.
type memSampler struct {
	done           chan struct{}
	wg             sync.WaitGroup
	before, peak   uint64
	peakGoroutines int
}

func sampleMemory() *memSampler {
	m := &memSampler{done: make(chan struct{}), before: heapInUse()}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.done:
				return
			case <-tick.C:
				m.peakGoroutines = max(m.peakGoroutines, runtime.NumGoroutine())
				m.peak = max(m.peak, heapInUse())
			}
		}
	}()
	return m
}

func (m *memSampler) stop() *memSampler { close(m.done); m.wg.Wait(); return m }

func (m *memSampler) report(w io.Writer, o loadOptions) {
	perCall := float64(0)
	if m.peak > m.before {
		perCall = float64(m.peak-m.before) / float64(o.concurrency) / 1024
	}
	fmt.Fprintf(w, "this process: peak heap %.1f MiB (+%.1f KiB per concurrent call, %s), peak goroutines %d\n",
		float64(m.peak)/(1<<20), perCall, o.inProcess(), m.peakGoroutines)
}

// ownCPU is the CPU time this process has used (user + system).
func ownCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
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
