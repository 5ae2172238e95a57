package reliability_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// memberTables hold the participants' registry: the data VIKA reads, where NIKs and birth dates belong. Every other
// table is written by calls and by the console, and is scanned.
var memberTables = map[string]bool{"participants": true, "families": true, "bills": true, "payments": true,
	"contribution_tariffs": true}

// Issue 17's privacy test: a burst of calls with random keys, identities and caller numbers through the simulator,
// the real call-log writer and vika serve's debug log; then every table written by calls, every log line and the
// spool are searched for any run of 6 or more digits taken from the identities, birth dates and caller numbers used.
// There must be none: the call log keeps numbers masked to 4+4 (identities) or the operator prefix and 2 digits
// (callers), and hashed.
//
// Digits that are part of a decimal fraction (a duration in seconds, a timestamp's microseconds) or of a long hex
// token (call ids, keyed hashes) are not compared: they are not numbers anyone keyed, and 6-digit coincidences with
// them would make the test fail by chance. A number keyed or dialled is never written inside either.
func TestAfterAFuzzedBurstOfCallsNoTableLogLineOrSpoolHoldsSixDigitsOfANumberUsed(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	r := newRig(t, 4)
	srv := r.serve(t, []string{"VIKA_LOG_LEVEL=debug"}, "--drain-timeout", "5s")
	st := openStore(t, r.dbURL())
	var people []storetest.Participant
	for range 4 {
		people = append(people, storetest.Seed(t, st, time.Now(), storetest.Participant{
			Birth:   storetest.Birth(1940+rng.IntN(80), time.Month(1+rng.IntN(12)), 1+rng.IntN(28)),
			Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	var mu sync.Mutex
	var used []string // every number dialled from or keyed in
	use := func(s ...string) {
		mu.Lock()
		defer mu.Unlock()
		for _, x := range s {
			if d := digitsOf(x); len(d) >= 6 {
				used = append(used, d)
			}
		}
	}
	for _, p := range people {
		use(p.NIK, p.Card, p.BirthKeys())
	}
	const calls, atOnce = 24, 8
	scripts := make([]fuzzedCall, calls)
	for i := range scripts {
		scripts[i] = newFuzzedCall(rng, people)
		use(scripts[i].caller)
		use(scripts[i].keys...)
	}
	sem := make(chan struct{}, atOnce)
	var wg sync.WaitGroup
	for i, sc := range scripts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			sc.run(ctx, r, i)
		})
	}
	wg.Wait()
	srv.signal(t, syscall.SIGTERM)
	if err := srv.wait(t, 60*time.Second); err != nil {
		t.Errorf("vika serve exited with %v", err)
	}

	texts := map[string]string{"vika serve's log": srv.logs.String()}
	tables := scanTables(t, st)
	for name, text := range tables {
		texts["table "+name] = text
	}
	files, _ := filepath.Glob(filepath.Join(r.spool, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		texts["spool "+filepath.Base(f)] = string(b)
	}
	var events int
	_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM call_events").Scan(&events)
	if events < calls*5 || len(srv.logLines()) < calls {
		t.Fatalf("only %d call events and %d log lines: the burst did not run", events, len(srv.logLines()))
	}
	leaks := 0
	for where, text := range texts {
		for _, run := range comparableRuns(text) {
			for _, u := range used {
				if w := sharedSix(run, u); w != "" {
					leaks++
					t.Errorf("%s holds %q, 6 digits of %s used in the burst (in %q)", where, w, jkn.Mask(u), run)
				}
			}
		}
	}
	t.Logf("%d calls, %d numbers used, %d call events, %d log lines, %d tables scanned (%v), %d spool files: %d runs of 6 digits from them",
		calls, len(used), events, len(srv.logLines()), len(tables), keys(tables), len(files), leaks)
}

// fuzzedCall is one caller's random behaviour: where they dial from, and what they key at each prompt.
type fuzzedCall struct {
	exten, caller string
	keys          []string // pressed one per prompt heard: at the main menu, the identity, the birth date, the next menu
}

func newFuzzedCall(rng *rand.Rand, people []storetest.Participant) fuzzedCall {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	c := fuzzedCall{exten: []string{"165", "021165"}[rng.IntN(2)]}
	switch rng.IntN(3) {
	case 0:
		c.caller = "08" + digits(8+rng.IntN(4))
	case 1:
		c.caller = "+628" + digits(8+rng.IntN(3))
	default:
		c.caller = "021" + digits(7+rng.IntN(2))
	}
	p := people[rng.IntN(len(people))]
	service := []string{"1", "2"}[rng.IntN(2)]
	switch rng.IntN(5) {
	case 0: // who they say they are
		c.keys = []string{service, p.NIK, p.BirthKeys(), "9"}
	case 1: // the card number and a wrong birth date, ended with #
		c.keys = []string{service, p.Card + "#", digits(8), digits(8)}
	case 2: // the NIK typed at the main menu, before choosing
		c.keys = []string{p.NIK + service, p.NIK, p.BirthKeys(), "0"}
	case 3: // a random number, stars and hashes mixed in
		junk := digits(4 + rng.IntN(14))
		i := rng.IntN(len(junk))
		c.keys = []string{service, junk[:i] + []string{"*", "#", ""}[rng.IntN(3)] + junk[i:], digits(8) + "#", digits(3)}
	default: // keys at random everywhere
		c.keys = []string{digits(1 + rng.IntN(12)), digits(1 + rng.IntN(17)), digits(1 + rng.IntN(9)), digits(1 + rng.IntN(3))}
	}
	return c
}

// run places the call and presses each key string as a prompt starts, then hangs up. Where the flow goes does not
// matter: the numbers keyed must stay out of every log whatever it makes of them.
func (c fuzzedCall) run(ctx context.Context, r *rig, n int) {
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	call, err := r.phone.Dial(ctx, c.exten, c.caller)
	if err != nil {
		return
	}
	defer call.Hangup(context.Background())
	for _, k := range c.keys {
		if _, err := call.WaitAnyPrompt(ctx); err != nil {
			return
		}
		if err := call.Press(ctx, k, phone.NoWait()); err != nil {
			return
		}
	}
	_, _ = call.WaitAnyPrompt(ctx)
}

// scanTables renders every row of every table but the member registry as text, one entry per table.
func scanTables(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := st.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range names {
		if memberTables[name] {
			continue
		}
		rows, err := st.Pool().Query(ctx, "SELECT t::text FROM "+pgx.Identifier{name}.Sanitize()+" t")
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		out[name] = strings.Join(lines, "\n")
	}
	return out
}

var (
	digitRun = regexp.MustCompile(`[0-9]{6,}`)
	hexToken = regexp.MustCompile(`[0-9a-fA-F]{20,}`)
)

// comparableRuns are the runs of 6 or more digits in text, leaving out those inside a decimal fraction or a long
// hex token.
func comparableRuns(text string) []string {
	text = hexToken.ReplaceAllString(text, "#")
	var out []string
	for _, loc := range digitRun.FindAllStringIndex(text, -1) {
		if loc[0] > 0 && text[loc[0]-1] == '.' {
			continue // 0.300684301 s, .123456 µs
		}
		out = append(out, text[loc[0]:loc[1]])
	}
	return out
}

// sharedSix returns a run of 6 digits that a and b both contain, or "".
func sharedSix(a, b string) string {
	for i := 0; i+6 <= len(b); i++ {
		if strings.Contains(a, b[i:i+6]) {
			return b[i : i+6]
		}
	}
	return ""
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// The scan itself: it must find a number written whole or in part, and must not be fooled by its masks, its hash,
// or digits that merely look alike inside a fraction or a hex id.
func TestTheLeakScanFindsSixDigitsOfANumberButNotItsMaskHashOrAFraction(t *testing.T) {
	nik := "3174011708850001"
	for text, leak := range map[string]bool{
		`{"masked":"3174********0001"}`:                               false,
		`{"caller_masked":"0812******01"}`:                            false,
		`{"hash":"` + jkn.HashID([]byte("k"), nik) + `"}`:             false,
		`"duration":0.117088500,"call_id":"a1174011708850b2c3d4e5f6"`: false,
		`{"digits":"3174011708850001"}`:                               true,
		`GET /ari/channels?nik=1708850`:                               true,
		`key 011708 pressed`:                                          true,
	} {
		found := false
		for _, run := range comparableRuns(text) {
			found = found || sharedSix(run, nik) != ""
		}
		if found != leak {
			t.Errorf("scan of %s: found %v, want %v", text, found, leak)
		}
	}
}
