package asterisksim

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// missingAppPage is the body Asterisk 22 sends for /ari/events without app.
const missingAppPage = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n"

// maxQueued bounds a slow client's backlog; beyond it the socket is dropped,
// as Asterisk drops a client that does not read.
const maxQueued = 100000

type outEvent struct {
	ev  *event
	app string
	due time.Time // not written before then (DelayEvents)
}

// wsConn is one /ari/events WebSocket. Events are queued under Server.mu and
// written by the connection's own writer goroutine, so a slow client never
// holds the telephony lock.
type wsConn struct {
	s    *Server
	c    *websocket.Conn
	apps []string

	mu       sync.Mutex
	queue    []outEvent
	flushEnd bool // close with a TCP EOF once the queue is written (Restart)
	wake     chan struct{}
	done     chan struct{} // closed when the writer returns
	ctx      context.Context
	cancel   context.CancelFunc
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var apps []string
	for _, a := range strings.Split(q.Get("app"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			apps = append(apps, a)
		}
	}
	if len(apps) == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(missingAppPage))
		return
	}
	if s.refusingUpgrades() {
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	conn := &wsConn{s: s, apps: apps, wake: make(chan struct{}, 1), done: make(chan struct{})}
	conn.ctx, conn.cancel = context.WithCancel(s.ctx)
	// Register before the 101 goes out: a client that originates as soon as
	// its upgrade returns must find its app there, as on Asterisk.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	s.wsWG.Add(1)
	defer s.wsWG.Done()
	s.conns[conn] = struct{}{}
	subAll := q.Get("subscribeAll") == "true"
	for _, name := range apps {
		// A new connection for an app takes it over, as a reconnecting
		// client does on Asterisk.
		s.apps[name] = &app{name: name, conn: conn, subscribeAll: subAll}
	}
	s.mu.Unlock()
	defer s.unregister(conn)

	// Asterisk does not check Origin; the Go client sends http://localhost/.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		conn.cancel()
		close(conn.done)
		return
	}
	c.SetReadLimit(1 << 20)
	conn.mu.Lock()
	conn.c = c
	conn.mu.Unlock()

	go conn.writer()
	conn.readUntilClosed()
	conn.cancel()
	<-conn.done
	c.CloseNow()
}

// unregister forgets a connection and the apps it still holds: Stasis() to
// them now fails, and their events are dropped.
func (s *Server) unregister(conn *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, conn)
	for _, name := range conn.apps {
		if a := s.apps[name]; a != nil && a.conn == conn {
			delete(s.apps, name)
		}
	}
}

// readUntilClosed discards what the client sends (ARI clients send nothing
// but control frames) until the socket ends.
func (c *wsConn) readUntilClosed() {
	for {
		if _, _, err := c.c.Read(c.ctx); err != nil {
			return
		}
	}
}

// enqueue adds an event for the writer. Must hold Server.mu (for order).
func (c *wsConn) enqueue(e outEvent) {
	c.mu.Lock()
	if len(c.queue) >= maxQueued {
		c.mu.Unlock()
		c.closeNow()
		return
	}
	c.queue = append(c.queue, e)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *wsConn) writer() {
	defer close(c.done)
	c.mu.Lock()
	ws := c.c
	c.mu.Unlock()
	var batch []outEvent
	for {
		c.mu.Lock()
		batch, c.queue = c.queue, batch[:0]
		flushEnd := c.flushEnd
		c.mu.Unlock()
		for _, e := range batch {
			if wait := time.Until(e.due); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-c.ctx.Done():
					t.Stop()
					return
				}
			}
			ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
			err := ws.Write(ctx, websocket.MessageText, e.ev.marshal(c.s.entityID, e.app))
			cancel()
			if err != nil {
				c.closeNow()
				return
			}
		}
		if len(batch) > 0 {
			continue // more may have arrived while writing
		}
		if flushEnd {
			c.closeNow()
			return
		}
		select {
		case <-c.wake:
		case <-c.ctx.Done():
			return
		}
	}
}

// closeNow drops the TCP connection without a close frame: the client sees
// EOF, exactly as when Asterisk restarts.
func (c *wsConn) closeNow() {
	c.mu.Lock()
	ws := c.c
	c.mu.Unlock()
	if ws != nil {
		ws.CloseNow()
	}
	c.cancel()
}

// endAfterFlush writes what is queued, then drops the connection.
func (c *wsConn) endAfterFlush() {
	c.mu.Lock()
	c.flushEnd = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
