package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

const pageSize = 50

// Entries and outcomes offered in the filters; the call log may hold others, which a shared URL can still name.
var (
	entries  = []string{"mobile", "landline"}
	outcomes = []string{"served", "transferred", "goodbye", "abandoned", "limited", "system_busy", "error", "shutdown", "refused"}
)

// callsFilter is the calls list's state as it appears in a shareable URL. Numbers appear only as their keyed hash
// and their masked form: the URL can be pasted into a chat without spreading a NIK.
type callsFilter struct {
	From, To       string // datetime-local, in the console's time zone
	Entry, Outcome string
	Node           string
	CallerHash     string
	CallerMasked   string
	IdentityHash   string
	IdentityMasked string
	Before         string
}

func filterFromQuery(q url.Values) callsFilter {
	return callsFilter{
		From: q.Get("from"), To: q.Get("to"), Entry: q.Get("entry"), Outcome: q.Get("outcome"), Node: q.Get("node"),
		CallerHash: hexOnly(q.Get("ch")), CallerMasked: maskedOnly(q.Get("cm")),
		IdentityHash: hexOnly(q.Get("idh")), IdentityMasked: maskedOnly(q.Get("idm")), Before: q.Get("before"),
	}
}

// query is the URL query of the filter; page cursors are added by the caller.
func (f callsFilter) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("from", f.From)
	set("to", f.To)
	set("entry", f.Entry)
	set("outcome", f.Outcome)
	set("node", f.Node)
	set("ch", f.CallerHash)
	set("cm", f.CallerMasked)
	set("idh", f.IdentityHash)
	set("idm", f.IdentityMasked)
	return q
}

// URL is the list's address for this filter, from the newest call.
func (f callsFilter) URL() string { return withQuery("/calls", f.query()) }

// Without is the URL with one filter removed, for the chips that clear a number search.
func (f callsFilter) Without(what string) string {
	switch what {
	case "caller":
		f.CallerHash, f.CallerMasked = "", ""
	case "identity":
		f.IdentityHash, f.IdentityMasked = "", ""
	}
	return f.URL()
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (s *Server) storeQuery(f callsFilter) (store.CallPageQuery, error) {
	q := store.CallPageQuery{Node: f.Node}
	q.Entry, q.Outcome, q.CallerHash, q.IdentityHash = f.Entry, f.Outcome, f.CallerHash, f.IdentityHash
	q.Limit = pageSize + 1
	var err error
	if q.From, err = s.parseLocal(f.From); err != nil {
		return q, fmt.Errorf("from: %w", err)
	}
	if q.To, err = s.parseLocal(f.To); err != nil {
		return q, fmt.Errorf("to: %w", err)
	}
	if f.Before != "" {
		c, err := parseCursor(f.Before)
		if err != nil {
			return q, err
		}
		q.Before = &c
	}
	return q, nil
}

func (s *Server) parseLocal(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, s.opts.Location); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time (expected 2006-01-02T15:04)", v)
}

// A cursor is the last call shown: its start in Unix microseconds (PostgreSQL's precision) and its id.
func cursorOf(c store.Call) string {
	return strconv.FormatInt(c.StartedAt.UnixMicro(), 10) + "_" + c.ID
}

func parseCursor(v string) (store.CallCursor, error) {
	micros, id, ok := strings.Cut(v, "_")
	n, err := strconv.ParseInt(micros, 10, 64)
	if !ok || err != nil || id == "" {
		return store.CallCursor{}, fmt.Errorf("before: %q is not a page cursor", v)
	}
	return store.CallCursor{StartedAt: time.UnixMicro(n), ID: id}, nil
}

type callsView struct {
	Filter   callsFilter
	Calls    []store.Call
	Older    string // URL of the next (older) page, or ""
	Newest   string // URL of the first page, when not on it
	Entries  []string
	Outcomes []string
	Nodes    []string
	Message  string
}

func (s *Server) callsPage(w http.ResponseWriter, r *http.Request) {
	f := filterFromQuery(r.URL.Query())
	s.showCalls(w, r, f, "")
}

