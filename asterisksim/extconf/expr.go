package extconf

import (
	"strconv"
	"strings"
)

// expand substitutes ${NAME}, ${NAME:offset[:length]} and $[expression] the way pbx_substitute_variables
// does, innermost first. Function calls such as ${CALLERID(num)} are looked up by their written text in
// the channel variables (the simulator passes them in); anything unknown becomes empty, as in Asterisk.
func (w *walker) expand(s string) string {
	for i := 0; i < len(s)-1; i++ {
		if s[i] != '$' || (s[i+1] != '{' && s[i+1] != '[') {
			continue
		}
		open, close := s[i+1], byte('}')
		if open == '[' {
			close = ']'
		}
		end := matching(s, i+1, open, close)
		if end < 0 {
			return s
		}
		inner := w.expand(s[i+2 : end])
		var val string
		if open == '{' {
			val = w.lookup(inner)
		} else {
			val = evalExpr(inner)
		}
		s = s[:i] + val + s[end+1:]
		i += len(val) - 1
	}
	return s
}

// matching returns the index of the bracket closing the one at open, or -1.
func matching(s string, open int, o, c byte) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case o:
			depth++
		case c:
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func (w *walker) lookup(name string) string {
	base, sub := name, ""
	if i := strings.IndexByte(name, ':'); i >= 0 && !strings.Contains(name[:i], "(") {
		base, sub = name[:i], name[i+1:]
	}
	v, ok := w.vars[base]
	if !ok {
		v = w.d.Globals[base]
	}
	if !ok && strings.HasPrefix(base, "RAND(") {
		v = w.d.random(base)
	}
	if sub == "" {
		return v
	}
	return substring(v, sub)
}

// substring applies ":offset[:length]" with Asterisk's negative-offset rules.
func substring(v, spec string) string {
	offS, lenS, hasLen := strings.Cut(spec, ":")
	off, _ := strconv.Atoi(offS)
	if off < 0 {
		off += len(v)
	}
	off = min(max(off, 0), len(v))
	v = v[off:]
	if !hasLen {
		return v
	}
	n, err := strconv.Atoi(lenS)
	if err != nil {
		return v
	}
	if n < 0 {
		n += len(v)
	}
	return v[:min(max(n, 0), len(v))]
}

// truthy is Asterisk's pbx_checkcondition: empty is false, a number is true when non-zero, any other text is true.
func truthy(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return n != 0
	}
	return true
}

// evalExpr evaluates the body of $[...] for the forms dialplans use in routing: comparisons (= == != < > <= >=)
// of quoted or bare strings and numbers, joined by & and |, with ! and parentheses. Quotes are removed from
// operands as ast_expr2 does. Anything else yields the text unchanged, like a bare string in ast_expr2.
func evalExpr(s string) string {
	p := exprParser{toks: tokenize(s)}
	v := p.or()
	if p.pos != len(p.toks) {
		return strings.TrimSpace(s)
	}
	return v
}

type exprParser struct {
	toks []token
	pos  int
}

type token struct {
	text string
	op   bool
}

func (p *exprParser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

func (p *exprParser) acceptOp(ops ...string) (string, bool) {
	t, ok := p.peek()
	if !ok || !t.op {
		return "", false
	}
	for _, o := range ops {
		if t.text == o {
			p.pos++
			return o, true
		}
	}
	return "", false
}

func (p *exprParser) or() string {
	v := p.and()
	for {
		if _, ok := p.acceptOp("|"); !ok {
			return v
		}
		r := p.and()
		if truthy(v) {
			continue
		}
		v = r
		if !truthy(r) {
			v = "0"
		}
	}
}

func (p *exprParser) and() string {
	v := p.compare()
	for {
		if _, ok := p.acceptOp("&"); !ok {
			return v
		}
		r := p.compare()
		if !truthy(v) || !truthy(r) {
			v = "0"
		}
	}
}

func (p *exprParser) compare() string {
	l := p.unary()
	op, ok := p.acceptOp("=", "==", "!=", "<", ">", "<=", ">=")
	if !ok {
		return l
	}
	r := p.unary()
	return boolString(compareValues(l, r, op))
}

func (p *exprParser) unary() string {
	if _, ok := p.acceptOp("!"); ok {
		return boolString(!truthy(p.unary()))
	}
	if _, ok := p.acceptOp("("); ok {
		v := p.or()
		p.acceptOp(")")
		return v
	}
	t, ok := p.peek()
	if !ok || t.op {
		return ""
	}
	p.pos++
	return t.text
}

// compareValues compares numerically when both sides are numbers, else as strings, as ast_expr2 does.
func compareValues(l, r, op string) bool {
	c := strings.Compare(l, r)
	if a, err1 := strconv.ParseFloat(l, 64); err1 == nil {
		if b, err2 := strconv.ParseFloat(r, 64); err2 == nil {
			c = 0
			if a < b {
				c = -1
			} else if a > b {
				c = 1
			}
		}
	}
	switch op {
	case "=", "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	}
	return c >= 0
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func tokenize(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				toks = append(toks, token{text: s[i+1:]})
				return toks
			}
			toks = append(toks, token{text: s[i+1 : i+1+j]})
			i += j + 2
		case strings.ContainsRune("=!<>&|()", rune(c)):
			op := string(c)
			if i+1 < len(s) && s[i+1] == '=' && strings.ContainsRune("=!<>", rune(c)) {
				op += "="
			}
			toks = append(toks, token{text: op, op: true})
			i += len(op)
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\"=!<>&|()", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks
}
