package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vika-jkn/vika/store/storetest"
)

// instance is one `vika serve` of a cluster test: this test binary run as vika in its own process.
type instance struct {
	admin string
	cmd   *exec.Cmd
	out   string
	done  chan error
}

func startInstance(t *testing.T, dbURL, appName string, nodes []ARIConfig) *instance {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf("ari:\n  app: %s\n  user: vika\n  nodes:\n", appName)
	for i, n := range nodes {
		cfg += fmt.Sprintf("    - {name: node-%d, url: %q, password: %q}\n", i+1, n.URL, n.Password)
	}
	in := &instance{admin: freeAddr(t), out: filepath.Join(dir, "vika.log"), done: make(chan error, 1)}
	cfg += fmt.Sprintf("database: {url: %q}\nadmin: {addr: %q}\ncalllog: {hash_key: test-hash-key, spool: %q}\n",
		dbURL, in.admin, filepath.Join(dir, "spool"))
	path := filepath.Join(dir, "vika.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(in.out)
	if err != nil {
		t.Fatal(err)
	}
	in.cmd = exec.Command(os.Args[0], "serve", "--config", path, "--drain-timeout", "5s")
	// The configuration file alone: DATABASE_URL and VIKA_* in the test's environment would override it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "VIKA_") {
			in.cmd.Env = append(in.cmd.Env, kv)
		}
	}
	in.cmd.Env = append(in.cmd.Env, "VIKA_TEST_RUN_MAIN=1")
	in.cmd.Stdout, in.cmd.Stderr = out, out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.done <- in.cmd.Wait(); out.Close() }()
	t.Cleanup(func() { in.stop(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, n := range nodes {
		n.App = appName
		for !appRegistered(ctx, n) {
			select {
			case err := <-in.done:
				in.done <- err
				b, _ := os.ReadFile(in.out)
				t.Fatalf("%s ended before it registered: %v\n%s", appName, err, b)
			case <-ctx.Done():
				t.Fatalf("%s never registered on %s", appName, n.URL)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return in
}

// stop sends SIGTERM and waits for the process to drain and exit; it reports a failed exit with the log.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	if in.cmd.ProcessState != nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.done:
		if err != nil {
			b, _ := os.ReadFile(in.out)
			t.Errorf("vika serve exited with %v\n%s", err, b)
		}
	case <-time.After(30 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
		t.Error("vika serve did not exit within 30 s of SIGTERM")
	}
}

var nodeStarted = regexp.MustCompile(`(?m)^vika_node_calls_started_total\{node="[^"]*"\} (\d+)$`)

// callsTaken is how many calls the instance has taken, over every node, from its /metrics.
func (in *instance) callsTaken(t *testing.T) int {
	t.Helper()
	_, body := httpGet(t, "http://"+in.admin+"/metrics")
	n := 0
	for _, m := range nodeStarted.FindAllStringSubmatch(body, -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

// callBatch places n calls at once, spread over the nodes, each waiting for the main menu; it returns the failures.
func callBatch(ctx context.Context, nodes []ARIConfig, first, n int) []error {
	return atOnce(n, func(i int) error { return reachMenu(ctx, nodes[i%len(nodes)], fmt.Sprintf("0812%08d", first+i)) })
}

// atOnce runs f(0) … f(n-1) at the same time and returns the errors of those that failed.
func atOnce(n int, f func(i int) error) []error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}

func TestTwoInstancesShareTwoNodesAndWhenOneStopsTheDialplanSendsEveryCallToTheOther(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	dbURL := storetest.URL(t, st)
	_, n1 := simNode(t, "1")
	_, n2 := simNode(t, "2")
	nodes := []ARIConfig{n1, n2}
	a := startInstance(t, dbURL, "vika-a", nodes)
	b := startInstance(t, dbURL, "vika-b", nodes)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// Both instances up: the dialplan's draw gives each a share of both nodes' calls.
	const batch = 16
	if failed := callBatch(ctx, nodes, 0, batch); len(failed) > 0 {
		t.Fatalf("%d of %d callers did not reach the menu with both instances up; first: %v", len(failed), batch, failed[0])
	}
	takenA, takenB := a.callsTaken(t), b.callsTaken(t)
	if takenA+takenB != batch || takenA == 0 || takenB == 0 {
		t.Errorf("vika-a took %d and vika-b %d of %d calls; want both a share, every call once", takenA, takenB, batch)
	}

	// vika-a stops (SIGTERM): once it is gone from both nodes, every new call reaches vika-b's menu.
	a.stop(t)
	if failed := callBatch(ctx, nodes, batch, batch); len(failed) > 0 {
		t.Fatalf("%d of %d callers did not reach the menu with vika-a stopped; first: %v", len(failed), batch, failed[0])
	}
	if got := b.callsTaken(t); got != takenB+batch {
		t.Errorf("vika-b took %d calls in all, want %d: every call after vika-a stopped", got, takenB+batch)
	}

	b.stop(t) // flushes its call log
	var calls, distinct int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*), count(DISTINCT id) FROM calls`).Scan(&calls, &distinct); err != nil {
		t.Fatal(err)
	}
	if calls != 2*batch || distinct != calls {
		t.Errorf("call log holds %d calls (%d distinct), want each of the %d calls once", calls, distinct, 2*batch)
	}
	if got := callsByNode(t, st); got["node-1"] != batch || got["node-2"] != batch {
		t.Errorf("call log by node = %v, want %d on each", got, batch)
	}
}
