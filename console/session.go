package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/store"
)

// Roles a console user has.
const (
	RoleSupervisor = "supervisor"
	RoleAdmin      = "admin"
)

// ValidRole says whether role is one a user can be given.
func ValidRole(role string) bool { return role == RoleSupervisor || role == RoleAdmin }

// who is the signed-in user of a request.
type who struct {
	User      string
	Role      string
	tokenHash string
}

type ctxKey struct{}

func userOf(r *http.Request) *who {
	u, _ := r.Context().Value(ctxKey{}).(*who)
	return u
}

// cookieName is the session cookie's name; under HTTPS the __Host- prefix makes the browser refuse it from a
// sub-domain or over plain HTTP.
func (s *Server) cookieName() string {
	if s.opts.Secure {
		return "__Host-vika_session"
	}
	return "vika_session"
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// startSession issues a fresh token (a new id at every sign-in, so a token planted before sign-in is worthless),
// stores its hash and sets the cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, user string) error {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	if err := s.opts.Data.CreateConsoleSession(r.Context(), hashToken(token), user, s.remote(r), s.opts.Now()); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.opts.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.opts.MaxSession.Seconds()),
	})
	return nil
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.opts.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// session finds the request's session and checks its deadlines; an expired one is ended on the server.
func (s *Server) session(r *http.Request) (*who, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || c.Value == "" {
		return nil, store.ErrNoSession
	}
	th := hashToken(c.Value)
	cs, err := s.opts.Data.ConsoleSession(r.Context(), th)
	if err != nil {
		return nil, err
	}
	now := s.opts.Now()
	if now.Sub(cs.LastSeenAt) > s.opts.IdleTimeout || now.Sub(cs.CreatedAt) > s.opts.MaxSession {
		if err := s.opts.Data.DeleteConsoleSession(r.Context(), th); err != nil {
			return nil, err
		}
		return nil, store.ErrNoSession
	}
	// One write a minute is enough to keep the idle deadline, instead of one per request.
	if now.Sub(cs.LastSeenAt) > time.Minute {
		if err := s.opts.Data.TouchConsoleSession(r.Context(), th, now); err != nil {
			return nil, err
		}
	}
	return &who{User: cs.User, Role: cs.Role, tokenHash: th}, nil
}

// access is who may use a route.
type access int

const (
	public access = iota
	supervisor
	admin
)

// guard lets a request through only with a session of enough rank. Without one a page asks to sign in; anything
// else (the audio, the event stream, a form post) is refused outright.
func (s *Server) guard(need access, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if need == public {
			h(w, r)
			return
		}
		u, err := s.session(r)
		if err != nil {
			if !errors.Is(err, store.ErrNoSession) {
				s.fail(w, r, "session", err)
				return
			}
			s.clearCookie(w)
			if r.Method == http.MethodGet && r.Header.Get("Accept") != "text/event-stream" {
				http.Redirect(w, r, "/signin?next="+safeNext(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if need == admin && u.Role != RoleAdmin {
			http.Error(w, "this page is for admins", http.StatusForbidden)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, u)))
	}
}

// safeNext keeps a post-sign-in destination on this site: a path, never "//host" or a scheme.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/calls"
	}
	return next
}

// remote is the client's address: the peer, or behind a trusted proxy the last X-Forwarded-For entry (the one the
// proxy itself appended; earlier entries are whatever the client claimed).
func (s *Server) remote(r *http.Request) string {
	if s.opts.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// audit appends to the audit trail. A failure is logged and the request goes on: refusing a supervisor their work
// because the audit insert failed would be worse than one missing row, which the log records.
func (s *Server) audit(r *http.Request, user, action, detail string) {
	e := store.AuditEntry{At: s.opts.Now(), User: user, Remote: s.remote(r), Action: action, Detail: detail}
	if err := s.opts.Data.AppendAudit(r.Context(), e); err != nil {
		s.opts.Log.Error("console: audit row not written", zap.String("action", action), zap.String("user", user), zap.Error(err))
	}
}

// fail answers 500 and logs the cause once, here at the edge.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.opts.Log.Error("console: "+what, zap.String("path", r.URL.Path), zap.Error(err))
	http.Error(w, "something went wrong; it has been logged", http.StatusInternalServerError)
}
