package asterisksim

import (
	"net"
	"sync"
	"sync/atomic"
)

// DefaultSessionLimit is Asterisk's http.conf sessionlimit when the file does not set it.
const DefaultSessionLimit = 100

// sessionListener admits at most limit TCP connections at a time, as Asterisk's HTTP server does with
// http.conf's sessionlimit: every connection is a session for as long as it is open (a keep-alive connection
// between requests, and an event WebSocket, count too), and one over the limit is accepted and closed at once,
// before a byte is read or written, so the client sees EOF ("failed to make request": 22.10.1 does exactly this,
// logging "HTTP session count exceeded N sessions.").
type sessionListener struct {
	net.Listener
	limit    int64
	open     atomic.Int64
	refused  atomic.Int64
	peak     atomic.Int64
	accepted atomic.Int64
	logf     func(format string, args ...any)
}

func (l *sessionListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		n := l.open.Add(1)
		if l.limit > 0 && n > l.limit {
			l.open.Add(-1)
			l.refused.Add(1)
			_ = c.Close()
			if l.logf != nil {
				l.logf("HTTP session count exceeded %d sessions.", l.limit)
			}
			continue
		}
		l.accepted.Add(1)
		for {
			p := l.peak.Load()
			if n <= p || l.peak.CompareAndSwap(p, n) {
				break
			}
		}
		return &sessionConn{Conn: c, l: l}, nil
	}
}

// sessionConn gives its session back when closed, whoever closes it (the HTTP server, or a WebSocket handler that
// took the connection over).
type sessionConn struct {
	net.Conn
	l    *sessionListener
	once sync.Once
}

func (c *sessionConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}

// Sessions tells how the HTTP session limit has been used: sessions open now, the most open at once, sessions
// served in all (a client that reuses its connections opens few), and connections refused for being over the limit.
type Sessions struct {
	Open, Peak, Accepted, Refused int64
}

// Sessions reports the server's HTTP sessions (see Options.SessionLimit).
func (s *Server) Sessions() Sessions {
	return Sessions{Open: s.sessions.open.Load(), Peak: s.sessions.peak.Load(), Accepted: s.sessions.accepted.Load(), Refused: s.sessions.refused.Load()}
}
