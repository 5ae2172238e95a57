package pgtemp

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperStartsAServerAndWaits is the process the watchdog test kills; it does nothing in a normal run.
func TestHelperStartsAServerAndWaits(t *testing.T) {
	if os.Getenv("PGTEMP_HELPER") != "1" {
		t.Skip("helper process for TestTheServerDiesWithTheProcessThatStartedItEvenOnSIGKILL")
	}
	s, err := Start(context.Background())
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("started", s.dir)
	time.Sleep(time.Minute)
}

func TestTheServerDiesWithTheProcessThatStartedItEvenOnSIGKILL(t *testing.T) {
	if _, err := findBin(); err != nil {
		t.Skip(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartsAServerAndWaits$")
			cmd.Env = append(os.Environ(), "PGTEMP_HELPER=1")
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			dir, ok := strings.CutPrefix(strings.TrimSpace(line), "started ")
			if !ok {
				_ = cmd.Process.Kill()
				t.Fatalf("helper: %q", line)
			}
			pid := postmasterPID(t, dir)
			_ = cmd.Process.Signal(sig) // no deferred Stop runs
			_ = cmd.Wait()
			deadline := time.Now().Add(15 * time.Second)
			for syscall.Kill(pid, 0) == nil || exists(dir) {
				if time.Now().After(deadline) {
					_ = syscall.Kill(pid, syscall.SIGKILL)
					os.RemoveAll(dir)
					t.Fatalf("after %s of its owner, postmaster %d alive: %v, %s still there: %v", sig, pid, syscall.Kill(pid, 0) == nil, dir, exists(dir))
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(dir + "/data/postmaster.pid")
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(strings.SplitN(string(b), "\n", 2)[0], &pid)
	return pid
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }
