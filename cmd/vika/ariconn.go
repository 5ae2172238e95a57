package main

import (
	"encoding/base64"
	"errors"
	"net"
	"net/url"
	"sync"
	"syscall"

	"github.com/CyCoreSystems/ari/v5/client/native"
	"golang.org/x/net/websocket"
)

// eventSocket lets serve close the ARI client's event WebSocket for good at the end of a shutdown. Asterisk takes
// no call into an app without a socket (Stasis() fails and the dialplan sends the caller to the fallback), so once
// the socket is closed no caller can reach a process that is about to exit and be left in silence.
//
// The client offers no way to do this: in ari v5.3.1, Client.Close races with the client's reconnect loop on its
// `connected` flag, and a socket merely closed is dialled again within 10 ms. So the client dials through a
// net.Dialer whose Control hook notes each socket; close shuts them down (the read loop sees EOF) and refuses every
// later dial.
type eventSocket struct {
	mu     sync.Mutex
	closed bool
	conns  []syscall.RawConn
}

var errSocketClosed = errors.New("the ARI event socket was closed for shutdown")

func (s *eventSocket) control(_, _ string, c syscall.RawConn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errSocketClosed
	}
	s.conns = append(s.conns, c)
	return nil
}

// close shuts down every socket the client dialled and refuses new ones.
func (s *eventSocket) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, c := range s.conns {
		_ = c.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RDWR) })
	}
	s.conns = nil
}

// eventSocketConfig is the WebSocket configuration native.Client.Connect would make for opts (app, origin, basic
// auth), dialled through sock.
func eventSocketConfig(opts *native.Options, sock *eventSocket) (*websocket.Config, error) {
	q := url.Values{}
	q.Set("app", opts.Application)
	if opts.SubscribeAll {
		q.Set("subscribeAll", "true")
	}
	origin := opts.WebsocketOrigin
	if origin == "" {
		origin = "http://localhost/" // as native.New
	}
	cfg, err := websocket.NewConfig(opts.WebsocketURL+"?"+q.Encode(), origin)
	if err != nil {
		return nil, err
	}
	cfg.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(opts.Username+":"+opts.Password)))
	cfg.Dialer = &net.Dialer{Control: sock.control}
	return cfg, nil
}
