package lab

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestFromEnvFillsTheLabsDefaultCredentials(t *testing.T) {
	t.Setenv("VIKA_REAL_ARI_URL", "http://127.0.0.1:8118/ari/")
	t.Setenv("VIKA_REAL_ARI_USER", "")
	t.Setenv("VIKA_REAL_ARI_PASSWORD", "")
	t.Setenv("VIKA_REAL_SIP_ADDR", "127.0.0.1:5090")
	tg, ok := FromEnv()
	if !ok || tg.ARIURL != "http://127.0.0.1:8118/ari" || tg.User != "vika" || tg.Password != "vika" || tg.SIPAddr != "127.0.0.1:5090" {
		t.Fatalf("FromEnv = %+v, %v", tg, ok)
	}
}

func TestASecondHolderOfTheNodeWaitsUntilTheFirstReleasesIt(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "node.lock")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	release, err := acquire(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 150*time.Millisecond)
	defer cancelShort()
	if _, err := acquire(short, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second acquire while held: %v, want a deadline error", err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := acquire(ctx, path)
		if err == nil {
			r()
		}
		got <- err
	}()
	release()
	if err := <-got; err != nil {
		t.Fatalf("second acquire after release: %v", err)
	}
}
