package reliability_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/store/pgtemp"
	"github.com/vika-jkn/vika/vikabin"
)

// hashKey is the rig's calllog.hash_key, so that a test can hash a number as the console would.
const hashKey = "reliability-hash-key"

// rig is one installation: a simulated Asterisk with the project's dialplan and prompts, a PostgreSQL of its own,
// a spool directory, and a phone to call with. serve starts `vika serve` processes against it.
type rig struct {
	pg    *pgtemp.Server
	sim   *asterisksim.Server
	user  string
	pass  string
	spool string
	phone *phone.Phone
}

func newRig(t *testing.T, speed float64) *rig {
	t.Helper()
	vikabin.Path(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pg, err := pgtemp.Start(ctx)
	if err != nil {
		if os.Getenv("CI") != "true" && strings.Contains(err.Error(), "no PostgreSQL server binaries") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	pass := "pw-" + strings.ReplaceAll(t.Name(), "/", "-")
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../asterisk-conf/extensions.conf",
		Sounds:     "../prompts/sounds",
		Speed:      speed,
		Users:      map[string]string{"vika": pass},
	})
	r := &rig{pg: pg, sim: sim, user: "vika", pass: pass, spool: t.TempDir()}
	r.phone, err = phone.Connect(ctx, phone.Options{URL: sim.URL(), User: r.user, Password: pass, App: "caller",
		Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.phone.Close() })
	return r
}

// proc is one `vika serve` process.
type proc struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{}
	err    error // how it exited, once exited is closed
}

// serve starts `vika serve` against the rig with extra flags and returns once it takes calls. The process is
// killed at the end of the test if it still runs; its log is shown if the test failed.
func (r *rig) serve(t *testing.T, env []string, flags ...string) *proc {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.Command(vikabin.Path(t), append([]string{"serve", "--connect-timeout", "10s"}, flags...)...)
	cmd.Env = append(os.Environ(),
		"VIKA_ARI_URL="+r.sim.URL(), "VIKA_ARI_USER="+r.user, "VIKA_ARI_PASSWORD="+r.pass, "VIKA_ARI_APP=vika",
		"DATABASE_URL="+r.pg.URL, "VIKA_DATABASE_URL="+r.pg.URL, "VIKA_ADMIN_ADDR=127.0.0.1:0",
		"VIKA_CALLLOG_SPOOL="+r.spool, "VIKA_CALLLOG_HASH_KEY="+hashKey, "VIKA_LOG_FORMAT=json", "VIKA_LOG_LEVEL=info")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: logs, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("vika serve (pid %d) log:\n%s", cmd.Process.Pid, logs.String())
		}
	})
	deadline := time.After(30 * time.Second)
	for !strings.Contains(logs.String(), `"taking calls"`) {
		select {
		case <-p.exited:
			t.Fatalf("vika serve exited at start: %v\n%s", p.err, logs.String())
		case <-deadline:
			t.Fatalf("vika serve did not take calls within 30 s\n%s", logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return p
}

func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wait waits for the process to exit and returns how it did.
func (p *proc) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(within):
		t.Fatalf("vika serve still runs %s later", within)
		return nil
	}
}

// logLines are the process's JSON log lines, decoded.
func (p *proc) logLines() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// appChannels lists the channels the simulated Asterisk holds in the vika app: callers nobody will ever answer
// once no vika serve runs.
func (r *rig) appChannels(t *testing.T) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.sim.URL()+"/applications/vika", nil)
	req.SetBasicAuth(r.user, r.pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var app struct {
		ChannelIDs []string `json:"channel_ids"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&app); err != nil {
		t.Fatal(err)
	}
	return app.ChannelIDs
}

// dial places a call and fails the test if Asterisk refuses the originate.
func (r *rig) dial(t *testing.T, ctx context.Context, exten, caller string) *phone.Call {
	t.Helper()
	c, err := r.phone.Dial(ctx, exten, caller)
	if err != nil {
		t.Fatalf("dial %s: %v", exten, err)
	}
	return c
}

// fallbackOrSilent waits for the call's line to reach the dialplan's [vika-fallback] ("service unavailable", then
// the agents): sent there by the draining app, or by Asterisk when Stasis() failed. It returns "" when it did, else
// what the caller got instead.
func fallbackOrSilent(ctx context.Context, c *phone.Call, within time.Duration) string {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	if _, err := c.WaitContext(ctx, "vika-fallback"); err != nil {
		return fmt.Sprintf("%v\n%s", err, c.Transcript())
	}
	return ""
}

// callerNumber is the n-th caller's number of a test.
func callerNumber(n int) string { return fmt.Sprintf("0812%08d", 7_000_000+n) }

// dbURL is the rig's database as vika serve migrated it.
func (r *rig) dbURL() string {
	u, _ := url.Parse(r.pg.URL)
	return u.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
