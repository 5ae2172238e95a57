package asterisksim_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vika-jkn/vika/asterisksim"
)

// keepAlive is one HTTP/1.1 connection that sends requests one after another, as a pooled client does.
type keepAlive struct {
	conn net.Conn
	r    *bufio.Reader
}

func openSession(t *testing.T, sim *asterisksim.Server) *keepAlive {
	t.Helper()
	c, err := net.Dial("tcp", sim.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &keepAlive{conn: c, r: bufio.NewReader(c)}
}

// info sends GET /ari/asterisk/info and returns the status, or the error that stood for an answer.
func (k *keepAlive) info(sim *asterisksim.Server) (int, error) {
	_ = k.conn.SetDeadline(time.Now().Add(5 * time.Second))
	req, _ := http.NewRequest(http.MethodGet, sim.URL()+"/asterisk/info", nil)
	req.SetBasicAuth(sim.User(), sim.Password())
	if err := req.Write(k.conn); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(k.r, req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestSessionsOverTheLimitAreClosedUnansweredAsAsteriskDoes(t *testing.T) {
	t.Parallel()
	var logged atomic.Int32
	sim := asterisksim.Start(t, asterisksim.Options{SessionLimit: 3, Logf: func(f string, a ...any) {
		if strings.HasPrefix(fmt.Sprintf(f, a...), "HTTP session count exceeded 3 sessions") {
			logged.Add(1)
		}
	}})

	// Three keep-alive sessions are served, and stay served on their next request.
	open := []*keepAlive{openSession(t, sim), openSession(t, sim), openSession(t, sim)}
	for i, k := range open {
		if code, err := k.info(sim); err != nil || code != http.StatusOK {
			t.Fatalf("session %d within the limit: %d, %v; want 200", i+1, code, err)
		}
	}
	// The fourth gets no answer at all: the connection closes before a byte (Asterisk 22.10.1 on the lab node,
	// sessionlimit=3: "HTTP session count exceeded 3 sessions.", the client reads EOF).
	// Read as EOF, or as an unexpected EOF when the close races the request's write (seen in CI): either way no
	// byte of an answer.
	if code, err := openSession(t, sim).info(sim); code != 0 || (!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !isReset(err)) {
		t.Fatalf("session over the limit: %d, %v; want the connection closed unanswered", code, err)
	}
	if code, err := open[0].info(sim); err != nil || code != http.StatusOK {
		t.Fatalf("an open session after a refusal: %d, %v; want 200", code, err)
	}
	// Closing one frees its place.
	open[2].conn.Close()
	untilTrue(t, func() bool { return sim.Sessions().Open == 2 })
	if code, err := openSession(t, sim).info(sim); err != nil || code != http.StatusOK {
		t.Fatalf("a session after one closed: %d, %v; want 200", code, err)
	}
	s := sim.Sessions()
	if s.Refused != 1 || s.Peak != 3 {
		t.Fatalf("sessions %+v; want 1 refused and a peak of 3", s)
	}
	if n := logged.Load(); n != 1 {
		t.Fatalf("logged %d refusals; want one line per refused session", n)
	}
}

func TestAnEventWebSocketTakesASessionForAsLongAsItIsOpen(t *testing.T) {
	t.Parallel()
	sim := asterisksim.Start(t, asterisksim.Options{SessionLimit: 2})
	ws := dialApp(t, sim, "probe")
	if code, err := openSession(t, sim).info(sim); err != nil || code != http.StatusOK {
		t.Fatalf("second session beside a WebSocket: %d, %v; want 200", code, err)
	}
	if _, err := openSession(t, sim).info(sim); err == nil {
		t.Fatal("a third session beside a WebSocket and a keep-alive connection was served; want it refused")
	}
	ws.conn.CloseNow()
	untilTrue(t, func() bool { return sim.Sessions().Open == 1 })
	if code, err := openSession(t, sim).info(sim); err != nil || code != http.StatusOK {
		t.Fatalf("a session once the WebSocket closed: %d, %v; want 200", code, err)
	}
}

func TestNoSessionLimitWhenItIsNegative(t *testing.T) {
	t.Parallel()
	sim := asterisksim.Start(t, asterisksim.Options{SessionLimit: -1})
	for i := range asterisksim.DefaultSessionLimit + 5 {
		if code, err := openSession(t, sim).info(sim); err != nil || code != http.StatusOK {
			t.Fatalf("session %d with no limit: %d, %v; want 200", i+1, code, err)
		}
	}
}

func isReset(err error) bool { return err != nil && strings.Contains(err.Error(), "connection reset") }

func untilTrue(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
