package prompts

import (
	"slices"
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

// BillReadout is the answer to key 2, in the words of what jkn.StatementOf decides: who pays for PBI and PPU
// participants, what the deceased's family and those no longer covered should know, and for PBPU and BP participants
// this month's bill (or that none is issued yet), what is still owed, the due date (or that it has passed and what
// still lies ahead), reactivation, and REHAB with the registration deadline still ahead.
func BillReadout(m jkn.Member) []string {
	st := jkn.StatementOf(m)
	switch st.Answer {
	case jkn.AnswerPaidByGovernment, jkn.AnswerPaidByEmployer:
		payer, _ := PayerID(m.Segment)
		return []string{payer}
	case jkn.AnswerDeceased:
		return []string{"bill-deceased"}
	case jkn.AnswerNotCovered:
		return []string{"bill-not-covered"}
	case jkn.AnswerGovernmentCoverInactive:
		return []string{"bill-pbi-inactive"}
	case jkn.AnswerEmployerCoverInactive:
		return []string{"bill-ppu-inactive"}
	}
	ids := thisMonthWords(st)
	ids = append(ids, arrearsWords(st)...)
	ids = append(ids, dueWords(st.Due)...)
	if st.Reactivation {
		ids = append(ids, "bill-reactivate")
	}
	return append(ids, rehabWords(st.Rehab)...)
}

func thisMonthWords(st jkn.BillStatement) []string {
	if st.ThisMonth == jkn.ThisMonthNotIssued {
		return []string{"bill-not-issued"}
	}
	ids := append([]string{"bill-this-month"}, Money(st.ThisMonthBill)...)
	switch st.ThisMonth {
	case jkn.ThisMonthPaid:
		ids = append(ids, "bill-paid")
	case jkn.ThisMonthPartPaid:
		ids = append(append(ids, "bill-part-paid"), Money(st.ThisMonthOwed)...)
	}
	return ids
}

func arrearsWords(st jkn.BillStatement) []string {
	switch {
	case st.MonthsInArrears == 0:
		return []string{"bill-no-arrears"}
	case st.BeyondCap:
		ids := append([]string{"bill-arrears-beyond"}, Number(jkn.MaxBilledArrears)...)
		ids = append(ids, "word-bulan", "bill-arrears-cap", "bill-total")
		return append(ids, Money(st.TotalOwed)...)
	}
	ids := append([]string{"bill-arrears-intro"}, Number(int64(st.MonthsInArrears))...)
	ids = append(ids, "word-bulan", "bill-total")
	return append(ids, Money(st.TotalOwed)...)
}

func dueWords(d *jkn.Due) []string {
	if d == nil {
		return nil
	}
	ids := append([]string{"bill-due"}, Date(d.Date)...)
	if !d.Passed {
		return ids
	}
	ids = append(ids, "bill-due-passed")
	if d.KeepCover {
		ids = append(append(ids, "bill-pay-by"), Date(d.PayBy)...)
		ids = append(append(ids, "bill-stops-from"), Date(d.StopsFrom)...)
	}
	return ids
}

func rehabWords(r *jkn.RehabOffer) []string {
	if r == nil {
		return nil
	}
	ids := append([]string{"rehab-eligible"}, Number(int64(r.MaxStages))...)
	ids = append(ids, "word-tahap")
	if r.NextMonth {
		return append(append(ids, "rehab-closed"), Date(r.Deadline)...)
	}
	return append(append(ids, "rehab-how"), Date(r.Deadline)...)
}

// Schedule is the agents' opening hours as the caller hears them (dialplan.Hours gives them from configuration).
type Schedule struct {
	Days        []time.Weekday // the days agents work
	Open, Close time.Duration  // since midnight; a Close of 24h is midnight
	Zone        string         // the zone's abbreviation: "WIB" is read; another zone is not named
	Holidays    bool           // holidays are configured: "kecuali hari libur"
}

// AgentHours says the agents' opening hours as Indonesians read a clock, with the days and the zone:
// "Petugas melayani setiap hari pukul delapan sampai pukul dua puluh WIB";
// 07:30 → "pukul tujuh lewat tiga puluh menit"; Monday to Friday → "hari Senin sampai Jumat".
func AgentHours(s Schedule) []string {
	ids := append([]string{"agent-hours-intro"}, dayWords(s.Days)...)
	ids = append(append(ids, "word-pukul"), clock(s.Open)...)
	ids = append(append(ids, "word-sampai", "word-pukul"), clock(s.Close)...)
	if s.Zone == "WIB" {
		ids = append(ids, "word-wib")
	}
	if s.Holidays {
		ids = append(ids, "agent-except-holidays")
	}
	return ids
}

// weekOrder is the week as Indonesians list it, from Monday.
var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday,
	time.Sunday}

// DayID is the prompt of a weekday's name: day-mon "Senin" … day-sun "Minggu".
func DayID(d time.Weekday) string { return "day-" + strings.ToLower(d.String()[:3]) }

// dayWords reads the working days: every day, a run ("hari Senin sampai Jumat"), or a list ("hari Senin, Rabu dan
// Jumat").
func dayWords(days []time.Weekday) []string {
	var on []time.Weekday
	for _, d := range weekOrder {
		if slices.Contains(days, d) {
			on = append(on, d)
		}
	}
	switch {
	case len(on) == 7:
		return []string{"word-setiap-hari"}
	case len(on) == 0:
		return nil
	case len(on) == 1:
		return []string{"word-hari", DayID(on[0])}
	}
	first, last := slices.Index(weekOrder, on[0]), slices.Index(weekOrder, on[len(on)-1])
	if last-first+1 == len(on) && len(on) > 2 {
		return []string{"word-hari", DayID(on[0]), "word-sampai", DayID(on[len(on)-1])}
	}
	ids := []string{"word-hari"}
	for i, d := range on {
		if i == len(on)-1 {
			ids = append(ids, "word-dan")
		}
		ids = append(ids, DayID(d))
	}
	return ids
}

func clock(d time.Duration) []string {
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	ids := Number(h)
	if m != 0 {
		ids = append(append(ids, "word-lewat"), Number(m)...)
		ids = append(ids, "word-menit")
	}
	return ids
}
