// Package doctor runs the checks an operator wants on a new box before starting vika: each check gives one line
// (ok, warn or FAIL, and what it found) and, when it is not ok, one line of what to do. It knows how to ask Asterisk's
// ARI over plain HTTP (reachable, credentials, the app's name, the dialplan, the prompts) and how to judge a clock;
// the command that runs it adds the checks that need vika's configuration and database.
package doctor

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Status is a check's verdict.
type Status int

const (
	OK   Status = iota
	Warn        // works, but not as it should in production, or cannot be told from here
	Fail        // vika will not work until it is fixed
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	}
	return "FAIL"
}

// Result is what a check found, and what to do when it is not ok.
type Result struct {
	Status Status
	Detail string
	Fix    string
}

// Check is one named check.
type Check struct {
	Name string
	Run  func(ctx context.Context) Result
}

// Ok, Warnf and Failf build Results.
func Ok(format string, args ...any) Result {
	return Result{Status: OK, Detail: fmt.Sprintf(format, args...)}
}

func Warnf(fix, format string, args ...any) Result {
	return Result{Status: Warn, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

func Failf(fix, format string, args ...any) Result {
	return Result{Status: Fail, Detail: fmt.Sprintf(format, args...), Fix: fix}
}

// Run runs the checks in order, each within timeout, writes a line for each (and a "fix:" line under each that is
// not ok) and returns how many failed.
func Run(ctx context.Context, w io.Writer, timeout time.Duration, checks []Check) (failed int) {
	width := 0
	for _, c := range checks {
		width = max(width, len(c.Name))
	}
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		r := c.Run(cctx)
		cancel()
		if r.Status == Fail {
			failed++
		}
		fmt.Fprintf(w, "%-4s  %-*s  %s\n", r.Status, width, c.Name, r.Detail)
		if r.Status != OK && r.Fix != "" {
			fmt.Fprintf(w, "      %-*s  fix: %s\n", width, "", r.Fix)
		}
	}
	return failed
}
