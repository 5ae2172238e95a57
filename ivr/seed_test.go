package ivr

import (
	"testing"
	"time"

	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// participant is one row a test puts into the database (storetest.Participant, shared with the end-to-end tests).
type participant = storetest.Participant

func seed(t *testing.T, db *store.Store, now time.Time, p participant) participant {
	t.Helper()
	return storetest.Seed(t, db, now, p)
}

func birth(y int, m time.Month, d int) time.Time { return storetest.Birth(y, m, d) }
