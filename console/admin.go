package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vika-jkn/vika/store"
)

type usersView struct {
	Users   []store.ConsoleUser
	Message string
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	msg := ""
	if name := r.URL.Query().Get("password_set"); ValidUserName(name) == nil {
		msg = "The password of " + name + " is set; they were signed out everywhere."
	}
	s.showUsers(w, r, http.StatusOK, msg)
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, status int, msg string) {
	users, err := s.opts.Data.ConsoleUsers(r.Context())
	if err != nil {
		s.fail(w, r, "users", err)
		return
	}
	s.render(w, r, status, "users", "Users", usersView{Users: users, Message: msg})
}

// ValidUserName says why a user name is refused, or nil: names appear in the audit, so they stay short and plain.
func ValidUserName(name string) error {
	if len(name) < 2 || len(name) > 64 {
		return errors.New("a user name has 2 to 64 characters")
	}
	if strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") != "" {
		return errors.New("a user name has only letters, digits and . _ - @")
	}
	digits := 0
	for _, c := range name {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	if digits >= 6 {
		return errors.New("a user name may not hold a long number (it could be a NIK or a phone number)")
	}
	return nil
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	name, role, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("role"), r.PostFormValue("password")
	if err := ValidUserName(name); err != nil {
		s.showUsers(w, r, http.StatusBadRequest, err.Error())
		return
	}
	if !ValidRole(role) {
		s.showUsers(w, r, http.StatusBadRequest, "The role is supervisor or admin.")
		return
	}
	if err := CheckPasswordPolicy(password); err != nil {
		s.showUsers(w, r, http.StatusBadRequest, err.Error())
		return
	}
	hash, err := HashPassword(password)
	if err != nil {
		s.fail(w, r, "hash password", err)
		return
	}
	err = s.opts.Data.AddConsoleUser(r.Context(), name, role, hash)
	if errors.Is(err, store.ErrUserExists) {
		s.showUsers(w, r, http.StatusConflict, "There is already a user "+name+".")
		return
	}
	if err != nil {
		s.fail(w, r, "add user", err)
		return
	}
	s.audit(r, userOf(r).User, store.AuditUserAdd, "user="+name+" role="+role)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := s.opts.Data.DisableConsoleUser(r.Context(), name)
	if errors.Is(err, store.ErrNoUser) {
		http.Error(w, "no such user", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, r, "disable user", err)
		return
	}
	s.audit(r, userOf(r).User, store.AuditUserDisable, "user="+name)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// resetPassword sets a user's password for them (one who forgot theirs, or whose password may be known to others):
// their sessions end, a disabled user is enabled again (as `vika users passwd` does), and the audit says who did it.
// The password itself goes nowhere but into its hash.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	name, password := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password")
	if err := CheckPasswordPolicy(password); err != nil {
		s.showUsers(w, r, http.StatusBadRequest, err.Error())
		return
	}
	hash, err := HashPassword(password)
	if err != nil {
		s.fail(w, r, "hash password", err)
		return
	}
	err = s.opts.Data.SetConsolePassword(r.Context(), name, hash)
	if errors.Is(err, store.ErrNoUser) {
		s.showUsers(w, r, http.StatusNotFound, "There is no user "+name+".")
		return
	}
	if err != nil {
		s.fail(w, r, "reset password", err)
		return
	}
	s.audit(r, userOf(r).User, store.AuditUserPassword, "user="+name)
	// Post, redirect, get: reloading the page that says so does not send the password again.
	http.Redirect(w, r, withQuery("/admin/users", url.Values{"password_set": {name}}), http.StatusSeeOther)
}

type auditView struct {
	Entries []store.AuditEntry
	User    string
	Action  string
	Older   string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{User: q.Get("user"), Action: q.Get("action"), Limit: pageSize + 1}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := s.opts.Data.AuditEntries(r.Context(), f)
	if err != nil {
		s.fail(w, r, "audit", err)
		return
	}
	v := auditView{User: f.User, Action: f.Action}
	if len(entries) > pageSize {
		entries = entries[:pageSize]
		next := q
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		v.Older = withQuery("/admin/audit", next)
	}
	v.Entries = entries
	s.render(w, r, http.StatusOK, "audit", "Audit", v)
}
