package extconf

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// random evaluates "RAND(min,max)" (both optional, as in func_rand: 0 and RAND_MAX) to a decimal integer.
func (d *Dialplan) random(call string) string {
	args := strings.TrimSuffix(strings.TrimPrefix(call, "RAND("), ")")
	lo, hi := 0, 2147483647
	a, b, _ := strings.Cut(args, ",")
	if n, err := strconv.Atoi(strings.TrimSpace(a)); err == nil {
		lo = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(b)); err == nil {
		hi = n
	}
	if hi < lo {
		lo, hi = hi, lo // func_rand swaps them too
	}
	if d.Rand != nil {
		return strconv.Itoa(d.Rand(lo, hi))
	}
	return strconv.Itoa(lo + rand.IntN(hi-lo+1))
}
