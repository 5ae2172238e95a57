package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

var wib = time.FixedZone("WIB", 7*3600)

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, wib) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// book writes hand-made families, bills and payments, so each look-up test states its own data.
type book struct {
	t *testing.T
	s *store.Store
}

func newBook(t *testing.T) book { return book{t: t, s: storetest.NewDB(t)} }

func (b book) exec(sql string, args ...any) {
	b.t.Helper()
	if _, err := b.s.Pool().Exec(context.Background(), sql, args...); err != nil {
		b.t.Fatalf("%s: %v", sql, err)
	}
}

// member adds a one-person family (id fid) with a NIK and card derived from fid.
func (b book) member(fid int64, seg jkn.Segment, status jkn.Status) (nik, card string) {
	nik = "35070145019" + pad5(fid)
	card = "00019443" + pad5(fid)
	b.exec("INSERT INTO families (id, virtual_account) VALUES ($1, $2)", fid, "88888"+card[2:])
	b.exec(`INSERT INTO participants (card_number, nik, name, birth_date, sex, family_id, segment, class, status_code,
		fktp) VALUES ($1, $2, 'Siti Rahayu', $3, 'P', $4, $5, 3, $6, 'Puskesmas Sukajadi')`,
		card, nik, birth, fid, string(seg), int(status))
	return nik, card
}

var birth = day(1990, time.January, 5)

func pad5(n int64) string {
	s := "00000" + itoa(n)
	return s[len(s)-5:]
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func (b book) bill(fid int64, y int, m time.Month, amount int64) {
	b.t.Helper()
	b.exec("INSERT INTO bills (family_id, period, amount) VALUES ($1, $2, $3)", fid, day(y, m, 1), amount)
}

func (b book) pay(fid int64, y int, m time.Month, paidAt time.Time, amount int64) {
	b.t.Helper()
	b.exec("INSERT INTO payments (family_id, period, paid_at, amount) VALUES ($1, $2, $3, $4)",
		fid, day(y, m, 1), paidAt, amount)
}

func (b book) lookup(nik string, now time.Time) jkn.Member {
	b.t.Helper()
	m, err := b.s.LookupMember(context.Background(), jkn.IDNIK, nik, birth, now)
	if err != nil {
		b.t.Fatalf("lookup: %v", err)
	}
	return m
}

type owed struct {
	due     int64
	paidNow bool
	months  int
	total   int64
}

func got(m jkn.Member) owed {
	return owed{m.MonthlyDue, m.CurrentMonthPaid, m.MonthsInArrears, m.TotalOwed}
}

func TestAPaymentOnTheEleventhStillSettlesTheMonth(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.bill(1, 2026, time.February, 35000)
	b.pay(1, 2026, time.February, at(2026, time.February, 11, 9, 0), 35000) // a day after the due date
	b.bill(1, 2026, time.March, 35000)
	b.pay(1, 2026, time.March, at(2026, time.March, 11, 9, 0), 35000)
	m := b.lookup(nik, at(2026, time.March, 15, 12, 0))
	if want := (owed{35000, true, 0, 0}); got(m) != want {
		t.Fatalf("got %+v, want %+v", got(m), want)
	}
}

func TestThisMonthIsOwedButNotInArrearsEvenAfterTheTenth(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.bill(1, 2026, time.March, 35000)
	tests := []struct {
		name string
		now  time.Time
	}{
		{"on the due date", at(2026, time.March, 10, 23, 59)},
		{"the day after the due date", at(2026, time.March, 11, 0, 1)},
		{"on the last evening of the month", at(2026, time.March, 31, 23, 59)},
	}
	for _, tt := range tests {
		m := b.lookup(nik, tt.now)
		if want := (owed{35000, false, 0, 35000}); got(m) != want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got(m), want)
		}
		if want := at(2026, time.March, 10, 0, 0); !m.DueDate.Equal(want) {
			t.Errorf("%s: due %v, want %v", tt.name, m.DueDate, want)
		}
	}
}

