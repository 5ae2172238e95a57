package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vika-jkn/vika/admin"
	"github.com/vika-jkn/vika/ivr"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/replica"
)

func (c *Config) validateReplica() error {
	if c.Database.ReplicaURL == "" {
		return nil
	}
	if _, err := pgx.ParseConfig(c.Database.ReplicaURL); err != nil {
		return badKey("database.replica_url", "not a PostgreSQL connection string (expected postgres://user@host:port/db of a streaming replica)")
	}
	if c.Database.ReplicaMaxLag < 100*time.Millisecond || c.Database.ReplicaMaxLag > time.Hour {
		return badKey("database.replica_max_lag", "%s is out of range (expected 100ms..1h)", c.Database.ReplicaMaxLag)
	}
	return nil
}

// openDirectory is where look-ups go: the primary st, or with database.replica_url a router that prefers the
// replica (package replica), checked until ctx ends. The source publishes where look-ups went. The replica being
// down at start does not stop serve: the primary answers until it is back.
func openDirectory(ctx context.Context, a *app, st *store.Store) (ivr.Directory, admin.Source, func(), error) {
	d := a.cfg.Database
	if d.ReplicaURL == "" {
		return st, nil, func() {}, nil
	}
	// Not store.Open, which pings: a replica down at start must not stop serve.
	cfg, err := pgxpool.ParseConfig(poolURL(DatabaseConfig{URL: d.ReplicaURL, MaxConns: d.MaxConns}))
	if err != nil {
		return nil, nil, nil, badKey("database.replica_url", "not a PostgreSQL connection string")
	}
	store.Trace(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open database.replica_url: %w", err)
	}
	rs := store.New(pool)
	r := replica.New(st, rs, d.ReplicaMaxLag, a.log.Named("replica"))
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	go r.Run(rctx)
	src := func(w *admin.MetricsWriter) {
		s := r.Stats()
		w.CounterVec("vika_lookup_server_total", "Participant look-ups by the server that answered.",
			map[string]float64{"replica": float64(s.Replica), "primary": float64(s.Primary)}, "server")
		w.Counter("vika_lookup_replica_fallbacks_total", "Look-ups the replica failed and the primary answered.", float64(s.FellBack))
		in := 0.0
		if s.InUse {
			in = 1
		}
		w.Gauge("vika_replica_in_use", "Whether look-ups go to the read replica (up and within database.replica_max_lag).", in)
	}
	return r, src, func() { cancel(); pool.Close() }, nil
}
