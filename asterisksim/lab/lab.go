// Package lab tells tests where the real Asterisk is, and lets only one test at a time use it.
//
// A real Asterisk 22.10.1 with PJSIP (../shared/asterisk-lab, started with this project's asterisk-conf/ by
// scripts/with-lab.sh, which `make test` runs) is named by VIKA_REAL_ARI_URL, VIKA_REAL_ARI_USER,
// VIKA_REAL_ARI_PASSWORD and VIKA_REAL_SIP_ADDR. Tests that need it call Require: on a fresh clone (no ../shared, no
// variables) they skip with one line saying how to run them; with CI=true and ../shared present they fail instead,
// because a real-Asterisk test that silently skips in CI proves nothing.
//
// The node has one dialplan that sends every call to the Stasis app "vika", so two tests that each run a "vika" app
// on it would take each other's calls; Lock serialises them across test binaries (go test runs packages in
// parallel processes) with a file lock.
package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Marker starts the line Require and Optional log when a test uses the real Asterisk; scripts/testreport lists the
// tests (and their subtests) whose output has it, so a CI log names every test that ran on the real Asterisk.
const Marker = "lab: real Asterisk at"

// Target is a real Asterisk node.
type Target struct {
	ARIURL         string // e.g. http://127.0.0.1:8118/ari
	User, Password string
	SIPAddr        string // the PJSIP UDP transport, host:port; empty when unknown
	Dir            string // the node's directory (etc/, var/log/), when started by scripts/with-lab.sh
}

// FromEnv reads the node from the environment; ok is false when VIKA_REAL_ARI_URL is unset.
func FromEnv() (Target, bool) {
	u := strings.TrimRight(os.Getenv("VIKA_REAL_ARI_URL"), "/")
	if u == "" {
		return Target{}, false
	}
	tg := Target{ARIURL: u, User: os.Getenv("VIKA_REAL_ARI_USER"), Password: os.Getenv("VIKA_REAL_ARI_PASSWORD"),
		SIPAddr: os.Getenv("VIKA_REAL_SIP_ADDR"), Dir: os.Getenv("VIKA_REAL_LAB_DIR")}
	if tg.User == "" {
		tg.User = "vika"
	}
	if tg.Password == "" {
		tg.Password = "vika"
	}
	return tg, true
}

// Require returns the real Asterisk, or ends the test: skipped with one line on a machine without
// ../shared/asterisk-lab, failed when CI=true and the lab is there but was not started.
func Require(t testing.TB) Target {
	t.Helper()
	if tg, ok := FromEnv(); ok {
		t.Logf(Marker+" %s", tg.ARIURL)
		return tg
	}
	if kit := SharedLab(); kit != "" && os.Getenv("CI") == "true" {
		t.Fatalf("real Asterisk: %s is present and CI=true, but VIKA_REAL_ARI_URL is unset: run the tests through "+
			"make test (scripts/with-lab.sh starts the node)", kit)
	}
	t.Skip("real Asterisk: skipped (VIKA_REAL_ARI_URL unset); `make test` beside ../shared/asterisk-lab runs it, " +
		"or scripts/with-lab.sh go test ./...")
	return Target{}
}

// RequireSIP is Require for tests that place SIP calls: the node must also name its SIP address.
func RequireSIP(t testing.TB) Target {
	t.Helper()
	tg := Require(t)
	if tg.SIPAddr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("real Asterisk: VIKA_REAL_SIP_ADDR unset (scripts/with-lab.sh sets it)")
		}
		t.Skip("real Asterisk over SIP: skipped (VIKA_REAL_SIP_ADDR unset)")
	}
	return tg
}

// SharedLab is the path of ../shared/asterisk-lab beside the module's root, or "" when there is none.
func SharedLab() string {
	if d := os.Getenv("VIKA_SHARED"); d != "" {
		return existing(filepath.Join(d, "asterisk-lab", "install.sh"))
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return existing(filepath.Join(dir, "..", "shared", "asterisk-lab", "install.sh"))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func existing(installer string) string {
	if _, err := os.Stat(installer); err != nil {
		return ""
	}
	return filepath.Dir(installer)
}

// Lock waits until no other test (in any process) uses the node, and holds it until the test ends. It gives up, failing
// the test, at the test's deadline or after 15 minutes.
func Lock(t testing.TB, tg Target) {
	t.Helper()
	name := strings.NewReplacer(":", "_", "/", "_").Replace(strings.TrimPrefix(strings.TrimPrefix(tg.ARIURL, "http://"), "https://"))
	path := filepath.Join(os.TempDir(), "vika-real-asterisk-"+name+".lock")
	deadline := time.Now().Add(15 * time.Minute)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if td, ok := d.Deadline(); ok && td.Before(deadline) {
			deadline = td.Add(-5 * time.Second)
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	release, err := acquire(ctx, path)
	if err != nil {
		t.Fatalf("real Asterisk lock %s: %v", path, err)
	}
	t.Cleanup(release)
}

// acquire takes an exclusive lock on path (an flock, released by the kernel if the process dies).
func acquire(ctx context.Context, path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := flock(ctx, f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func flock(ctx context.Context, f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != syscall.EWOULDBLOCK {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("another test holds the node: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Optional returns the real Asterisk when there is one, for tests that have a recorded fallback. Like Require, it fails
// with CI=true when ../shared/asterisk-lab is present but the node was not started.
func Optional(t testing.TB) (Target, bool) {
	t.Helper()
	if tg, ok := FromEnv(); ok {
		t.Logf(Marker+" %s", tg.ARIURL)
		return tg, true
	}
	if kit := SharedLab(); kit != "" && os.Getenv("CI") == "true" {
		t.Fatalf("real Asterisk: %s is present and CI=true, but VIKA_REAL_ARI_URL is unset: run the tests through "+
			"make test (scripts/with-lab.sh starts the node)", kit)
	}
	return Target{}, false
}
