package ivr

import (
	"context"
	"errors"
	"time"

	"github.com/vika-jkn/vika/jkn"
)

// Directory finds a participant by NIK or card number and birth date. The store implements it.
//
// Not found and wrong birth date must both be reported as "not found" (the caller hears the same "data tidak sesuai"
// either way), with an error for which IsNotFound is true: ErrNotFound itself, or the implementation's own sentinel
// handed to the App with WithNotFound (cmd/vika passes store.ErrNotFound). Any other error means the directory is
// down or slow, and the caller hears "sistem sedang sibuk".
type Directory interface {
	LookupMember(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error)
}

// ErrNotFound is the not-found answer a Directory may return.
var ErrNotFound = errors.New("ivr: participant not found")

// DirectoryFunc adapts a function to a Directory.
type DirectoryFunc func(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error)

// LookupMember calls f.
func (f DirectoryFunc) LookupMember(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error) {
	return f(ctx, kind, number, birth, now)
}
