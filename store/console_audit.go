package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one row of the console's audit trail: who did what, when, from where.
type AuditEntry struct {
	ID     int64
	At     time.Time
	User   string
	Remote string
	Action string
	Detail string
}

// Audit actions. signin_failed rows also drive sign-in throttling.
const (
	AuditSignIn          = "signin"
	AuditSignInFailed    = "signin_failed"
	AuditSignInThrottled = "signin_throttled"
	AuditSignOut         = "signout"
	AuditSearch          = "search"
	AuditCallView        = "call_view"
	AuditReplay          = "replay"
	AuditDownload        = "download"
	AuditUserAdd         = "user_add"
	AuditUserDisable     = "user_disable"
	AuditUserPassword    = "user_password"
)

// AppendAudit writes one entry; the table refuses updates and deletes.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := s.pool.Exec(ctx, "INSERT INTO console_audit (at, user_name, remote, action, detail) VALUES ($1, $2, $3, $4, $5)",
		e.At, e.User, e.Remote, e.Action, e.Detail)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditFilter selects audit entries, newest first; BeforeID pages (0: from the newest).
type AuditFilter struct {
	User     string
	Action   string
	BeforeID int64
	Limit    int
}

// AuditEntries lists the audit trail newest first.
func (s *Store) AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	rows, _ := s.pool.Query(ctx, `SELECT id, at, user_name, remote, action, detail FROM console_audit
		WHERE ($1 = '' OR user_name = $1) AND ($2 = '' OR action = $2) AND ($3 = 0 OR id < $3)
		ORDER BY id DESC LIMIT $4`, f.User, f.Action, f.BeforeID, f.Limit)
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := r.Scan(&e.ID, &e.At, &e.User, &e.Remote, &e.Action, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	return entries, nil
}

// SignInFailures counts failed sign-ins since a moment, for one user name and for one address.
func (s *Store) SignInFailures(ctx context.Context, user, remote string, since time.Time) (byUser, byRemote int, err error) {
	err = s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM console_audit WHERE action = 'signin_failed' AND user_name = $1 AND at >= $3),
		(SELECT count(*) FROM console_audit WHERE action = 'signin_failed' AND remote = $2 AND at >= $3)`,
		user, remote, since).Scan(&byUser, &byRemote)
	if err != nil {
		return 0, 0, fmt.Errorf("count sign-in failures: %w", err)
	}
	return byUser, byRemote, nil
}
