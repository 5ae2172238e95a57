package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/vikabin"
)

// requireTool finds a program the test needs: missing, it skips with one line, except under CI=true, where a skip
// would hide that the units were never verified.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing under CI=true (Debian: apt-get install %s)", name, pkg)
		}
		t.Skipf("%s not installed (Debian: apt-get install %s)", name, pkg)
	}
	return p
}

// install runs make install-files into a scratch DESTDIR with a freshly built binary and returns the DESTDIR.
func install(t *testing.T) string {
	t.Helper()
	requireTool(t, "make", "make")
	dest := t.TempDir()
	bin := vikabin.Path(t)
	cmd := exec.Command("make", "-s", "-f", "deploy/install.mk", "install-files", "DESTDIR="+dest, "VIKA_BIN="+bin)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install-files: %v\n%s", err, out)
	}
	return dest
}

func TestMakeInstallPutsTheBinaryUnitsPromptsAndConfigInPlace(t *testing.T) {
	t.Parallel()
	dest := install(t)
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{
		{"usr/local/bin/vika", 0o755},
		{"usr/local/lib/systemd/system/vika.service", 0o644},
		{"usr/local/lib/systemd/system/vika-console.service", 0o644},
		{"usr/local/lib/sysusers.d/vika.conf", 0o644},
		{"usr/share/asterisk/sounds/id/vika/main-menu.wav", 0o644},
		{"etc/vika/vika.yaml", 0o644},
		{"etc/vika/vika.env", 0o640}, // secrets: never world-readable
	} {
		fi, err := os.Stat(filepath.Join(dest, c.path))
		if err != nil {
			t.Errorf("not installed: %v", err)
			continue
		}
		if fi.Mode().Perm() != c.mode {
			t.Errorf("%s has mode %v, want %v", c.path, fi.Mode().Perm(), c.mode)
		}
	}
	unit, _ := os.ReadFile(filepath.Join(dest, "usr/local/lib/systemd/system/vika.service"))
	if strings.Contains(string(unit), "@BINDIR@") || strings.Contains(string(unit), "@SYSCONFDIR@") || !strings.Contains(string(unit), "ExecStart=/usr/local/bin/vika serve --config /etc/vika/vika.yaml") {
		t.Errorf("the unit's paths were not filled in:\n%s", unit)
	}

	// A second install (an upgrade) keeps the operator's configuration and secrets.
	env := filepath.Join(dest, "etc/vika/vika.env")
	if err := os.WriteFile(env, []byte("VIKA_ARI_PASSWORD=the-real-one\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "vika")
	if err := os.Link(filepath.Join(dest, "usr/local/bin/vika"), bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "-f", "deploy/install.mk", "install-files", "DESTDIR="+dest, "VIKA_BIN="+bin)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install-files again: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(env); string(b) != "VIKA_ARI_PASSWORD=the-real-one\n" {
		t.Errorf("an upgrade overwrote vika.env: %q", b)
	}
}

func TestTheInstalledUnitsPassSystemdAnalyzeVerify(t *testing.T) {
	t.Parallel()
	analyze := requireTool(t, "systemd-analyze", "systemd")
	dest := install(t)
	// ExecStart names the binary where it will be; verify checks that it is executable, so point it at the staged one.
	dir := t.TempDir()
	var units []string
	for _, u := range []string{"vika.service", "vika-console.service"} {
		b, err := os.ReadFile(filepath.Join(dest, "usr/local/lib/systemd/system", u))
		if err != nil {
			t.Fatal(err)
		}
		staged := strings.ReplaceAll(string(b), "ExecStart=/usr/local/bin/", "ExecStart="+filepath.Join(dest, "usr/local/bin")+"/")
		p := filepath.Join(dir, u)
		if err := os.WriteFile(p, []byte(staged), 0o644); err != nil {
			t.Fatal(err)
		}
		units = append(units, p)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, units...)...).CombinedOutput()
	// verify exits 0 on a misspelt key ("Unknown key ..., ignoring"): any output is a finding.
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

var (
	drainFlag   = regexp.MustCompile(`--drain-timeout (\d+s)`)
	stopTimeout = regexp.MustCompile(`(?m)^TimeoutStopSec=(\d+s)$`)
)

// serve's shutdown after SIGTERM: the drain, then the call-log flush (10 s) and the admin port (2 s). systemd must
// not SIGKILL it before that, or calls in progress are cut off and call events lost.
func TestVikaServiceGivesTheDrainAndTheCallLogFlushTimeToFinish(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("systemd/vika.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	d, s := drainFlag.FindStringSubmatch(unit), stopTimeout.FindStringSubmatch(unit)
	if d == nil || s == nil {
		t.Fatalf("vika.service must set --drain-timeout and TimeoutStopSec explicitly")
	}
	drain, _ := time.ParseDuration(d[1])
	stop, _ := time.ParseDuration(s[1])
	if need := drain + 12*time.Second; stop < need {
		t.Errorf("TimeoutStopSec=%s is shorter than the drain (%s) plus the call-log flush and admin shutdown: want ≥ %s", stop, drain, need)
	}
	for _, want := range []string{"User=vika", "NoNewPrivileges=yes", "ProtectSystem=strict", "EnvironmentFile=", "Restart=", "StateDirectory=vika"} {
		if !strings.Contains(unit, want) {
			t.Errorf("vika.service lacks %s", want)
		}
	}
}