func TestAnUnpaidMonthFallsIntoArrearsWhenTheNextMonthBegins(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentBP, jkn.StatusActive)
	b.bill(1, 2026, time.February, 35000)
	b.bill(1, 2026, time.March, 35000)
	before := b.lookup(nik, at(2026, time.February, 28, 23, 59))
	if want := (owed{35000, false, 0, 35000}); got(before) != want {
		t.Fatalf("28 Feb: got %+v, want %+v", got(before), want)
	}
	after := b.lookup(nik, at(2026, time.March, 1, 0, 0))
	if want := (owed{35000, false, 1, 70000}); got(after) != want {
		t.Fatalf("1 Mar: got %+v, want %+v", got(after), want)
	}
}

func TestAPaymentMadeAfterTheMomentAskedAboutDoesNotCount(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.bill(1, 2026, time.February, 35000)
	b.bill(1, 2026, time.March, 35000)
	b.pay(1, 2026, time.February, at(2026, time.March, 20, 10, 0), 35000) // paid late, on 20 March
	m := b.lookup(nik, at(2026, time.March, 15, 12, 0))
	if want := (owed{35000, false, 1, 70000}); got(m) != want {
		t.Fatalf("on 15 March: got %+v, want %+v", got(m), want)
	}
	m = b.lookup(nik, at(2026, time.March, 20, 10, 0))
	if want := (owed{35000, false, 0, 35000}); got(m) != want {
		t.Fatalf("on 20 March: got %+v, want %+v", got(m), want)
	}
}

func TestAPartPaymentLeavesTheMonthUnpaidUntilTheRestArrives(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.bill(1, 2026, time.February, 70000)
	b.pay(1, 2026, time.February, at(2026, time.February, 5, 10, 0), 35000)
	if m := b.lookup(nik, at(2026, time.March, 2, 8, 0)); m.MonthsInArrears != 1 {
		t.Fatalf("half paid: %d months in arrears, want 1", m.MonthsInArrears)
	}
	b.pay(1, 2026, time.February, at(2026, time.February, 25, 10, 0), 35000)
	if m := b.lookup(nik, at(2026, time.March, 2, 8, 0)); m.MonthsInArrears != 0 {
		t.Fatalf("paid in two parts: %d months in arrears, want 0", m.MonthsInArrears)
	}
}

func TestArrearsAreCappedAtTheTwentyFourMostRecentMonths(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusInactiveArrears)
	now := at(2026, time.March, 15, 12, 0)
	var want int64
	for back := 30; back >= 1; back-- { // 30 unpaid months, each with its own amount
		p := now.AddDate(0, -back, 0)
		amount := int64(1000 * back)
		b.bill(1, p.Year(), p.Month(), amount)
		if back <= 24 {
			want += amount
		}
	}
	b.bill(1, 2026, time.March, 35000)
	m := b.lookup(nik, now)
	if w := (owed{35000, false, 24, want + 35000}); got(m) != w {
		t.Fatalf("got %+v, want %+v (the 24 most recent months and this one)", got(m), w)
	}
	if ok, stages := jkn.Rehab(m.Segment, m.MonthsInArrears); !ok || stages != 12 {
		t.Fatalf("Rehab = %v, %d; want eligible in 12 stages", ok, stages)
	}
}

func TestExactlyTwentyFourUnpaidMonthsAreAllBilled(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusInactiveArrears)
	now := at(2026, time.March, 15, 12, 0)
	for back := 24; back >= 1; back-- {
		p := now.AddDate(0, -back, 0)
		b.bill(1, p.Year(), p.Month(), 35000)
	}
	m := b.lookup(nik, now)
	if w := (owed{0, false, 24, 24 * 35000}); got(m) != w {
		t.Fatalf("got %+v, want %+v (no bill yet this month)", got(m), w)
	}
}

func TestEveryMemberOfAFamilyHearsTheFamilyBill(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.exec(`INSERT INTO participants (card_number, nik, name, birth_date, sex, family_id, segment, class, status_code,
		fktp) VALUES ('0001944399999', '3507010501900099', 'Budi', $1, 'L', 1, 'PBPU', 3, 0, 'Puskesmas Sukajadi')`, birth)
	b.bill(1, 2026, time.March, 70000)
	a := b.lookup(nik, at(2026, time.March, 15, 12, 0))
	other := b.lookup("3507010501900099", at(2026, time.March, 15, 12, 0))
	if got(a) != got(other) || a.VirtualAccount != other.VirtualAccount || a.MonthlyDue != 70000 {
		t.Fatalf("family members disagree: %+v vs %+v", a, other)
	}
}

