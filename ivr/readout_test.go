package ivr

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/prompts"
)

// heardBetween is what the caller heard after the first `after` and before the next `until`.
func heardBetween(ids []string, after, until string) []string {
	i := slices.Index(ids, after)
	if i < 0 {
		return nil
	}
	rest := ids[i+1:]
	if j := slices.Index(rest, until); j >= 0 {
		return rest[:j]
	}
	return rest
}

func TestCallersWhoProveWhoTheyAreHearTheirStatusOrTheirBill(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	// The harness clock is Monday 23 November 2026: after the 10th (the due date has passed), before the 28th.
	nov := func(d int) []string { return prompts.Date(time.Date(2026, 11, d, 0, 0, 0, 0, wib)) }
	duePassed := slices.Concat([]string{"bill-due"}, nov(10), []string{"bill-due-passed"})
	keepCover := slices.Concat(duePassed, []string{"bill-pay-by"}, nov(30), []string{"bill-stops-from"},
		prompts.Date(time.Date(2026, 12, 1, 0, 0, 0, 0, wib)))
	rehab := func(stages int64) []string {
		return slices.Concat([]string{"bill-reactivate", "rehab-eligible"}, prompts.Number(stages),
			[]string{"word-tahap", "rehab-how"}, nov(28))
	}
	cases := []struct {
		name     string
		entry    string
		key      string
		byCard   bool
		p        participant
		want     []string // the readout, as prompt ids
		wantText string   // part of the readout's text
	}{
		{"an active PBPU participant hears aktif, the segment and the class", "165", "1", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, Class: 2},
			[]string{"status-intro", "status-0", "segment-intro", "segment-pbpu", "class-intro", "num-2"},
			"Status kepesertaan JKN Anda: aktif."},
		{"a PBI APBN participant keying the card number hears the segment", "021165", "1", true,
			participant{Segment: jkn.SegmentPBIAPBN, Status: jkn.StatusActive},
			[]string{"status-intro", "status-0", "segment-intro", "segment-pbi-apbn", "class-intro", "num-3"}, "APBN"},
		{"a PBI APBD participant hears the regional segment", "165", "1", false,
			participant{Segment: jkn.SegmentPBIAPBD, Status: jkn.StatusActive},
			[]string{"status-intro", "status-0", "segment-intro", "segment-pbi-apbd", "class-intro", "num-3"}, "APBD"},
		{"a wage earner hears PPU and class 1", "021165", "1", false,
			participant{Segment: jkn.SegmentPPU, Status: jkn.StatusActive, Class: 1},
			[]string{"status-intro", "status-0", "segment-intro", "segment-ppu", "class-intro", "num-1"}, "Pekerja Penerima Upah"},
		{"a BP participant in arrears hears inactive because of unpaid contributions", "165", "1", false,
			participant{Segment: jkn.SegmentBP, Status: jkn.StatusInactiveArrears},
			[]string{"status-intro", "status-9", "segment-intro", "segment-bp", "class-intro", "num-3"}, "iuran yang belum dibayar"},
		{"the family of a deceased participant hears only the status", "021165", "1", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusDeceased},
			[]string{"status-intro", "status-2"}, "meninggal dunia"},
		{"a child no longer covered hears why", "165", "1", true,
			participant{Segment: jkn.SegmentPPU, Status: jkn.StatusNotCovered},
			[]string{"status-intro", "status-6", "segment-intro", "segment-ppu", "class-intro", "num-3"}, "tidak lagi ditanggung"},
		{"a suspended participant hears suspended", "021165", "1", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusSuspended},
			[]string{"status-intro", "status-7", "segment-intro", "segment-pbpu", "class-intro", "num-3"}, "ditangguhkan"},
		{"a participant whose coverage ends this month hears so", "165", "1", false,
			participant{Segment: jkn.SegmentBP, Status: jkn.StatusInactiveMonthEnd},
			[]string{"status-intro", "status-15", "segment-intro", "segment-bp", "class-intro", "num-3"}, "akhir bulan"},
		{"a PBPU participant with no arrears after the 10th hears the due date passed and the month's end ahead", "165", "2", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000},
			slices.Concat([]string{"bill-this-month"}, prompts.Money(35000), []string{"bill-no-arrears"}, keepCover),
			"sudah lewat. Agar kepesertaan Anda tetap aktif, lunasi iuran bulan ini paling lambat tanggal tiga puluh November"},
		{"a BP participant who paid part of this month hears what is still owed", "021165", "2", false,
			participant{Segment: jkn.SegmentBP, Status: jkn.StatusActive, MonthlyDue: 100000, PaidSoFar: 40000},
			slices.Concat([]string{"bill-this-month"}, prompts.Money(100000), []string{"bill-part-paid"}, prompts.Money(60000),
				[]string{"bill-no-arrears"}, keepCover),
			"sudah Anda bayar sebagian. Sisa yang belum dibayar sebesar enam puluh ribu rupiah"},
		{"a PBPU participant whose bill is not issued yet hears so, not nol rupiah", "165", "2", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000, NotBilled: true},
			[]string{"bill-not-issued", "bill-no-arrears"}, "Tagihan iuran bulan ini belum terbit."},
		{"a PBPU participant 6 months behind hears the total and that REHAB takes at most 3 stages", "021165", "2", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusInactiveArrears, Class: 2, MonthlyDue: 100000, Arrears: 6},
			slices.Concat([]string{"bill-this-month", "word-seratus", "word-ribu", "word-rupiah", "bill-arrears-intro", "num-6",
				"word-bulan", "bill-total"}, prompts.Money(700000), duePassed, rehab(3)),
			"tujuh ratus ribu rupiah"},
		{"a BP participant 3 months behind hears the arrears but no REHAB", "165", "2", true,
			participant{Segment: jkn.SegmentBP, Status: jkn.StatusInactiveArrears, MonthlyDue: 35000, Arrears: 3},
			slices.Concat([]string{"bill-this-month"}, prompts.Money(35000), []string{"bill-arrears-intro", "num-3",
				"word-bulan", "bill-total"}, prompts.Money(140000), duePassed, []string{"bill-reactivate"}),
			"seratus empat puluh ribu rupiah"},
		{"a BP participant 30 months behind hears more than 24, that 24 are billed, and 12 stages", "021165", "2", false,
			participant{Segment: jkn.SegmentBP, Status: jkn.StatusInactiveArrears, Class: 1, MonthlyDue: 150000, Arrears: 30},
			slices.Concat([]string{"bill-this-month"}, prompts.Money(150000), []string{"bill-arrears-beyond"},
				prompts.Number(24), []string{"word-bulan", "bill-arrears-cap", "bill-total"}, prompts.Money(25*150000), duePassed,
				rehab(12)), "tunggakan lebih dari dua puluh empat bulan"},
		{"the family of a deceased PBPU participant hears no bill and how to check the others", "165", "2", false,
			participant{Segment: jkn.SegmentPBPU, Status: jkn.StatusDeceased, MonthlyDue: 35000, Arrears: 2},
			[]string{"bill-deceased"}, "tercatat telah meninggal dunia"},
		{"a child of a wage earner no longer covered is not told the employer pays", "021165", "2", false,
			participant{Segment: jkn.SegmentPPU, Status: jkn.StatusNotCovered},
			[]string{"bill-not-covered"}, "tidak lagi ditanggung"},
		{"a suspended PBI participant is not told the government pays", "165", "2", true,
			participant{Segment: jkn.SegmentPBIAPBN, Status: jkn.StatusSuspended},
			[]string{"bill-pbi-inactive"}, "Dinas Sosial"},
		{"a wage earner whose cover ended at month end is sent to the employer", "165", "2", false,
			participant{Segment: jkn.SegmentPPU, Status: jkn.StatusInactiveMonthEnd, MonthlyDue: 120000},
			[]string{"bill-ppu-inactive"}, "bagian kepegawaian"},
		{"a PBI APBN participant hears that the central government pays", "165", "2", false,
			participant{Segment: jkn.SegmentPBIAPBN, Status: jkn.StatusActive},
			[]string{"payer-pbi-apbn"}, "pemerintah pusat"},
		{"a PBI APBD participant hears that the regional government pays", "021165", "2", true,
			participant{Segment: jkn.SegmentPBIAPBD, Status: jkn.StatusActive},
			[]string{"payer-pbi-apbd"}, "pemerintah daerah"},
		{"a wage earner hears that the employer pays", "165", "2", false,
			participant{Segment: jkn.SegmentPPU, Status: jkn.StatusActive, MonthlyDue: 120000},
			[]string{"payer-ppu"}, "pemberi kerja"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.p.Birth = birth(1985, 8, 17)
			p := seed(t, h.db, h.now, c.p)
			number, kind := p.NIK, "nik"
			if c.byCard {
				number, kind = p.Card+"#", "card"
			}
			call := h.dial(t, c.entry)
			call.hear("main-menu")
			call.press(c.key)
			call.hear("enter-id")
			call.press(number)
			call.hear("enter-birthdate")
			call.press(p.BirthKeys())
			call.hear("after-readout-menu")
			tr := call.hangUp()
			got := heardBetween(tr.HeardIDs(), "please-wait", "after-readout-menu")
			if !slices.Equal(got, c.want) {
				t.Errorf("readout\n got %v\nwant %v", got, c.want)
			}
			if text := prompts.Text(got); !strings.Contains(text, c.wantText) {
				t.Errorf("readout text %q\ndoes not say %q", text, c.wantText)
			}
			log := call.log()
			if id := log.last(calllog.KindIdentity); id[calllog.FieldKind] != kind || id[calllog.FieldMasked] != jkn.Mask(strings.TrimSuffix(number, "#")) {
				t.Errorf("identity logged as %v, want kind %s masked", id, kind)
			}
			if l := log.last(calllog.KindLookup); l[calllog.FieldOutcome] != LookupFound {
				t.Errorf("look-up logged as %v, want found", l)
			}
			if e := log.last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeServed {
				t.Errorf("end logged as %v, want served", e)
			}
			for _, secret := range []string{p.NIK, p.Card, p.BirthKeys()} {
				if strings.Contains(log.text(), secret) {
					t.Errorf("the call log contains %s in full:\n%s", jkn.Mask(secret), log.text())
				}
			}
		})
	}
}

