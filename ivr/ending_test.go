package ivr

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

// hangupSteps take a call to one step of the flow; the caller then hangs up there.
func hangupSteps(p participant) []struct {
	name string
	to   func(c *call)
} {
	toBirthDate := func(c *call) {
		c.hear("main-menu")
		c.press("1")
		c.hear("enter-id")
		c.press(p.NIK)
		c.hear("enter-birthdate")
	}
	return []struct {
		name string
		to   func(c *call)
	}{
		{"during the greeting", func(c *call) { c.hear("welcome") }},
		{"during the main menu", func(c *call) { c.hear("main-menu") }},
		{"while keying the number", func(c *call) {
			c.hear("main-menu")
			c.press("1")
			c.hear("enter-id")
			c.press(p.NIK[:7])
		}},
		{"during the birth-date question", toBirthDate},
		{"during the look-up", func(c *call) {
			toBirthDate(c)
			c.press(p.BirthKeys())
			c.hear("please-wait")
		}},
		{"during the readout", func(c *call) {
			toBirthDate(c)
			c.press(p.BirthKeys())
			c.hear("status-intro")
		}},
		{"during the after-readout menu", func(c *call) {
			toBirthDate(c)
			c.press(p.BirthKeys())
			c.hear("after-readout-menu")
		}},
		{"after a wrong key", func(c *call) {
			c.hear("main-menu")
			c.press("7")
			c.hear("invalid-key")
		}},
	}
}

func TestACallerWhoHangsUpAtAnyStepEndsTheCallCleanly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	p := seed(t, h.db, h.now, participant{Birth: birth(2001, 7, 15), Segment: jkn.SegmentPBPU, MonthlyDue: 35000})
	for i, step := range hangupSteps(p) {
		entry := []string{"165", "021165"}[i%2]
		t.Run(step.name, func(t *testing.T) {
			t.Parallel()
			call := h.dial(t, entry)
			step.to(call)
			call.hangUp() // waits for the App to let go of every goroutine of the call
			log := call.log()
			hu := log.last(calllog.KindHangup)
			if hu[calllog.FieldBy] != "caller" || hu[calllog.FieldCause] != 16 {
				t.Errorf("hang-up logged as %v, want by caller, cause 16", hu)
			}
			// A hang-up during the greeting can end the call within a millisecond at the simulator's speed: 0 ms is a
			// duration, a missing or negative one is not.
			if e := log.last(calllog.KindEnd); e == nil || e[calllog.FieldDurationMS] == nil || e[calllog.FieldDurationMS].(int64) < 0 {
				t.Errorf("end logged as %v", e)
			}
		})
	}
}

// TestNoGoroutineOutlivesACall counts every goroutine of the process before and after calls that end at each step.
// It does not run in parallel, so that other tests' goroutines do not come and go meanwhile.
func TestNoGoroutineOutlivesACall(t *testing.T) {
	h := newHarness(t, harnessConfig{})
	p := seed(t, h.db, h.now, participant{Birth: birth(1999, 9, 9), Segment: jkn.SegmentBP, MonthlyDue: 35000})
	for _, step := range hangupSteps(p)[:7] {
		t.Run("hung up "+step.name, func(t *testing.T) {
			time.Sleep(20 * time.Millisecond)
			before, _ := goroutines()
			call := h.dial(t, "165")
			step.to(call)
			call.hangUp()
			goroutinesSettle(t, before)
		})
	}
	t.Run("goodbye after too many tries", func(t *testing.T) {
		before, _ := goroutines()
		call := h.dial(t, "165")
		call.hear("main-menu")
		call.press("2")
		call.hear("enter-id")
		call.press(p.NIK)
		for range 3 {
			call.hear("enter-birthdate")
			call.press("99999999")
		}
		call.hear("too-many-tries", "goodbye")
		call.end()
		goroutinesSettle(t, before)
	})
}

