package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/jkn"
)

// SeedOptions says how much synthetic data to make.
type SeedOptions struct {
	Participants int
	Seed         int64
	// Now fixes "this month", taken in WIB whatever Now's location (at 00:30 WIB on 1 November it is November):
	// bills run from 30 months before it to its month. Rows depend on that month only, so the same Seed,
	// Participants and month give byte-identical rows. Zero means time.Now().
	Now time.Time
	// Progress, when set, is called (never concurrently) after each chunk is loaded.
	Progress func(done, total int)
	// Workers is how many chunks are generated and loaded at once (2: one per core of the target machine).
	Workers int
}

// Sample is a synthetic participant to try in the demo. The numbers are synthetic, so they are shown in full.
type Sample struct {
	Why             string // what the sample demonstrates
	NIK, Card       string
	BirthDate       time.Time
	Name            string
	Segment         jkn.Segment
	Class           int
	Status          jkn.Status
	MonthsInArrears int
}

// SeedReport says what Seed loaded and how long it took.
type SeedReport struct {
	Participants, Families, Bills, Payments int64
	Load, Index                             time.Duration
	Samples                                 []Sample
}

// seedChunk is how many participants one worker generates and loads at a time. It also bounds NIK serials: chunk
// k uses serials k+1, k+1+K, … (K chunks), so there can be at most 9999 chunks.
const seedChunk = 50_000

// Seed replaces the participant data (families, participants, bills, payments; not tariffs, not the call log)
// with deterministic synthetic data. It drops the secondary indexes and foreign keys, loads the chunks in parallel
// with COPY, and rebuilds them afterwards, which is several times faster than loading into indexed tables.
func Seed(ctx context.Context, pool *pgxpool.Pool, opts SeedOptions) (SeedReport, error) {
	if opts.Participants <= 0 {
		return SeedReport{}, errors.New("seed: participants must be positive")
	}
	chunks := (opts.Participants + seedChunk - 1) / seedChunk
	if chunks > maxSerial {
		return SeedReport{}, fmt.Errorf("seed: at most %d participants", maxSerial*seedChunk)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	tariffs, err := loadTariffs(ctx, pool)
	if err != nil {
		return SeedReport{}, err
	}
	if err := prepareLoad(ctx, pool); err != nil {
		return SeedReport{}, err
	}
	start := time.Now()
	rep, err := loadChunks(ctx, pool, opts, tariffs, chunks)
	if err != nil {
		return SeedReport{}, err
	}
	rep.Load = time.Since(start)
	start = time.Now()
	if err := finishLoad(ctx, pool, max(opts.Workers, 2)); err != nil {
		return SeedReport{}, err
	}
	rep.Index = time.Since(start)
	return rep, nil
}

// loadChunks runs the workers. Each chunk's rows depend only on (seed, chunk index), never on which worker took
// it or in what order, which is what makes the seed deterministic while parallel.
func loadChunks(ctx context.Context, pool *pgxpool.Pool, opts SeedOptions, tariffs []jkn.Tariff, chunks int) (SeedReport, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chunkResult, chunks)
	var next atomic.Int64
	var progressMu sync.Mutex
	done := 0
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range min(workers, chunks) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < chunks; k = int(next.Add(1) - 1) {
				g := newChunkGen(opts, tariffs, k, chunks)
				res, err := g.load(ctx, pool)
				if err != nil {
					errs <- err
					cancel()
					return
				}
				results[k] = res
				progressMu.Lock()
				done += res.participants
				if opts.Progress != nil {
					opts.Progress(done, opts.Participants)
				}
				progressMu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return SeedReport{}, err
	}
	return mergeResults(results), nil
}

func mergeResults(results []chunkResult) SeedReport {
	var rep SeedReport
	var all []Sample
	for _, r := range results {
		rep.Participants += int64(r.participants)
		rep.Families += int64(r.families)
		rep.Bills += int64(r.bills)
		rep.Payments += int64(r.payments)
		all = append(all, r.samples...)
	}
	rep.Samples = pickSamples(all)
	return rep
}

// pickSamples keeps the first candidate for each reason, in chunk order (so deterministically), and merges the
// reasons of a participant chosen for several.
func pickSamples(candidates []Sample) []Sample {
	seen := map[string]bool{}
	byNIK := map[string]int{}
	var out []Sample
	for _, s := range candidates {
		if seen[s.Why] {
			continue
		}
		seen[s.Why] = true
		if i, ok := byNIK[s.NIK]; ok {
			out[i].Why += "; " + s.Why
			continue
		}
		byNIK[s.NIK] = len(out)
		out = append(out, s)
	}
	return out
}

func loadTariffs(ctx context.Context, pool *pgxpool.Pool) ([]jkn.Tariff, error) {
	rows, err := pool.Query(ctx, `SELECT segment_group, class, effective_from, amount_full, amount_participant
		FROM contribution_tariffs`)
	if err != nil {
		return nil, fmt.Errorf("seed: read tariffs: %w", err)
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (jkn.Tariff, error) {
		var t jkn.Tariff
		var class int16
		err := r.Scan(&t.Group, &class, &t.EffectiveFrom, &t.AmountFull, &t.AmountParticipant)
		t.Class = int(class)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("seed: read tariffs: %w", err)
	}
	return ts, nil
}

// Tariffs returns the contribution tariff rows, oldest first.
func (s *Store) Tariffs(ctx context.Context) ([]jkn.Tariff, error) {
	return loadTariffs(ctx, s.pool)
}
