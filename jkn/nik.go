package jkn

import (
	"slices"
	"time"
)

// Reason says why a NIK is not structurally valid. The IVR maps each reason to a prompt, so the values are stable
// lower-case words that can also appear in logs.
type Reason string

const (
	ReasonLength   Reason = "length"   // not 16 characters
	ReasonDigits   Reason = "digits"   // something other than 0-9
	ReasonProvince Reason = "province" // first two digits are no province code
	ReasonDate     Reason = "date"     // DDMMYY is no calendar date (day 41-71 for women)
	ReasonSerial   Reason = "serial"   // last four digits are 0000
)

// NIKError reports a structurally invalid NIK. It never carries the number itself, so it is safe to log.
type NIKError struct {
	Reason Reason
}

func (e *NIKError) Error() string { return "invalid NIK: " + string(e.Reason) }

// ProvinceCodes are the two-digit codes of Indonesia's 38 provinces (the first two NIK digits), following the BPS
// list as of 2022. Papua is the uncertain part: the 2022 splits are numbered differently by BPS (91 Papua Barat,
// 92 Papua Barat Daya, 94 Papua, 95 Papua Selatan, 96 Papua Tengah, 97 Papua Pegunungan) and by Kemendagri, and NIKs
// issued before the split keep 91/92. Kept as data so a correction is a one-line change.
var ProvinceCodes = []int{
	11, 12, 13, 14, 15, 16, 17, 18, 19, // Sumatra: Aceh, Sumut, Sumbar, Riau, Jambi, Sumsel, Bengkulu, Lampung, Babel
	21,                     // Kepulauan Riau
	31, 32, 33, 34, 35, 36, // Java: DKI Jakarta, Jawa Barat, Jawa Tengah, DI Yogyakarta, Jawa Timur, Banten
	51, 52, 53, // Bali, Nusa Tenggara Barat, Nusa Tenggara Timur
	61, 62, 63, 64, 65, // Kalimantan Barat, Tengah, Selatan, Timur, Utara
	71, 72, 73, 74, 75, 76, // Sulawesi Utara, Tengah, Selatan, Tenggara, Gorontalo, Sulawesi Barat
	81, 82, // Maluku, Maluku Utara
	91, 92, // Papua Barat, Papua Barat Daya (BPS); Papua, Papua Barat in pre-2022 NIKs
	94, 95, 96, 97, // Papua, Papua Selatan, Papua Tengah, Papua Pegunungan
}

// ValidateNIK checks a NIK's structure (DOMAIN.md): 16 digits, a known province, an embedded DDMMYY birth date that
// exists on the calendar (day +40 for women) and a serial from 0001. A NIK has no check digit, so a structurally
// valid NIK may still belong to nobody. It returns nil or a *NIKError.
func ValidateNIK(nik string) error {
	if len(nik) != NIKLength {
		return &NIKError{Reason: ReasonLength}
	}
	if !allDigits(nik) {
		return &NIKError{Reason: ReasonDigits}
	}
	if !slices.Contains(ProvinceCodes, num(nik[0:2])) {
		return &NIKError{Reason: ReasonProvince}
	}
	if _, _, ok := NIKBirthDate(nik); !ok {
		return &NIKError{Reason: ReasonDate}
	}
	if num(nik[12:16]) == 0 {
		return &NIKError{Reason: ReasonSerial}
	}
	return nil
}

// NIKBirthDate reads the DDMMYY part of a 16-digit NIK: whether the holder is a woman (day + 40) and the day and
// month. The two-digit year is ambiguous (19YY or 20YY), so ok is true when the date exists in either century (29
// February needs one of them to be a leap year). The NIK's date is fixed for life and may be wrong; it is never
// compared with the caller's birth date.
func NIKBirthDate(nik string) (female bool, md time.Month, ok bool) {
	if len(nik) != NIKLength || !allDigits(nik) {
		return false, 0, false
	}
	day, month, yy := num(nik[6:8]), num(nik[8:10]), num(nik[10:12])
	if day > 40 {
		female, day = true, day-40
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return female, 0, false
	}
	if !realDate(1900+yy, month, day) && !realDate(2000+yy, month, day) {
		return female, 0, false
	}
	return female, time.Month(month), true
}

// NIKDate formats the DDMMYY part of a NIK for a birth date, adding 40 to the day for women.
func NIKDate(birth time.Time, female bool) string {
	day := birth.Day()
	if female {
		day += 40
	}
	return pad2(day) + pad2(int(birth.Month())) + pad2(birth.Year()%100)
}

func realDate(y, m, d int) bool {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

// num parses a short all-digit string; callers have checked the digits.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func pad2(n int) string {
	return string([]byte{byte('0' + n/10%10), byte('0' + n%10)})
}
