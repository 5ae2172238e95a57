package calllog

import (
	"regexp"
	"testing"
)

func TestACallerNumberKeepsAtMostItsPrefixAndLastTwoDigits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, number, want string
	}{
		{"a 10-digit mobile number keeps its operator prefix", "0811111111", "0811****11"},
		{"a 13-digit mobile number hides everything between", "0812345678901", "0812*******01"},
		{"an international mobile number keeps +62 and the operator", "+6281234567890", "+62812******90"},
		{"a landline keeps its area code", "0215551234", "021*****34"},
		{"a number too short for a prefix keeps only its last 2 digits", "0812345", "*****45"},
		{"a number with no known prefix keeps only its last 2 digits", "5551234", "*****34"},
		{"a very short number is hidden entirely", "16500", "*****"},
		{"an empty number stays empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := MaskCaller(c.number); got != c.want {
				t.Errorf("MaskCaller(%q) = %q, want %q", c.number, got, c.want)
			}
		})
	}
}

var sixDigits = regexp.MustCompile(`[0-9]{6}`)

func FuzzMaskCallerNeverShowsSixDigitsOrMoreThanSix(f *testing.F) {
	for _, s := range []string{"0811111111", "+6281234567890", "021", "", "62812345678901234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, number string) {
		m := MaskCaller(number)
		if len([]rune(m)) != len([]rune(number)) {
			t.Fatalf("MaskCaller(%q) = %q changes the length", number, m)
		}
		if sixDigits.MatchString(m) {
			t.Fatalf("MaskCaller(%q) = %q shows 6 digits in a row", number, m)
		}
		shown := 0
		for _, c := range m {
			if c >= '0' && c <= '9' {
				shown++
			}
		}
		if shown > 7 {
			t.Fatalf("MaskCaller(%q) = %q shows %d digits", number, m, shown)
		}
	})
}