func TestACardNumberFindsTheSameMemberAsTheNIK(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, card := b.member(7, jkn.SegmentBP, jkn.StatusActive)
	b.bill(7, 2026, time.March, 35000)
	now := at(2026, time.March, 15, 12, 0)
	byNIK := b.lookup(nik, now)
	byCard, err := b.s.LookupMember(context.Background(), jkn.IDCard, card, birth, now)
	if err != nil {
		t.Fatal(err)
	}
	if byCard.IDKind != jkn.IDCard || byCard.Masked != jkn.Mask(card) {
		t.Fatalf("card look-up reports %v %s", byCard.IDKind, byCard.Masked)
	}
	byCard.IDKind, byCard.Masked = byNIK.IDKind, byNIK.Masked
	if byCard != byNIK {
		t.Fatalf("by card %+v\nby NIK  %+v", byCard, byNIK)
	}
	if byNIK.VirtualAccount != "88888"+card[2:] || byNIK.Name != "Siti Rahayu" || byNIK.Sex != "P" ||
		!byNIK.BirthDate.Equal(birth) || byNIK.FKTP != "Puskesmas Sukajadi" || byNIK.Class != 3 {
		t.Fatalf("unexpected member %+v", byNIK)
	}
}

func TestAWrongBirthDateSoundsExactlyLikeAnUnknownNumber(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, card := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	now := at(2026, time.March, 15, 12, 0)
	ctx := context.Background()
	tests := []struct {
		name   string
		kind   jkn.IDKind
		number string
		birth  time.Time
	}{
		{"the right NIK with the wrong birth date", jkn.IDNIK, nik, birth.AddDate(0, 0, 1)},
		{"the right card with the wrong birth date", jkn.IDCard, card, birth.AddDate(1, 0, 0)},
		{"a NIK nobody has", jkn.IDNIK, "3507014501909999", birth},
		{"a card number keyed as a NIK", jkn.IDNIK, card, birth},
		{"SQL keyed into the number", jkn.IDNIK, "'; drop table participants;--", birth},
		{"SQL keyed into the card number", jkn.IDCard, "0' OR '1'='1", birth},
	}
	for _, tt := range tests {
		_, err := b.s.LookupMember(ctx, tt.kind, tt.number, tt.birth, now)
		if err != store.ErrNotFound {
			t.Errorf("%s: err = %v, want exactly store.ErrNotFound", tt.name, err)
		}
	}
	if _, err := b.s.LookupMember(ctx, jkn.IDNIK, nik, birth, now); err != nil {
		t.Fatalf("participants table damaged by the SQL-looking input: %v", err)
	}
}

func TestAnUnknownKindOfNumberIsAnErrorThatDoesNotShowTheNumber(t *testing.T) {
	t.Parallel()
	s := storetest.NewDB(t)
	_, err := s.LookupMember(context.Background(), jkn.IDUnknown, "350701450190000", birth, time.Now())
	if err == nil || errors.Is(err, store.ErrNotFound) || containsRun(err.Error(), "350701450190000") {
		t.Fatalf("err = %v", err)
	}
}

func containsRun(s, number string) bool {
	for i := 0; i+8 <= len(number); i++ {
		for j := 0; j+8 <= len(s); j++ {
			if s[j:j+8] == number[i:i+8] {
				return true
			}
		}
	}
	return false
}

