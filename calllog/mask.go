package calllog

import "strings"

// MaskCaller is how a caller's number may appear in the call log and in the app's logs: at most the operator or
// area prefix (0811, +62811, 021) and the last 2 digits, with at least 4 digits hidden whatever the length. Keeping
// the first and last 4 (jkn.Mask, made for 16-digit identity numbers) left only 2 digits of a 10-digit mobile
// number hidden.
func MaskCaller(number string) string {
	const keepLast, minHidden = 2, 4
	r := []rune(number)
	prefix := callerPrefix(number)
	if len(r)-prefix-keepLast < minHidden {
		prefix = 0
	}
	if len(r)-keepLast < minHidden {
		return strings.Repeat("*", len(r))
	}
	return string(r[:prefix]) + strings.Repeat("*", len(r)-prefix-keepLast) + string(r[len(r)-keepLast:])
}

// callerPrefix is the length of the part of an Indonesian number that names the operator (mobile) or the area
// (landline), which says nothing about the subscriber.
func callerPrefix(n string) int {
	switch {
	case strings.HasPrefix(n, "+62"):
		return 6 // +62 811
	case strings.HasPrefix(n, "62"):
		return 5 // 62 811
	case strings.HasPrefix(n, "08"):
		return 4 // 0811
	case strings.HasPrefix(n, "0"):
		return 3 // 021, 022
	}
	return 0
}
