package sipphone_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/lab"
	"github.com/vika-jkn/vika/asterisksim/sipphone"
	"github.com/vika-jkn/vika/vikabin"
)

// nodePrompts are the prompts the node plays: the sounds directory its asterisk.conf names (astdatadir), which
// scripts/with-lab.sh filled from prompts/sounds when it started the node; the committed prompts when that is unknown.
func nodePrompts(t *testing.T, tg lab.Target) *sipphone.Prompts {
	t.Helper()
	if tg.Dir != "" {
		if conf, err := os.ReadFile(filepath.Join(tg.Dir, "etc", "asterisk.conf")); err == nil {
			for _, line := range strings.Split(string(conf), "\n") {
				k, v, ok := strings.Cut(line, "=>")
				if ok && strings.TrimSpace(k) == "astdatadir" {
					p, err := sipphone.LoadPrompts(os.DirFS(filepath.Join(strings.TrimSpace(v), "sounds")), "id/vika")
					if err != nil {
						t.Fatalf("the node's prompts: %v", err)
					}
					return p
				}
			}
		}
	}
	p, err := sipphone.DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serveVika runs `vika serve` against the node's ARI with the database at dbURL until the test ends, and returns
// once the app is registered (taking calls). Its log goes to the test log when the test fails.
func serveVika(t *testing.T, tg lab.Target, dbURL string) {
	t.Helper()
	bin := vikabin.Path(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--drain-timeout", "2s", "--connect-timeout", "10s")
	cmd.Env = append(os.Environ(),
		"VIKA_ARI_URL="+tg.ARIURL, "VIKA_ARI_USER="+tg.User, "VIKA_ARI_PASSWORD="+tg.Password, "VIKA_ARI_APP=vika",
		"DATABASE_URL="+dbURL, "VIKA_PROMPTS_CHECK=warn", "VIKA_ADMIN_ADDR=127.0.0.1:0", "VIKA_CALLLOG_HASH_KEY=sipphone-test", "VIKA_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("vika serve log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("vika serve exited before taking calls: %v\n%s", exitErr, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if appRegistered(tg) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("vika serve did not register the app with ARI within 20 s\n%s", logs.String())
		}
	}
}

func appRegistered(tg lab.Target) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, tg.ARIURL+"/applications/vika", nil)
	req.SetBasicAuth(tg.User, tg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
