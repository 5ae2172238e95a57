// Package vikabin builds the vika command once per test process, for the tests that run it as an operator does (a
// separate `vika serve`, `make install`): what they exercise is the very program that ships, flags and wiring included.
package vikabin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	bin  string
	err  error
)

// Path builds ./cmd/vika of this module (once; later calls reuse it) and returns the binary's path. A build failure
// fails the test with the compiler's output.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() { bin, err = build() })
	if err != nil {
		t.Fatalf("building vika: %v", err)
	}
	return bin
}

func build() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "vika-bin-")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "vika")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/vika")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%w\n%s", err, b)
	}
	return out, nil
}

// moduleRoot is the nearest directory above the working directory (a test's package) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test's directory")
		}
		dir = parent
	}
}
