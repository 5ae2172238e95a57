package asterisksim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// route is one ARI resource path and method. The table is data so that the
// 404 / 405 decision matches Asterisk's (a known path with an unknown method is
// 405 "Invalid method"; anything else is 404 "Resource not found") and so that
// the /ari/api-docs documents are generated from what is really served (apidocs.go).
type route struct {
	method  string
	pattern string // "/channels/{channelId}/play/{playbackId}"
	segs    []string
	handle  func(w http.ResponseWriter, r *request)
}

// request is one REST call with its path variables and merged parameters.
type request struct {
	*http.Request
	vars   map[string]string
	params params
}

func (s *Server) routeTable() []route {
	rs := []route{
		{method: "GET", pattern: "/channels", handle: s.listChannels},
		{method: "POST", pattern: "/channels", handle: s.originate},
		{method: "GET", pattern: "/channels/{channelId}", handle: s.getChannel},
		{method: "POST", pattern: "/channels/{channelId}", handle: s.originate},
		{method: "DELETE", pattern: "/channels/{channelId}", handle: s.hangupChannel},
		{method: "POST", pattern: "/channels/{channelId}/answer", handle: s.answerChannel},
		{method: "POST", pattern: "/channels/{channelId}/play", handle: s.playOnChannel},
		{method: "POST", pattern: "/channels/{channelId}/play/{playbackId}", handle: s.playOnChannel},
		{method: "POST", pattern: "/channels/{channelId}/continue", handle: s.continueChannel},
		{method: "POST", pattern: "/channels/{channelId}/redirect", handle: s.redirectChannel},
		{method: "POST", pattern: "/channels/{channelId}/dtmf", handle: s.sendDTMF},
		{method: "GET", pattern: "/channels/{channelId}/variable", handle: s.getVariable},
		{method: "POST", pattern: "/channels/{channelId}/variable", handle: s.setVariable},
		{method: "GET", pattern: "/playbacks/{playbackId}", handle: s.getPlayback},
		{method: "DELETE", pattern: "/playbacks/{playbackId}", handle: s.stopPlayback},
		{method: "POST", pattern: "/playbacks/{playbackId}/control", handle: s.controlPlayback},
		{method: "GET", pattern: "/sounds", handle: s.listSounds},
		{method: "GET", pattern: "/sounds/{soundId}", handle: s.getSound},
		{method: "GET", pattern: "/asterisk/info", handle: s.asteriskInfo},
		{method: "GET", pattern: "/asterisk/ping", handle: s.asteriskPing},
		{method: "GET", pattern: "/applications", handle: s.listApplications},
		{method: "GET", pattern: "/applications/{applicationName}", handle: s.getApplication},
		{method: "GET", pattern: "/events", handle: nil}, // served by handleEvents before dispatch
	}
	for i := range rs {
		rs[i].segs = strings.Split(strings.Trim(rs[i].pattern, "/"), "/")
	}
	return rs
}

// ServeHTTP authenticates, applies injected REST faults and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Logf != nil {
		s.opts.Logf("ari %s %s", r.Method, loggedURI(r.URL))
	}
	w.Header().Set("Server", "Asterisk/22.10.1")
	escaped := r.URL.EscapedPath()
	if !strings.HasPrefix(escaped, "/ari/") && escaped != "/ari" {
		writeError(w, http.StatusNotFound, "Resource not found")
		return
	}
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "Authentication required")
		return
	}
	// Path segments are unescaped one by one: /sounds/vika%2Fwelcome names the
	// sound "vika/welcome", while /sounds/vika/welcome is an unknown route.
	raw := strings.Split(strings.Trim(strings.TrimPrefix(escaped, "/ari"), "/"), "/")
	segs := make([]string, len(raw))
	for i, seg := range raw {
		u, err := url.PathUnescape(seg)
		if err != nil {
			u = seg
		}
		segs[i] = u
	}
	if s.serveAPIDocs(w, r, segs) {
		return
	}
	if len(segs) == 1 && segs[0] == "events" && r.Method == http.MethodGet {
		if s.restFault(w, r) {
			return
		}
		s.handleEvents(w, r)
		return
	}
	rt, vars, status := s.match(r.Method, segs)
	if status != 0 {
		msg := "Resource not found"
		if status == http.StatusMethodNotAllowed {
			msg = "Invalid method"
		}
		writeError(w, status, msg)
		return
	}
	if s.restFault(w, r) {
		return
	}
	p, err := parseParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON body")
		return
	}
	rt.handle(w, &request{Request: r, vars: vars, params: p})
}

func (s *Server) match(method string, segs []string) (*route, map[string]string, int) {
	pathKnown := false
	for i := range s.routes {
		rt := &s.routes[i]
		vars, ok := matchSegs(rt.segs, segs)
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method == method && rt.handle != nil {
			return rt, vars, 0
		}
	}
	if pathKnown {
		return nil, nil, http.StatusMethodNotAllowed
	}
	return nil, nil, http.StatusNotFound
}

func matchSegs(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var vars map[string]string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") {
			if segs[i] == "" {
				return nil, false
			}
			if vars == nil {
				vars = map[string]string{}
			}
			vars[strings.Trim(p, "{}")] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return vars, true
}

// authorized accepts HTTP basic auth or the api_key=user:pass query, as
// Asterisk's http server does for ARI.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		key := r.URL.Query().Get("api_key")
		user, pass, ok = strings.Cut(key, ":")
	}
	if !ok {
		return false
	}
	want, found := s.opts.Users[user]
	return found && want == pass
}

// params are a request's parameters: the query string merged with a JSON
// object body, as Asterisk merges them. Repeated query values keep the last,
// which is why repeated media= params play only the last one.
type params struct {
	vals  map[string]string
	lists map[string][]string // JSON arrays, e.g. {"media": [...]}
	objs  map[string]map[string]string
	// fromBody marks values that came from a JSON body: a JSON "media" string
	// is one URI even with commas in it, unlike the query parameter.
	fromBody map[string]bool
}

func parseParams(r *http.Request) (params, error) {
	p := params{vals: map[string]string{}, lists: map[string][]string{}, objs: map[string]map[string]string{}, fromBody: map[string]bool{}}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p.vals[k] = vs[len(vs)-1]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return p, err
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return p, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return p, err
	}
	for k, raw := range m {
		var v any
		if json.Unmarshal(raw, &v) != nil {
			continue
		}
		switch x := v.(type) {
		case string:
			if x != "" { // the Go client sends every field, empty ones as ""
				p.vals[k] = x
				p.fromBody[k] = true
			}
		case float64:
			if x != 0 {
				p.vals[k] = strconv.FormatFloat(x, 'f', -1, 64)
			}
		case bool:
			p.vals[k] = strconv.FormatBool(x)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					p.lists[k] = append(p.lists[k], s)
				}
			}
		case map[string]any:
			obj := map[string]string{}
			for ok, ov := range x {
				if s, isStr := ov.(string); isStr {
					obj[ok] = s
				}
			}
			p.objs[k] = obj
		}
	}
	return p, nil
}

func (p params) get(k string) string { return p.vals[k] }

func (p params) has(k string) bool { _, ok := p.vals[k]; return ok }

// int returns a numeric parameter, or def when absent or malformed.
func (p params) int(k string, def int) int {
	v, ok := p.vals[k]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def
	}
	return n
}

func (p params) millis(k string, def int) time.Duration {
	return time.Duration(p.int(k, def)) * time.Millisecond
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes Asterisk's error body, {"message": "..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
