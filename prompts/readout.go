package prompts

import (
	"fmt"
	"strconv"
	"time"
)

// MaxNumber is the first number Number cannot read: readouts go up to 999 triliun (10^15 - 1), far beyond any bill.
const MaxNumber int64 = 1_000_000_000_000_000

// scales are the Indonesian group words from the largest down. "ribu" is special below: 1000 is "seribu", one word.
var scales = []struct {
	value int64
	id    string
}{
	{1_000_000_000_000, "word-triliun"},
	{1_000_000_000, "word-miliar"},
	{1_000_000, "word-juta"},
	{1_000, "word-ribu"},
}

// Number reads n aloud as Indonesian words, as prompt ids: 0 "nol", 11 "sebelas", 100 "seratus", 1000 "seribu",
// 1000000 "satu juta", 125000 → word-seratus num-2 word-puluh num-5 word-ribu ("seratus dua puluh lima ribu").
//
// n must be in 0 ≤ n < MaxNumber. A negative or larger number is a programming error (amounts and counts come from
// the store, never from the caller) and Number panics, as strings.Repeat does for a negative count.
func Number(n int64) []string {
	if n < 0 || n >= MaxNumber {
		panic(fmt.Sprintf("prompts.Number(%d): out of range 0..%d", n, MaxNumber-1))
	}
	if n == 0 {
		return []string{numID(0)}
	}
	var ids []string
	for _, s := range scales {
		group := n / s.value
		n %= s.value
		switch {
		case group == 0:
		case group == 1 && s.id == "word-ribu":
			ids = append(ids, "word-seribu")
		default:
			ids = appendHundreds(ids, group)
			ids = append(ids, s.id)
		}
	}
	return appendHundreds(ids, n)
}

// appendHundreds reads 0 < n < 1000 ("seratus", "dua ratus", "sebelas"); 0 adds nothing.
func appendHundreds(ids []string, n int64) []string {
	switch h := n / 100; {
	case h == 1:
		ids = append(ids, "word-seratus")
	case h > 1:
		ids = append(ids, numID(h), "word-ratus")
	}
	return appendTens(ids, n%100)
}

// appendTens reads 0 < n < 100: the words up to sebelas exist whole; 12-19 are "dua belas"...; then "dua puluh satu".
func appendTens(ids []string, n int64) []string {
	switch {
	case n == 0:
		return ids
	case n <= 11:
		return append(ids, numID(n))
	case n < 20:
		return append(ids, numID(n-10), "word-belas")
	}
	ids = append(ids, numID(n/10), "word-puluh")
	if n%10 != 0 {
		ids = append(ids, numID(n%10))
	}
	return ids
}

func numID(n int64) string { return "num-" + strconv.FormatInt(n, 10) }

// Money reads an amount in rupiah: the number, then "rupiah" (Rp125.000 → "seratus dua puluh lima ribu rupiah").
// Money is never read digit by digit. It panics on a negative amount, as Number does.
func Money(rupiah int64) []string { return append(Number(rupiah), "word-rupiah") }

// Date reads a date as Indonesians say it: day, month name, year as a number
// (10 Desember 2026 → "sepuluh Desember dua ribu dua puluh enam"). The date is read in its own location.
func Date(t time.Time) []string {
	ids := Number(int64(t.Day()))
	ids = append(ids, MonthID(t.Month()))
	return append(ids, Number(int64(t.Year()))...)
}

// MonthID is the prompt of a month's name: month-01 "Januari" … month-12 "Desember".
func MonthID(m time.Month) string { return fmt.Sprintf("month-%02d", int(m)) }

// Digits reads a digit string one word per digit ("0812" → nol delapan satu dua), for reading back what was keyed.
// Anything but 0-9 (a "#" or "*" that slipped through) is skipped: it has no word and the caller did not mean it as
// part of the number.
func Digits(s string) []string {
	ids := make([]string, 0, len(s))
	for _, r := range s {
		if r >= '0' && r <= '9' {
			ids = append(ids, numID(int64(r-'0')))
		}
	}
	return ids
}

// MediaURI is what the IVR hands Asterisk to play a prompt: sound:vika/<id>. The language is not part of the URI;
// the IVR sets CHANNEL(language)=id once, and Asterisk then picks sounds/id/vika/<id>.<best format>.
func MediaURI(id string) string { return "sound:vika/" + id }
