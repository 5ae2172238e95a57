package jkn

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// IDKind says which identity number a caller keyed in.
type IDKind int

const (
	IDUnknown IDKind = iota // neither 16 nor 13 digits
	IDNIK                   // 16-digit Nomor Induk Kependudukan
	IDCard                  // 13-digit JKN card number (noKartu)
)

// Lengths of the two identity numbers a caller may key in.
const (
	NIKLength  = 16
	CardLength = 13
)

// String gives a stable lower-case name, used in call-log fields and log lines.
func (k IDKind) String() string {
	switch k {
	case IDNIK:
		return "nik"
	case IDCard:
		return "card"
	default:
		return "unknown"
	}
}

// ClassifyID tells a NIK from a card number by length alone: neither carries a check digit, so the length is all a
// keypad entry can be judged on before the NIK's structure is checked. Anything that is not all ASCII digits is
// IDUnknown.
func ClassifyID(digits string) IDKind {
	if !allDigits(digits) {
		return IDUnknown
	}
	switch len(digits) {
	case NIKLength:
		return IDNIK
	case CardLength:
		return IDCard
	default:
		return IDUnknown
	}
}

// Mask hides the middle of an identity number so that a log or a screen never shows it whole: the first 4 and the
// last 4 characters are kept ("3507********0003", "0001*****8911"). Anything of 8 characters or fewer is masked
// entirely, since keeping 4+4 would show all of it.
func Mask(number string) string {
	r := []rune(number)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:4]) + strings.Repeat("*", len(r)-8) + string(r[len(r)-4:])
}

// HashID is the keyed hash (HMAC-SHA256, hex) of an identity or phone number. The call log stores it instead of the
// number so a supervisor who knows a number can find its calls, while a leaked log cannot be reversed by hashing all
// 10^16 candidate NIKs: that would need the key.
func HashID(key []byte, number string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(number))
	return hex.EncodeToString(m.Sum(nil))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