func (s *Server) showCalls(w http.ResponseWriter, r *http.Request, f callsFilter, message string) {
	v := callsView{Filter: f, Entries: entries, Outcomes: outcomes, Message: message}
	status := http.StatusOK
	q, err := s.storeQuery(f)
	if err != nil {
		v.Message, status = err.Error(), http.StatusBadRequest
	} else {
		calls, err := s.opts.Data.CallPage(r.Context(), q)
		if err != nil {
			s.fail(w, r, "calls", err)
			return
		}
		if len(calls) > pageSize {
			calls = calls[:pageSize]
			next := f.query()
			next.Set("before", cursorOf(calls[len(calls)-1]))
			v.Older = withQuery("/calls", next)
		}
		v.Calls = calls
		if f.Before != "" {
			v.Newest = f.URL()
		}
		if f.Before == "" && (f.IdentityHash != "" || f.CallerHash != "") && r.Method == http.MethodGet {
			// Opening a shared number search is a search too.
			s.audit(r, userOf(r).User, store.AuditSearch, auditSearchDetail(f))
		}
	}
	if v.Nodes, err = s.opts.Data.CallNodes(r.Context()); err != nil {
		s.fail(w, r, "nodes", err)
		return
	}
	s.render(w, r, status, "calls", "Calls", v)
}

// search turns the form's numbers into keyed hashes and redirects to the shareable list URL. The form is posted, not
// sent as a query, so a typed NIK never appears in a URL, the browser's history or a proxy's access log.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	f := callsFilter{
		From: r.PostFormValue("from"), To: r.PostFormValue("to"), Entry: r.PostFormValue("entry"),
		Outcome: r.PostFormValue("outcome"), Node: r.PostFormValue("node"),
		CallerHash: hexOnly(r.PostFormValue("ch")), CallerMasked: maskedOnly(r.PostFormValue("cm")),
		IdentityHash: hexOnly(r.PostFormValue("idh")), IdentityMasked: maskedOnly(r.PostFormValue("idm")),
	}
	if caller := digitsOf(r.PostFormValue("caller")); caller != "" {
		if len(caller) < 6 || len(caller) > 16 || strings.Trim(caller, "0123456789") != "" {
			s.showCalls(w, r, f, "The caller number must have 6 to 16 digits.")
			return
		}
		f.CallerHash, f.CallerMasked = jkn.HashID(s.opts.HashKey, caller), jkn.Mask(caller)
	}
	if number := digitsOf(r.PostFormValue("number")); number != "" {
		if jkn.ClassifyID(number) == jkn.IDUnknown {
			s.showCalls(w, r, f, fmt.Sprintf("%s is not a 16-digit NIK or a 13-digit card number.", jkn.Mask(number)))
			return
		}
		f.IdentityHash, f.IdentityMasked = jkn.HashID(s.opts.HashKey, number), jkn.Mask(number)
	}
	if _, err := s.storeQuery(f); err != nil {
		s.showCalls(w, r, f, err.Error())
		return
	}
	s.audit(r, userOf(r).User, store.AuditSearch, auditSearchDetail(f))
	http.Redirect(w, r, f.URL(), http.StatusSeeOther)
}

// auditSearchDetail records what was searched: the filters, and numbers by hash and mask only.
func auditSearchDetail(f callsFilter) string {
	q := f.query()
	return q.Encode()
}

// digitsOf keeps the digits of what was typed ("0812-3456 7890" → "081234567890"), and "" for anything else.
func digitsOf(s string) string {
	s = strings.NewReplacer(" ", "", "-", "", ".", "", "+", "").Replace(strings.TrimSpace(s))
	for _, c := range s {
		if c < '0' || c > '9' {
			return strings.Repeat("x", len(s)) // not a number: refused by the length or kind checks
		}
	}
	return s
}

// hexOnly and maskedOnly accept only what a hash or a masked number looks like, so a URL cannot smuggle a full
// number onto the page through these parameters.
func hexOnly(s string) string {
	if len(s) != 64 {
		return ""
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return ""
		}
	}
	return s
}

func maskedOnly(s string) string {
	if len(s) > 20 || strings.Count(s, "*") < len(s)-8 {
		return ""
	}
	for _, c := range s {
		if c != '*' && (c < '0' || c > '9') {
			return ""
		}
	}
	return s
}
