package prompts

import (
	"strconv"
	"strings"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

// The readouts of one participant (DESIGN.md "Readout"), as prompt ids. They live here, next to the words they are
// made of, so that which prompts a readout needs is checked against the catalogue in one place.

// StatusID is the prompt saying a status and why: status-0 "aktif." … status-15.
func StatusID(s jkn.Status) string { return "status-" + strconv.Itoa(int(s)) }

// SegmentID is the prompt naming a segment: segment-pbi-apbn, segment-pbpu, ...
func SegmentID(s jkn.Segment) string {
	return "segment-" + strings.ReplaceAll(strings.ToLower(string(s)), "_", "-")
}

// PayerID is the prompt saying who pays for PBI and PPU participants (payer-pbi-apbn, payer-pbi-apbd, payer-ppu);
// ok is false for PBPU and BP, who pay themselves and hear their bill instead.
func PayerID(s jkn.Segment) (id string, ok bool) {
	if s.PaysOwnContribution() || !s.Valid() {
		return "", false
	}
	return "payer-" + strings.ReplaceAll(strings.ToLower(string(s)), "_", "-"), true
}

// StatusReadout is the answer to key 1: the status with its reason, then the segment and the class of care.
// A deceased participant's record is not read further: the segment and class mean nothing to the family calling.
func StatusReadout(m jkn.Member) []string {
	ids := []string{"status-intro", StatusID(m.Status)}
	if m.Status == jkn.StatusDeceased {
		return ids
	}
	ids = append(ids, "segment-intro", SegmentID(m.Segment))
	if m.Class >= 1 && m.Class <= 3 {
		ids = append(ids, "class-intro", numID(int64(m.Class)))
	}
	return ids
}

// BillReadout is the answer to key 2. PBI and PPU participants hear who pays. PBPU and BP participants hear this
// month's contribution, the arrears and the total, the due date, and REHAB when they may join it.
func BillReadout(m jkn.Member) []string {
	if payer, ok := PayerID(m.Segment); ok {
		return []string{payer}
	}
	ids := append([]string{"bill-this-month"}, Money(m.MonthlyDue)...)
	if m.CurrentMonthPaid {
		ids = append(ids, "bill-paid")
	}
	if m.MonthsInArrears == 0 {
		ids = append(ids, "bill-no-arrears")
		if m.CurrentMonthPaid {
			return ids
		}
		return append(append(ids, "bill-due"), Date(m.DueDate)...)
	}
	ids = append(ids, "bill-arrears-intro")
	ids = append(append(ids, Number(int64(m.MonthsInArrears))...), "word-bulan")
	ids = append(append(ids, "bill-total"), Money(m.TotalOwed)...)
	ids = append(append(ids, "bill-due"), Date(m.DueDate)...)
	return append(ids, RehabReadout(m.Segment, m.MonthsInArrears)...)
}

// RehabReadout says that the REHAB instalment plan is open and in how many stages at most, and how to register;
// nothing when the participant may not join.
func RehabReadout(s jkn.Segment, monthsInArrears int) []string {
	eligible, stages := jkn.Rehab(s, monthsInArrears)
	if !eligible {
		return nil
	}
	ids := append([]string{"rehab-eligible"}, Number(int64(stages))...)
	return append(ids, "word-tahap", "rehab-how")
}

// AgentHours says the agents' opening hours, given as time since midnight, as Indonesians read a clock:
// 08:00-20:00 → "Petugas melayani pukul delapan sampai dua puluh"; 07:30 → "tujuh tiga puluh".
func AgentHours(open, close time.Duration) []string {
	ids := append([]string{"agent-hours-intro"}, clock(open)...)
	return append(append(ids, "word-sampai"), clock(close)...)
}

func clock(d time.Duration) []string {
	h, m := int64(d/time.Hour)%24, int64(d%time.Hour/time.Minute)
	ids := Number(h)
	if m != 0 {
		ids = append(ids, Number(m)...)
	}
	return ids
}
