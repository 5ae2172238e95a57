package jkn

import "time"

// What key 2 ("informasi tagihan iuran") tells a participant is decided here, as rules of the scheme; package prompts
// only puts the decision into words. Every rule below takes the member as the store computed it, at the moment
// Member.AsOf (WIB, where BPJS's months and due dates are counted).

// BillAnswer is what key 2 says to a participant, decided by status × segment (BillAnswerFor).
type BillAnswer string

const (
	// AnswerFamilyBill: the family's own bill (this month, arrears, total, due date, REHAB). PBPU and BP
	// participants pay their own contribution, so they hear it whatever their status, except deceased (2) and not
	// covered (6): suspended (7), inactive for arrears (9) and inactive at month end (15) still owe what was billed.
	AnswerFamilyBill BillAnswer = "family_bill"
	// AnswerPaidByGovernment: an active (0) PBI participant: the central (APBN) or regional (APBD) government pays,
	// and the participant need not pay.
	AnswerPaidByGovernment BillAnswer = "paid_by_government"
	// AnswerPaidByEmployer: an active (0) PPU participant: the employer pays (withholding the worker's 1%); questions
	// go to the employer's personnel office.
	AnswerPaidByEmployer BillAnswer = "paid_by_employer"
	// AnswerDeceased: status 2, any segment. The caller is a relative, not the participant: nothing is read in the
	// second person, no family bill is read against the deceased's record (once a death is recorded the participant
	// is no longer billed), and the family is pointed to checking each living member by their own number.
	AnswerDeceased BillAnswer = "deceased"
	// AnswerNotCovered: status 6 (e.g. a child over 21 dropped from a PPU or PBI family), any segment. Nobody pays
	// for them any more and nothing is billed in their name; they may register again on their own, e.g. as PBPU.
	AnswerNotCovered BillAnswer = "not_covered"
	// AnswerGovernmentCoverInactive: a PBI participant suspended (7) or inactive (9, 15). The government is not
	// paying now, so "you need not pay" would be false; reactivation of PBI goes through the local social affairs
	// office (Dinas Sosial), which proposes PBI participants to the ministry.
	AnswerGovernmentCoverInactive BillAnswer = "government_cover_inactive"
	// AnswerEmployerCoverInactive: a PPU participant suspended (7) or inactive (9, 15): the contribution is the
	// employer's to pay and the cover through the employer is not running; the employer's personnel office can say why.
	AnswerEmployerCoverInactive BillAnswer = "employer_cover_inactive"
)

// BillAnswerFor decides what key 2 says for a status and segment. The decision table (status across, segment down):
//
//	              0 aktif      2 meninggal  6 tdk ditanggung  7 / 9 / 15
//	PBI APBN/APBD government   deceased     not covered       government cover inactive
//	PPU           employer     deceased     not covered       employer cover inactive
//	PBPU, BP      family bill  deceased     not covered       family bill
func BillAnswerFor(st Status, seg Segment) BillAnswer {
	switch st {
	case StatusDeceased:
		return AnswerDeceased
	case StatusNotCovered:
		return AnswerNotCovered
	}
	switch {
	case seg.PaysOwnContribution():
		return AnswerFamilyBill
	case seg == SegmentPPU && st == StatusActive:
		return AnswerPaidByEmployer
	case seg == SegmentPPU:
		return AnswerEmployerCoverInactive
	case st == StatusActive:
		return AnswerPaidByGovernment
	default:
		return AnswerGovernmentCoverInactive
	}
}

// ThisMonth is where this month's bill stands.
type ThisMonth int

const (
	ThisMonthNotIssued ThisMonth = iota // no bill yet (issued late, or a new participant): no amount, no due date
	ThisMonthUnpaid                     // issued, nothing paid
	ThisMonthPartPaid                   // issued, paid in part: CurrentMonthOwed is the rest
	ThisMonthPaid                       // issued and paid in full
)

// Due is what to say about this month's due date, when this month's bill is still owed.
type Due struct {
	Date   time.Time // the 10th of the month
	Passed bool      // AsOf is after the 10th: say so, never read the 10th as if it were ahead
	// KeepCover is set when the due date has passed and the participant is active with no arrears: coverage still
	// runs to the end of the month, so the deadline that still lies ahead is PayBy (the month's last day); unpaid
	// then, coverage stops from StopsFrom (the 1st of the next month). For a participant not active, or in arrears,
	// coverage has already stopped and saying it "will stop" would be false.
	KeepCover bool
	PayBy     time.Time
	StopsFrom time.Time
}

