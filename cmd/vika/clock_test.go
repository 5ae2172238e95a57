package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

var jakarta = time.FixedZone("WIB", 7*3600)

// 00:30 WIB on 1 November is 17:30 on 31 October in UTC: what time.Now gives on a server running with TZ=UTC. The
// year is one no test machine's clock is in any more, so the real clock cannot stand in for the one under test.
var novemberFirstHalfPastMidnight = time.Date(2025, 11, 1, 0, 30, 0, 0, jakarta)

func TestServeOnAServerInUTCReadsNovembersBillAtHalfPastMidnightOnTheFirstInJakarta(t *testing.T) {
	t.Parallel()
	st := storetest.NewDB(t)
	// November's bill is unpaid and October's was paid: October's month would be read as "sudah Anda bayar".
	p := storetest.Seed(t, st, novemberFirstHalfPastMidnight, storetest.Participant{Birth: storetest.Birth(1984, 4, 4),
		Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000})
	a := testApp(t, storetest.URL(t, st))
	serverUTC := novemberFirstHalfPastMidnight.UTC()
	start := time.Now()
	a.now = func() time.Time { return serverUTC.Add(time.Since(start)) }
	_, ac := startSim(t, soundsWithout(t))
	a.speed = 20

	ctx, ph, stop := serveWithPhone(t, a, ac)
	call, err := ph.Dial(ctx, "165", "081211112222")
	for _, step := range []struct{ wait, keys string }{
		{"main-menu", "2"}, {"enter-id", p.NIK}, {"enter-birthdate", p.BirthKeys()}, {"after-readout-menu", ""},
	} {
		if err == nil {
			_, err = call.WaitPrompt(ctx, step.wait)
		}
		if err == nil && step.keys != "" {
			err = call.Press(ctx, step.keys)
		}
	}
	if err == nil {
		err = call.Hangup(ctx)
	}
	_ = stop()
	if err != nil {
		t.Fatalf("the call: %v\n%s", err, call.Transcript())
	}
	heard := call.Transcript().HeardIDs()
	want := slices.Concat([]string{"bill-this-month"}, prompts.Money(35000), []string{"bill-no-arrears", "bill-due"},
		prompts.Date(time.Date(2025, 11, 10, 0, 0, 0, 0, jakarta)))
	if i := slices.Index(heard, "bill-this-month"); i < 0 || !slices.Equal(heard[i:min(len(heard), i+len(want))], want) {
		t.Fatalf("the caller heard %q\nwant November's bill: %q", prompts.Text(heard), prompts.Text(want))
	}
}

func TestAWrongDemoNowNamesTheFlag(t *testing.T) {
	a := newApp()
	err := setDemoClock(a, "1 November 2026")
	if err == nil || !strings.Contains(err.Error(), "--now") {
		t.Fatalf("setDemoClock = %v, want an error naming --now", err)
	}
}

// The acceptance: `TZ=UTC vika demo --now 2026-11-01T00:30:00+07:00 --script ...` reads November's bill (here
// 2025's, a November no machine is in). The demo's clock gives the instant in the process's own zone, as time.Now
// would on that server; run the package with TZ=UTC to be that server.
func TestTheDemoAtHalfPastMidnightOnTheFirstInJakartaSeedsAndReadsNovember(t *testing.T) {
	dbURL := storetest.NewEmptyDB(t)
	sample := seededSampleAt(t, dbURL, 1500, novemberFirstHalfPastMidnight, func(s store.Sample) bool {
		return s.Status == jkn.StatusInactiveArrears // this month is never paid: the due date is always read
	})
	script := "165 2 " + sample.NIK + " " + sample.BirthDate.Format("02012006") + " h"
	out, err := runVika(t, map[string]string{"DATABASE_URL": dbURL, "VIKA_ADMIN_ADDR": "127.0.0.1:0", "VIKA_LOG_LEVEL": "error"},
		"demo", "--participants", "1500", "--seed", "1", "--speed", "25", "--now", novemberFirstHalfPastMidnight.Format(time.RFC3339),
		"--script", script)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	var played []string
	for _, line := range strings.Split(out, "\n") {
		if _, after, ok := strings.Cut(line, "▶ "); ok {
			played = append(played, strings.Fields(after)[0])
		}
	}
	due := append([]string{"bill-due"}, prompts.Date(time.Date(2025, 11, 10, 0, 0, 0, 0, jakarta))...)
	if i := slices.Index(played, "bill-due"); i < 0 || !slices.Equal(played[i:min(len(played), i+len(due))], due) {
		t.Fatalf("the demo did not read the due date 10 November 2025 (%q):\n%s", prompts.Text(due), out)
	}
}

func seededSampleAt(t *testing.T, dbURL string, n int, now time.Time, pick func(store.Sample) bool) store.Sample {
	t.Helper()
	if err := store.Migrate(t.Context(), dbURL); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := store.Seed(t.Context(), st.Pool(), store.SeedOptions{Participants: n, Seed: 1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rep.Samples {
		if pick(s) {
			return s
		}
	}
	t.Fatal("no sample fits")
	return store.Sample{}
}
