package prompts

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNumbersAreReadAsIndonesiansSayThem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		n    int64
		want string
	}{
		{0, "nol"},
		{1, "satu"},
		{9, "sembilan"},
		{10, "sepuluh"},
		{11, "sebelas"},
		{12, "dua belas"},
		{19, "sembilan belas"},
		{20, "dua puluh"},
		{21, "dua puluh satu"},
		{99, "sembilan puluh sembilan"},
		{100, "seratus"},
		{101, "seratus satu"},
		{110, "seratus sepuluh"},
		{111, "seratus sebelas"},
		{200, "dua ratus"},
		{999, "sembilan ratus sembilan puluh sembilan"},
		{1000, "seribu"},
		{1001, "seribu satu"},
		{1999, "seribu sembilan ratus sembilan puluh sembilan"},
		{2000, "dua ribu"},
		{10000, "sepuluh ribu"},
		{11000, "sebelas ribu"},
		{12500, "dua belas ribu lima ratus"},
		{100000, "seratus ribu"},
		{101000, "seratus satu ribu"},
		{999999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"},
		{1000000, "satu juta"},
		{1000001, "satu juta satu"},
		{1001000, "satu juta seribu"},
		{1500000, "satu juta lima ratus ribu"},
		{30000000, "tiga puluh juta"},
		{1000000000, "satu miliar"},
		{1000000000000, "satu triliun"},
		{2026, "dua ribu dua puluh enam"},
		{MaxNumber - 1, "sembilan ratus sembilan puluh sembilan triliun sembilan ratus sembilan puluh sembilan miliar " +
			"sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan ribu " +
			"sembilan ratus sembilan puluh sembilan"},
	}
	for _, c := range cases {
		if got := Text(Number(c.n)); got != c.want {
			t.Errorf("Number(%d) reads %q, want %q (ids %v)", c.n, got, c.want, Number(c.n))
		}
	}
}

func TestBillsOfTheDomainAreReadInRupiahNeverDigitByDigit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rupiah int64
		want   string
	}{
		{0, "nol rupiah"},
		{7000, "tujuh ribu rupiah"},
		{35000, "tiga puluh lima ribu rupiah"},
		{42000, "empat puluh dua ribu rupiah"},
		{100000, "seratus ribu rupiah"},
		{150000, "seratus lima puluh ribu rupiah"},
		{125000, "seratus dua puluh lima ribu rupiah"},
		{25500, "dua puluh lima ribu lima ratus rupiah"},
		{840000, "delapan ratus empat puluh ribu rupiah"},
		{3600000, "tiga juta enam ratus ribu rupiah"},
		{30000000, "tiga puluh juta rupiah"},
	}
	for _, c := range cases {
		if got := Text(Money(c.rupiah)); got != c.want {
			t.Errorf("Money(%d) reads %q, want %q", c.rupiah, got, c.want)
		}
	}
}

func TestTheBillOf125000IsPlayedAsTheseFiles(t *testing.T) {
	t.Parallel()
	want := []string{"word-seratus", "num-2", "word-puluh", "num-5", "word-ribu", "word-rupiah"}
	if got := Money(125000); !slices.Equal(got, want) {
		t.Errorf("Money(125000) = %v, want %v", got, want)
	}
}

func TestDatesAreReadAsDayMonthNameAndYear(t *testing.T) {
	t.Parallel()
	jakarta := time.FixedZone("WIB", 7*3600)
	cases := []struct {
		date time.Time
		want string
	}{
		{time.Date(2026, time.December, 10, 0, 0, 0, 0, jakarta), "sepuluh Desember dua ribu dua puluh enam"},
		{time.Date(2026, time.January, 1, 0, 0, 0, 0, jakarta), "satu Januari dua ribu dua puluh enam"},
		{time.Date(1985, time.August, 17, 0, 0, 0, 0, time.UTC), "tujuh belas Agustus seribu sembilan ratus delapan puluh lima"},
		{time.Date(2000, time.February, 29, 0, 0, 0, 0, time.UTC), "dua puluh sembilan Februari dua ribu"},
		// Late evening UTC is already the next day in Jakarta: the date is read where it was made.
		{time.Date(2026, time.March, 31, 23, 0, 0, 0, time.UTC).In(jakarta), "satu April dua ribu dua puluh enam"},
	}
	for _, c := range cases {
		if got := Text(Date(c.date)); got != c.want {
			t.Errorf("Date(%s) reads %q, want %q", c.date.Format(time.DateOnly), got, c.want)
		}
	}
}

func TestEveryMonthHasItsIndonesianName(t *testing.T) {
	t.Parallel()
	want := "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
	var ids []string
	for m := time.January; m <= time.December; m++ {
		ids = append(ids, MonthID(m))
	}
	if got := Text(ids); got != want {
		t.Errorf("months read %q, want %q", got, want)
	}
}

func TestDigitStringsAreReadOneWordPerDigitSkippingKeysThatAreNoDigits(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"0812", "nol delapan satu dua"},
		{"3507014501900003", "tiga lima nol tujuh nol satu empat lima nol satu sembilan nol nol nol nol tiga"},
		{"12#", "satu dua"},
		{"*", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := Text(Digits(c.in)); got != c.want {
			t.Errorf("Digits(%q) reads %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNumbersOutOfRangePanicWithTheNumberInTheMessage(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{-1, MaxNumber, -9_000_000} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), "out of range") {
					t.Errorf("Number(%d) recovered %v, want an out-of-range panic", n, r)
				}
			}()
			Number(n)
		}()
	}
}

func TestMediaURINamesTheVikaSoundWithoutLanguage(t *testing.T) {
	t.Parallel()
	if got := MediaURI("main-menu"); got != "sound:vika/main-menu" {
		t.Errorf("MediaURI = %q", got)
	}
}

func FuzzNumberIsNeverEmptyAndUsesOnlyCataloguedWords(f *testing.F) {
	for _, n := range []int64{0, 1, 11, 19, 100, 1000, 1999, 125000, 1000000, MaxNumber - 1} {
		f.Add(n)
	}
	cat := Catalogue()
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			n = -(n + 1)
		}
		n %= MaxNumber
		ids := Number(n)
		if Text(ids) == "" {
			t.Fatalf("Number(%d) reads as nothing", n)
		}
		if missing := cat.Missing(ids...); len(missing) > 0 {
			t.Fatalf("Number(%d) uses %v, not in the catalogue", n, missing)
		}
		if strings.Contains(Text(ids), "[") {
			t.Fatalf("Number(%d) reads %q", n, Text(ids))
		}
	})
}
