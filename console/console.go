// Package console is the supervisors' web console: sign-in with server-side sessions, the calls list and search,
// one call's timeline with an in-browser replay of what the caller heard, calls in progress, the line at a glance,
// and the admin pages (users, audit trail). It serves server-rendered html/template pages and embedded static files
// with plain net/http, and writes an audit row for every sign-in, search, call view, replay and download.
//
// It reads the call log through the store and renders audio with package replay; it knows nothing of the IVR or of
// Asterisk. A full NIK, card number, birth date or caller number never reaches a page, a URL, a log line or the
// audit: numbers typed into a search are turned into their keyed hash on the server at once.
package console

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/vika-jkn/vika/calllog"
	"github.com/vika-jkn/vika/store"
)

// Data is what the console reads and writes; *store.Store implements it.
type Data interface {
	ConsoleUser(ctx context.Context, name string) (store.ConsoleUser, error)
	ConsoleUsers(ctx context.Context) ([]store.ConsoleUser, error)
	AddConsoleUser(ctx context.Context, name, role, passwordHash string) error
	DisableConsoleUser(ctx context.Context, name string) error
	SetConsolePassword(ctx context.Context, name, passwordHash string) error
	CreateConsoleSession(ctx context.Context, tokenHash, user, remote string, now time.Time) error
	ConsoleSession(ctx context.Context, tokenHash string) (store.ConsoleSession, error)
	TouchConsoleSession(ctx context.Context, tokenHash string, now time.Time) error
	DeleteConsoleSession(ctx context.Context, tokenHash string) error
	DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) error
	AuditEntries(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error)
	SignInFailures(ctx context.Context, user, remote string, since time.Time) (byUser, byRemote int, err error)
	CallPage(ctx context.Context, q store.CallPageQuery) ([]store.Call, error)
	CallByID(ctx context.Context, id string) (store.Call, error)
	CallEvents(ctx context.Context, callID string) ([]calllog.Event, error)
	CallNodes(ctx context.Context) ([]string, error)
	LiveCalls(ctx context.Context, since time.Time) ([]store.LiveCall, error)
	Overview(ctx context.Context, from, to time.Time, loc *time.Location) (store.Overview, error)
}

// Options configures a console.
type Options struct {
	Data Data
	// Sounds holds <lang>/vika/<id>.wav, the prompts the replay is made of; Lang is the prompts' language.
	Sounds fs.FS
	Lang   string
	// HashKey is calllog.hash_key: the key the IVR hashed caller and identity numbers with.
	HashKey []byte
	// Secure marks cookies Secure and names the session cookie __Host-: set it when browsers reach the console over
	// HTTPS (TLS here, or a TLS-terminating proxy).
	Secure bool
	// TrustProxy takes the client's address from the last X-Forwarded-For entry (the one the proxy added).
	TrustProxy bool
	// IdleTimeout ends a session unused for this long; MaxSession ends any session this long after sign-in.
	IdleTimeout, MaxSession time.Duration
	// Location is where the pages' times and the overview's hours are read (flow.timezone).
	Location *time.Location
	Log      *zap.Logger
	// Now is the clock (tests move it to expire sessions).
	Now func() time.Time
	// LivePoll is how often the Live page's event stream looks for changes (1s).
	LivePoll time.Duration
}

// Throttling: sign-in failures counted over a window, per user name and per client address.
const (
	throttleWindow    = 15 * time.Minute
	throttlePerUser   = 5
	throttlePerRemote = 20
)

// Server is the console's HTTP handler.
type Server struct {
	opts    Options
	handler http.Handler
	pages   *pages
}

// New checks the options and builds the console's handler.
func New(o Options) (*Server, error) {
	if o.Data == nil || o.Sounds == nil {
		return nil, errors.New("console: Data and Sounds are required")
	}
	if len(o.HashKey) == 0 {
		return nil, errors.New("console: the hash key (calllog.hash_key) is required to search by number")
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.MaxSession <= 0 {
		o.MaxSession = 12 * time.Hour
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LivePoll <= 0 {
		o.LivePoll = time.Second
	}
	if o.Lang == "" {
		o.Lang = "id"
	}
	p, err := loadPages(o.Location)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	s := &Server{opts: o, pages: p}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves the console.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// ExpireSessions removes sessions past their idle or absolute deadline; the session check refuses them anyway, this
// keeps the table small. Run it now and then.
func (s *Server) ExpireSessions(ctx context.Context) error {
	now := s.opts.Now()
	_, err := s.opts.Data.DeleteExpiredConsoleSessions(ctx, now.Add(-s.opts.IdleTimeout), now.Add(-s.opts.MaxSession))
	return err
}
