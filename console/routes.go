package console

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var staticFiles embed.FS

// route is one row of the route table: every URL the console answers is here, with who may use it. The tests walk
// this table, so a route added without its access level cannot slip through.
type route struct {
	method  string
	pattern string
	access  access
	// example is a concrete path for the pattern, for the tests that walk the table.
	example string
	handler http.HandlerFunc
}

// changesState says whether the route is a state change, which cross-origin protection applies to.
func (rt route) changesState() bool {
	return rt.method != http.MethodGet && rt.method != http.MethodHead
}

func (s *Server) table() []route {
	static, _ := fs.Sub(staticFiles, "static")
	return []route{
		{"GET", "/{$}", supervisor, "/", s.home},
		{"GET", "/signin", public, "/signin", s.signInPage},
		{"POST", "/signin", public, "/signin", s.signIn},
		{"POST", "/signout", supervisor, "/signout", s.signOut},
		{"GET", "/calls", supervisor, "/calls", s.callsPage},
		{"POST", "/calls/search", supervisor, "/calls/search", s.search},
		{"GET", "/calls/{id}", supervisor, "/calls/example", s.callPage},
		{"GET", "/calls/{id}/audio.wav", supervisor, "/calls/example/audio.wav", s.audio},
		{"GET", "/live", supervisor, "/live", s.livePage},
		{"GET", "/live/events", supervisor, "/live/events", s.liveEvents},
		{"GET", "/overview", supervisor, "/overview", s.overviewPage},
		{"GET", "/admin/users", admin, "/admin/users", s.usersPage},
		{"POST", "/admin/users", admin, "/admin/users", s.addUser},
		{"POST", "/admin/users/{name}/disable", admin, "/admin/users/example/disable", s.disableUser},
		{"POST", "/admin/users/password", admin, "/admin/users/password", s.resetPassword},
		{"GET", "/admin/audit", admin, "/admin/audit", s.auditPage},
		{"GET", "/static/", public, "/static/console.css", staticHandler(static)},
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.table() {
		mux.HandleFunc(rt.method+" "+rt.pattern, s.guard(rt.access, rt.handler))
	}
	// Every state change (form posts, sign-in included, against login CSRF) must come from this site: browsers say
	// where a request comes from in Sec-Fetch-Site and Origin, and cross-site ones are refused with 403.
	cop := http.NewCrossOriginProtection()
	return securityHeaders(s.opts.Secure, cop.Handler(mux))
}

func staticHandler(files fs.FS) http.HandlerFunc {
	fsrv := http.StripPrefix("/static/", http.FileServerFS(files))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	}
}

// csp allows only this site's own files: no inline script or style, no frames, no form posts elsewhere.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(secure bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		// Pages carry call data: no shared or back-button cache keeps a copy (static files override this).
		h.Set("Cache-Control", "no-store")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/calls", http.StatusSeeOther)
}
