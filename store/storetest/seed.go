package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

// Participant is one row a test puts into the database, with the family's bills.
type Participant struct {
	Birth       time.Time
	Female      bool
	Segment     jkn.Segment
	Class       int
	Status      jkn.Status
	MonthlyDue  int64 // this month's bill for the family (0: no bill rows at all)
	Arrears     int   // unpaid months before this one, each of MonthlyDue
	CurrentPaid bool
	PaidSoFar   int64 // a part of this month's bill paid on the 2nd (CurrentPaid false)
	NotBilled   bool  // this month's bill is not issued yet (the arrears are)

	// Set by Seed:
	NIK, Card string
}

// BirthKeys is the birth date as the caller keys it, DDMMYYYY.
func (p Participant) BirthKeys() string { return p.Birth.Format("02012006") }

var seedSeq atomic.Int64

// Seed inserts p with a NIK and card number no other test of this process uses, structurally valid (Jakarta
// Selatan, the birth date embedded, a fresh serial), and the family's bills around now's month. Tests that share one
// database across processes (the real-Asterisk tests) must use their own database, as NewDB gives.
func Seed(t testing.TB, db *store.Store, now time.Time, p Participant) Participant {
	t.Helper()
	n := seedSeq.Add(1)
	p.NIK = "317401" + jkn.NIKDate(p.Birth, p.Female) + fmt.Sprintf("%04d", n%10000)
	p.Card = fmt.Sprintf("0001%09d", n)
	if p.Class == 0 {
		p.Class = 3
	}
	sex := "L"
	if p.Female {
		sex = "P"
	}
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	exec(`INSERT INTO families (id, virtual_account) VALUES ($1, $2)`, n, "88888"+p.Card[2:])
	exec(`INSERT INTO participants (card_number, nik, name, birth_date, sex, family_id, segment, class, status_code, fktp)
		VALUES ($1, $2, 'Peserta Uji', $3, $4, $5, $6, $7, $8, 'Puskesmas Uji')`,
		p.Card, p.NIK, p.Birth, sex, n, string(p.Segment), p.Class, int(p.Status))
	if p.MonthlyDue == 0 {
		return p
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i <= p.Arrears; i++ {
		period := month.AddDate(0, -i, 0)
		if i == 0 && p.NotBilled {
			continue
		}
		exec(`INSERT INTO bills (family_id, period, amount) VALUES ($1, $2, $3)`, n, period, p.MonthlyDue)
	}
	// A paid month a year back, so the family has a history that must not count.
	old := month.AddDate(0, -(p.Arrears + 1), 0)
	exec(`INSERT INTO bills (family_id, period, amount) VALUES ($1, $2, $3)`, n, old, p.MonthlyDue)
	exec(`INSERT INTO payments (family_id, period, paid_at, amount) VALUES ($1, $2, $3, $4)`, n, old, old.AddDate(0, 0, 5), p.MonthlyDue)
	if p.CurrentPaid {
		exec(`INSERT INTO payments (family_id, period, paid_at, amount) VALUES ($1, $2, $3, $4)`, n, month, month.AddDate(0, 0, 2), p.MonthlyDue)
	}
	if p.PaidSoFar > 0 {
		exec(`INSERT INTO payments (family_id, period, paid_at, amount) VALUES ($1, $2, $3, $4)`, n, month, month.AddDate(0, 0, 1), p.PaidSoFar)
	}
	return p
}

// Birth is a date of birth as the store keeps it.
func Birth(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