// RehabOffer is the REHAB instalment plan, when the participant may join it.
type RehabOffer struct {
	MaxStages int
	// Deadline is the registration deadline that still lies ahead: the 28th of this month (27th in February), or,
	// once that has passed, next month's.
	Deadline  time.Time
	NextMonth bool // this month's registration has closed: Deadline is next month's
}

// BillStatement is everything key 2 says to a participant who hears their family bill (AnswerFamilyBill); for
// the other answers only Answer is set.
type BillStatement struct {
	Answer BillAnswer

	ThisMonth     ThisMonth
	ThisMonthBill int64 // the bill as issued
	ThisMonthOwed int64 // what is left of it

	MonthsInArrears int  // billed months in arrears (≤ MaxBilledArrears)
	BeyondCap       bool // more months are unpaid than reactivation bills: say that at most 24 are billed
	TotalOwed       int64

	Due *Due // nil when this month's bill is paid or not issued
	// Reactivation is set when there are arrears: coverage is active again once the arrears and this month's bill
	// are paid in full.
	Reactivation bool
	Rehab        *RehabOffer // nil when the participant may not join REHAB
}

// StatementOf decides what key 2 says to m at m.AsOf. A zero AsOf is taken as the due date itself (nothing passed).
func StatementOf(m Member) BillStatement {
	st := BillStatement{Answer: BillAnswerFor(m.Status, m.Segment)}
	if st.Answer != AnswerFamilyBill {
		return st
	}
	asOf := m.AsOf
	if asOf.IsZero() {
		asOf = m.DueDate
	}
	st.ThisMonth = thisMonth(m)
	st.ThisMonthBill, st.ThisMonthOwed = m.MonthlyDue, m.CurrentMonthOwed
	st.MonthsInArrears = min(m.MonthsInArrears, MaxBilledArrears)
	st.BeyondCap = m.UnpaidMonths > MaxBilledArrears
	st.TotalOwed = m.TotalOwed
	st.Reactivation = st.MonthsInArrears > 0
	if st.ThisMonth == ThisMonthUnpaid || st.ThisMonth == ThisMonthPartPaid {
		st.Due = dueOf(asOf, m.Status.Active() && st.MonthsInArrears == 0)
	}
	if ok, stages := Rehab(m.Segment, max(st.MonthsInArrears, m.UnpaidMonths)); ok {
		deadline, next := RehabDeadlineAhead(asOf)
		st.Rehab = &RehabOffer{MaxStages: stages, Deadline: deadline, NextMonth: next}
	}
	return st
}

func thisMonth(m Member) ThisMonth {
	switch {
	case !m.CurrentMonthBilled:
		return ThisMonthNotIssued
	case m.CurrentMonthPaid || m.CurrentMonthOwed <= 0:
		return ThisMonthPaid
	case m.CurrentMonthOwed < m.MonthlyDue:
		return ThisMonthPartPaid
	default:
		return ThisMonthUnpaid
	}
}

func dueOf(asOf time.Time, active bool) *Due {
	d := &Due{Date: DueDate(asOf), Passed: DuePassed(asOf)}
	if d.Passed && active {
		d.KeepCover = true
		d.StopsFrom = firstOfMonth(asOf).AddDate(0, 1, 0)
		d.PayBy = d.StopsFrom.AddDate(0, 0, -1)
	}
	return d
}

// DuePassed says whether this month's due date (the 10th) is behind at t: from the 11th on, in t's location. A
// payment on the 10th itself is on time.
func DuePassed(t time.Time) bool { return t.Day() > DueDay }

// RehabDeadline is the last day to register for REHAB in the month containing t: the 28th, the 27th in February
// (DOMAIN.md), in t's location.
func RehabDeadline(t time.Time) time.Time {
	day := rehabDeadlineDay
	if t.Month() == time.February {
		day = rehabDeadlineDayFebruary
	}
	return time.Date(t.Year(), t.Month(), day, 0, 0, 0, 0, t.Location())
}

// RehabDeadlineAhead is the REHAB registration deadline that still lies ahead at t: this month's, or next month's
// (next is true) once this month's day has passed.
func RehabDeadlineAhead(t time.Time) (deadline time.Time, next bool) {
	d := RehabDeadline(t)
	if t.Day() <= d.Day() {
		return d, false
	}
	return RehabDeadline(firstOfMonth(t).AddDate(0, 1, 0)), true
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

const (
	rehabDeadlineDay         = 28
	rehabDeadlineDayFebruary = 27
)
