package extconf

import "strings"

// Asterisk extension patterns (pbx.c): a name starting with "_" is a pattern where
//
//	X = [0-9]   Z = [1-9]   N = [2-9]   [15-7] = a set   . = one or more of anything   ! = zero or more
//
// and every other character stands for itself. Dashes are decoration ("_021-165") and are ignored in
// both patterns and dialled numbers, as Asterisk ignores them.

// element is one position of a pattern: a set of accepted bytes, or a trailing wildcard.
type element struct {
	set      [256]bool
	size     int  // how many characters the set accepts: fewer is more specific
	wildcard byte // '.' or '!' (ends the pattern), 0 otherwise
}

func isPattern(name string) bool { return strings.HasPrefix(name, "_") }

func stripDashes(s string) string { return strings.ReplaceAll(s, "-", "") }

// compilePattern turns "_0XXX!" into elements; an unterminated set ("[12") is taken as a literal '[',
// so such a pattern simply matches nothing a caller dials.
func compilePattern(p string) []element {
	p = strings.TrimPrefix(p, "_")
	var els []element
	for i := 0; i < len(p); i++ {
		c := p[i]
		var e element
		switch c {
		case '-':
			continue
		case '.', '!':
			e.wildcard = c
			e.size = 1 << 16
			if c == '!' {
				e.size++ // zero-or-more sorts after one-or-more
			}
			return append(els, e)
		case 'X', 'x':
			e.addRange('0', '9')
		case 'Z', 'z':
			e.addRange('1', '9')
		case 'N', 'n':
			e.addRange('2', '9')
		case '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				e.add(c)
				break
			}
			e.addSet(p[i+1 : i+end])
			i += end
		default:
			e.add(c)
		}
		els = append(els, e)
	}
	return els
}

func (e *element) add(c byte) {
	if !e.set[c] {
		e.set[c] = true
		e.size++
	}
}

func (e *element) addRange(lo, hi byte) {
	for c := lo; c <= hi; c++ {
		e.add(c)
	}
}

// addSet reads the inside of [...]: single characters and ranges a-b.
func (e *element) addSet(s string) {
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i+1] == '-' {
			e.addRange(s[i], s[i+2])
			i += 2
			continue
		}
		e.add(s[i])
	}
}

// matchExten reports whether a dialled number matches an extension name (literal or pattern).
func matchExten(name, dialled string) bool {
	dialled = stripDashes(dialled)
	if !isPattern(name) {
		return stripDashes(name) == dialled
	}
	return matchElements(compilePattern(name), dialled)
}

func matchElements(els []element, s string) bool {
	for i, e := range els {
		switch e.wildcard {
		case '.':
			return len(s) > i
		case '!':
			return true
		}
		if i >= len(s) || !e.set[s[i]] {
			return false
		}
	}
	return len(s) == len(els)
}

// morePreciseThan orders two matching patterns the way Asterisk's ext_cmp does: position by position,
// the element accepting fewer characters wins; wildcards lose to everything; at a tie the shorter pattern
// (which must then end in a wildcard or be equal) comes later.
func morePreciseThan(a, b string) bool {
	ea, eb := compilePattern(a), compilePattern(b)
	for i := 0; i < len(ea) && i < len(eb); i++ {
		if ea[i].size != eb[i].size {
			return ea[i].size < eb[i].size
		}
		if ea[i].wildcard == 0 && ea[i].set != eb[i].set {
			return firstChar(ea[i]) < firstChar(eb[i])
		}
	}
	return len(ea) > len(eb)
}

func firstChar(e element) int {
	for c, ok := range e.set {
		if ok {
			return c
		}
	}
	return 256
}
