package ivr

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// These tests run calls through the real call-log writer (store.CallLog on PostgreSQL), as `vika serve` does, and
// read back what a supervisor would: the calls row and the call's timeline.

var testHashKey = []byte("test-key") // the App's WithHashKey in newHarness, and the writer's caller-number key

// loggedCalls is three calls made with the real writer: key 1 (status, then the caller hangs up at the
// after-readout menu), key 2 with the card number (bill, then an agent), and key 1 hung up during the readout.
type loggedCalls struct {
	h       *harness
	p       participant
	logs    *observer.ObservedLogs
	status  *call // key 1
	bill    *call // key 2
	cut     *call // hung up mid-readout
	callers map[*call]string
}

func placeLoggedCalls(t *testing.T) *loggedCalls {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	logger := zap.New(core)
	db := storetest.NewDB(t)
	writer := store.NewCallLog(db.Pool(), logger, store.CallLogOptions{HashKey: testHashKey,
		FlushInterval: 10 * time.Millisecond})
	h := newHarness(t, harnessConfig{db: db, sink: writer, logger: logger})
	lc := &loggedCalls{h: h, logs: logs, callers: map[*call]string{}}
	lc.p = seed(t, h.db, h.now, participant{Birth: birth(1987, 3, 14), Segment: jkn.SegmentPBPU, MonthlyDue: 35000,
		Arrears: 5})
	dial := func(entry string) *call {
		caller := newCaller()
		c := h.dialFrom(t, entry, caller)
		lc.callers[c] = caller
		return c
	}
	verify := func(c *call, service, number string) {
		c.hear("main-menu")
		c.press(service)
		c.hear("enter-id")
		c.press(number)
		c.hear("enter-birthdate")
		c.press(lc.p.BirthKeys())
		c.hear("please-wait")
	}

	lc.status = dial("165")
	verify(lc.status, "1", lc.p.NIK)
	lc.status.hear("after-readout-menu")
	lc.status.hangUp()

	lc.bill = dial("021165")
	verify(lc.bill, "2", lc.p.Card+"#")
	lc.bill.hear("after-readout-menu")
	lc.bill.press("0")
	lc.bill.hear("transfer-agent")
	lc.bill.transferred()

	lc.cut = dial("165")
	verify(lc.cut, "1", lc.p.NIK)
	lc.cut.hear("status-intro")
	lc.cut.hangUp()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := writer.Close(ctx); err != nil {
		t.Fatalf("closing the call log: %v", err)
	}
	return lc
}

// row finds the calls row of a call by its caller number's hash, as a supervisor searches.
func (lc *loggedCalls) row(t *testing.T, c *call) store.Call {
	t.Helper()
	rows, err := lc.h.db.ListCalls(context.Background(), store.CallFilter{CallerHash: jkn.HashID(testHashKey, lc.callers[c])})
	if err != nil || len(rows) != 1 {
		t.Fatalf("calls from %s: %+v, %v; want one", calllog.MaskCaller(lc.callers[c]), rows, err)
	}
	return rows[0]
}

func TestTheCallLogInPostgreSQLHoldsEachCallsRowAndTimeline(t *testing.T) {
	t.Parallel()
	lc := placeLoggedCalls(t)
	p := lc.p
	cases := []struct {
		name           string
		call           *call
		entry, outcome string
		hangupBy       string // "" for a call that left for the agents: it has no hang-up of its own
		timeline       []string
	}{
		{"key 1, hung up at the after-readout menu", lc.status, "mobile", OutcomeServed, "caller", []string{
			"arrival", "prompt:welcome:whole", "prompt:main-menu", "key:1", "menu:main:1", "prompt:enter-id",
			"key:x", "identity:nik:" + jkn.Mask(p.NIK) + ":" + jkn.HashID(testHashKey, p.NIK),
			"prompt:enter-birthdate", "key:x", "menu:birthdate:entered", "prompt:please-wait:whole", "lookup:found",
			"menu:readout:lookup_status", "prompt:status-intro:whole", "prompt:after-readout-menu:cut", "hangup:16:caller",
			"end:" + OutcomeServed}},
		{"key 2 by card number, then an agent", lc.bill, "landline", OutcomeTransferred, "", []string{
			"arrival", "prompt:main-menu", "key:2", "menu:main:2", "key:x", "key:#",
			"identity:card:" + jkn.Mask(p.Card) + ":" + jkn.HashID(testHashKey, p.Card), "lookup:found",
			"menu:readout:lookup_bill", "key:0", "menu:after_readout:0", "prompt:transfer-agent", "transfer",
			"end:" + OutcomeTransferred}},
		{"key 1, hung up during the readout", lc.cut, "mobile", OutcomeServed, "caller", []string{
			"arrival", "identity:nik:" + jkn.Mask(p.NIK) + ":" + jkn.HashID(testHashKey, p.NIK), "lookup:found",
			"prompt:status-intro:cut", "hangup:16:caller", "end:" + OutcomeServed}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row := lc.row(t, c.call)
			caller := lc.callers[c.call]
			if row.Entry != c.entry || row.Outcome != c.outcome || row.HangupBy != c.hangupBy ||
				row.CallerMasked != calllog.MaskCaller(caller) || row.EndedAt == nil || row.DurationMS == nil || *row.DurationMS <= 0 {
				t.Errorf("calls row %+v; want entry %s, outcome %s, hung up by %q, caller %s, an end and a duration",
					row, c.entry, c.outcome, c.hangupBy, calllog.MaskCaller(caller))
			}
			if c.hangupBy != "" && row.HangupCause != "16" {
				t.Errorf("hang-up cause %q, want 16 (normal clearing)", row.HangupCause)
			}
			if d := row.EndedAt.Sub(row.StartedAt).Milliseconds(); *row.DurationMS < d-50 || *row.DurationMS > d+50 {
				t.Errorf("duration %d ms, but the call ran from %s to %s", *row.DurationMS, row.StartedAt, row.EndedAt)
			}
			events, err := lc.h.db.CallEvents(context.Background(), row.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(t, events)
			if !isSubsequence(c.timeline, got) {
				t.Errorf("timeline\n%s\nlacks, in this order,\n%s", strings.Join(got, "\n"), strings.Join(c.timeline, "\n"))
			}
		})
	}
}

