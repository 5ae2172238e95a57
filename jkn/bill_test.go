package jkn_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

var wib = time.FixedZone("WIB", 7*3600)

func wibAt(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, wib)
}

func TestKeyTwoSaysWhatIsTrueForEachStatusAndSegment(t *testing.T) {
	t.Parallel()
	// Every status × segment: who pays, and whether the participant can be told they "need not pay".
	want := map[jkn.Status]map[jkn.Segment]jkn.BillAnswer{
		jkn.StatusActive: {
			jkn.SegmentPBIAPBN: jkn.AnswerPaidByGovernment, jkn.SegmentPBIAPBD: jkn.AnswerPaidByGovernment,
			jkn.SegmentPPU: jkn.AnswerPaidByEmployer, jkn.SegmentPBPU: jkn.AnswerFamilyBill, jkn.SegmentBP: jkn.AnswerFamilyBill,
		},
		jkn.StatusDeceased: {
			jkn.SegmentPBIAPBN: jkn.AnswerDeceased, jkn.SegmentPBIAPBD: jkn.AnswerDeceased, jkn.SegmentPPU: jkn.AnswerDeceased,
			jkn.SegmentPBPU: jkn.AnswerDeceased, jkn.SegmentBP: jkn.AnswerDeceased,
		},
		jkn.StatusNotCovered: {
			jkn.SegmentPBIAPBN: jkn.AnswerNotCovered, jkn.SegmentPBIAPBD: jkn.AnswerNotCovered, jkn.SegmentPPU: jkn.AnswerNotCovered,
			jkn.SegmentPBPU: jkn.AnswerNotCovered, jkn.SegmentBP: jkn.AnswerNotCovered,
		},
	}
	for _, st := range []jkn.Status{jkn.StatusSuspended, jkn.StatusInactiveArrears, jkn.StatusInactiveMonthEnd} {
		want[st] = map[jkn.Segment]jkn.BillAnswer{
			jkn.SegmentPBIAPBN: jkn.AnswerGovernmentCoverInactive, jkn.SegmentPBIAPBD: jkn.AnswerGovernmentCoverInactive,
			jkn.SegmentPPU: jkn.AnswerEmployerCoverInactive, jkn.SegmentPBPU: jkn.AnswerFamilyBill, jkn.SegmentBP: jkn.AnswerFamilyBill,
		}
	}
	for _, st := range jkn.Statuses {
		for _, seg := range jkn.Segments {
			if got := jkn.BillAnswerFor(st, seg); got != want[st][seg] {
				t.Errorf("status %d, %s: key 2 answers %s, want %s", st, seg, got, want[st][seg])
			}
		}
	}
}

func TestTheDueDateHasPassedFromTheEleventhInJakarta(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		at     time.Time
		passed bool
	}{
		{"the 1st of the month", wibAt(2026, 11, 1, 0, 30), false},
		{"the last minute of the 10th (a payment then is on time)", wibAt(2026, 11, 10, 23, 59), false},
		{"the first minute of the 11th", wibAt(2026, 11, 11, 0, 0), true},
		{"the last day of February", wibAt(2026, 2, 28, 12, 0), true},
	}
	for _, tt := range tests {
		if got := jkn.DuePassed(tt.at); got != tt.passed {
			t.Errorf("%s: DuePassed = %v, want %v", tt.name, got, tt.passed)
		}
	}
}

