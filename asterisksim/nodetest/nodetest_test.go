// Package nodetest holds the proof that the simulated Asterisk is an Asterisk to ARI clients that are not
// ours: Node's ari-client (pinned in package.json / package-lock.json) loads the simulator's /ari/api-docs
// through swagger, registers a Stasis app over the events WebSocket, and answers, plays and collects a key on
// a call that the Go test places with the phone package. It needs node and npm on PATH: without them the test
// skips with a message, except under CI=true, where it fails.
package nodetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
	"github.com/vika-jkn/vika/asterisksim/phone"
)

// step is one line the Node app prints.
type step struct {
	Step      string   `json:"step"`
	Resources []string `json:"resources"`
	Args      []string `json:"args"`
	Channel   string   `json:"channel"`
	Media     string   `json:"media"`
	State     string   `json:"state"`
	Digit     string   `json:"digit"`
	Message   string   `json:"message"`
}

func TestNodeAriClientAnswersPlaysAndHearsAKeyOnTheSimulator(t *testing.T) {
	node := requireNode(t)
	const speed = 10
	sim := asterisksim.Start(t, asterisksim.Options{
		Extensions: "../../asterisk-conf/extensions.conf",
		Sounds:     "../../prompts/sounds",
		Speed:      speed,
		Users:      map[string]string{"vika": "node-" + t.Name()},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	// ari-client wants the server root: it appends /ari/api-docs/resources.json itself.
	root := strings.TrimSuffix(sim.URL(), "/ari")
	cmd := exec.CommandContext(ctx, node, "app.js", root, sim.User(), sim.Password(), "vika", "sound:vika/welcome")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan step, 32)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var s step
			if json.Unmarshal(sc.Bytes(), &s) != nil {
				s = step{Step: "unparsed", Message: sc.Text()}
			}
			lines <- s
		}
	}()
	var got []step
	next := func(want string) step {
		t.Helper()
		for s := range lines {
			got = append(got, s)
			if s.Step == "error" {
				t.Fatalf("node app failed: %s\nstderr: %s", s.Message, stderr.String())
			}
			if s.Step == want {
				return s
			}
		}
		t.Fatalf("node app ended before %q; printed %+v\nstderr: %s", want, got, stderr.String())
		return step{}
	}

	conn := next("connected")
	for _, r := range []string{"channels", "events", "playbacks"} {
		if !slices.Contains(conn.Resources, r) {
			t.Errorf("swagger resources %v lack %q", conn.Resources, r)
		}
	}
	next("started")

	p, err := phone.Connect(ctx, phone.Options{URL: sim.URL(), User: sim.User(), Password: sim.Password(), App: "caller"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	call, err := p.Dial(ctx, "165", "081234567890")
	if err != nil {
		t.Fatal(err)
	}
	if s := next("stasis-start"); !slices.Equal(s.Args, []string{"mobile"}) || !strings.HasSuffix(s.Channel, ";2") {
		t.Errorf("StasisStart seen by node: args %v channel %q, want [mobile] on the ;2 half", s.Args, s.Channel)
	}
	if _, err := call.WaitPrompt(ctx, "welcome"); err != nil {
		t.Fatal(err)
	}
	if s := next("playback-finished"); s.State != "done" || s.Media != "sound:vika/welcome" {
		t.Errorf("node's PlaybackFinished: %+v, want sound:vika/welcome done", s)
	}
	if err := call.Press(ctx, "7"); err != nil {
		t.Fatal(err)
	}
	if s := next("key"); s.Digit != "7" {
		t.Errorf("node received digit %q, want 7", s.Digit)
	}
	tr, err := call.WaitHangup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next("stasis-end")
	if err := cmd.Wait(); err != nil {
		t.Errorf("node app exited: %v\nstderr: %s", err, stderr.String())
	}
	if ids := tr.HeardIDs(); !slices.Equal(ids, []string{"welcome"}) {
		t.Errorf("the caller heard %v, want [welcome]\n%s", ids, tr)
	}
	if tr.Digits() != "7" {
		t.Errorf("the caller pressed %q, want 7", tr.Digits())
	}
}

// requireNode returns node's path after making sure ari-client is installed (npm ci from the lock file when
// node_modules is missing). Without node or npm it skips, or fails under CI=true.
func requireNode(t *testing.T) string {
	t.Helper()
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node and npm are required in CI (.ci/run installs nodejs and npm)")
		}
		t.Skip("node or npm not on PATH: skipping the Node ari-client test (install nodejs and npm to run it)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "ari-client", "package.json")); err == nil {
		return node
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in asterisksim/nodetest: %v\n%s", err, out)
	}
	return node
}
