package server

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/tlsca"
)

// A connection that sends nothing holds up no other, and both protocols are
// told apart on one port.
func TestDualListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cert, pool := testCert(t)
	d := newDualListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			io.WriteString(w, "tls")
		} else {
			io.WriteString(w, "plain")
		}
	})}
	go srv.Serve(d)
	defer srv.Close()

	silent, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for scheme, want := range map[string]string{"http": "plain", "https": "tls"} {
		resp, err := client.Get(scheme + "://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Errorf("%s: answered as %q", scheme, body)
		}
	}
	// A handshake record that is no ClientHello closes the connection.
	bad, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.Write([]byte{0x16, 0x03, 0x01, 0x00, 0x04, 0xff, 0x00, 0x00, 0x00})
	bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(bad); err != nil {
		t.Errorf("the connection was left open: %v", err)
	}
	d.Close()
	if _, err := d.Accept(); err == nil {
		t.Error("Accept after Close")
	}
}

func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	ca, err := tlsca.NewInMemory(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.ServerCertificate(tlsca.ServerNames(nil), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c, ca.Pool()
}
