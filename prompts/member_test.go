package prompts

import (
	"strings"
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

// owes is a PBPU or BP family's bill as the store computes it, at asOf (WIB).
func owes(seg jkn.Segment, st jkn.Status, asOf time.Time, bill, owedNow int64, billed bool, months, unpaid int, arrears int64) jkn.Member {
	return jkn.Member{Status: st, Segment: seg, Class: 3, MonthlyDue: bill, CurrentMonthBilled: billed,
		CurrentMonthOwed: owedNow, CurrentMonthPaid: billed && owedNow == 0, MonthsInArrears: min(months, 24),
		UnpaidMonths: unpaid, ArrearsOwed: arrears, TotalOwed: arrears + owedNow, DueDate: jkn.DueDate(asOf), AsOf: asOf}
}

func wibDay(m time.Month, d int) time.Time {
	return time.Date(2026, m, d, 9, 0, 0, 0, time.FixedZone("WIB", 7*3600))
}

func TestBillReadoutTellsWhatIsOwedWhenAndWhetherREHABIsOpen(t *testing.T) {
	t.Parallel()
	dec3, dec15, dec29 := wibDay(12, 3), wibDay(12, 15), wibDay(12, 29)
	active, inArrears := jkn.StatusActive, jkn.StatusInactiveArrears
	const rehabHow = "Pendaftaran REHAB dapat dilakukan melalui aplikasi Mobile JKN atau Care Center 165, paling lambat tanggal "
	cases := []struct {
		name string
		m    jkn.Member
		want string
	}{
		{"PBPU without arrears before the 10th hears the bill and the due date ahead",
			owes(jkn.SegmentPBPU, active, dec3, 35000, 35000, true, 0, 0, 0),
			"Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda tidak memiliki tunggakan iuran. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam"},
		{"after the 10th the due date is said to have passed, with the month's end as the deadline still ahead",
			owes(jkn.SegmentPBPU, active, dec15, 35000, 35000, true, 0, 0, 0),
			"Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda tidak memiliki tunggakan iuran. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam sudah lewat. " +
				"Agar kepesertaan Anda tetap aktif, lunasi iuran bulan ini paling lambat tanggal tiga puluh satu Desember dua ribu dua puluh enam. " +
				"Jika belum lunas, kepesertaan Anda tidak aktif mulai tanggal satu Januari dua ribu dua puluh tujuh"},
		{"PBPU who already paid hears nothing is owed and no date",
			owes(jkn.SegmentPBPU, active, dec15, 150000, 0, true, 0, 0, 0),
			"Iuran bulan ini sebesar seratus lima puluh ribu rupiah sudah Anda bayar. Terima kasih. Anda tidak memiliki tunggakan iuran."},
		{"a month paid in part is read with what is still owed on it",
			owes(jkn.SegmentBP, active, dec3, 100000, 40000, true, 0, 0, 0),
			"Iuran bulan ini sebesar seratus ribu rupiah sudah Anda bayar sebagian. Sisa yang belum dibayar sebesar empat puluh ribu rupiah. " +
				"Anda tidak memiliki tunggakan iuran. Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam"},
		{"no bill yet this month: no amount of zero, no due date",
			owes(jkn.SegmentPBPU, active, dec3, 0, 0, false, 0, 0, 0),
			"Tagihan iuran bulan ini belum terbit. Anda tidak memiliki tunggakan iuran."},
		{"no bill yet this month but arrears: the arrears and their total only",
			owes(jkn.SegmentPBPU, inArrears, dec3, 0, 0, false, 2, 2, 70000),
			"Tagihan iuran bulan ini belum terbit. Anda memiliki tunggakan selama dua bulan. Total yang harus dibayar tujuh puluh ribu rupiah. " +
				"Kepesertaan Anda aktif kembali setelah seluruh tunggakan dan iuran bulan ini dibayar lunas."},
		{"BP with 3 months of arrears has no REHAB; past the 10th it is not told coverage 'will' stop",
			owes(jkn.SegmentBP, inArrears, dec15, 100000, 100000, true, 3, 3, 300000),
			"Iuran bulan ini sebesar seratus ribu rupiah. Anda memiliki tunggakan selama tiga bulan. " +
				"Total yang harus dibayar empat ratus ribu rupiah. Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam sudah lewat. " +
				"Kepesertaan Anda aktif kembali setelah seluruh tunggakan dan iuran bulan ini dibayar lunas."},
		{"PBPU with 4 months of arrears may pay in 2 stages, registering by the 28th",
			owes(jkn.SegmentPBPU, inArrears, dec3, 125000, 125000, true, 4, 4, 500000),
			"Iuran bulan ini sebesar seratus dua puluh lima ribu rupiah. Anda memiliki tunggakan selama empat bulan. " +
				"Total yang harus dibayar enam ratus dua puluh lima ribu rupiah. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam. " +
				"Kepesertaan Anda aktif kembali setelah seluruh tunggakan dan iuran bulan ini dibayar lunas. " +
				"Anda dapat mengikuti program REHAB, rencana pembayaran bertahap, paling banyak dua tahap. " +
				rehabHow + "dua puluh delapan Desember dua ribu dua puluh enam"},
		{"after the 28th REHAB registration is next month's, and in January that is the 28th",
			owes(jkn.SegmentPBPU, inArrears, dec29, 35000, 35000, true, 6, 6, 210000),
			"Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda memiliki tunggakan selama enam bulan. " +
				"Total yang harus dibayar dua ratus empat puluh lima ribu rupiah. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam sudah lewat. " +
				"Kepesertaan Anda aktif kembali setelah seluruh tunggakan dan iuran bulan ini dibayar lunas. " +
				"Anda dapat mengikuti program REHAB, rencana pembayaran bertahap, paling banyak tiga tahap. " +
				"Pendaftaran REHAB bulan ini sudah ditutup. Pendaftaran berikutnya melalui aplikasi Mobile JKN atau Care Center 165, " +
				"paling lambat tanggal dua puluh delapan Januari dua ribu dua puluh tujuh"},
		{"in February REHAB registration closes on the 27th",
			owes(jkn.SegmentBP, inArrears, wibDay(2, 2), 35000, 35000, true, 4, 4, 140000),
			"Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda memiliki tunggakan selama empat bulan. " +
				"Total yang harus dibayar seratus tujuh puluh lima ribu rupiah. " +
				"Batas pembayaran tanggal sepuluh Februari dua ribu dua puluh enam. " +
				"Kepesertaan Anda aktif kembali setelah seluruh tunggakan dan iuran bulan ini dibayar lunas. " +
				"Anda dapat mengikuti program REHAB, rencana pembayaran bertahap, paling banyak dua tahap. " +
				rehabHow + "dua puluh tujuh Februari dua ribu dua puluh enam"},
		{"more than 24 months unpaid: said as more than 24, of which at most 24 are billed",
			owes(jkn.SegmentBP, inArrears, dec3, 35000, 35000, true, 24, 30, 840000),
			"Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda memiliki tunggakan lebih dari dua puluh empat bulan. " +
				"Untuk pengaktifan kembali, tunggakan yang ditagihkan paling banyak 24 bulan. " +
				"Total yang harus dibayar delapan ratus tujuh puluh lima ribu rupiah. " +
				"Batas pembayaran tanggal sepuluh Desember dua ribu dua puluh enam. " +
				"Kepesertaan Anda aktif kembali setelah seluruh tunggakan dan iuran bulan ini dibayar lunas. " +
				"Anda dapat mengikuti program REHAB, rencana pembayaran bertahap, paling banyak dua belas tahap. " +
				rehabHow + "dua puluh delapan Desember dua ribu dua puluh enam"},
	}
	for _, c := range cases {
		if got := Text(BillReadout(c.m)); got != c.want {
			t.Errorf("%s: reads\n %q\nwant\n %q", c.name, got, c.want)
		}
	}
}

func TestKeyTwoNeverTellsSomeoneNotCoveredThatTheyNeedNotPayNorReadsAFamilyBillToTheDeceased(t *testing.T) {
	t.Parallel()
	// Every status × segment, with a family bill and arrears on record: what each hears (jkn.BillAnswerFor).
	wants := map[jkn.BillAnswer]string{
		jkn.AnswerPaidByGovernment:        "Iuran Anda dibayar oleh pemerintah",
		jkn.AnswerPaidByEmployer:          "Iuran Anda dibayar melalui pemberi kerja.",
		jkn.AnswerDeceased:                "Peserta ini tercatat telah meninggal dunia, sehingga iurannya tidak ditagihkan lagi.",
		jkn.AnswerNotCovered:              "Anda tidak lagi ditanggung dalam kepesertaan ini",
		jkn.AnswerGovernmentCoverInactive: "iuran Anda tidak sedang dibayar oleh pemerintah. Untuk pengaktifan kembali, silakan hubungi Dinas Sosial",
		jkn.AnswerEmployerCoverInactive:   "Kepesertaan Anda melalui pemberi kerja saat ini tidak aktif.",
		jkn.AnswerFamilyBill:              "Iuran bulan ini sebesar tiga puluh lima ribu rupiah. Anda memiliki tunggakan selama lima bulan.",
	}
	for _, st := range jkn.Statuses {
		for _, seg := range jkn.Segments {
			got := Text(BillReadout(owes(seg, st, wibDay(12, 15), 35000, 35000, true, 5, 5, 175000)))
			answer := jkn.BillAnswerFor(st, seg)
			if !strings.HasPrefix(got, wants[answer]) && !strings.Contains(got, wants[answer]) {
				t.Errorf("status %d, %s (%s) hears %q", st, seg, answer, got)
			}
			if !st.Active() && strings.Contains(got, "tidak perlu membayar") {
				t.Errorf("status %d, %s is told they need not pay: %q", st, seg, got)
			}
			if st == jkn.StatusDeceased && (strings.Contains(got, "Anda") || strings.Contains(got, "rupiah")) {
				t.Errorf("the family of a deceased %s participant hears %q", seg, got)
			}
		}
	}
}

func TestAgentHoursAreReadAsAClockWithTheDaysAndWIB(t *testing.T) {
	t.Parallel()
	week := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	cases := []struct {
		s    Schedule
		want string
	}{
		{Schedule{Days: week, Open: 8 * time.Hour, Close: 20 * time.Hour, Zone: "WIB"},
			"Petugas melayani setiap hari pukul delapan sampai pukul dua puluh WIB"},
		{Schedule{Days: week[1:6], Open: 7*time.Hour + 30*time.Minute, Close: 15 * time.Hour, Zone: "WIB", Holidays: true},
			"Petugas melayani hari Senin sampai Jumat pukul tujuh lewat tiga puluh menit sampai pukul lima belas WIB kecuali hari libur."},
		{Schedule{Days: []time.Weekday{time.Friday, time.Monday, time.Wednesday}, Open: 8 * time.Hour, Close: 12*time.Hour + 5*time.Minute, Zone: "WIB"},
			"Petugas melayani hari Senin Rabu dan Jumat pukul delapan sampai pukul dua belas lewat lima menit WIB"},
		{Schedule{Days: []time.Weekday{time.Saturday}, Open: 22 * time.Hour, Close: 24 * time.Hour, Zone: "WITA"},
			"Petugas melayani hari Sabtu pukul dua puluh dua sampai pukul dua puluh empat"},
	}
	for _, c := range cases {
		if got := Text(AgentHours(c.s)); got != c.want {
			t.Errorf("AgentHours(%+v) reads\n %q\nwant\n %q", c.s, got, c.want)
		}
	}
}
