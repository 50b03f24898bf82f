package server

import (
	"net"
	"time"
)

// DefaultWriteIdleTimeout is how long one write to a client may block (the
// client reads nothing) before the connection is closed.
const DefaultWriteIdleTimeout = time.Minute

// writeIdleListener gives every write on its connections a deadline of its
// own. http.Server's WriteTimeout is one deadline for a whole response, so
// any value short enough to matter would cut off a large download on a slow
// but working link; a deadline per write only ends a response whose client
// stopped reading. A TLS listener goes around this one, so the deadline
// covers the encrypted writes too.
type writeIdleListener struct {
	net.Listener
	idle time.Duration
}

func (l writeIdleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &writeIdleConn{Conn: c, idle: l.idle}, nil
}

type writeIdleConn struct {
	net.Conn
	idle time.Duration
}

// writeSlice is how much one deadline covers. A response body can reach the
// connection as one large write (an object held in memory): a deadline
// for all of it would again bound the whole download.
const writeSlice = 64 << 10

func (c *writeIdleConn) Write(p []byte) (int, error) {
	var n int
	for len(p) > 0 {
		part := p[:min(len(p), writeSlice)]
		if err := c.Conn.SetWriteDeadline(time.Now().Add(c.idle)); err != nil {
			return n, err
		}
		m, err := c.Conn.Write(part)
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}
