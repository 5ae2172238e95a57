// Package pgtemp starts a throwaway PostgreSQL server for `vika demo` and tools: initdb into a temporary directory,
// pg_ctl start on a free loopback port, and Stop removes it all. It needs the server binaries (Debian: postgresql)
// and installs nothing.
package pgtemp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// Server is a running throwaway PostgreSQL.
type Server struct {
	URL      string
	opts     string // the server's options (port, socket directory, settings), for Resume
	dir      string
	bin      string
	runAs    []string
	watchdog *exec.Cmd
}

// Start creates and starts a server; its URL connects as superuser "vika" to database "postgres".
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vika-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtemp: %w", err)
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
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
	if out, err := s.run(ctx, "initdb", "-D", data, "-U", "vika", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtemp: initdb: %w: %s", err, out)
	}
	// fsync=off is safe here (the machine does not crash under a throwaway server); synchronous_commit stays on: the
	// fault tests stop this server with -m immediate, and with it off a commit PostgreSQL had already acknowledged
	// was lost in that stop (its WAL still in shared memory), which read as a call-log event VIKA lost.
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300", port, dir)
	if out, err := s.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtemp: pg_ctl start: %w: %s", err, out)
	}
	s.URL = fmt.Sprintf("postgres://vika@127.0.0.1:%d/postgres?sslmode=disable", port)
	s.opts = opts
	if err := s.startWatchdog(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// watchdogScript waits for the process that started the server to end, however it ends (SIGKILL, SIGHUP with the
// terminal, a crash: no deferred Stop runs then), and stops the server and removes its files. pg_ctl detaches the
// postmaster from its parent, so a parent-death signal on a child cannot reach it; a separate process can.
const watchdogScript = `owner=$1; dir=$2; shift 2
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
"$@" >/dev/null 2>&1
rm -rf "$dir"`

func (s *Server) startWatchdog() error {
	stop := append(append(append([]string{}, s.runAs...), filepath.Join(s.bin, "pg_ctl")), "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "stop")
	args := append([]string{"-c", watchdogScript, "pgtemp-watchdog", strconv.Itoa(os.Getpid()), s.dir}, stop...)
	cmd := exec.Command("/bin/sh", args...)
	// Its own session: a terminal's SIGHUP or a Ctrl-C to the process group must not take the watchdog too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtemp: watchdog: %w", err)
	}
	s.watchdog = cmd
	return nil
}

// Halt stops the server as an outage would (pg_ctl stop -m immediate: connections cut, nothing flushed) and keeps
// its files, for Resume. Fault tests use it; a Halted server still needs Stop.
func (s *Server) Halt(ctx context.Context) error {
	if out, err := s.run(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop"); err != nil {
		return fmt.Errorf("pgtemp: halt: %w: %s", err, out)
	}
	return nil
}

// Resume starts a Halted server again on the same port, with the same data.
func (s *Server) Resume(ctx context.Context) error {
	if out, err := s.run(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-l", filepath.Join(s.dir, "server.log"),
		"-w", "-t", "60", "-o", s.opts, "start"); err != nil {
		return fmt.Errorf("pgtemp: resume: %w: %s", err, out)
	}
	return nil
}

// Stop stops the server and deletes its files.
func (s *Server) Stop() error {
	if s.watchdog != nil {
		_ = s.watchdog.Process.Kill()
		_ = s.watchdog.Wait()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.run(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "stop")
	if rmErr := os.RemoveAll(s.dir); err == nil {
		err = rmErr
	}
	return err
}

func (s *Server) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, s.runAs...), filepath.Join(s.bin, prog)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

func (s *Server) dropRoot() error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return errors.New("pgtemp: running as root needs a 'postgres' user for initdb (Debian's postgresql package creates it)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(s.dir, uid, gid); err != nil {
		return fmt.Errorf("pgtemp: %w", err)
	}
	s.runAs = []string{"runuser", "-u", "postgres", "--"}
	return nil
}

// findBin finds initdb and pg_ctl: Debian keeps them out of PATH under /usr/lib/postgresql/<version>/bin.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("pgtemp: no PostgreSQL server binaries (initdb, pg_ctl); install them (Debian: apt-get install postgresql) or set DATABASE_URL")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtemp: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
