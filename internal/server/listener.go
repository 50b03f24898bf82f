package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// handshakeTimeout bounds how long a connection may take to send its first
// byte and finish the TLS handshake, on the port and inside a CONNECT
// tunnel alike.
const handshakeTimeout = 10 * time.Second

// dualListener answers HTTP and HTTPS on one port: it looks at each
// connection's first byte, and a TLS handshake record (0x16, which no HTTP
// method starts with) gets the connection wrapped with crypto/tls. Sniffing
// and handshakes run beside the accept loop, so one slow client holds up no
// one else; net/http sees a *tls.Conn and sets Request.TLS.
type dualListener struct {
	net.Listener
	tls   *tls.Config
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
	err   error // why Accept ends: written once, before done closes
}

func newDualListener(ln net.Listener, cfg *tls.Config) *dualListener {
	d := &dualListener{Listener: ln, tls: cfg, conns: make(chan net.Conn), done: make(chan struct{})}
	go d.acceptLoop()
	return d
}

func (d *dualListener) acceptLoop() {
	for {
		c, err := d.Listener.Accept()
		if err != nil {
			// Out of file descriptors and the like pass, as net/http's
			// own accept loop assumes.
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			d.closeWith(err)
			return
		}
		go func() {
			conn, err := sniff(c, d.tls)
			if err != nil {
				c.Close()
				return
			}
			select {
			case d.conns <- conn:
			case <-d.done:
				conn.Close()
			}
		}()
	}
}

func (d *dualListener) Accept() (net.Conn, error) {
	select {
	case c := <-d.conns:
		return c, nil
	case <-d.done:
		if d.err != nil {
			return nil, d.err
		}
		return nil, net.ErrClosed
	}
}

func (d *dualListener) Close() error { return d.closeWith(nil) }

// closeWith ends Accept with cause (net.ErrClosed when nil); only the
// first call counts, so cause is written before done closes.
func (d *dualListener) closeWith(cause error) error {
	var err error
	d.once.Do(func() {
		d.err = cause
		close(d.done)
		err = d.Listener.Close()
	})
	return err
}

// sniff reads c's first byte (within handshakeTimeout) and returns c as
// plain HTTP, or as TLS with the handshake done. A nil cfg means plain only.
func sniff(c net.Conn, cfg *tls.Config) (net.Conn, error) {
	if cfg == nil {
		return c, nil
	}
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	var first [1]byte
	if _, err := io.ReadFull(c, first[:]); err != nil {
		return nil, err
	}
	var conn net.Conn = &peekedConn{Conn: c, first: first[0], pending: true}
	if first[0] == 0x16 {
		t := tls.Server(conn, cfg)
		ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
		defer cancel()
		if err := t.HandshakeContext(ctx); err != nil {
			return nil, err
		}
		conn = t
	}
	c.SetDeadline(time.Time{}) // net/http sets its own from here on
	return conn, nil
}

// peekedConn gives back the byte sniff read, then reads from the
// connection itself.
type peekedConn struct {
	net.Conn
	first   byte
	pending bool
}

func (p *peekedConn) Read(b []byte) (int, error) {
	if p.pending && len(b) > 0 {
		b[0], p.pending = p.first, false
		return 1, nil
	}
	return p.Conn.Read(b)
}

// ReadFrom keeps the TCP connection's sendfile path for plain-HTTP
// responses (net/http looks for io.ReaderFrom on the connection).
func (p *peekedConn) ReadFrom(r io.Reader) (int64, error) { return io.Copy(p.Conn, r) }

// CloseWrite lets net/http half-close as it does on a bare TCP connection.
func (p *peekedConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// chanListener hands net/http the connections of CONNECT tunnels, so that
// they are served (and shut down) by the same http.Server as the port.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// push gives c to the server; it fails once the listener is closed.
func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
