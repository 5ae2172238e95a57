package asterisksim

import (
	"net/url"
	"regexp"
	"strings"
)

// digitRun is 4 or more digits in a row: a caller number, a NIK, a card number or a birth date in a request's
// query (dtmf=3174..., callerId=0811..., an originate's variables).
var digitRun = regexp.MustCompile(`[0-9]{4,}`)

// loggedURI is a request's URI as the debug log may show it: the path as sent (ids, resources), the query with
// the keys a caller presses hidden and every other run of 4 or more digits cut to its last 2. A debug log is
// still read by people who must not learn a caller's NIK from it.
func loggedURI(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	q := u.Query()
	for k, vs := range q {
		for i, v := range vs {
			if strings.EqualFold(k, "dtmf") {
				vs[i] = strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return 'x'
					}
					return r
				}, v)
				continue
			}
			vs[i] = digitRun.ReplaceAllStringFunc(v, func(d string) string {
				return strings.Repeat("*", len(d)-2) + d[len(d)-2:]
			})
		}
	}
	return u.EscapedPath() + "?" + q.Encode()
}
