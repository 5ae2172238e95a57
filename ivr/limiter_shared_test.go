package ivr

import (
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/dialplan"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestTwoInstancesOnOneDatabaseShareTheLimitOfACallerNumber(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	instance := func() *harness { // its own Asterisk node, its own App, the one database
		return newHarness(t, harnessConfig{db: db, edit: func(f *dialplan.Flow) { f.Limits.FailedPerCaller = 2 },
			limiter: store.NewCallerLimiter(db.Pool(), testHashKey, 2, time.Hour)})
	}
	first, second := instance(), instance()
	p := seed(t, db, first.now, participant{Birth: birth(1983, 4, 4), Segment: jkn.SegmentPBPU})
	caller := newCaller()

	call := first.dialFrom(t, "165", caller)
	call.hear("main-menu")
	call.press("1")
	for _, wrong := range []string{"05041983", "06041983"} {
		call.hear("enter-id")
		call.press(p.NIK)
		call.hear("enter-birthdate")
		call.press(wrong)
	}
	call.hear("data-mismatch", "caller-limited", "goodbye")
	call.end()

	next := second.dialFrom(t, "021165", caller)
	next.hear("main-menu")
	next.press("1")
	next.hear("caller-limited", "goodbye")
	next.end()
	if e := next.log().last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeLimited {
		t.Errorf("the call to the other instance ended as %v, want limited", e)
	}
}