func TestAMonthPaidInPartCountsAsAMonthInArrearsForWhatIsStillOwedOnIt(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusInactiveArrears)
	for m := time.June; m <= time.October; m++ {
		b.bill(1, 2026, m, 35000)
	}
	b.bill(1, 2026, time.November, 35000)
	b.pay(1, 2026, time.September, at(2026, time.September, 8, 10, 0), 20000) // September: Rp15.000 still owed
	b.pay(1, 2026, time.October, at(2026, time.October, 9, 10, 0), 35000)     // October: paid
	b.pay(1, 2026, time.November, at(2026, time.November, 2, 10, 0), 10000)   // this month: Rp25.000 still owed
	m := b.lookup(nik, at(2026, time.November, 3, 9, 0))
	// June, July, August unpaid and September paid in part: four months, REHAB-eligible (4 to 24).
	if m.MonthsInArrears != 4 || m.UnpaidMonths != 4 || m.ArrearsOwed != 3*35000+15000 {
		t.Errorf("arrears: %d months (%d unpaid), Rp%d; want 4 months, Rp%d", m.MonthsInArrears, m.UnpaidMonths,
			m.ArrearsOwed, 3*35000+15000)
	}
	if !m.CurrentMonthBilled || m.MonthlyDue != 35000 || m.CurrentMonthOwed != 25000 || m.CurrentMonthPaid {
		t.Errorf("this month: billed %v, Rp%d, owed Rp%d, paid %v; want billed Rp35000 with Rp25000 owed",
			m.CurrentMonthBilled, m.MonthlyDue, m.CurrentMonthOwed, m.CurrentMonthPaid)
	}
	if want := int64(3*35000 + 15000 + 25000); m.TotalOwed != want {
		t.Errorf("total Rp%d, want Rp%d: what is still owed, not the bills in full", m.TotalOwed, want)
	}
}

func TestAnOverpaidMonthOwesNothingAndDoesNotLowerTheOthers(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentBP, jkn.StatusActive)
	b.bill(1, 2026, time.October, 35000)
	b.pay(1, 2026, time.October, at(2026, time.October, 5, 10, 0), 50000)
	b.bill(1, 2026, time.November, 35000)
	m := b.lookup(nik, at(2026, time.November, 3, 9, 0))
	if m.MonthsInArrears != 0 || m.TotalOwed != 35000 {
		t.Fatalf("got %d months, total Rp%d; want none in arrears and this month's Rp35000", m.MonthsInArrears, m.TotalOwed)
	}
}

func TestWithNoBillYetThisMonthNothingIsOwedForIt(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.bill(1, 2026, time.October, 35000)
	b.pay(1, 2026, time.October, at(2026, time.October, 5, 10, 0), 35000)
	m := b.lookup(nik, at(2026, time.November, 3, 9, 0))
	if m.CurrentMonthBilled || m.CurrentMonthPaid || m.MonthlyDue != 0 || m.TotalOwed != 0 {
		t.Fatalf("got billed %v paid %v due Rp%d total Rp%d; want no bill this month and nothing owed",
			m.CurrentMonthBilled, m.CurrentMonthPaid, m.MonthlyDue, m.TotalOwed)
	}
}

func TestMonthsUnpaidBeyondTheTwentyFourBilledAreCountedApart(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusInactiveArrears)
	now := at(2026, time.November, 3, 9, 0)
	for back := 30; back >= 1; back-- {
		p := now.AddDate(0, -back, 0)
		b.bill(1, p.Year(), p.Month(), 35000)
	}
	m := b.lookup(nik, now)
	if m.MonthsInArrears != 24 || m.UnpaidMonths != 30 || m.ArrearsOwed != 24*35000 {
		t.Fatalf("got %d billed of %d unpaid months, Rp%d; want 24 of 30, Rp%d", m.MonthsInArrears, m.UnpaidMonths,
			m.ArrearsOwed, 24*35000)
	}
}

func TestHalfPastMidnightOnTheFirstInJakartaIsTheNewMonth(t *testing.T) {
	t.Parallel()
	b := newBook(t)
	nik, _ := b.member(1, jkn.SegmentPBPU, jkn.StatusActive)
	b.bill(1, 2026, time.October, 35000)
	b.pay(1, 2026, time.October, at(2026, time.October, 5, 10, 0), 35000)
	b.bill(1, 2026, time.November, 42000)
	m := b.lookup(nik, at(2026, time.November, 1, 0, 30))
	if m.MonthlyDue != 42000 || !m.DueDate.Equal(at(2026, time.November, 10, 0, 0)) || m.AsOf.Day() != 1 {
		t.Fatalf("at 00:30 WIB on 1 November: bill Rp%d due %v; want November's Rp42000 due 10 November", m.MonthlyDue, m.DueDate)
	}
}
