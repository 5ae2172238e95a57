package reliability_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim/phone"
	"github.com/vika-jkn/vika/jkn"
	"github.com/vika-jkn/vika/store"
	"github.com/vika-jkn/vika/store/storetest"
)

// keyOneCall is a caller asking for their status: key 1, the NIK, the birth date. It returns the call once the
// caller has heard want (the readout, or system-busy) or fails the test.
func keyOneCall(t *testing.T, ctx context.Context, r *rig, n int, p storetest.Participant, want string) *phone.Call {
	t.Helper()
	c := r.dial(t, ctx, "165", callerNumber(n))
	for _, step := range []struct{ wait, keys string }{{"main-menu", "1"}, {"enter-id", p.NIK}, {"enter-birthdate", p.BirthKeys()}, {want, ""}} {
		if _, err := c.WaitPrompt(ctx, step.wait); err != nil {
			t.Fatalf("call %d waiting for %s: %v\n%s", n, step.wait, err, c.Transcript())
		}
		if step.keys != "" {
			if err := c.Press(ctx, step.keys, phone.NoWait()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return c
}

// openStore opens the rig's database, which vika serve migrated.
func openStore(t *testing.T, dbURL string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

// callLogComplete checks, once serve has flushed, that every call placed has its row and an unbroken timeline in
// the database: seq 1, 2, 3... from the arrival to the end. It returns how many calls and events it found.
func callLogComplete(t *testing.T, st *store.Store, calls int) (int, int) {
	t.Helper()
	ctx := context.Background()
	rows, err := st.Pool().Query(ctx, `SELECT c.id, count(e.seq), min(e.seq), max(e.seq),
		bool_or(e.kind = 'arrival'), bool_or(e.kind = 'end')
		FROM calls c LEFT JOIN call_events e ON e.call_id = c.id GROUP BY c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	found, events := 0, 0
	for rows.Next() {
		var id string
		var n, lo, hi int
		var arrival, end bool
		if err := rows.Scan(&id, &n, &lo, &hi, &arrival, &end); err != nil {
			t.Fatal(err)
		}
		found++
		events += n
		if lo != 1 || hi != n || !arrival || !end {
			t.Errorf("call %s: %d events, seq %d..%d, arrival %v, end %v: its timeline has gaps", id, n, lo, hi, arrival, end)
		}
	}
	if found != calls {
		t.Errorf("%d calls in the call log, %d placed", found, calls)
	}
	return found, events
}

// The table's "database stopped 30 s", scaled down to 3 s: callers who reach the look-up hear "please wait" and
// then that the system is busy, with the offer of an agent; nobody waits in silence; the call log waits in memory
// and the spool, and every event of every call is in the database once it is back.
func TestWhileTheDatabaseIsStoppedCallersHearItIsBusyAndNoCallLogEventIsLost(t *testing.T) {
	r := newRig(t, 4)
	srv := r.serve(t, nil, "--drain-timeout", "5s")
	st := openStore(t, r.dbURL())
	p := storetest.Seed(t, st, time.Now(), storetest.Participant{Birth: storetest.Birth(1980, time.May, 17),
		Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	placed := 0
	keyOneCall(t, ctx, r, placed, p, "status-intro").Hangup(ctx)
	placed++
	if err := r.pg.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	stoppedAt := time.Now()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			c := keyOneCall(t, ctx, r, 10+i, p, "system-busy")
			_ = c.Hangup(ctx)
		})
	}
	wg.Wait()
	placed += 3
	if wait := 3*time.Second - time.Since(stoppedAt); wait > 0 {
		time.Sleep(wait)
	}
	if err := r.pg.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	backAt := time.Now()
	var recovered time.Duration
	for n := 20; recovered == 0; n++ { // the first caller served again marks the recovery
		c := r.dial(t, ctx, "165", callerNumber(n))
		placed++
		for _, s := range []struct{ wait, keys string }{{"main-menu", "1"}, {"enter-id", p.NIK}, {"enter-birthdate", p.BirthKeys()}} {
			if _, err := c.WaitPrompt(ctx, s.wait); err != nil {
				t.Fatal(err)
			}
			_ = c.Press(ctx, s.keys, phone.NoWait())
		}
		for {
			h, err := c.WaitAnyPrompt(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if h.PromptID == "status-intro" {
				recovered = time.Since(backAt)
			}
			if h.PromptID == "status-intro" || h.PromptID == "system-busy" {
				break
			}
		}
		_ = c.Hangup(ctx)
		if time.Since(backAt) > time.Minute {
			t.Fatal("no caller served within a minute of the database's return")
		}
	}
	srv.signal(t, syscall.SIGTERM)
	if err := srv.wait(t, 30*time.Second); err != nil {
		t.Errorf("vika serve exited with %v", err)
	}
	calls, events := callLogComplete(t, st, placed)
	t.Logf("database stopped %s: %d callers heard system-busy; served again %s after it was back; %d calls, %d events in the call log, none missing",
		backAt.Sub(stoppedAt).Round(100*time.Millisecond), 3, recovered.Round(10*time.Millisecond), calls, events)
}

// slowProxy stands between vika serve and PostgreSQL and, once slowed, holds every message to the server for a
// delay: each query's round trip takes that much longer, as on a database crushed by load.
type slowProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	delay  time.Duration
}

func startSlowProxy(t *testing.T, dbURL string) (*slowProxy, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &slowProxy{ln: ln, target: u.Host}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *slowProxy) setDelay(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.delay = d
}

func (p *slowProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		go func() { _, _ = io.Copy(c, up); c.Close() }()
		go p.toServer(c, up)
	}
}

// toServer forwards what the client sends, each chunk held for the delay in force when it arrived, in order.
func (p *slowProxy) toServer(c, up net.Conn) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 1024)
	go func() {
		defer up.Close()
		for ch := range q {
			time.Sleep(time.Until(ch.at))
			if _, err := up.Write(ch.b); err != nil {
				return
			}
		}
	}()
	defer close(q)
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.mu.Lock()
			d := p.delay
			p.mu.Unlock()
			q <- chunk{b: append([]byte(nil), buf[:n]...), at: time.Now().Add(d)}
		}
		if err != nil {
			return
		}
	}
}

// The table's "database slow (every query +3 s)": the look-up misses its 3 s deadline, so callers hear "please
// wait" and that the system is busy rather than silence; the call log's writes are slow but none is lost.
func TestWhenEveryQueryTakesThreeSecondsMoreCallersHearItIsBusyAndNoCallLogEventIsLost(t *testing.T) {
	r := newRig(t, 4)
	proxy, slowURL := startSlowProxy(t, r.pg.URL)
	srv := r.serve(t, []string{"DATABASE_URL=" + slowURL, "VIKA_DATABASE_URL=" + slowURL}, "--drain-timeout", "5s")
	st := openStore(t, r.dbURL())
	p := storetest.Seed(t, st, time.Now(), storetest.Participant{Birth: storetest.Birth(1975, time.March, 3),
		Segment: jkn.SegmentPBPU, Status: jkn.StatusActive, MonthlyDue: 35000})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	proxy.setDelay(3 * time.Second)
	slowAt := time.Now()
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() { _ = keyOneCall(t, ctx, r, i, p, "system-busy").Hangup(ctx) })
	}
	wg.Wait()
	time.Sleep(13 * time.Second) // a batch is 4 round trips: 12 s at +3 s each
	slowFor := time.Since(slowAt)
	var writtenWhileSlow int
	_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM call_events").Scan(&writtenWhileSlow)
	proxy.setDelay(0)
	srv.signal(t, syscall.SIGTERM)
	if err := srv.wait(t, 60*time.Second); err != nil {
		t.Errorf("vika serve exited with %v", err)
	}
	// What the flush could not write in its 10 s waits in the spool: a next start writes it.
	next := r.serve(t, nil)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		_ = st.Pool().QueryRow(ctx, "SELECT count(*) FROM call_events WHERE kind = 'end'").Scan(&n)
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	next.signal(t, syscall.SIGTERM)
	if err := next.wait(t, 30*time.Second); err != nil {
		t.Errorf("the next vika serve exited with %v", err)
	}
	calls, events := callLogComplete(t, st, 3)
	if writtenWhileSlow == 0 {
		t.Errorf("no call-log event written in %s of a slow database: each batch must get the time 4 slow round trips take", slowFor)
	}
	t.Logf("every query +3 s for %s: 3 callers heard system-busy; %d events written while slow; %d calls, %d events in the call log, none missing",
		slowFor.Round(100*time.Millisecond), writtenWhileSlow, calls, events)
}
