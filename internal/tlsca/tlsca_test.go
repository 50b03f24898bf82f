package tlsca

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func verify(t *testing.T, ca *CA, c *x509.Certificate, name string, at time.Time) error {
	t.Helper()
	_, err := c.Verify(x509.VerifyOptions{DNSName: name, Roots: ca.Pool(), CurrentTime: at})
	return err
}

func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	ca, created, err := LoadOrCreate(dir, t0)
	if err != nil || !created {
		t.Fatalf("first start: created=%v, %v", created, err)
	}
	for _, f := range []string{CAFile, CAKeyFile} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, st.Mode(), err)
		}
	}
	if ca.Path() != filepath.Join(dir, CAFile) || !ca.Cert.IsCA {
		t.Errorf("path %s, IsCA %v", ca.Path(), ca.Cert.IsCA)
	}
	again, created, err := LoadOrCreate(dir, t0.Add(time.Hour))
	if err != nil || created || !again.Cert.Equal(ca.Cert) {
		t.Fatalf("second start made another CA: created=%v %v", created, err)
	}
	// An expired CA is replaced.
	later, created, err := LoadOrCreate(dir, t0.Add(caValidity+time.Hour))
	if err != nil || !created || later.Cert.Equal(ca.Cert) {
		t.Fatalf("expired CA kept: created=%v %v", created, err)
	}
	// A key that is not the certificate's is an error that says what to do.
	other, _, _ := LoadOrCreate(t.TempDir(), t0)
	key, _ := encodeKey(other.key)
	os.WriteFile(filepath.Join(dir, CAKeyFile), key, 0o600)
	if _, _, err := LoadOrCreate(dir, t0); err == nil {
		t.Fatal("a mismatched key was accepted")
	}
	os.WriteFile(filepath.Join(dir, CAFile), []byte("garbage"), 0o600)
	if _, _, err := LoadOrCreate(dir, t0); err == nil {
		t.Fatal("a garbled ca.pem was accepted")
	}
}

func TestServerCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, _, err := LoadOrCreate(dir, t0)
	if err != nil {
		t.Fatal(err)
	}
	names := ServerNames([]string{"doppel.test", "10.1.2.3"})
	c, err := ca.ServerCertificate(names, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"localhost", "bucket.localhost", "s3.localhost", "bucket.s3.localhost", "doppel.test", "bucket.doppel.test"} {
		if err := verify(t, ca, c.Leaf, n, t0); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	for _, ip := range []string{"127.0.0.1", "::1", "10.1.2.3"} {
		if err := c.Leaf.VerifyHostname(ip); err != nil {
			t.Errorf("%s: %v", ip, err)
		}
	}
	if err := verify(t, ca, c.Leaf, "example.com", t0); err == nil {
		t.Error("valid for example.com")
	}
	for _, f := range []string{ServerFile, ServerKeyFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v", f, err)
		}
	}

	same, _ := ca.ServerCertificate(names, t0.Add(24*time.Hour))
	if !same.Leaf.Equal(c.Leaf) {
		t.Error("reissued although nothing changed")
	}
	renamed, _ := ca.ServerCertificate(ServerNames(nil), t0.Add(24*time.Hour))
	if renamed.Leaf.Equal(c.Leaf) || renamed.Leaf.VerifyHostname("doppel.test") == nil {
		t.Error("not reissued when the names changed")
	}
	soon := renamed.Leaf.NotAfter.Add(-RenewBefore + time.Hour)
	renewed, _ := ca.ServerCertificate(ServerNames(nil), soon)
	if renewed.Leaf.Equal(renamed.Leaf) || verify(t, ca, renewed.Leaf, "localhost", soon.Add(RenewBefore)) != nil {
		t.Error("not renewed within RenewBefore of expiry")
	}
	// A certificate of another CA (a new ca.pem) is reissued.
	other, _ := NewInMemory(t0)
	other.Dir = dir
	if o, _ := other.ServerCertificate(ServerNames(nil), t0); verify(t, other, o.Leaf, "localhost", t0) != nil {
		t.Error("a certificate of the previous CA was kept")
	}
}

func TestLeafCache(t *testing.T) {
	ca, err := NewInMemory(t0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ca.Leaf("STS.amazonaws.com.", t0)
	if err != nil || verify(t, ca, a.Leaf, "sts.amazonaws.com", t0) != nil {
		t.Fatalf("leaf: %v", err)
	}
	if b, _ := ca.Leaf("sts.amazonaws.com", t0.Add(time.Hour)); b != a {
		t.Error("a second leaf for the same name")
	}
	if ip, err := ca.Leaf("127.0.0.1", t0); err != nil || ip.Leaf.VerifyHostname("127.0.0.1") != nil {
		t.Errorf("leaf for an IP: %v", err)
	}
	if c, _ := ca.Leaf("sts.amazonaws.com", t0.Add(leafValidity-time.Hour)); c == a {
		t.Error("a leaf about to expire was served from the cache")
	}
	for i := range MaxLeaves + 10 {
		if _, err := ca.Leaf(fmt.Sprintf("b%d.s3.amazonaws.com", i), t0); err != nil {
			t.Fatal(err)
		}
	}
	if n := ca.CachedLeaves(); n != MaxLeaves {
		t.Errorf("%d leaves cached, want at most %d", n, MaxLeaves)
	}
}

// BenchmarkLoad is the CA's share of a start with the CA already made.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	ca, _, _ := LoadOrCreate(dir, time.Now())
	names := ServerNames(nil)
	ca.ServerCertificate(names, time.Now())
	b.ResetTimer()
	for b.Loop() {
		ca, _, err := LoadOrCreate(dir, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ca.ServerCertificate(names, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLeaf(b *testing.B) {
	ca, _ := NewInMemory(time.Now())
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		if _, err := ca.Leaf(fmt.Sprintf("b%d.s3.amazonaws.com", i), now); err != nil {
			b.Fatal(err)
		}
	}
}
