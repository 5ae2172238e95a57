package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestThePromptEndsWhenTheDemoIsInterruptedThoughNothingIsTyped(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe() // a terminal where nobody types
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan bool)
	go func() {
		_, ok := readLine(ctx, readInput(r))
		done <- ok
	}()
	cancel() // what SIGINT or SIGTERM does to the demo's context
	select {
	case ok := <-done:
		if ok {
			t.Fatal("an interrupted prompt returned a line")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the prompt still waits for input after Ctrl-C/SIGTERM")
	}
}

func TestAKeyTypedAfterACallReachesTheNextPrompt(t *testing.T) {
	t.Parallel()
	keys := readInput(strings.NewReader("5q\n"))
	if k := <-keys; k != '5' { // the call takes its key
		t.Fatalf("the call got %q", k)
	}
	// The call is over; nothing else may have taken the next key.
	if line, ok := readLine(context.Background(), keys); !ok || line != "q" {
		t.Fatalf("the prompt read %q, %v; want q", line, ok)
	}
}

func TestABlankScriptIsRejectedBeforeAnythingStarts(t *testing.T) {
	start := time.Now()
	out, err := runVika(t, map[string]string{"DATABASE_URL": "", "VIKA_ADMIN_ADDR": "127.0.0.1:0"}, "demo", "--script", "   ")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "--script" {
		t.Fatalf("demo --script '   ': %v, want a ConfigError naming --script", err)
	}
	if strings.Contains(out, "PostgreSQL") || time.Since(start) > 5*time.Second {
		t.Fatalf("the demo started things before rejecting the script (%s):\n%s", time.Since(start), out)
	}
}
