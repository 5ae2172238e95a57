package main

import (
	"os"
	"testing"
)

// TestMain lets a test run this very binary as `vika` (VIKA_TEST_RUN_MAIN=1): several instances in separate
// processes, each stopped by a real SIGTERM and its ARI WebSocket closed by its exit, as in production. (In one
// process a stopped serve's ARI client cannot be closed without a data race in ari v5.3.1: see nodes.go.)
func TestMain(m *testing.M) {
	if os.Getenv("VIKA_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
