package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// testApp is an app with the default configuration, a test database and a free admin port.
func testApp(t *testing.T, dbURL string) *app {
	t.Helper()
	a := newApp()
	defaults(a.v)
	if err := a.v.Unmarshal(&a.cfg); err != nil {
		t.Fatal(err)
	}
	a.cfg.Database.URL = dbURL
	a.cfg.Admin.Addr = "127.0.0.1:0"
	a.cfg.CallLog.HashKey = "test-hash-key"
	a.log = zap.NewNop()
	return a
}

// soundsWithout copies the committed prompts into a temp dir, leaving out the ids given.
func soundsWithout(t *testing.T, ids ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, prompts.Sounds()); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := os.Remove(filepath.Join(dir, "id", "vika", id+".wav")); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func startSim(t *testing.T, sounds string) (*asterisksim.Server, ARIConfig) {
	t.Helper()
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../../asterisk-conf/extensions.conf",
		Sounds:     sounds,
		Speed:      20,
		Users:      map[string]string{"vika": "pw-" + t.Name()},
	})
	return sim, ARIConfig{URL: sim.URL(), User: "vika", Password: "pw-" + t.Name(), App: "vika"}
}

func TestServeRefusesToTakeCallsWhenAsteriskLacksAPromptAndNamesIt(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	_, ac := startSim(t, soundsWithout(t, "goodbye"))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := runServe(ctx, a, ac, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "goodbye") || !strings.Contains(err.Error(), "prompts.check") {
		t.Fatalf("serve with a missing prompt: %v; want a refusal naming the prompt and prompts.check", err)
	}
}

func TestServeWithPromptCheckWarnTakesCallsDespiteAMissingPrompt(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	a.cfg.Prompts.Check = "warn"
	_, ac := startSim(t, soundsWithout(t, "goodbye"))

	ctx, ph, stop := serveWithPhone(t, a, ac)
	call, err := ph.Dial(ctx, "165", "081200000001")
	if err == nil {
		_, err = call.WaitPrompt(ctx, "main-menu")
	}
	if serr := stop(); serr != nil {
		t.Errorf("serve ended with %v, want a clean stop", serr)
	}
	if err != nil {
		t.Fatalf("a caller did not reach the main menu: %v", err)
	}
}

// serveWithPhone runs serve against the simulator in ac and connects a phone once the app takes calls. stop closes
// the phone, stops serve (which flushes the call log) and returns how serve ended.
func serveWithPhone(t *testing.T, a *app, ac ARIConfig) (context.Context, *phone.Phone, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, a, ac, 10*time.Second) }()
	ph, err := connectPhone(ctx, ac, served)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return ctx, ph, func() error {
		_ = ph.Close()
		cancel()
		return <-served
	}
}

func TestServeWithAWrongARIPasswordSaysWhichKeyToFix(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	_, ac := startSim(t, soundsWithout(t))
	ac.Password = "not-the-password"

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := runServe(ctx, a, ac, 5*time.Second)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "ari.password" {
		t.Fatalf("serve with a wrong password: %v; want a ConfigError naming ari.password", err)
	}
}

func TestServeAgainstNoAsteriskFailsWithinItsDeadlineAndSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	ac := ARIConfig{URL: "http://127.0.0.1:1/ari", User: "vika", Password: "x", App: "vika"}
	start := time.Now()
	err := runServe(context.Background(), a, ac, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "is Asterisk running") {
		t.Fatalf("serve with no Asterisk: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("serve took %s to give up", took)
	}
}

// The demo is the README's first command: this runs it as a user would, scripted, and checks that a seeded
// participant hears their status read out.
func TestTheDemoReadsOutTheStatusOfASeededParticipant(t *testing.T) {
	dbURL := storetest.NewEmptyDB(t)
	// Seeding is deterministic: the same seed and size give the same people the demo will seed.
	sample := seededSample(t, dbURL, 1500)

	script := "165 1 " + sample.NIK + " " + sample.BirthDate.Format("02012006") + " h"
	out, err := runVika(t, map[string]string{"DATABASE_URL": dbURL, "VIKA_ADMIN_ADDR": "127.0.0.1:0", "VIKA_LOG_LEVEL": "error"},
		"demo", "--participants", "1500", "--seed", "1", "--speed", "25", "--script", script)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"Samples to try", "main-menu", "status-intro", "— call over: hung up by caller"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "data-mismatch") {
		t.Errorf("the seeded participant was not found:\n%s", out)
	}
}