// describe renders a stored timeline as "kind:details" lines, after checking that its seq runs 1, 2, 3...
// without a gap (a gap is a lost event) and that it starts with the arrival and ends with the end.
func describe(t *testing.T, events []calllog.Event) []string {
	t.Helper()
	var out []string
	for i, e := range events {
		if e.Seq != i+1 {
			t.Fatalf("event %d has seq %d: the timeline has a gap", i, e.Seq)
		}
		f := e.Fields
		line := string(e.Kind)
		switch e.Kind {
		case calllog.KindPrompt:
			line += ":" + fmt.Sprint(f[calllog.FieldID])
			if cut, ok := f[calllog.FieldCut].(bool); !ok {
				t.Errorf("prompt event without a cut flag: %v", f)
			} else if cut {
				line += ":cut"
			}
		case calllog.KindKey:
			line += ":" + fmt.Sprint(f[calllog.FieldDigit])
		case calllog.KindMenu:
			line += ":" + fmt.Sprint(f[calllog.FieldMenu], ":", f[calllog.FieldChoice])
		case calllog.KindIdentity:
			line += ":" + fmt.Sprint(f[calllog.FieldKind], ":", f[calllog.FieldMasked], ":", f[calllog.FieldHash])
		case calllog.KindLookup:
			line += ":" + fmt.Sprint(f[calllog.FieldOutcome])
			if _, ok := f[calllog.FieldLatencyMS].(float64); !ok {
				t.Errorf("look-up event without a latency: %v", f)
			}
		case calllog.KindHangup:
			line += ":" + fmt.Sprint(f[calllog.FieldCause], ":", f[calllog.FieldBy])
		case calllog.KindEnd:
			line += ":" + fmt.Sprint(f[calllog.FieldOutcome])
		}
		out = append(out, line)
	}
	if len(out) < 2 || out[0] != "arrival" || !strings.HasPrefix(out[len(out)-1], "end:") {
		t.Fatalf("timeline %v does not run from arrival to end", out)
	}
	return out
}

// isSubsequence says whether want appears in got in order, other lines allowed between. A wanted prompt matches
// whether or not it was cut, unless it says ":cut" (it must have been) or ":whole" (it must not).
func isSubsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && lineMatches(want[i], g) {
			i++
		}
	}
	return i == len(want)
}

func lineMatches(want, got string) bool {
	if w, ok := strings.CutSuffix(want, ":whole"); ok {
		return got == w
	}
	return got == want || strings.HasPrefix(want, "prompt:") && !strings.HasSuffix(want, ":cut") && got == want+":cut"
}

func TestNoFullNumberOrBirthDateReachesTheDatabaseOrTheLogs(t *testing.T) {
	t.Parallel()
	lc := placeLoggedCalls(t)
	secrets := map[string]string{"NIK": lc.p.NIK, "card number": lc.p.Card, "birth date as keyed": lc.p.BirthKeys()}
	for c, caller := range lc.callers {
		secrets["caller number of "+c.LineID] = caller
	}
	ctx := context.Background()
	for _, col := range textColumns(t, lc.h.db) {
		for what, secret := range secrets {
			var n int
			q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s::text LIKE '%%' || $1 || '%%'",
				pgx.Identifier{col.table}.Sanitize(), pgx.Identifier{col.column}.Sanitize())
			if err := lc.h.db.Pool().QueryRow(ctx, q, secret).Scan(&n); err != nil {
				t.Fatalf("%s.%s: %v", col.table, col.column, err)
			}
			if n > 0 {
				t.Errorf("%d rows of %s.%s hold the %s", n, col.table, col.column, what)
			}
		}
	}
	entries := lc.logs.All()
	if len(entries) == 0 {
		t.Fatal("no log lines observed: the scan would prove nothing")
	}
	for _, e := range entries {
		line := e.Message + " " + fmt.Sprint(e.ContextMap())
		for what, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("log line holds the %s: %s", what, line)
			}
		}
	}
}

type tableColumn struct{ table, column string }

// textColumns lists every text-like column of every table, except the participant directory itself, whose rows
// are the numbers and birth dates by design (the seed put them there; no call writes to it).
func textColumns(t *testing.T, db *store.Store) []tableColumn {
	t.Helper()
	rows, err := db.Pool().Query(context.Background(), `
		SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t USING (table_schema, table_name)
		WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
		AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tableColumn, error) {
		var c tableColumn
		return c, r.Scan(&c.table, &c.column)
	})
	if err != nil {
		t.Fatal(err)
	}
	cols = slices.DeleteFunc(cols, func(c tableColumn) bool { return c.table == "participants" })
	if !slices.Contains(cols, tableColumn{"call_events", "fields"}) || !slices.Contains(cols, tableColumn{"calls", "caller_masked"}) {
		t.Fatalf("the scan misses the call log: %v", cols)
	}
	return cols
}
