package jkn_test

import (
	"errors"
	"testing"

	"github.com/vika-jkn/vika/jkn"
)

func TestValidateNIK(t *testing.T) {
	tests := []struct {
		name string
		nik  string
		want jkn.Reason // "" means valid
	}{
		{"a man born 1 May 1990 in Malang is valid", "3507010105900003", ""},
		{"a woman's day carries 40 extra and is valid", "3507014501900003", ""},
		{"a DKI Jakarta NIK is valid", "3171234112990001", ""},
		{"a Papua Pegunungan NIK (2022 province) is valid", "9701010101010001", ""},
		{"day 71 (a woman born on the 31st) is valid", "3507017101900003", ""},
		{"29 February of a year leap in one century only is valid", "3507012902000001", ""},
		{"29 February 1900/2000 read as 00 is valid via 2000", "3507016902000001", ""},
		{"fifteen digits are the wrong length", "350701450190000", jkn.ReasonLength},
		{"seventeen digits are the wrong length", "35070145019000031", jkn.ReasonLength},
		{"the empty string is the wrong length", "", jkn.ReasonLength},
		{"a letter is not a digit", "35070145019O0003", jkn.ReasonDigits},
		{"a star from the keypad is not a digit", "3507014501900*03", jkn.ReasonDigits},
		{"province 10 does not exist", "1007014501900003", jkn.ReasonProvince},
		{"province 20 does not exist", "2001014501900003", jkn.ReasonProvince},
		{"province 93 is not in the 2022 list", "9301014501900003", jkn.ReasonProvince},
		{"province 00 does not exist", "0001014501900003", jkn.ReasonProvince},
		{"day 00 is no date", "3507010001900003", jkn.ReasonDate},
		{"day 32 is no date", "3507013201900003", jkn.ReasonDate},
		{"day 40 is neither a man's nor a woman's", "3507014001900003", jkn.ReasonDate},
		{"day 72 is past a woman's 31st", "3507017201900003", jkn.ReasonDate},
		{"month 13 is no month", "3507010113900003", jkn.ReasonDate},
		{"month 00 is no month", "3507010100900003", jkn.ReasonDate},
		{"31 April does not exist", "3507013104900003", jkn.ReasonDate},
		{"30 February does not exist", "3507013002900003", jkn.ReasonDate},
		{"29 February 2001/1901 does not exist", "3507012902010001", jkn.ReasonDate},
		{"29 February 1999/2099 does not exist", "3507016902990001", jkn.ReasonDate},
		{"serial 0000 is never issued", "3507014501900000", jkn.ReasonSerial},
		{"serial 0001 is the first issued", "3507014501900001", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := jkn.ValidateNIK(tt.nik)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateNIK = %v, want valid", err)
				}
				return
			}
			var ne *jkn.NIKError
			if !errors.As(err, &ne) || ne.Reason != tt.want {
				t.Fatalf("ValidateNIK = %v, want reason %q", err, tt.want)
			}
		})
	}
}

func TestNIKErrorNeverContainsTheNumber(t *testing.T) {
	const nik = "3507013204900003"
	err := jkn.ValidateNIK(nik)
	if err == nil || containsDigitRun(err.Error(), 6) {
		t.Fatalf("error %q should exist and carry no digits of the NIK", err)
	}
}

func containsDigitRun(s string, n int) bool {
	run := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			if run++; run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func TestEveryProvinceOfThe2022ListIsAccepted(t *testing.T) {
	if len(jkn.ProvinceCodes) != 38 {
		t.Fatalf("%d province codes, want 38", len(jkn.ProvinceCodes))
	}
	for _, p := range jkn.ProvinceCodes {
		nik := string(rune('0'+p/10)) + string(rune('0'+p%10)) + "01010101900001"
		if err := jkn.ValidateNIK(nik); err != nil {
			t.Errorf("province %d: %v", p, err)
		}
	}
}

func TestNIKBirthDateTellsWomenByTheDayPlusForty(t *testing.T) {
	female, month, ok := jkn.NIKBirthDate("3507014512900003")
	if !ok || !female || month != 12 {
		t.Fatalf("got female=%v month=%v ok=%v, want a woman born in December", female, month, ok)
	}
	female, _, ok = jkn.NIKBirthDate("3507010512900003")
	if !ok || female {
		t.Fatalf("got female=%v ok=%v, want a man", female, ok)
	}
}

func FuzzValidateNIK(f *testing.F) {
	for _, s := range []string{"3507014501900003", "", "0000000000000000", "99999999999999999", "３５０７", "35070145019000\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := jkn.ValidateNIK(s) // must not panic, whatever s is
		if err == nil && (len(s) != 16 || jkn.ClassifyID(s) != jkn.IDNIK) {
			t.Fatalf("accepted %q, which is not 16 digits", s)
		}
		var ne *jkn.NIKError
		if err != nil && !errors.As(err, &ne) {
			t.Fatalf("error %T is not a *NIKError", err)
		}
		_ = jkn.Mask(s)
	})
}
