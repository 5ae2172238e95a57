package console

import (
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

type signInView struct {
	Next    string
	Name    string
	Message string
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", "Sign in", signInView{Next: safeNext(r.URL.Query().Get("next"))})
}

// signIn checks the throttle first (so a throttled guesser learns nothing, not even from timing), then the password;
// every outcome is audited.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	auditName := auditableName(name)
	again := func(status int, msg string) {
		s.render(w, r, status, "signin", "Sign in", signInView{Next: next, Name: auditName, Message: msg})
	}
	if name == "" || password == "" {
		again(http.StatusBadRequest, "Enter your user name and password.")
		return
	}
	byUser, byRemote, err := s.opts.Data.SignInFailures(r.Context(), auditName, s.remote(r), s.opts.Now().Add(-throttleWindow))
	if err != nil {
		s.fail(w, r, "sign-in throttle", err)
		return
	}
	if byUser >= throttlePerUser || byRemote >= throttlePerRemote {
		s.audit(r, auditName, store.AuditSignInThrottled, "")
		w.Header().Set("Retry-After", "900")
		again(http.StatusTooManyRequests, "Too many failed sign-ins. Wait 15 minutes, or ask an admin to reset your password.")
		return
	}
	u, err := s.opts.Data.ConsoleUser(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNoUser) {
		s.fail(w, r, "sign-in", err)
		return
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash()
	}
	ok := VerifyPassword(hash, password) && err == nil && !u.Disabled()
	if !ok {
		s.audit(r, auditName, store.AuditSignInFailed, "")
		again(http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	if err := s.startSession(w, r, u.Name); err != nil {
		s.fail(w, r, "start session", err)
		return
	}
	s.audit(r, u.Name, store.AuditSignIn, "role="+u.Role)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// auditableName is a typed user name as it may be stored: someone who types a NIK into the name field must not
// leave it in the audit trail or on the page.
func auditableName(name string) string {
	digits := 0
	for _, c := range name {
		if unicode.IsDigit(c) {
			digits++
		}
	}
	if digits >= 6 {
		return jkn.Mask(name)
	}
	if len(name) > 64 {
		return name[:64]
	}
	return name
}

// signOut ends the session on the server, not just in the browser: the old cookie is worthless afterwards.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	if err := s.opts.Data.DeleteConsoleSession(r.Context(), u.tokenHash); err != nil {
		s.fail(w, r, "sign out", err)
		return
	}
	s.audit(r, u.User, store.AuditSignOut, "")
	s.clearCookie(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
