package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoSession is returned for a session token the database does not know (never issued, signed out, expired,
// or its user disabled).
var ErrNoSession = errors.New("no such console session")

// ConsoleSession is a signed-in browser, found by the hash of its cookie's token, with its user.
type ConsoleSession struct {
	TokenHash  string
	User       string
	Role       string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Remote     string
}

// CreateConsoleSession records a new session for user.
func (s *Store) CreateConsoleSession(ctx context.Context, tokenHash, user, remote string, now time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO console_sessions (token_hash, user_name, created_at, last_seen_at, remote)
		VALUES ($1, $2, $3, $3, $4)`, tokenHash, user, now, remote)
	if err != nil {
		return fmt.Errorf("create console session: %w", err)
	}
	return nil
}

// ConsoleSession returns the session with this token hash, if its user is still enabled; ErrNoSession otherwise.
func (s *Store) ConsoleSession(ctx context.Context, tokenHash string) (ConsoleSession, error) {
	rows, _ := s.pool.Query(ctx, `SELECT s.token_hash, s.user_name, u.role, s.created_at, s.last_seen_at, s.remote
		FROM console_sessions s JOIN console_users u ON u.name = s.user_name
		WHERE s.token_hash = $1 AND u.disabled_at IS NULL`, tokenHash)
	cs, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) (ConsoleSession, error) {
		var cs ConsoleSession
		err := r.Scan(&cs.TokenHash, &cs.User, &cs.Role, &cs.CreatedAt, &cs.LastSeenAt, &cs.Remote)
		return cs, err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return cs, ErrNoSession
	}
	if err != nil {
		return cs, fmt.Errorf("console session: %w", err)
	}
	return cs, nil
}

// TouchConsoleSession moves a session's idle deadline forward.
func (s *Store) TouchConsoleSession(ctx context.Context, tokenHash string, now time.Time) error {
	if _, err := s.pool.Exec(ctx, "UPDATE console_sessions SET last_seen_at = $2 WHERE token_hash = $1", tokenHash, now); err != nil {
		return fmt.Errorf("touch console session: %w", err)
	}
	return nil
}

// DeleteConsoleSession ends a session on the server (sign-out, expiry).
func (s *Store) DeleteConsoleSession(ctx context.Context, tokenHash string) error {
	if _, err := s.pool.Exec(ctx, "DELETE FROM console_sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// DeleteExpiredConsoleSessions removes sessions idle since before idleBefore or created before createdBefore.
func (s *Store) DeleteExpiredConsoleSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2",
		idleBefore, createdBefore)
	if err != nil {
		return 0, fmt.Errorf("delete expired console sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
