package store

import (
	"context"
	"time"
)

// OverviewFromLog counts the overview from the call log alone, bypassing the rollup, so tests can check that the
// rollup says the same.
func (s *Store) OverviewFromLog(ctx context.Context, from, to time.Time, loc *time.Location) (Overview, error) {
	return s.overview(ctx, from, to, loc, false)
}
