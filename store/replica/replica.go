// Package replica sends participant look-ups to a PostgreSQL streaming read replica (database.replica_url) while it
// is up and no further behind the primary than a bound, and to the primary otherwise. Writes (call log, caller
// limits, console) always go to the primary; only the read-mostly participants table is read here.
//
// How far behind the replica is, is measured in WAL, not in replay timestamps: the router samples the primary's
// WAL position (pg_current_wal_lsn) at every poll and the replica's replayed position (pg_last_wal_replay_lsn);
// the lag is how long ago the primary was at a position the replica has not replayed yet. An idle primary therefore
// means no lag (replay timestamps would grow old), and a replica whose stream is cut falls behind as soon as the
// primary writes. With the primary unreachable the replica serves alone, whatever its lag: a stale answer beats
// "system busy" for a participant look-up.
package replica

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
)

// Directory is what the router reads from: *store.Store on the primary and on the replica.
type Directory interface {
	LookupMember(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error)
}

// Router is an ivr.Directory choosing, per look-up, the replica or the primary.
type Router struct {
	primary, replica         Directory
	primaryPool, replicaPool *pgxpool.Pool
	maxLag, interval         time.Duration
	log                      *zap.Logger

	useReplica           atomic.Bool
	toReplica, toPrimary atomic.Int64
	fellBack             atomic.Int64

	mu      sync.Mutex
	samples []sample // the primary's WAL positions not yet replayed by the replica (and the last replayed one)
	state   string   // last state logged, to log each change once
}

type sample struct {
	at  time.Time
	lsn int64
}

// New routes look-ups between primary and replica, tolerating maxLag behind the primary. Run must run for the
// replica to be used at all: until its first check passes, every look-up goes to the primary.
func New(primary, replica *store.Store, maxLag time.Duration, log *zap.Logger) *Router {
	if log == nil {
		log = zap.NewNop()
	}
	return &Router{primary: primary, replica: replica, primaryPool: primary.Pool(), replicaPool: replica.Pool(),
		maxLag: maxLag, interval: min(max(maxLag/4, 50*time.Millisecond), time.Second), log: log}
}

// Run checks the replica's health and lag every interval until ctx ends.
func (r *Router) Run(ctx context.Context) {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		r.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Router) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, max(r.interval, 500*time.Millisecond))
	defer cancel()
	var primaryLSN int64
	perr := r.primaryPool.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint`).Scan(&primaryLSN)
	var recovering bool
	var replayLSN *int64
	rerr := r.replicaPool.QueryRow(ctx,
		`SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint`).Scan(&recovering, &replayLSN)
	now := time.Now()
	switch {
	case rerr != nil:
		r.set(false, "replica unreachable", zap.Error(rerr))
	case !recovering || replayLSN == nil:
		r.set(false, "replica_url is not a streaming replica (not in recovery)")
	case perr != nil:
		r.set(true, "primary unreachable: look-ups go to the replica whatever its lag", zap.Error(perr))
	default:
		lag := r.lag(now, primaryLSN, *replayLSN)
		if lag > r.maxLag {
			r.set(false, "replica lags past database.replica_max_lag", zap.Duration("lag", lag.Truncate(time.Millisecond)))
		} else {
			r.set(true, "replica in use")
		}
	}
}

// lag records the primary's position and says how long ago the primary was first at a position beyond replay.
func (r *Router) lag(now time.Time, primaryLSN, replayLSN int64) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.samples); n == 0 || r.samples[n-1].lsn != primaryLSN {
		r.samples = append(r.samples, sample{now, primaryLSN})
	}
	i := 0
	for i < len(r.samples) && r.samples[i].lsn <= replayLSN {
		i++
	}
	r.samples = r.samples[i:]
	if len(r.samples) == 0 {
		return 0
	}
	return now.Sub(r.samples[0].at)
}

func (r *Router) set(use bool, state string, fields ...zap.Field) {
	r.useReplica.Store(use)
	r.mu.Lock()
	changed := state != r.state
	r.state = state
	r.mu.Unlock()
	if !changed {
		return
	}
	if use {
		r.log.Info("look-ups: "+state, fields...)
	} else {
		r.log.Warn("look-ups go to the primary: "+state, fields...)
	}
}

// LookupMember asks the replica while it is in use, and the primary otherwise, or when the replica fails the
// look-up itself (anything but not-found): the caller hears an answer, not "system busy", while one of the two
// servers is up.
func (r *Router) LookupMember(ctx context.Context, kind jkn.IDKind, number string, birth, now time.Time) (jkn.Member, error) {
	if r.useReplica.Load() {
		m, err := r.replica.LookupMember(ctx, kind, number, birth, now)
		if err == nil || errors.Is(err, store.ErrNotFound) || ctx.Err() != nil {
			r.toReplica.Add(1)
			return m, err
		}
		r.useReplica.Store(false) // until the next check says otherwise
		r.fellBack.Add(1)
	}
	r.toPrimary.Add(1)
	return r.primary.LookupMember(ctx, kind, number, birth, now)
}

// Stats are the look-ups answered by each server, and those the replica failed and the primary then answered.
type Stats struct {
	Replica, Primary, FellBack int64
	InUse                      bool
}

// Stats reads the counters, for /metrics.
func (r *Router) Stats() Stats {
	return Stats{Replica: r.toReplica.Load(), Primary: r.toPrimary.Load(), FellBack: r.fellBack.Load(), InUse: r.useReplica.Load()}
}
