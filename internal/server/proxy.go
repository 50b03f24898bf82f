package server

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/doppel-aws/doppel/internal/tlsca"
)

// proxy lets clients reach doppel under AWS's own host names by pointing
// HTTPS_PROXY (and HTTP_PROXY) at it, with no endpoint setting at all:
//
//   - CONNECT host:port for a host doppel serves answers 200, and the tunnel
//     is answered by doppel itself, TLS-terminated with a certificate for
//     that name from doppel's CA (or plain HTTP, if that is what the client
//     sends), through the same handler as the port, Host header intact;
//   - an absolute-form request (GET http://host/...) for a host doppel
//     serves goes to the handler, which routes by its Host.
//
// Anything for another host is refused: doppel never dials out, so it can
// be no relay, nor a way past the loopback binding to other services.
type proxy struct {
	next    http.Handler
	serves  func(host string) bool
	ca      *tlsca.CA
	base    *tls.Config // the port's; tunnels clone it
	tunnels *chanListener
	now     func() time.Time
	log     *slog.Logger
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.connect(w, r)
		return
	}
	// net/http put an absolute-form target's host in r.URL.Host and r.Host.
	if r.URL.Host != "" && !p.serves(r.URL.Host) {
		refuse(w, http.StatusForbidden, r.URL.Host)
		return
	}
	p.next.ServeHTTP(w, r)
}

func (p *proxy) connect(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil || host == "" || port == "" {
		http.Error(w, "doppel: CONNECT needs a target of the form host:port.", http.StatusBadRequest)
		return
	}
	if !p.serves(host) {
		p.log.Info("proxy refused", "target", r.Host, "remote", r.RemoteAddr)
		refuse(w, http.StatusForbidden, r.Host)
		return
	}
	rc := http.NewResponseController(w)
	conn, brw, err := rc.Hijack()
	if err != nil {
		http.Error(w, "doppel: this connection cannot carry a tunnel.", http.StatusBadRequest)
		return
	}
	conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	if _, err := brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n"); err != nil || brw.Flush() != nil {
		conn.Close()
		return
	}
	var c net.Conn = conn
	if brw.Reader.Buffered() > 0 {
		// The client sent its first bytes with the CONNECT request.
		c = &bufferedConn{Conn: conn, r: brw.Reader}
	}
	tc, err := sniff(c, p.tunnelTLS(host))
	if err != nil {
		c.Close()
		return
	}
	if !p.tunnels.push(tc) {
		tc.Close()
	}
}

// tunnelTLS presents, in a tunnel to host, a certificate for the name the
// client asks for (SNI) when doppel serves it, and for host otherwise.
func (p *proxy) tunnelTLS(host string) *tls.Config {
	cfg := p.base.Clone()
	cfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		name := hello.ServerName
		if name == "" || !p.serves(name) {
			name = host
		}
		return p.ca.Leaf(name, p.now())
	}
	return cfg
}

func refuse(w http.ResponseWriter, code int, target string) {
	http.Error(w, fmt.Sprintf("doppel: %s is not a host doppel serves; doppel answers only for AWS endpoints of the services it implements and its own names, and never forwards a request elsewhere.", target), code)
}

// bufferedConn reads what the CONNECT request's reader already buffered
// before reading the connection.
type bufferedConn struct {
	net.Conn
	r interface{ Read([]byte) (int, error) }
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
