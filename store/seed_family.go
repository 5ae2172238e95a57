package store

import (
	"fmt"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

// Shares of the synthetic population (DOMAIN.md gives the segments; the shares are rough national ones).
var (
	segmentWeights  = []int{40, 15, 25, 15, 5} // in jkn.Segments order
	familySizes     = []int{20, 20, 20, 22, 12, 6}
	mandiriClasses  = []int{20, 25, 55}     // class 1, 2, 3 for PBPU and BP
	arrearsBands    = []int{50, 15, 25, 10} // 0, 1-3, 4-24, 25-30 months
	arrearsBandSpan = [][2]int{{0, 0}, {1, 3}, {4, 24}, {25, billMonths}}
)

var fktpWeights = func() []int {
	w := make([]int, len(fktpKinds))
	for i, k := range fktpKinds {
		w[i] = k.weight
	}
	return w
}()

func (g *chunkGen) familySize() int { return 1 + weighted(g.rng, familySizes) }

func (g *chunkGen) segment() jkn.Segment { return jkn.Segments[weighted(g.rng, segmentWeights)] }

// class gives the class of care and, for PPU, the monthly salary the contribution is 5% of (capped at Rp12 juta).
// PBI members are class 3; PPU workers earning up to Rp4 juta are class 2, above that class 1.
func (g *chunkGen) class(seg jkn.Segment) (class int, salary int64) {
	switch seg {
	case jkn.SegmentPBIAPBN, jkn.SegmentPBIAPBD:
		return 3, 0
	case jkn.SegmentPPU:
		salary = int64(2_500_000 + 50_000*g.rng.IntN(350))
		if salary <= 4_000_000 {
			return 2, salary
		}
		return 1, salary
	default:
		return 1 + weighted(g.rng, mandiriClasses), 0
	}
}

func (g *chunkGen) arrears() int {
	span := arrearsBandSpan[weighted(g.rng, arrearsBands)]
	return span[0] + g.rng.IntN(span[1]-span[0]+1)
}

func (g *chunkGen) fktp() string {
	kind := fktpKinds[weighted(g.rng, fktpWeights)].prefix
	if kind == "Praktik dr. " {
		return kind + maleOrFemale(g, g.rng.IntN(2) == 0)
	}
	return kind + places[g.rng.IntN(len(places))]
}

func maleOrFemale(g *chunkGen, female bool) string {
	if female {
		return femaleNames[g.rng.IntN(len(femaleNames))]
	}
	return maleNames[g.rng.IntN(len(maleNames))]
}

// name is one given name, often followed by a second (Indonesians often have no family name).
func (g *chunkGen) name(female bool) string {
	first := maleOrFemale(g, female)
	if g.rng.IntN(100) < 40 {
		return first
	}
	if second := maleOrFemale(g, female); second != first {
		return first + " " + second
	}
	return first
}

// status follows the family's payments (PBPU/BP with unpaid months are inactive for arrears), with a few
// deceased, children over 21 no longer covered, suspended PBI members and PPU members whose cover ended.
func (g *chunkGen) status(seg jkn.Segment, m member, unpaid int) jkn.Status {
	r := g.rng.IntN(1000)
	age := g.month.Year() - m.birth.Year()
	switch {
	case r < 8:
		return jkn.StatusDeceased
	case m.child && age > 21 && r < 500 && !seg.PaysOwnContribution():
		return jkn.StatusNotCovered
	case seg.PaysOwnContribution() && unpaid > 0:
		return jkn.StatusInactiveArrears
	case r < 30 && (seg == jkn.SegmentPBIAPBN || seg == jkn.SegmentPBIAPBD):
		return jkn.StatusSuspended
	case r < 40 && seg == jkn.SegmentPPU:
		return jkn.StatusInactiveMonthEnd
	case r < 13:
		return jkn.StatusSuspended
	}
	return jkn.StatusActive
}

// billFamily issues the family's monthly bills and the payments made for them, and returns how many past months
// are not paid in full and whether a month was paid in part. PBPU/BP families are billed for this month and the 30
// before it from the tariff in force each month (months before the oldest tariff are not billed); their `arrears`
// most recent past months are not paid in full. Some of those families paid part of their latest month in arrears,
// and some families not in arrears paid part of this month so far, as people paying by instalments at a counter do:
// the look-up must read what is still owed, not the bill. PBI and PPU families get this month and two before it,
// paid by the state or the employer.
func (g *chunkGen) billFamily(fid int64, seg jkn.Segment, class, size, arrears int, salary int64) (unpaid int, partial bool) {
	if !seg.PaysOwnContribution() {
		g.billPaidByOthers(fid, seg, size, salary)
		return 0, false
	}
	for back := billMonths; back >= 0; back-- {
		period := g.month.AddDate(0, -back, 0)
		t, ok := jkn.TariffAt(g.tariffs, seg.TariffGroup(), class, period)
		if !ok {
			continue
		}
		amount := t.AmountParticipant * int64(size)
		g.bills = append(g.bills, billRow{familyID: fid, period: period, amount: amount})
		switch {
		case back >= 1 && back <= arrears:
			unpaid++
			if back == 1 && g.rng.IntN(100) < partPaidPercent {
				g.pay(fid, period, partOf(amount), g.payDay())
				partial = true
			}
		case back == 0 && (arrears > 0 || g.rng.IntN(100) >= 40):
			// this month: not paid in full yet (never so for families in arrears), sometimes paid in part
			// (not offered as a sample: its pay day may still lie ahead of Now, and then it does not count yet)
			if arrears == 0 && g.rng.IntN(100) < partPaidPercent {
				g.pay(fid, period, partOf(amount), g.payDay())
			}
		default:
			g.pay(fid, period, amount, g.payDay())
		}
	}
	return unpaid, partial
}

// partPaidPercent of the families that owe a month paid part of it.
const partPaidPercent = 15

// partOf is a part payment of a bill: about half, in whole thousands of rupiah, never all of it.
func partOf(amount int64) int64 { return max(1000, amount/2/1000*1000) }

func (g *chunkGen) billPaidByOthers(fid int64, seg jkn.Segment, size int, salary int64) {
	for back := 2; back >= 0; back-- {
		period := g.month.AddDate(0, -back, 0)
		amount := salary * 5 / 100
		day := jkn.DueDay // employers pay by the due date
		if seg != jkn.SegmentPPU {
			t, ok := jkn.TariffAt(g.tariffs, seg.TariffGroup(), 3, period)
			if !ok {
				continue
			}
			amount, day = t.AmountFull*int64(size), 1+g.rng.IntN(5) // the state transfers early in the month
		} else {
			amount = min(salary, 12_000_000) * 5 / 100
		}
		g.bills = append(g.bills, billRow{familyID: fid, period: period, amount: amount})
		g.pay(fid, period, amount, day)
	}
}

// payDay: most pay by the 10th, a quarter later in the month (still settling it: no late fee).
func (g *chunkGen) payDay() int {
	switch r := g.rng.IntN(100); {
	case r < 70:
		return 1 + g.rng.IntN(10)
	case r < 95:
		return 11 + g.rng.IntN(10)
	default:
		return 21 + g.rng.IntN(8)
	}
}

func (g *chunkGen) pay(fid int64, period time.Time, amount int64, day int) {
	at := time.Date(period.Year(), period.Month(), day, 7+g.rng.IntN(14), g.rng.IntN(60), 0, 0, wib)
	g.payments = append(g.payments, paymentRow{familyID: fid, period: period, paidAt: at, amount: amount})
}

// offerSample keeps the first participant of this chunk for each thing the demo should be able to show.
func (g *chunkGen) offerSample(p participantRow, unpaid int, partial bool) {
	seg, st := jkn.Segment(p.segment), jkn.Status(p.status)
	months := min(unpaid, jkn.MaxBilledArrears)
	var whys []string
	if st == jkn.StatusActive {
		whys = append(whys, "active "+p.segment)
	}
	whys = append(whys, fmt.Sprintf("status %d", st))
	if ok, _ := jkn.Rehab(seg, unpaid); ok && st == jkn.StatusInactiveArrears && unpaid <= jkn.MaxBilledArrears {
		whys = append(whys, "REHAB-eligible arrears")
	}
	if unpaid > jkn.MaxBilledArrears {
		whys = append(whys, "arrears beyond the 24-month cap")
	}
	if partial {
		whys = append(whys, "a month paid in part")
	}
	for _, why := range whys {
		if g.sampled[why] {
			continue
		}
		g.sampled[why] = true
		g.samples = append(g.samples, Sample{Why: why, NIK: p.nik, Card: p.card, BirthDate: p.birth, Name: p.name,
			Segment: seg, Class: int(p.class), Status: st, MonthsInArrears: months})
	}
}
