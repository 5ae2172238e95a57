package prompts

import (
	"testing"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

var dueDec2026 = time.Date(2026, time.December, 10, 0, 0, 0, 0, time.FixedZone("WIB", 7*3600))

func TestStatusReadoutSaysStatusReasonSegmentAndClass(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		m    jkn.Member
		want string
	}{
		{"active PBPU class 3", jkn.Member{Status: jkn.StatusActive, Segment: jkn.SegmentPBPU, Class: 3},
			"Status kepesertaan JKN Anda: aktif. Segmen kepesertaan Anda: Pekerja Bukan Penerima Upah, atau peserta mandiri. Hak kelas rawat Anda: kelas tiga"},
		{"inactive for arrears", jkn.Member{Status: jkn.StatusInactiveArrears, Segment: jkn.SegmentBP, Class: 1},
			"Status kepesertaan JKN Anda: tidak aktif, karena ada iuran yang belum dibayar. Segmen kepesertaan Anda: Bukan Pekerja. Hak kelas rawat Anda: kelas satu"},
		{"deceased is not read further", jkn.Member{Status: jkn.StatusDeceased, Segment: jkn.SegmentPPU, Class: 1},
			"Status kepesertaan JKN Anda: tidak aktif, karena peserta tercatat telah meninggal dunia."},
	}
	for _, c := range cases {
		if got := Text(StatusReadout(c.m)); got != c.want {
			t.Errorf("%s: reads\n %q\nwant\n %q", c.name, got, c.want)
		}
	}
}

func TestEveryStatusAndSegmentHasAPrompt(t *testing.T) {
	t.Parallel()
	cat := Catalogue()
	for _, s := range jkn.Statuses {
		if !cat.Has(StatusID(s)) {
			t.Errorf("status %d has no prompt %s", s, StatusID(s))
		}
	}
	for _, s := range jkn.Segments {
		if !cat.Has(SegmentID(s)) {
			t.Errorf("segment %s has no prompt %s", s, SegmentID(s))
		}
		if id, ok := PayerID(s); ok != !s.PaysOwnContribution() || (ok && !cat.Has(id)) {
			t.Errorf("segment %s: payer prompt %q, %v", s, id, ok)
		}
	}
}

func TestBillReadoutTellsWhatIsOwedWhenAndWhetherREHABIsOpen(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		m    jkn.Member
		want string
	}{
		{"PBI APBN hears the central government pays", jkn.Member{Segment: jkn.SegmentPBIAPBN},
			"Iuran Anda dibayar oleh pemerintah pusat. Anda tidak perlu membayar iuran."},
		{"PPU hears the employer pays", jkn.Member{Segment: jkn.SegmentPPU},
			"Iuran Anda dibayar melalui pemberi kerja. Untuk pertanyaan iuran, silakan hubungi bagian kepegawaian tempat Anda bekerja."},
		{"PBPU without arrears hears the bill and the due date",
			jkn.Member{Segment: jkn.SegmentPBPU, MonthlyDue: 35000, TotalOwed: 35000, DueDate: dueDec2026},
			"Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda tidak memiliki tunggakan iuran. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam"},
		{"PBPU who already paid hears nothing is owed",
			jkn.Member{Segment: jkn.SegmentPBPU, MonthlyDue: 150000, CurrentMonthPaid: true, DueDate: dueDec2026},
			"Iuran bulan ini sebesar seratus lima puluh ribu rupiah sudah Anda bayar. Terima kasih. Anda tidak memiliki tunggakan iuran."},
		{"BP with 3 months of arrears has no REHAB",
			jkn.Member{Segment: jkn.SegmentBP, MonthlyDue: 100000, MonthsInArrears: 3, TotalOwed: 400000, DueDate: dueDec2026},
			"Iuran bulan ini sebesar seratus ribu rupiah. Anda memiliki tunggakan selama tiga bulan. " +
				"Total yang harus dibayar empat ratus ribu rupiah. Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam"},
		{"PBPU with 4 months of arrears may pay in 2 stages",
			jkn.Member{Segment: jkn.SegmentPBPU, MonthlyDue: 125000, MonthsInArrears: 4, TotalOwed: 625000, DueDate: dueDec2026},
			"Iuran bulan ini sebesar seratus dua puluh lima ribu rupiah. Anda memiliki tunggakan selama empat bulan. " +
				"Total yang harus dibayar enam ratus dua puluh lima ribu rupiah. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam. " +
				"Anda dapat mengikuti program REHAB, rencana pembayaran bertahap, paling banyak dua tahap. " +
				"Pendaftaran REHAB dapat dilakukan melalui aplikasi Mobile JKN atau Care Center 165, paling lambat tanggal 28 bulan berjalan."},
	}
	for _, c := range cases {
		if got := Text(BillReadout(c.m)); got != c.want {
			t.Errorf("%s: reads\n %q\nwant\n %q", c.name, got, c.want)
		}
	}
}

func TestREHABStagesAreAtMostTwelveAndAtMostHalfTheMonths(t *testing.T) {
	t.Parallel()
	cases := []struct {
		months int
		want   string
	}{
		{3, ""},
		{4, "dua"},
		{9, "empat"},
		{24, "dua belas"},
		{30, "dua belas"},
	}
	for _, c := range cases {
		ids := RehabReadout(jkn.SegmentPBPU, c.months)
		if c.want == "" {
			if len(ids) != 0 {
				t.Errorf("%d months: REHAB offered: %v", c.months, ids)
			}
			continue
		}
		if len(ids) < 3 || Text(ids[1:len(ids)-2]) != c.want {
			t.Errorf("%d months: %q, want %s stages", c.months, Text(ids), c.want)
		}
	}
}

func TestAgentHoursAreReadAsAClock(t *testing.T) {
	t.Parallel()
	cases := []struct {
		open, close time.Duration
		want        string
	}{
		{8 * time.Hour, 20 * time.Hour, "Petugas melayani pukul delapan sampai dua puluh"},
		{7*time.Hour + 30*time.Minute, 15 * time.Hour, "Petugas melayani pukul tujuh tiga puluh sampai lima belas"},
	}
	for _, c := range cases {
		if got := Text(AgentHours(c.open, c.close)); got != c.want {
			t.Errorf("AgentHours(%s, %s) reads %q, want %q", c.open, c.close, got, c.want)
		}
	}
}
