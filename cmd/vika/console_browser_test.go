package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// chromiumPath finds Debian's chromium; without it the browser test skips with one line, unless CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium is not installed: the console's browser test needs it (apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) Sync() error    { return nil }
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// responses records every response the browser receives (headers and bodies) to search them for identities.
type responses struct {
	mu    sync.Mutex
	ids   []network.RequestID
	texts []string
}

func (r *responses) listener() func(ev any) {
	return func(ev any) {
		r.mu.Lock()
		defer r.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventResponseReceived:
			r.texts = append(r.texts, e.Response.URL+" "+fmt.Sprint(e.Response.Headers))
			if !strings.HasSuffix(e.Response.URL, ".wav") && !strings.Contains(e.Response.URL, "/live/events") {
				r.ids = append(r.ids, e.RequestID)
			}
		case *network.EventEventSourceMessageReceived:
			r.texts = append(r.texts, e.Data)
		}
	}
}

// collect fetches the bodies of the responses seen so far, while the page that loaded them is still open.
func (r *responses) collect(ctx context.Context) {
	r.mu.Lock()
	ids := r.ids
	r.ids = nil
	r.mu.Unlock()
	for _, id := range ids {
		res, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (network.GetResponseBodyResult, error) {
			return cdp.Call(ctx, t, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
		})
		if err == nil {
			r.mu.Lock()
			r.texts = append(r.texts, string(res.Body))
			r.mu.Unlock()
		}
	}
}