func TestREHABRegistrationClosesOnThe28thAndOnThe27thInFebruary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		at   time.Time
		want time.Time
		next bool
	}{
		{"early November: the 28th of November", wibAt(2026, 11, 3, 9, 0), wibAt(2026, 11, 28, 0, 0), false},
		{"on the 28th itself it is still open", wibAt(2026, 11, 28, 23, 0), wibAt(2026, 11, 28, 0, 0), false},
		{"on the 29th, next month's 28th", wibAt(2026, 11, 29, 8, 0), wibAt(2026, 12, 28, 0, 0), true},
		{"on 31 December, 28 January", wibAt(2026, 12, 31, 8, 0), wibAt(2027, 1, 28, 0, 0), true},
		{"in February, the 27th", wibAt(2026, 2, 2, 8, 0), wibAt(2026, 2, 27, 0, 0), false},
		{"on 28 February, February's has closed: 28 March", wibAt(2026, 2, 28, 8, 0), wibAt(2026, 3, 28, 0, 0), true},
		{"on 29 January, next is 27 February", wibAt(2027, 1, 29, 8, 0), wibAt(2027, 2, 27, 0, 0), true},
	}
	for _, tt := range tests {
		got, next := jkn.RehabDeadlineAhead(tt.at)
		if !got.Equal(tt.want) || next != tt.next {
			t.Errorf("%s: deadline %s (next month %v), want %s (%v)", tt.name, got.Format(time.DateOnly), next,
				tt.want.Format(time.DateOnly), tt.next)
		}
	}
}

// pbpu is a PBPU participant's bill as the store computes it.
func pbpu(st jkn.Status, asOf time.Time, bill, owedNow int64, billed bool, months, unpaid int, arrears int64) jkn.Member {
	return jkn.Member{Status: st, Segment: jkn.SegmentPBPU, Class: 3, MonthlyDue: bill, CurrentMonthBilled: billed,
		CurrentMonthOwed: owedNow, CurrentMonthPaid: billed && owedNow == 0, MonthsInArrears: months, UnpaidMonths: unpaid,
		ArrearsOwed: arrears, TotalOwed: arrears + owedNow, DueDate: jkn.DueDate(asOf), AsOf: asOf}
}

