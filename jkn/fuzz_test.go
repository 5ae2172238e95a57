package jkn_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vika-jkn/vika/jkn"
)

// FuzzIdentity holds the identity rules to what the IVR relies on, for any keypad entry (or any string at all):
// ClassifyID says NIK or card by length and digits alone; ValidateNIK accepts only 16 digits with a known province,
// a birth date that exists, and a serial from 0001, and says why otherwise; NIKBirthDate agrees with it; and Mask
// never shows more than the first and last 4 characters, nor anything of 8 characters or fewer.
//
//	go test -run '^$' -fuzz '^FuzzIdentity$' -fuzztime 30s ./jkn
func FuzzIdentity(f *testing.F) {
	for _, seed := range []string{
		"3507014501900003", "3174011708850001", "0001234567891", "3174015702920001", "3174013102850001",
		"9974011708850001", "3174011708850000", "317401170885000", "31740117088500011", "3174O11708850001",
		"", "#", "12*34#", "3171012902000001", "3171012902010001", "3171017102000001", "٣١٧٤٠١١٧٠٨٨٥٠٠٠١",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		digits := s != "" && strings.Trim(s, "0123456789") == ""
		kind := jkn.ClassifyID(s)
		switch {
		case digits && len(s) == jkn.NIKLength && kind != jkn.IDNIK,
			digits && len(s) == jkn.CardLength && kind != jkn.IDCard,
			(!digits || len(s) != jkn.NIKLength && len(s) != jkn.CardLength) && kind != jkn.IDUnknown:
			t.Fatalf("ClassifyID(%q) = %v", s, kind)
		}

		err := jkn.ValidateNIK(s)
		var ne *jkn.NIKError
		if err != nil && !errors.As(err, &ne) {
			t.Fatalf("ValidateNIK(%q) = %v, want a *NIKError", s, err)
		}
		_, month, dateOK := jkn.NIKBirthDate(s)
		if err == nil {
			if kind != jkn.IDNIK || !dateOK || month < 1 || month > 12 || s[12:] == "0000" {
				t.Fatalf("ValidateNIK accepted %q (kind %v, date ok %v, month %d)", s, kind, dateOK, month)
			}
		}
		if kind != jkn.IDNIK && (err == nil || dateOK) {
			t.Fatalf("%q is no NIK, yet ValidateNIK = %v and NIKBirthDate ok = %v", s, err, dateOK)
		}

		m := jkn.Mask(s)
		n := utf8.RuneCountInString(s)
		if utf8.RuneCountInString(m) != n {
			t.Fatalf("Mask(%q) = %q: %d characters, want %d", s, m, utf8.RuneCountInString(m), n)
		}
		shown := n - strings.Count(m, "*") + strings.Count(s, "*")
		if n <= 8 && shown > strings.Count(s, "*") || n > 8 && shown > 8+strings.Count(s, "*") {
			t.Fatalf("Mask(%q) = %q shows too much", s, m)
		}
		if n > 8 && digits && strings.Contains(m, s[4:len(s)-4]) && len(s)-8 >= 6 {
			t.Fatalf("Mask(%q) = %q keeps the middle", s, m)
		}
		if jkn.HashID([]byte("k"), s) != jkn.HashID([]byte("k"), s) || jkn.HashID([]byte("k"), s) == jkn.HashID([]byte("l"), s) {
			t.Fatalf("HashID of %q is not a keyed function of the number", s)
		}
	})
}