// A supervisor signs in, watches a call placed through the simulated Asterisk appear on the Live page while it is in
// progress, finds it by the NIK the caller keyed in, opens it, sees its steps, plays it (the audio's duration is
// the call's), looks at the overview and the audit, and signs out; nothing the browser received, nothing logged and
// nothing audited holds the caller's NIK, card number, birth date or phone number.
func TestASupervisorFindsACallByNIKInTheBrowserAndHearsIt(t *testing.T) {
	chrome := chromiumPath(t)
	dbURL := storetest.NewEmptyDB(t)
	sample := seededSample(t, dbURL, 1200)
	a := testApp(t, dbURL)
	var logs syncBuffer
	a.log = zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), &logs, zap.DebugLevel))
	a.cfg.Console.Addr = "127.0.0.1:0"
	_, ac := startSim(t, soundsWithout(t))
	a.speed = 20
	const caller = "081311112222"
	birth := sample.BirthDate.Format("02012006")

	ctx, ph, stopServe := serveWithPhone(t, a, ac)
	defer stopServe()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := setUser(ctx, st, "ana", "admin", "ana's long password"); err != nil {
		t.Fatal(err)
	}
	base, stopConsole, err := startConsole(ctx, a, st)
	if err != nil {
		t.Fatal(err)
	}
	defer stopConsole()
	base = strings.TrimSuffix(base, "/")

	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1366, 768))
	defer cancelAlloc()
	var seen responses
	browser, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithListener(seen.listener()))
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil { // starts the browser, on a context without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	browser, cancelTimeout := context.WithTimeout(browser, 90*time.Second)
	defer cancelTimeout()
	shots := screenshotDir(t)
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, t)
			if err != nil {
				return err
			}
			// Every page fits the 1366×768 laptop screen's width: nothing to scroll sideways for.
			wide, err := chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`)(ctx, t)
			if err != nil {
				return err
			}
			if wide > 0 {
				return fmt.Errorf("the %s page is %dpx wider than the 1366px window", name, wide)
			}
			seen.collect(ctx)
			return os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644)
		})
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		start := time.Now()
		if err := chromedp.Do(browser, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s: %s", what, time.Since(start).Round(time.Millisecond))
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	run("sign in", chromedp.Navigate(base+"/calls"),
		chromedp.WaitVisible(css(`input[name=name]`)), shot("signin"),
		chromedp.SendKeys(css(`input[name=name]`), "ana"), chromedp.SendKeys(css(`input[name=password]`), "ana's long password"),
		chromedp.Submit(css(`input[name=password]`)),
		chromedp.WaitVisible(css(`form.filters`)))

	// By keyboard alone: the first Tab reaches the skip link, shown where it can be seen, and Enter moves focus to
	// the page's content.
	run("skip to content by keyboard", chromedp.KeyEvent("\t"))
	skip, err := chromedp.Run(browser, chromedp.Evaluate[string](
		`(() => { const a = document.activeElement, r = a.getBoundingClientRect(); return a.className + (r.left >= 0 && r.top >= 0 ? " visible" : " hidden") })()`))
	if err != nil || skip != "skip visible" {
		t.Errorf("the first Tab focuses %q (%v), want the skip link, visible", skip, err)
	}
	run("follow the skip link", chromedp.KeyEvent("\r"))
	if focused, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || focused != "main" {
		t.Errorf("after the skip link, focus is on %q (%v), want main", focused, err)
	}

	run("open Live", chromedp.Navigate(base+"/live"), chromedp.WaitVisible(css(`#live`)))
	// The call's steps get a deadline of their own, so a lost prompt fails here with the transcript, not at the
	// browser's deadline.
	callCtx, cancelCall := context.WithTimeout(ctx, 30*time.Second)
	defer cancelCall()
	call, err := ph.Dial(callCtx, "021165", caller)
	if err == nil {
		_, err = call.WaitPrompt(callCtx, "main-menu")
	}
	if err != nil {
		t.Fatalf("the call: %v", err)
	}
	// Only the page's script, fed by the event stream, makes rows with data-call.
	run("see the call on Live", chromedp.WaitVisible(css(`#live tr[data-call]`)), shot("live"))
	// While the menu plays, the page names the stage, not only the prompt.
	if _, err := chromedp.Run(browser, chromedp.Poll[bool](`document.querySelector("#live tr[data-call] strong")?.textContent === "menu"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		stage, _ := chromedp.Run(browser, chromedp.Text(css(`#live tr[data-call]`)))
		t.Errorf("the Live row does not say the call is at the menu: %q (%v)", stage, err)
	}

	for _, step := range []struct{ wait, keys string }{
		{"", "1"}, {"enter-id", sample.NIK + "#"}, {"enter-birthdate", birth}, {"after-readout-menu", ""},
	} {
		if err == nil && step.wait != "" {
			_, err = call.WaitPrompt(callCtx, step.wait)
		}
		if err == nil && step.keys != "" {
			err = call.Press(callCtx, step.keys)
		}
	}
	if err == nil {
		err = call.Hangup(callCtx)
	}
	if err != nil {
		t.Fatalf("the call: %v\n%s", err, call.Transcript())
	}
	ended := waitCallEnded(t, ctx, st)

	link := css(`a[href="/calls/` + ended.ID + `"]`)
	run("find the call by NIK and open it",
		chromedp.Navigate(base+"/calls"), chromedp.WaitVisible(css(`input[name=number]`)),
		chromedp.SendKeys(css(`input[name=number]`), sample.NIK), chromedp.Submit(css(`input[name=number]`)),
		// The unfiltered list already shows the call: wait for the filtered page's chip, or the page may be
		// replaced by the search's answer while it is looked at.
		chromedp.WaitVisible(css(`a[aria-label="Remove the number filter"]`)),
		chromedp.WaitVisible(link), shot("calls"),
		chromedp.Click(link), chromedp.WaitVisible(css(`table.timeline`)))
	steps, err := chromedp.Run(browser, chromedp.Text(css(`table.timeline`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"main-menu", "enter-id", "found", "status-intro", "hung up by caller"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the call's timeline lacks %q:\n%s", want, steps)
		}
	}
	run("play the audio", chromedp.Evaluate[chromedp.Void](`document.getElementById("replay").play().catch(() => null)`, chromedp.EvalAwaitPromise))
	duration, err := chromedp.Run(browser, chromedp.Poll[float64](`(() => { const a = document.getElementById("replay"); return a.readyState >= 1 && isFinite(a.duration) && a.currentTime > 0 ? a.duration : 0 })()`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		t.Fatalf("the audio did not play: %v", err)
	}
	run("screenshot the call", shot("call"))
	span := ended.EndedAt.Sub(ended.StartedAt).Seconds()
	if math.Abs(duration-span) > 1 {
		t.Errorf("the audio lasts %.2fs; the call lasted %.2fs", duration, span)
	}

	run("overview", chromedp.Navigate(base+"/overview"), chromedp.WaitVisible(css(`.figures`)), shot("overview"),
		chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(css(`form.filters`)), shot("users"),
		chromedp.Navigate(base+"/admin/audit"), chromedp.WaitVisible(css(`table.audit`)), shot("audit"))

	run("sign out", chromedp.Click(css(`form.signout button`)), chromedp.WaitVisible(css(`input[name=password]`)),
		chromedp.Navigate(base+"/calls"), chromedp.WaitVisible(css(`input[name=password]`)))
	after, _ := chromedp.Run(browser, chromedp.Location())
	if !strings.Contains(after, "/signin") {
		t.Errorf("after sign-out /calls went to %s", after)
	}
	seen.collect(browser)

	audit, err := st.AuditEntries(ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	var auditText strings.Builder
	for _, e := range audit {
		actions[e.Action] = true
		fmt.Fprintln(&auditText, e.User, e.Remote, e.Action, e.Detail)
	}
	for _, want := range []string{store.AuditSignIn, store.AuditSearch, store.AuditCallView, store.AuditReplay, store.AuditSignOut} {
		if !actions[want] {
			t.Errorf("no %s in the audit:\n%s", want, auditText.String())
		}
	}
	everything := strings.Join(seen.texts, "\n")
	if !strings.Contains(everything, "status-intro") {
		t.Fatal("the recorded responses do not hold the call page: the identity check below would prove nothing")
	}
	for _, secret := range []string{sample.NIK, sample.Card, birth, sample.BirthDate.Format(time.DateOnly), caller} {
		for where, text := range map[string]string{"a browser response": everything, "the log": logs.String(), "the audit": auditText.String()} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %s in full", where, secret)
			}
		}
	}
	t.Logf("screenshots in %s", shots)
}

// waitCallEnded waits for the call log to have the call's end (the writer flushes every 200 ms).
func waitCallEnded(t *testing.T, ctx context.Context, st *store.Store) store.Call {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		calls, err := st.CallPage(ctx, store.CallPageQuery{CallFilter: store.CallFilter{Limit: 1}})
		if err == nil && len(calls) == 1 && calls[0].EndedAt != nil {
			return calls[0]
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the call's end never reached the call log")
	return store.Call{}
}

// screenshotDir is $VIKA_SCREENSHOTS (make console-screenshots sets docs/console), else the test's artifact
// directory (kept with go test -artifacts).
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("VIKA_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.ArtifactDir()
}