func TestAfterTheReadoutTheCallerCanRepeatItCheckAnotherNumberOrGoBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	first := seed(t, h.db, h.now, participant{Birth: birth(1990, 1, 2), Segment: jkn.SegmentPBPU, MonthlyDue: 35000})
	second := seed(t, h.db, h.now, participant{Birth: birth(1970, 12, 31), Segment: jkn.SegmentPPU, Female: true})

	call := h.dial(t, "165")
	call.hear("main-menu")
	call.press("1")
	call.hear("enter-id")
	call.press(first.NIK)
	call.hear("enter-birthdate")
	call.press(first.BirthKeys())
	call.hear("after-readout-menu")
	call.press("1") // repeat: the same readout again, without a second look-up
	call.hear("status-intro", "after-readout-menu")
	call.press("2") // another number
	call.hear("enter-id")
	call.press(second.Card + "#")
	call.hear("enter-birthdate")
	call.press(second.BirthKeys())
	call.hear("segment-ppu", "after-readout-menu")
	call.press("9") // main menu, then the bill of the participant already verified
	call.hear("main-menu")
	call.press("2")
	call.hear("payer-ppu", "after-readout-menu")
	call.press("0")
	tr := call.transferred()

	if tr.Continued == nil || tr.Continued.Context != "agents" || tr.Continued.Exten != "s" || tr.Continued.Priority != 1 {
		t.Errorf("the line continued to %+v, want agents,s,1", tr.Continued)
	}
	log := call.log()
	if n := len(log.of(calllog.KindLookup)); n != 2 {
		t.Errorf("%d look-ups logged, want 2 (repeat and the second service reuse the verified participant)", n)
	}
	if tf := log.last(calllog.KindTransfer); tf[calllog.FieldReason] != "caller_choice" {
		t.Errorf("transfer logged as %v", tf)
	}
	if e := log.last(calllog.KindEnd); e[calllog.FieldOutcome] != OutcomeTransferred {
		t.Errorf("end logged as %v, want transferred", e)
	}
	if log.last(calllog.KindHangup) != nil {
		t.Errorf("a transferred call logged a hang-up: %v", log.last(calllog.KindHangup))
	}
}