func seededSample(t *testing.T, dbURL string, n int) store.Sample {
	t.Helper()
	ctx := context.Background()
	if err := store.Migrate(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := store.Seed(ctx, st.Pool(), store.SeedOptions{Participants: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Samples {
		if s.Status == 0 {
			return s
		}
	}
	t.Fatal("no active sample")
	return store.Sample{}
}

func TestASupervisorFindsACallByTheNIKKeyedInShowsItAndReplaysIt(t *testing.T) {
	dbURL := storetest.NewEmptyDB(t)
	sample := seededSample(t, dbURL, 1200)
	a := testApp(t, dbURL)
	_, ac := startSim(t, soundsWithout(t))
	a.speed = 20

	ctx, ph, stop := serveWithPhone(t, a, ac)
	call, err := ph.Dial(ctx, "021165", "081311112222")
	for _, step := range []struct{ wait, keys string }{
		{"main-menu", "1"}, {"enter-id", sample.NIK}, {"enter-birthdate", sample.BirthDate.Format("02012006")}, {"after-readout-menu", ""},
	} {
		if err == nil {
			_, err = call.WaitPrompt(ctx, step.wait)
		}
		if err == nil && step.keys != "" {
			err = call.Press(ctx, step.keys)
		}
	}
	if err == nil {
		err = call.Hangup(ctx)
	}
	_ = stop() // serve flushes the call log before it returns
	if err != nil {
		t.Fatalf("the call: %v\n%s", err, call.Transcript())
	}

	env := map[string]string{"DATABASE_URL": dbURL, "VIKA_CALLLOG_HASH_KEY": a.cfg.CallLog.HashKey}
	out, err := runVika(t, env, "calls", "list", "--number", sample.NIK)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.Contains(lines[1], "landline") || !strings.Contains(lines[1], "0813******22") {
		t.Fatalf("calls list --number <the NIK>: %v\n%s", err, out)
	}
	id := strings.Fields(lines[1])[0]
	if other, _ := runVika(t, env, "calls", "list", "--number", "3171010101900001"); strings.Contains(other, id) {
		t.Errorf("another NIK finds the call:\n%s", other)
	}

	out, err = runVika(t, env, "calls", "show", id)
	if err != nil || !strings.Contains(out, "status-intro") || !strings.Contains(out, jkn.Mask(sample.NIK)) || strings.Contains(out, sample.NIK) {
		t.Fatalf("calls show: %v\n%s", err, out)
	}

	wav := filepath.Join(t.TempDir(), "call.wav")
	out, err = runVika(t, env, "calls", "replay", id, "--out", wav)
	if err != nil || !strings.Contains(out, "prompts") {
		t.Fatalf("calls replay: %v\n%s", err, out)
	}
	if fi, err := os.Stat(wav); err != nil || fi.Size() < 44+8000 {
		t.Fatalf("the replay WAV: %v, %v bytes", err, fi)
	}
}

// Under systemd, serve and Asterisk start side by side, and Asterisk refuses connections for its first seconds:
// serve keeps trying within --connect-timeout, says so in its log, and takes calls once Asterisk is up.
func TestServeWaitsWithinItsConnectTimeoutForAnAsteriskThatRefusesConnectionsAtFirst(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	a := testApp(t, storetest.URL(t, st))
	core, logs := observer.New(zapcore.InfoLevel)
	a.log = zap.New(core)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	pw := "pw-" + t.Name()
	ac := ARIConfig{URL: "http://" + addr + "/ari", User: "vika", Password: pw, App: "vika"}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- runServe(ctx, a, ac, 20*time.Second) }()
	for logs.FilterMessageSnippet("retrying").Len() < 2 {
		select {
		case err := <-served:
			t.Fatalf("serve gave up while Asterisk refused connections: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	asterisksim.Start(t, asterisksim.Options{Addr: addr, Extensions: "../../asterisk-conf/extensions.conf",
		Sounds: soundsWithout(t), Speed: 20, Users: map[string]string{"vika": pw}})
	ph, err := connectPhone(ctx, ac, served)
	if err != nil {
		t.Fatalf("serve did not come up once Asterisk answered: %v", err)
	}
	call, err := ph.Dial(ctx, "165", "081200000001")
	if err == nil {
		_, err = call.WaitPrompt(ctx, "main-menu")
	}
	_ = ph.Close()
	cancel()
	if serr := <-served; serr != nil {
		t.Errorf("serve ended with %v, want a clean stop", serr)
	}
	if err != nil {
		t.Fatalf("a caller did not reach the main menu: %v", err)
	}
	for _, e := range logs.FilterMessageSnippet("retrying").All() {
		if e.ContextMap()["url"] != ac.URL || e.ContextMap()["error"] == nil {
			t.Errorf("retry logged as %q %v, want the URL and the error", e.Message, e.ContextMap())
		}
	}
}

// vika demo --ari-url attaches to a server whose speed it does not know (vika sim --speed 20 here), and the look-up
// after please-wait takes real time whatever the speed: the scripted caller listens until the IVR has read out the
// status and asked for a key it will not get, and only then hangs up.
func TestAScriptedDemoCallAttachedToASimulatorHearsTheReadoutBeforeHangingUp(t *testing.T) {
	for _, speed := range [][]string{{"--speed", "60"}, nil} {
		t.Run(fmt.Sprint("demo ", speed), func(t *testing.T) {
			dbURL := storetest.NewEmptyDB(t)
			sample := seededSample(t, dbURL, 1500)
			_, ac := startSim(t, soundsWithout(t))
			script := "165 1 " + sample.NIK + " " + sample.BirthDate.Format("02012006")
			args := append([]string{"demo", "--participants", "1500", "--seed", "1", "--ari-url", ac.URL, "--script", script}, speed...)
			out, err := runVika(t, map[string]string{"DATABASE_URL": dbURL, "VIKA_ARI_PASSWORD": ac.Password,
				"VIKA_ADMIN_ADDR": "127.0.0.1:0", "VIKA_LOG_LEVEL": "error"}, args...)
			if err != nil {
				t.Fatalf("demo: %v\n%s", err, out)
			}
			call := out[strings.Index(out, "— call over"):]
			for _, want := range []string{"please-wait", "status-intro", "after-readout-menu", "no-input", "hung up by caller"} {
				if !strings.Contains(call, want) {
					t.Errorf("the scripted call lacks %q:\n%s", want, call)
				}
			}
		})
	}
}
