package pgtemp

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// StartReplica starts a streaming read replica of primary: pg_basebackup -R (which writes standby.signal and
// primary_conninfo) into a directory of its own, then pg_ctl start on another free loopback port, detached and
// watched like the primary. Its URL connects as "vika" to "postgres"; Stop stops it and removes its files.
func StartReplica(ctx context.Context, primary *Server) (*Server, error) {
	pu, err := url.Parse(primary.URL)
	if err != nil {
		return nil, fmt.Errorf("pgtemp: primary URL: %w", err)
	}
	dir, err := os.MkdirTemp("", "vika-pg-replica-")
	if err != nil {
		return nil, fmt.Errorf("pgtemp: %w", err)
	}
	s := &Server{dir: dir, bin: primary.bin}
	if len(primary.runAs) > 0 {
		if err := s.dropRoot(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(ctx, "pg_basebackup", "-h", pu.Hostname(), "-p", pu.Port(), "-U", "vika", "-D", data, "-R",
		"-X", "stream", "-c", "fast"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtemp: pg_basebackup: %w: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 -c hot_standby=on", port, dir)
	if out, err := s.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtemp: pg_ctl start (replica): %w: %s", err, out)
	}
	s.URL = fmt.Sprintf("postgres://vika@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := s.startWatchdog(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}
