package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
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

	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/asterisksim/sipphone"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store/storetest"
	"github.com/vika-jkn/vika/vikabin"
)

const (
	kamPort = 5208 // Kamailio's SIP port on 127.0.0.1 (mobile side) and 127.0.0.2 (landline side)
	hashKey = "cluster-test-hash-key"
)

// labNode is a lab Asterisk this test starts with scripts/with-lab.sh (VIKA_LAB_NODE=n): ARI 8088+10n, SIP 5060+10n.
type labNode struct {
	n    int
	name string // as vika names it in ari.nodes and in the call log
}

func (l labNode) ariURL() string  { return fmt.Sprintf("http://127.0.0.1:%d/ari", 8088+10*l.n) }
func (l labNode) sipAddr() string { return fmt.Sprintf("127.0.0.1:%d", 5060+10*l.n) }

// Nodes 4 and 5: node 3 is the shared node of the other real-Asterisk tests, which this test must not disturb.
var node4, node5 = labNode{4, "node-4"}, labNode{5, "node-5"}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// withLab runs scripts/with-lab.sh --start or --stop for one node.
func withLab(t *testing.T, l labNode, arg string) error {
	t.Helper()
	cmd := exec.Command(filepath.Join(root(t), "scripts", "with-lab.sh"), arg)
	cmd.Env = append(os.Environ(), "VIKA_LAB_NODE="+strconv.Itoa(l.n))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("with-lab.sh %s node %d: %v\n%s", arg, l.n, err, out)
	}
	return nil
}

func startNode(t *testing.T, l labNode) {
	t.Helper()
	t.Cleanup(func() {
		if err := withLab(t, l, "--stop"); err != nil {
			t.Error(err)
		}
	})
	if err := withLab(t, l, "--start"); err != nil {
		t.Fatal(err)
	}
}

// proc is a process the test started fully detached (own session, stdin /dev/null, output to a file), so nothing
// of the test's is held open by it and it is stopped in t.Cleanup whatever happens.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startProc(t *testing.T, name, logPath string, env []string, bin string, args ...string) *proc {
	t.Helper()
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{name: name, log: logPath, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = out, out // Stdin nil: /dev/null
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := p.cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); out.Close(); close(p.done) }()
	t.Cleanup(func() {
		if !p.stop(20 * time.Second) {
			t.Errorf("%s did not end within 20 s of SIGTERM: killed", name)
		}
		if t.Failed() {
			t.Logf("%s log (last 40 lines):\n%s", name, p.tail(40))
		}
	})
	return p
}

