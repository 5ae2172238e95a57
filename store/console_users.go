package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoUser is returned when a console user does not exist.
var ErrNoUser = errors.New("no such console user")

// ErrUserExists is returned when a console user is added under a name already taken.
var ErrUserExists = errors.New("console user already exists")

// ConsoleUser is a person who signs in to the supervisors' console. PasswordHash is the encoded argon2id hash
// (package console makes and checks it); the store never sees a password.
type ConsoleUser struct {
	Name              string
	Role              string // "supervisor" or "admin"
	PasswordHash      string
	CreatedAt         time.Time
	PasswordChangedAt time.Time
	DisabledAt        *time.Time
}

// Disabled says whether the user may no longer sign in.
func (u ConsoleUser) Disabled() bool { return u.DisabledAt != nil }

// AddConsoleUser creates a user; a name already taken is ErrUserExists.
func (s *Store) AddConsoleUser(ctx context.Context, name, role, passwordHash string) error {
	_, err := s.pool.Exec(ctx,
		"INSERT INTO console_users (name, role, password_hash) VALUES ($1, $2, $3)", name, role, passwordHash)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("add console user %q: %w", name, ErrUserExists)
	}
	if err != nil {
		return fmt.Errorf("add console user %q: %w", name, err)
	}
	return nil
}

// ConsoleUser returns one user by name, or ErrNoUser.
func (s *Store) ConsoleUser(ctx context.Context, name string) (ConsoleUser, error) {
	rows, _ := s.pool.Query(ctx, `SELECT name, role, password_hash, created_at, password_changed_at, disabled_at
		FROM console_users WHERE name = $1`, name)
	u, err := pgx.CollectExactlyOneRow(rows, scanConsoleUser)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, ErrNoUser
	}
	if err != nil {
		return u, fmt.Errorf("console user %q: %w", name, err)
	}
	return u, nil
}

// ConsoleUsers lists every user by name.
func (s *Store) ConsoleUsers(ctx context.Context) ([]ConsoleUser, error) {
	rows, _ := s.pool.Query(ctx, `SELECT name, role, password_hash, created_at, password_changed_at, disabled_at
		FROM console_users ORDER BY name`)
	users, err := pgx.CollectRows(rows, scanConsoleUser)
	if err != nil {
		return nil, fmt.Errorf("console users: %w", err)
	}
	return users, nil
}

func scanConsoleUser(r pgx.CollectableRow) (ConsoleUser, error) {
	var u ConsoleUser
	err := r.Scan(&u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.PasswordChangedAt, &u.DisabledAt)
	return u, err
}

// DisableConsoleUser stops a user signing in and ends every session they have, in one transaction, so a disabled
// user's open browser is signed out at its next request.
func (s *Store) DisableConsoleUser(ctx context.Context, name string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE console_users SET disabled_at = coalesce(disabled_at, now()) WHERE name = $1", name)
		if err != nil {
			return fmt.Errorf("disable console user %q: %w", name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("disable console user %q: %w", name, ErrNoUser)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM console_sessions WHERE user_name = $1", name); err != nil {
			return fmt.Errorf("end sessions of %q: %w", name, err)
		}
		return nil
	})
}

// SetConsolePassword replaces a user's password hash, re-enables them, and ends their sessions: whoever knew the old
// password is signed out.
func (s *Store) SetConsolePassword(ctx context.Context, name, passwordHash string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE console_users SET password_hash = $2, password_changed_at = now(),
			disabled_at = NULL WHERE name = $1`, name, passwordHash)
		if err != nil {
			return fmt.Errorf("set password of %q: %w", name, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("set password of %q: %w", name, ErrNoUser)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM console_sessions WHERE user_name = $1", name); err != nil {
			return fmt.Errorf("end sessions of %q: %w", name, err)
		}
		return nil
	})
}
