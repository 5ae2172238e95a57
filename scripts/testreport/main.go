// Command testreport reads `go test -json` on stdin and prints what a person reading a CI log needs: one line per
// package, the whole output of every failing test, and the real-Asterisk and SIP tests by name with their counts (so a
// run that silently skipped them shows it). It exits 1 when anything failed, whatever the log says.
//
//	go test -json ./... | go run ./scripts/testreport
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

// The lines package asterisksim/lab logs for a test on the real Asterisk (lab.Marker), or skipped without one.
const (
	realMarker = "lab: real Asterisk at"
	skipMarker = "real Asterisk: skipped"
	skipSIP    = "real Asterisk over SIP: skipped"
)

// isReal: the test, or a test it runs under, logged that it uses (or skipped) the real Asterisk.
func isReal(marked map[string]bool, pkg, test string) bool {
	parts := strings.Split(test, "/")
	for i := range parts {
		if marked[pkg+"\x00"+strings.Join(parts[:i+1], "/")] {
			return true
		}
	}
	return false
}

func main() {
	out := map[string][]string{} // package + "\x00" + test → output
	var failed []string
	real := map[string][]string{} // action → test names
	marked := map[string]bool{}   // package + "\x00" + test → it used the real Asterisk
	bad := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			fmt.Println(string(line)) // the go command's own messages (build errors, downloads)
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "output":
			out[key] = append(out[key], e.Output)
			if strings.Contains(e.Output, realMarker) || strings.Contains(e.Output, skipMarker) || strings.Contains(e.Output, skipSIP) {
				marked[key] = true
			}
		case "pass", "fail", "skip":
			if e.Test == "" {
				switch e.Action {
				case "fail":
					bad = true
					fmt.Printf("FAIL\t%s\t%.1fs\n", e.Package, e.Elapsed)
					if len(failed) == 0 || !strings.HasPrefix(failed[len(failed)-1], e.Package+"\x00") {
						fmt.Print(strings.Join(out[key], "")) // build failure, panic outside a test, timeout
					}
				case "pass":
					fmt.Printf("ok\t%s\t%.1fs\n", e.Package, e.Elapsed)
				}
				continue
			}
			if isReal(marked, e.Package, e.Test) {
				real[e.Action] = append(real[e.Action], e.Package[strings.LastIndex(e.Package, "/")+1:]+"."+e.Test)
			}
			if e.Action == "fail" {
				bad = true
				failed = append(failed, key)
				fmt.Printf("--- FAIL: %s.%s (%.1fs)\n%s", e.Package, e.Test, e.Elapsed, strings.Join(out[key], ""))
			}
			if e.Action != "fail" {
				delete(out, key)
			}
		}
	}
	fmt.Println()
	for _, action := range []string{"pass", "fail", "skip"} {
		names := real[action]
		sort.Strings(names)
		fmt.Printf("real-Asterisk/SIP tests %s: %d\n", map[string]string{"pass": "passed", "fail": "FAILED", "skip": "skipped"}[action], len(names))
		for _, n := range names {
			fmt.Printf("  %s\n", n)
		}
	}
	if bad {
		os.Exit(1)
	}
}