// stop sends SIGTERM to the process's group and waits up to grace before SIGKILL; false when it had to kill.
func (p *proc) stop(grace time.Duration) bool {
	select {
	case <-p.done:
		return true
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return true
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		return false
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// requireKamailio finds the kamailio binary: a missing one skips on a developer's machine, fails under CI=true.
func requireKamailio(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/kamailio", "/usr/local/sbin/kamailio"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("kamailio"); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("cluster: kamailio is not installed and CI=true (apt-get install kamailio)")
	}
	t.Skip("cluster: skipped, no kamailio binary (apt-get install kamailio)")
	return ""
}

func startKamailio(t *testing.T, dir string, nodes ...labNode) {
	t.Helper()
	bin := requireKamailio(t)
	list := ""
	for _, l := range nodes {
		list += fmt.Sprintf("1 sip:%s 0 0 duid=%s\n", l.sipAddr(), l.name)
	}
	listPath := filepath.Join(dir, "dispatcher.list")
	if err := os.WriteFile(listPath, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root(t), "asterisk-conf", "kamailio", "kamailio.cfg")
	port := strconv.Itoa(kamPort)
	// OPTIONS every second and a one-second first-reply timer: a dead node is noticed within the test's waves.
	args := []string{"-f", cfg, "-DD", "-E", "-Y", run, "-m", "64", "-M", "8",
		"--substdef=!KAM_PORT!" + port + "!g", "-A", `DS_LIST="` + listPath + `"`, "-A", "DS_PING_S=1", "-A", "FR_TIMER_MS=1000"}
	if out, err := exec.Command(bin, append([]string{"-c"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("kamailio -c %s: %v\n%s", cfg, err, out)
	}
	p := startProc(t, "kamailio", filepath.Join(dir, "kamailio.log"), os.Environ(), bin, args...)
	deadline := time.Now().Add(10 * time.Second)
	for !sipOptionsOK("127.0.0.1:" + port) {
		if p.exited() || time.Now().After(deadline) {
			t.Fatalf("kamailio did not answer OPTIONS on 127.0.0.1:%s\n%s", port, p.tail(30))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sipOptionsOK sends one OPTIONS to addr and reports whether a 200 came back within half a second.
func sipOptionsOK(addr string) bool {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	local := c.LocalAddr().String()
	branch := fmt.Sprintf("z9hG4bK%d", time.Now().UnixNano())
	msg := "OPTIONS sip:" + addr + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";branch=" + branch + ";rport\r\n" +
		"Max-Forwards: 70\r\nFrom: <sip:probe@" + local + ">;tag=p1\r\nTo: <sip:" + addr + ">\r\n" +
		"Call-ID: " + branch + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(msg)); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	return err == nil && bytes.HasPrefix(buf[:n], []byte("SIP/2.0 200"))
}

// instance is one `vika serve` driving every node through ari.nodes.
type instance struct {
	*proc
	app, admin string
}

func startInstance(t *testing.T, bin, dir, app, dbURL string, nodes ...labNode) *instance {
	t.Helper()
	in := &instance{app: app, admin: freeAddr(t)}
	cfg := fmt.Sprintf("ari:\n  app: %s\n  user: vika\n  nodes:\n", app)
	for _, l := range nodes {
		cfg += fmt.Sprintf("    - {name: %s, url: %q, password: vika}\n", l.name, l.ariURL())
	}
	cfg += fmt.Sprintf("database: {url: %q}\nadmin: {addr: %q}\ncalllog: {hash_key: %s, spool: %q}\n",
		dbURL, in.admin, hashKey, filepath.Join(dir, app+"-spool"))
	path := filepath.Join(dir, app+".yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The configuration file alone: DATABASE_URL and VIKA_* in the test's environment would override it.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "VIKA_") {
			env = append(env, kv)
		}
	}
	in.proc = startProc(t, app, filepath.Join(dir, app+".log"), env, bin,
		"serve", "--config", path, "--drain-timeout", "5s", "--connect-timeout", "20s")
	deadline := time.Now().Add(30 * time.Second)
	for _, l := range nodes {
		for !appRegistered(l, app) {
			if in.exited() || time.Now().After(deadline) {
				t.Fatalf("%s did not register on %s\n%s", app, l.name, in.tail(30))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return in
}

func appRegistered(l labNode, app string) bool {
	req, _ := http.NewRequest("GET", l.ariURL()+"/applications/"+app, nil)
	req.SetBasicAuth("vika", "vika")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

var started = regexp.MustCompile(`(?m)^vika_node_calls_started_total\{node="[^"]*"\} (\d+)$`)

// callsTaken is how many calls the instance has started, over every node, from its /metrics.
func (in *instance) callsTaken(t *testing.T) int {
	t.Helper()
	resp, err := http.Get("http://" + in.admin + "/metrics")
	if err != nil {
		t.Fatalf("%s metrics: %v", in.app, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	n := 0
	for _, m := range started.FindAllStringSubmatch(b.String(), -1) {
		v, _ := strconv.Atoi(m[1])
		n += v
	}
	return n
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// outcome is one caller's call through Kamailio.
type outcome struct {
	number, caller string
	dialled        time.Time
	menu           bool   // heard welcome, then the main menu start
	endedByFar     bool   // the far end hung up before the menu (its node stopped under it)
	err            error  // anything else: refused, or silence until the wait's deadline
	heard          string // the prompts recognised, for the failure message
}

// call dials through Kamailio as the carrier would, waits for VIKA's welcome and main menu, and hangs up.
func call(ctx context.Context, number, caller string) (o outcome) {
	o = outcome{number: number, caller: caller, dialled: time.Now()}
	c, err := sipphone.Dial(ctx, sipphone.Options{Addr: fmt.Sprintf("127.0.0.1:%d", kamPort), Timeout: 20 * time.Second},
		number, caller)
	if err != nil {
		o.err = err
		return o
	}
	defer func() {
		o.heard = strings.Join(c.Transcript().HeardIDs(), ",")
	}()
	for _, id := range []string{"welcome", "main-menu"} {
		if _, err := c.WaitPrompt(ctx, id); err != nil {
			if tr := c.Transcript(); tr.Hangup.By == phone.ByApp {
				o.endedByFar = true
			} else {
				o.err = fmt.Errorf("waiting for %s: %w", id, err)
			}
			_ = c.Hangup(ctx)
			return o
		}
	}
	o.menu = true
	_ = c.Hangup(ctx)
	return o
}

// wave places n calls at once, both entries alternately, callers numbered from first.
func wave(ctx context.Context, first, n int) []outcome {
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = call(ctx, entry(first+i), callerNumber(first+i))
		}()
	}
	wg.Wait()
	return out
}

func entry(i int) string {
	if i%2 == 0 {
		return "165"
	}
	return "021165"
}

func callerNumber(i int) string { return fmt.Sprintf("0813%08d", i) }

func TestKamailioSpreadsCallsOverTwoNodesAndNoCallerHearsSilenceWhenANodeOrAnInstanceStops(t *testing.T) {
	if lab.SharedLab() == "" {
		t.Skip("cluster: skipped, no ../shared/asterisk-lab (the lab Asterisk nodes 4 and 5 are started from it)")
	}
	requireKamailio(t)
	st := storetest.NewDB(t)
	dbURL := storetest.URL(t, st)
	dir := t.TempDir()
	lab.Lock(t, lab.Target{ARIURL: node4.ariURL()}) // one cluster test at a time on nodes 4 and 5
	t.Logf(lab.Marker+" %s and %s, Kamailio 127.0.0.1:%d", node4.ariURL(), node5.ariURL(), kamPort)

	bin := vikabin.Path(t)
	startNode(t, node4)
	startNode(t, node5)
	startKamailio(t, dir, node4, node5)
	a := startInstance(t, bin, dir, "vika-a", dbURL, node4, node5)
	b := startInstance(t, bin, dir, "vika-b", dbURL, node4, node5)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	var all []outcome
	mustHearMenu := func(phase string, os []outcome) {
		t.Helper()
		for _, o := range os {
			if !o.menu {
				t.Errorf("%s: caller %s dialling %s did not hear the main menu (heard %q, ended by far end %v): %v",
					phase, jkn.Mask(o.caller), o.number, o.heard, o.endedByFar, o.err)
			}
		}
	}

	// 1. Everything up: Kamailio's round robin gives both nodes calls, the dialplan's draw both instances. The draw
	// is RAND(0,1) per call: with 8 calls one instance took them all about once in 128 runs (CI saw it); with 16,
	// once in 32,768.
	const first = 16
	w1 := wave(ctx, 0, first)
	all = append(all, w1...)
	mustHearMenu("both nodes up", w1)
	takenA, takenB := a.callsTaken(t), b.callsTaken(t)
	if takenA == 0 || takenB == 0 || takenA+takenB != first {
		t.Errorf("vika-a took %d and vika-b %d of %d calls; want both a share, each call once", takenA, takenB, first)
	}

	// 2. Node 5 stops while calls keep arriving (one every 250 ms). A call node 5 held may be cut by its stop (it hears
	// the BYE, not silence); every call dialled once the stop has returned reaches the menu on node 4.
	var stream []outcome
	var mu sync.Mutex
	var wg sync.WaitGroup
	var stopDone time.Time
	for i := range 16 {
		if i == 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := withLab(t, node5, "--stop"); err != nil {
					t.Error(err)
				}
				mu.Lock()
				stopDone = time.Now()
				mu.Unlock()
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := call(ctx, entry(first+i), callerNumber(first+i))
			mu.Lock()
			stream = append(stream, o)
			mu.Unlock()
		}()
		time.Sleep(250 * time.Millisecond)
	}
	wg.Wait()
	all = append(all, stream...)
	after, cut := 0, 0
	for _, o := range stream {
		if o.endedByFar {
			cut++
		}
		switch {
		case o.dialled.After(stopDone):
			after++
			mustHearMenu("after node 5 stopped", []outcome{o})
		case !o.menu && !o.endedByFar:
			t.Errorf("while node 5 stopped: caller %s dialling %s was neither served nor hung up (heard %q): %v",
				jkn.Mask(o.caller), o.number, o.heard, o.err)
		}
	}
	if after < 3 {
		t.Errorf("only %d calls were dialled after node 5 stopped (its stop took until %s): the failover was not exercised",
			after, stopDone.Format(time.TimeOnly))
	}

	// 3. vika-a stops (SIGTERM): every new call reaches vika-b through the dialplan's [vika-instances], never the fallback.
	beforeB := b.callsTaken(t)
	if !a.stop(20 * time.Second) {
		t.Fatal("vika-a did not stop within 20 s of SIGTERM")
	}
	w3 := wave(ctx, first+16, 8)
	all = append(all, w3...)
	mustHearMenu("vika-a stopped", w3)
	if got := b.callsTaken(t) - beforeB; got != len(w3) {
		t.Errorf("vika-b took %d of the %d calls placed after vika-a stopped", got, len(w3))
	}

	// The call log, flushed by vika-b's stop: every call that reached VIKA once, on the node that carried it.
	if !b.stop(20 * time.Second) {
		t.Fatal("vika-b did not stop within 20 s of SIGTERM")
	}
	nodes := map[string]int{}
	for i, o := range all {
		rows, err := st.Pool().Query(ctx, `SELECT node FROM calls WHERE caller_hash = $1`, jkn.HashID([]byte(hashKey), o.caller))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		rows.Close()
		switch {
		case o.menu && len(got) != 1, !o.menu && len(got) > 1:
			t.Errorf("caller %s (%s): %d call-log rows %v, want one", jkn.Mask(o.caller), o.number, len(got), got)
		case i < first && len(got) == 1:
			nodes[got[0]]++
		case o.dialled.After(stopDone) && len(got) == 1 && got[0] != node4.name:
			t.Errorf("caller %s dialled after node 5 stopped, logged on %s", jkn.Mask(o.caller), got[0])
		}
	}
	if nodes[node4.name] == 0 || nodes[node5.name] == 0 {
		t.Errorf("calls with both nodes up, by node: %v; want calls on both", nodes)
	}
	t.Logf("both up: %v; vika-a %d, vika-b %d; node 5 stopped: %d calls cut by its stop, %d dialled after it; "+
		"vika-a stopped: %d to vika-b", nodes, takenA, takenB, cut, after, len(w3))
}
