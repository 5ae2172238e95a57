package ivr

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap/zaptest"

	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

func TestCallsGoOnAndNoCallLogEventIsLostWhileTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		spill bool // a small memory queue that overflows into the spill file
	}{
		{"events kept in memory", false},
		{"events spilled to a file", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := storetest.NewDB(t)
			proxy := startDBProxy(t, db.Pool().Config().ConnConfig.Host, db.Pool().Config().ConnConfig.Port)
			opts := store.CallLogOptions{HashKey: testHashKey, FlushInterval: 10 * time.Millisecond,
				MaxBackoff: 50 * time.Millisecond}
			if c.spill {
				opts.SpillPath = filepath.Join(t.TempDir(), "calllog.jsonl")
				opts.MaxPending = 8
			}
			writer := store.NewCallLog(proxy.pool(t, db), zaptest.NewLogger(t), opts)
			t.Cleanup(func() { // after a failure half-way, the database may still be down: do not retry forever
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				_ = writer.Close(ctx)
			})
			h := newHarness(t, harnessConfig{db: db, sink: writer})
			p := seed(t, h.db, h.now, participant{Birth: birth(1990, 8, 17), Segment: jkn.SegmentBP, MonthlyDue: 35000})

			proxy.setUp(false)
			call := h.dial(t, "165")
			call.hear("main-menu")
			call.press("2")
			call.hear("enter-id")
			call.press(p.NIK)
			call.hear("enter-birthdate")
			call.press(p.BirthKeys())
			call.hear("please-wait", "bill-this-month", "after-readout-menu") // the call-log outage is not the caller's
			call.hangUp()
			want := call.log()
			st := writer.Stats()
			if st.Written != 0 || st.Failures == 0 || st.Dropped != 0 {
				t.Fatalf("writer %+v while the database is down: want failures, nothing written, nothing dropped", st)
			}
			if c.spill && st.Spilled == 0 {
				t.Fatalf("writer %+v: nothing spilled with a queue of 8", st)
			}

			proxy.setUp(true)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := writer.Close(ctx); err != nil {
				t.Fatalf("closing the call log once the database is back: %v", err)
			}
			got, err := db.CallEvents(ctx, want[0].CallID)
			if err != nil || len(got) != len(want) {
				t.Fatalf("%d events in the database (%v), %d recorded", len(got), err, len(want))
			}
			for i := range want { // PostgreSQL keeps times to the microsecond
				if got[i].Seq != want[i].Seq || got[i].Kind != want[i].Kind || !got[i].At.Equal(want[i].At.Truncate(time.Microsecond)) {
					t.Errorf("event %d: stored %d %s %s, recorded %d %s %s", i, got[i].Seq, got[i].Kind, got[i].At,
						want[i].Seq, want[i].Kind, want[i].At)
				}
			}
			if c.spill {
				if _, err := os.Stat(opts.SpillPath); !os.IsNotExist(err) {
					t.Errorf("the spill file is still there after the replay: %v", err)
				}
			}
		})
	}
}

// dbProxy stands between the call-log writer and PostgreSQL, and can be cut: a database outage on a real socket.
// While down it closes every connection and refuses new ones, as a restarting server does.
type dbProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	up    bool
	conns map[net.Conn]bool
}

func startDBProxy(t *testing.T, host string, port uint16) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{ln: ln, target: net.JoinHostPort(host, strconv.Itoa(int(port))), up: true, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.setUp(false)
	})
	return p
}

// pool connects to the test database through the proxy.
func (p *dbProxy) pool(t *testing.T, db *store.Store) *pgxpool.Pool {
	t.Helper()
	u, err := url.Parse(storetest.URL(t, db))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "1")
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func (p *dbProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.relay(c)
	}
}

func (p *dbProxy) relay(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, up) {
		c.Close()
		up.Close()
		return
	}
	go func() {
		_, _ = io.Copy(up, c)
		up.Close()
	}()
	_, _ = io.Copy(c, up)
	c.Close()
}

func (p *dbProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.up {
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *dbProxy) setUp(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if up {
		return
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}
