package jkn

import "time"

// Segment is the membership segment (segmen peserta): who pays the contribution.
type Segment string

const (
	SegmentPBIAPBN Segment = "PBI_APBN" // contribution paid by the central government
	SegmentPBIAPBD Segment = "PBI_APBD" // contribution paid by the regional government
	SegmentPPU     Segment = "PPU"      // wage earners: employer 4% + worker 1% of salary
	SegmentPBPU    Segment = "PBPU"     // non-wage workers ("mandiri"): pay their own
	SegmentBP      Segment = "BP"       // non-workers: pay their own
)

// Segments lists every segment, in the order a report shows them.
var Segments = []Segment{SegmentPBIAPBN, SegmentPBIAPBD, SegmentPPU, SegmentPBPU, SegmentBP}

// Valid reports whether s is one of Segments.
func (s Segment) Valid() bool {
	switch s {
	case SegmentPBIAPBN, SegmentPBIAPBD, SegmentPPU, SegmentPBPU, SegmentBP:
		return true
	}
	return false
}

// PaysOwnContribution is true for PBPU and BP: only they can be in arrears in their own name and use REHAB.
func (s Segment) PaysOwnContribution() bool { return s == SegmentPBPU || s == SegmentBP }

// Payer says who pays the contribution, so the IVR can tell PBI and PPU members who pays their bill.
type Payer string

const (
	PayerCentralGovernment  Payer = "central_government"
	PayerRegionalGovernment Payer = "regional_government"
	PayerEmployer           Payer = "employer" // with the worker's 1% withheld from salary
	PayerSelf               Payer = "self"
)

// Payer gives who pays the contribution for segment s.
func (s Segment) Payer() Payer {
	switch s {
	case SegmentPBIAPBN:
		return PayerCentralGovernment
	case SegmentPBIAPBD:
		return PayerRegionalGovernment
	case SegmentPPU:
		return PayerEmployer
	default:
		return PayerSelf
	}
}

// TariffGroup is the segment group whose contribution tariff applies: the dated tariff rows are per group and
// class, not per segment ("PBI" for both PBI segments, "MANDIRI" for PBPU and BP, "PPU" for wage earners, whose
// contribution is a share of salary rather than a tariff row).
func (s Segment) TariffGroup() string {
	switch s {
	case SegmentPBIAPBN, SegmentPBIAPBD:
		return "PBI"
	case SegmentPPU:
		return "PPU"
	default:
		return "MANDIRI"
	}
}

// Status is the membership status code as BPJS systems use it. "In arrears" is a condition, not a status.
type Status int

const (
	StatusActive           Status = 0  // aktif
	StatusDeceased         Status = 2  // meninggal
	StatusNotCovered       Status = 6  // tidak ditanggung (e.g. a child over 21)
	StatusSuspended        Status = 7  // penangguhan
	StatusInactiveArrears  Status = 9  // non aktif karena premi
	StatusInactiveMonthEnd Status = 15 // non aktif di akhir bulan
)

// Statuses lists every status code.
var Statuses = []Status{StatusActive, StatusDeceased, StatusNotCovered, StatusSuspended, StatusInactiveArrears,
	StatusInactiveMonthEnd}

// Active is true only for code 0: every other code means no coverage today, including 15, which BPJS systems show
// as non-active (the coverage ended at the close of a month).
func (s Status) Active() bool { return s == StatusActive }

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Member is everything one readout needs, computed by the store in one round trip.
type Member struct {
	IDKind IDKind
	Masked string // the number looked up, masked; never the number itself

	Name      string
	Sex       string // "L" or "P"
	BirthDate time.Time

	Status  Status
	Segment Segment
	Class   int // hak kelas 1, 2 or 3
	FKTP    string

	FamilyID       int64
	VirtualAccount string

	// The family's contributions as of AsOf (store.LookupMember says how partial payments count).
	MonthlyDue         int64     // rupiah, this month's bill for the family; 0 when none is issued yet
	CurrentMonthBilled bool      // this month's bill has been issued (late issue or a new participant: not yet)
	CurrentMonthOwed   int64     // what is still owed on this month's bill: the bill minus what was paid for it
	CurrentMonthPaid   bool      // this month's bill is issued and paid in full (then TotalOwed leaves it out)
	MonthsInArrears    int       // past months not paid in full, at most MaxBilledArrears: the months billed
	UnpaidMonths       int       // past months not paid in full, all of them (beyond MaxBilledArrears when so)
	ArrearsOwed        int64     // what is still owed on the MonthsInArrears months
	TotalOwed          int64     // ArrearsOwed + CurrentMonthOwed
	DueDate            time.Time // the 10th of the current month
	AsOf               time.Time // the moment the bill is computed for, in WIB: decides which dates have passed
}

// Contribution rules (DOMAIN.md). Kept here because they are rules of the scheme, not data that changes by date.
const (
	DueDay           = 10 // contributions are due by the 10th of each month; no late fee since July 2016
	MaxBilledArrears = 24 // reactivation bills at most 24 months of arrears
	rehabMinArrears  = 4
	rehabMaxStages   = 12
)

// DueDate is the due date of the month containing now: the 10th, in now's location.
func DueDate(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month(), DueDay, 0, 0, 0, 0, now.Location())
}

// Rehab says whether a participant may join REHAB (Rencana Pembayaran Bertahap) and in how many stages at most:
// PBPU and BP participants with 4 to 24 months of arrears, in at most 12 stages and at most half the months.
//
// Past 24 months, the decision is: eligible, as for 24. DOMAIN.md's "4 to 24 months" counts the arrears as billed,
// and reactivation bills at most 24 months, so a participant 30 months behind owes 24 billed months, which is
// inside the range; turning them away would leave those furthest behind without the plan meant for them. A month
// paid in part is a month in arrears here like any unpaid month (store.LookupMember).
func Rehab(seg Segment, monthsInArrears int) (eligible bool, maxStages int) {
	if !seg.PaysOwnContribution() || monthsInArrears < rehabMinArrears {
		return false, 0
	}
	m := min(monthsInArrears, MaxBilledArrears)
	return true, min(rehabMaxStages, m/2)
}

// Tariff is one dated contribution tariff row: from EffectiveFrom on (until a later row for the same group and
// class), a person in Group and Class costs AmountFull a month, of which the participant pays AmountParticipant
// (the state pays the rest, e.g. Rp7.000 of class 3 since 2021).
type Tariff struct {
	Group             string // Segment.TariffGroup()
	Class             int
	EffectiveFrom     time.Time
	AmountFull        int64
	AmountParticipant int64
}

// TariffAt picks the tariff in force on day at for a group and class: the row with the latest EffectiveFrom not
// after at. ok is false when no row applies yet.
func TariffAt(tariffs []Tariff, group string, class int, at time.Time) (t Tariff, ok bool) {
	for _, r := range tariffs {
		if r.Group != group || r.Class != class || r.EffectiveFrom.After(at) {
			continue
		}
		if !ok || r.EffectiveFrom.After(t.EffectiveFrom) {
			t, ok = r, true
		}
	}
	return t, ok
}
