package jkn_test

import (
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

func TestRehab(t *testing.T) {
	tests := []struct {
		name      string
		seg       jkn.Segment
		months    int
		eligible  bool
		maxStages int
	}{
		{"a PBPU participant three months behind is not yet eligible", jkn.SegmentPBPU, 3, false, 0},
		{"a PBPU participant four months behind may pay in two stages", jkn.SegmentPBPU, 4, true, 2},
		{"a BP participant five months behind may pay in two stages", jkn.SegmentBP, 5, true, 2},
		{"a BP participant fifteen months behind may pay in seven stages", jkn.SegmentBP, 15, true, 7},
		{"twenty-four months are capped at twelve stages", jkn.SegmentPBPU, 24, true, 12},
		{"thirty months count as the 24 billed", jkn.SegmentPBPU, 30, true, 12},
		{"twenty-five months: still eligible, as for the 24 billed", jkn.SegmentBP, 25, true, 12},
		{"a PPU member is never eligible: the employer pays", jkn.SegmentPPU, 10, false, 0},
		{"a PBI member is never eligible: the state pays", jkn.SegmentPBIAPBN, 10, false, 0},
		{"nobody with no arrears is eligible", jkn.SegmentPBPU, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, stages := jkn.Rehab(tt.seg, tt.months)
			if ok != tt.eligible || stages != tt.maxStages {
				t.Fatalf("Rehab = %v, %d; want %v, %d", ok, stages, tt.eligible, tt.maxStages)
			}
		})
	}
}

func TestOnlyPBPUAndBPPayTheirOwnContribution(t *testing.T) {
	want := map[jkn.Segment]jkn.Payer{
		jkn.SegmentPBIAPBN: jkn.PayerCentralGovernment, jkn.SegmentPBIAPBD: jkn.PayerRegionalGovernment,
		jkn.SegmentPPU: jkn.PayerEmployer, jkn.SegmentPBPU: jkn.PayerSelf, jkn.SegmentBP: jkn.PayerSelf,
	}
	for _, s := range jkn.Segments {
		if !s.Valid() {
			t.Errorf("%s is not valid", s)
		}
		if got := s.Payer(); got != want[s] {
			t.Errorf("%s is paid by %s, want %s", s, got, want[s])
		}
		if s.PaysOwnContribution() != (want[s] == jkn.PayerSelf) {
			t.Errorf("%s.PaysOwnContribution() = %v", s, s.PaysOwnContribution())
		}
	}
	if jkn.Segment("MANDIRI").Valid() {
		t.Error("a tariff group is not a segment")
	}
}

func TestOnlyStatusZeroIsActive(t *testing.T) {
	for _, s := range jkn.Statuses {
		if !s.Valid() || s.Active() != (s == jkn.StatusActive) {
			t.Errorf("status %d: valid %v active %v", s, s.Valid(), s.Active())
		}
	}
	if jkn.Status(1).Valid() {
		t.Error("status 1 is no BPJS status code")
	}
}

func TestTheDueDateIsTheTenthOfTheMonth(t *testing.T) {
	wib := time.FixedZone("WIB", 7*3600)
	got := jkn.DueDate(time.Date(2026, 2, 27, 23, 59, 0, 0, wib))
	if want := time.Date(2026, 2, 10, 0, 0, 0, 0, wib); !got.Equal(want) {
		t.Fatalf("DueDate = %v, want %v", got, want)
	}
}

func TestTariffAtPicksTheRowInForceOnTheDay(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	rows := []jkn.Tariff{
		{Group: "MANDIRI", Class: 3, EffectiveFrom: d(2021, 1, 1), AmountFull: 42000, AmountParticipant: 35000},
		{Group: "MANDIRI", Class: 3, EffectiveFrom: d(2020, 7, 1), AmountFull: 42000, AmountParticipant: 25500},
		{Group: "MANDIRI", Class: 1, EffectiveFrom: d(2020, 7, 1), AmountFull: 150000, AmountParticipant: 150000},
	}
	tests := []struct {
		name string
		at   time.Time
		want int64 // 0: no tariff
	}{
		{"the day before the first row there is no tariff", d(2020, 6, 30), 0},
		{"the first row holds from its first day", d(2020, 7, 1), 25500},
		{"the last day of 2020 still has the 2020 share", d(2020, 12, 31), 25500},
		{"1 January 2021 switches to the new share", d(2021, 1, 1), 35000},
		{"the newest row holds until another comes", d(2026, 3, 1), 35000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := jkn.TariffAt(rows, "MANDIRI", 3, tt.at)
			if (tt.want == 0) == ok || got.AmountParticipant != tt.want {
				t.Fatalf("TariffAt = %+v, %v; want participant amount %d", got, ok, tt.want)
			}
		})
	}
}