func TestWhenTheDatabaseIsDownOrSlowTheCallerHearsSoAndIsOfferedAnAgent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		dir     func(t *testing.T, db *store.Store) Directory
		outcome string
	}{
		{"a closed pool", func(t *testing.T, db *store.Store) Directory {
			pool, err := pgxpool.New(context.Background(), db.Pool().Config().ConnString())
			if err != nil {
				t.Fatal(err)
			}
			pool.Close()
			return store.New(pool)
		}, LookupError},
		{"an unreachable server", func(t *testing.T, db *store.Store) Directory {
			pool, err := pgxpool.New(context.Background(), "postgres://vika@127.0.0.1:1/vika?sslmode=disable&connect_timeout=1")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			return store.New(pool)
		}, LookupError},
		{"a query slower than the deadline", func(t *testing.T, db *store.Store) Directory {
			return DirectoryFunc(func(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error) {
				_, err := db.Pool().Exec(ctx, "SELECT pg_sleep(10)")
				return jkn.Member{}, err
			})
		}, LookupTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var h *harness
			h = newHarness(t, harnessConfig{
				dir:  func(db *store.Store) Directory { return c.dir(t, db) },
				edit: func(f *dialplan.Flow) { f.Lookup.Deadline = 300 * time.Millisecond },
			})
			p := seed(t, h.db, h.now, participant{Birth: birth(1960, 5, 5), Segment: jkn.SegmentPBPU})
			call := h.dial(t, "021165")
			call.hear("main-menu")
			call.press("1")
			call.hear("enter-id")
			call.press(p.NIK)
			call.hear("enter-birthdate")
			call.press(p.BirthKeys())
			call.hear("please-wait", "system-busy")
			call.press("0")
			call.hear("transfer-agent")
			tr := call.transferred()
			if got := heardBetween(tr.HeardIDs(), "please-wait", "transfer-agent"); !slices.Equal(got, []string{"system-busy"}) {
				t.Errorf("heard %v between the wait and the transfer, want system-busy", got)
			}
			log := call.log()
			if l := log.last(calllog.KindLookup); l[calllog.FieldOutcome] != c.outcome {
				t.Errorf("look-up logged as %v, want %s", l, c.outcome)
			}
			if snap := h.app.Stats().Snapshot(); snap.Lookups[c.outcome] != 1 || snap.Outcomes[OutcomeTransferred] != 1 {
				t.Errorf("stats %+v", snap)
			}
		})
	}
}

func TestLimitsStopTheLineFromBeingUsedToTryNumbers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{edit: func(f *dialplan.Flow) {
		f.Limits.LookupsPerCall = 2
		f.Limits.FailedPerCaller = 2
	}})
	a := seed(t, h.db, h.now, participant{Birth: birth(1980, 1, 1), Segment: jkn.SegmentPBPU, MonthlyDue: 35000})
	b := seed(t, h.db, h.now, participant{Birth: birth(1981, 1, 1), Segment: jkn.SegmentBP, MonthlyDue: 35000})
	verify := func(c *call, p participant, date string) {
		c.hear("enter-id")
		c.press(p.NIK)
		c.hear("enter-birthdate")
		c.press(date)
	}

	t.Run("the look-up cap of a call ends it after the last look-up", func(t *testing.T) {
		t.Parallel()
		call := h.dial(t, "165")
		call.hear("main-menu")
		call.press("1")
		verify(call, a, a.BirthKeys())
		call.hear("after-readout-menu")
		call.press("2")
		verify(call, b, b.BirthKeys())
		call.hear("after-readout-menu")
		call.press("2")
		call.hear("lookup-limit", "goodbye")
		call.end()
		if e := call.log().last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeServed {
			t.Errorf("end logged as %v", e)
		}
	})

	t.Run("three mismatches in one call end it", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessConfig{})
		p := seed(t, h.db, h.now, participant{Birth: birth(1980, 1, 1), Segment: jkn.SegmentPBPU})
		call := h.dial(t, "021165")
		call.hear("main-menu")
		call.press("1")
		for range 3 {
			verify(call, p, "02021980")
		}
		call.hear("data-mismatch", "too-many-tries", "goodbye")
		call.end()
		if e := call.log().last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeLimited {
			t.Errorf("end logged as %v, want limited", e)
		}
	})

	t.Run("a caller number that failed too often is refused in the next call", func(t *testing.T) {
		t.Parallel()
		caller := newCaller()
		first := h.dialFrom(t, "165", caller)
		first.hear("main-menu")
		first.press("1")
		verify(first, a, "02021980")
		verify(first, a, "03031980")
		first.hear("data-mismatch", "caller-limited", "goodbye")
		first.end()

		next := h.dialFrom(t, "021165", caller)
		next.hear("main-menu")
		next.press("2")
		next.hear("caller-limited", "goodbye")
		tr := next.end()
		if slices.Contains(tr.HeardIDs(), "enter-id") {
			t.Errorf("a limited caller was asked for a number: %v", tr.HeardIDs())
		}
		other := h.dial(t, "165")
		other.hear("main-menu")
		other.press("1")
		other.hear("enter-id")
		other.hangUp()
	})
}