func TestTheBillStatementFollowsDOMAINForEachCase(t *testing.T) {
	t.Parallel()
	nov3, nov15, nov29 := wibAt(2026, 11, 3, 9, 0), wibAt(2026, 11, 15, 9, 0), wibAt(2026, 11, 29, 9, 0)
	active, inactive := jkn.StatusActive, jkn.StatusInactiveArrears
	tests := []struct {
		name string
		m    jkn.Member
		want jkn.BillStatement
	}{
		{"an active participant before the 10th owes this month, due the 10th ahead",
			pbpu(active, nov3, 35000, 35000, true, 0, 0, 0),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, TotalOwed: 35000,
				Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0)}}},
		{"after the 10th the due date has passed; paying by the month's last day keeps coverage, else it stops on the 1st",
			pbpu(active, nov15, 35000, 35000, true, 0, 0, 0),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, TotalOwed: 35000,
				Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0), Passed: true, KeepCover: true,
					PayBy: wibAt(2026, 11, 30, 0, 0), StopsFrom: wibAt(2026, 12, 1, 0, 0)}}},
		{"a month paid in part owes the rest, and its due date still counts",
			pbpu(active, nov15, 105000, 35000, true, 0, 0, 0),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthPartPaid, ThisMonthBill: 105000, ThisMonthOwed: 35000, TotalOwed: 35000,
				Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0), Passed: true, KeepCover: true,
					PayBy: wibAt(2026, 11, 30, 0, 0), StopsFrom: wibAt(2026, 12, 1, 0, 0)}}},
		{"a month paid in full has no due date to read",
			pbpu(active, nov15, 35000, 0, true, 0, 0, 0),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthPaid, ThisMonthBill: 35000}},
		{"no bill yet this month: no amount and no due date",
			pbpu(active, nov3, 0, 0, false, 0, 0, 0),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthNotIssued}},
		{"three months in arrears: no REHAB (from 4), coverage returns once all is paid; the due date passed does not 'stop' coverage already stopped",
			pbpu(inactive, nov15, 35000, 35000, true, 3, 3, 105000),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, MonthsInArrears: 3,
				TotalOwed: 140000, Reactivation: true, Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0), Passed: true}}},
		{"four months in arrears: REHAB in at most two stages, register by the 28th",
			pbpu(inactive, nov3, 35000, 35000, true, 4, 4, 140000),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, MonthsInArrears: 4,
				TotalOwed: 175000, Reactivation: true, Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0)},
				Rehab: &jkn.RehabOffer{MaxStages: 2, Deadline: wibAt(2026, 11, 28, 0, 0)}}},
		{"after the 28th this month's REHAB registration has closed: next month's 28th",
			pbpu(inactive, nov29, 35000, 35000, true, 9, 9, 315000),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, MonthsInArrears: 9,
				TotalOwed: 350000, Reactivation: true, Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0), Passed: true},
				Rehab: &jkn.RehabOffer{MaxStages: 4, Deadline: wibAt(2026, 12, 28, 0, 0), NextMonth: true}}},
		{"thirty months unpaid: 24 billed, beyond the cap said, REHAB in twelve stages",
			pbpu(inactive, nov3, 35000, 35000, true, 24, 30, 840000),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, MonthsInArrears: 24,
				BeyondCap: true, TotalOwed: 875000, Reactivation: true, Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0)},
				Rehab: &jkn.RehabOffer{MaxStages: 12, Deadline: wibAt(2026, 11, 28, 0, 0)}}},
		{"exactly 24 months unpaid are all billed: nothing beyond the cap",
			pbpu(inactive, nov3, 0, 0, false, 24, 24, 840000),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthNotIssued, MonthsInArrears: 24, TotalOwed: 840000, Reactivation: true,
				Rehab: &jkn.RehabOffer{MaxStages: 12, Deadline: wibAt(2026, 11, 28, 0, 0)}}},
		{"a suspended PBPU participant past the 10th hears the due date passed but not that coverage will stop",
			pbpu(jkn.StatusSuspended, nov15, 35000, 35000, true, 0, 0, 0),
			jkn.BillStatement{ThisMonth: jkn.ThisMonthUnpaid, ThisMonthBill: 35000, ThisMonthOwed: 35000, TotalOwed: 35000,
				Due: &jkn.Due{Date: wibAt(2026, 11, 10, 0, 0), Passed: true}}},
		{"a deceased PBPU participant's record reads no bill at all",
			pbpu(jkn.StatusDeceased, nov15, 35000, 35000, true, 5, 5, 175000),
			jkn.BillStatement{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := jkn.StatementOf(tt.m)
			tt.want.Answer = jkn.BillAnswerFor(tt.m.Status, tt.m.Segment)
			if !sameStatement(got, tt.want) {
				t.Errorf("statement\n got %s\nwant %s", show(got), show(tt.want))
			}
		})
	}
}

func sameStatement(a, b jkn.BillStatement) bool {
	ad, bd, ar, br := a.Due, b.Due, a.Rehab, b.Rehab
	a.Due, b.Due, a.Rehab, b.Rehab = nil, nil, nil, nil
	if a != b || (ad == nil) != (bd == nil) || (ar == nil) != (br == nil) {
		return false
	}
	if ad != nil && (!ad.Date.Equal(bd.Date) || ad.Passed != bd.Passed || ad.KeepCover != bd.KeepCover ||
		!ad.PayBy.Equal(bd.PayBy) || !ad.StopsFrom.Equal(bd.StopsFrom)) {
		return false
	}
	return ar == nil || (ar.MaxStages == br.MaxStages && ar.Deadline.Equal(br.Deadline) && ar.NextMonth == br.NextMonth)
}

func show(s jkn.BillStatement) string {
	out := ""
	if s.Due != nil {
		out += " due=" + s.Due.Date.Format(time.DateOnly)
		if s.Due.Passed {
			out += "(passed)"
		}
		if s.Due.KeepCover {
			out += " payBy=" + s.Due.PayBy.Format(time.DateOnly) + " stops=" + s.Due.StopsFrom.Format(time.DateOnly)
		}
	}
	if s.Rehab != nil {
		out += " rehab=" + s.Rehab.Deadline.Format(time.DateOnly)
	}
	s.Due, s.Rehab = nil, nil
	return fmt.Sprintf("%+v", s) + out
}
