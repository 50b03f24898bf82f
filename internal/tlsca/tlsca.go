// Package tlsca is doppel's local certificate authority: a CA made once (in
// the data directory, or in memory), the server certificate for doppel's own
// names signed by it, and leaf certificates issued on the fly for the AWS host
// names doppel answers as a proxy. Clients trust doppel by trusting the CA's
// certificate (ca.pem, AWS_CA_BUNDLE) and nothing else.
package tlsca

import (
	"container/list"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// File names inside the data directory. Every file is written 0600, like the
// rest of the data directory; ca.pem holds no secret and may be copied freely.
const (
	CAFile        = "ca.pem"
	CAKeyFile     = "ca-key.pem"
	ServerFile    = "server.pem"
	ServerKeyFile = "server-key.pem"
)

const (
	caValidity     = 10 * 365 * 24 * time.Hour
	serverValidity = 365 * 24 * time.Hour // under the 825 days macOS accepts for a user-trusted root
	leafValidity   = 30 * 24 * time.Hour
	// RenewBefore is how long before its expiry a certificate is reissued.
	RenewBefore = 30 * 24 * time.Hour
	// backdate absorbs clocks that differ a little between client and server.
	backdate = time.Hour
	// MaxLeaves bounds the cache of certificates issued for proxied names.
	MaxLeaves = 512
)

// DefaultNames are the names the server certificate always covers: the
// loopback names and the S3 host names doppel answers for virtual-hosted
// buckets without --hostname.
var DefaultNames = []string{"localhost", "127.0.0.1", "::1", "*.localhost", "s3.localhost", "*.s3.localhost"}

// ServerNames is DefaultNames plus each extra host name and its wildcard.
func ServerNames(hostnames []string) []string {
	names := slices.Clone(DefaultNames)
	for _, h := range hostnames {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if h == "" {
			continue
		}
		names = append(names, h)
		if net.ParseIP(h) == nil {
			names = append(names, "*."+h)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// CA is a certificate authority and the key that signs with it.
type CA struct {
	Cert *x509.Certificate
	PEM  []byte // the certificate, PEM-encoded: what clients trust
	Dir  string // where it is kept; "" when in memory only
	key  crypto.Signer

	// leafKey signs every certificate issued on the fly: one key for all
	// of them keeps issuing cheap (a signature, no key generation).
	leafKey *ecdsa.PrivateKey
	mu      sync.Mutex
	leaves  map[string]*list.Element // name -> element of lru holding *leaf
	lru     list.List                // most recently used first
}

type leaf struct {
	name string
	cert *tls.Certificate
}

// NewInMemory makes a CA that lives only in this process.
func NewInMemory(now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"doppel"}, CommonName: "doppel local CA " + now.UTC().Format("2006-01-02 15:04:05")},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return newCA(der, key)
}

func newCA(der []byte, key crypto.Signer) (*CA, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &CA{
		Cert: cert, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key: key, leafKey: leafKey, leaves: map[string]*list.Element{},
	}, nil
}

// LoadOrCreate loads the CA kept in dir, or makes one there on first use
// (or when the one there has expired). created says which.
func LoadOrCreate(dir string, now time.Time) (ca *CA, created bool, err error) {
	// Clients are told this path (AWS_CA_BUNDLE) and may run elsewhere.
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, CAFile))
	if err == nil {
		var keyPEM []byte
		if keyPEM, err = os.ReadFile(filepath.Join(dir, CAKeyFile)); err == nil {
			ca, err = parseCA(certPEM, keyPEM)
		}
		if err != nil {
			return nil, false, fmt.Errorf("tlsca: %s: %w (remove %s and %s to make a new CA)", dir, err, CAFile, CAKeyFile)
		}
		if now.Before(ca.Cert.NotAfter) {
			ca.Dir = dir
			return ca, false, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("tlsca: %w", err)
	}
	if ca, err = NewInMemory(now); err != nil {
		return nil, false, fmt.Errorf("tlsca: %w", err)
	}
	keyPEM, err := encodeKey(ca.key)
	if err != nil {
		return nil, false, err
	}
	// The key first: a certificate without its key would be unusable.
	if err := writeFile(filepath.Join(dir, CAKeyFile), keyPEM); err != nil {
		return nil, false, err
	}
	if err := writeFile(filepath.Join(dir, CAFile), ca.PEM); err != nil {
		return nil, false, err
	}
	ca.Dir = dir
	return ca, true, nil
}

func parseCA(certPEM, keyPEM []byte) (*CA, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no certificate in " + CAFile)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	ca, err := newCA(block.Bytes, key)
	if err != nil {
		return nil, err
	}
	if !ca.Cert.IsCA || !publicKeysEqual(ca.Cert.PublicKey, key.Public()) {
		return nil, errors.New(CAKeyFile + " does not belong to " + CAFile)
	}
	return ca, nil
}

// Path is the file clients are told to trust, or "" for a CA in memory.
func (ca *CA) Path() string {
	if ca.Dir == "" {
		return ""
	}
	return filepath.Join(ca.Dir, CAFile)
}

// Pool is a certificate pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Issue signs a certificate for names (DNS names, wildcards, IP addresses)
// with key's public half, valid from now for validity (never past the CA).
func (ca *CA) Issue(names []string, pub crypto.PublicKey, now time.Time, validity time.Duration) ([]byte, error) {
	if len(names) == 0 {
		return nil, errors.New("tlsca: a certificate needs a name")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Organization: []string{"doppel"}, CommonName: names[0]},
		NotBefore:   now.Add(-backdate),
		NotAfter:    now.Add(validity),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	var err error
	if tmpl.SerialNumber, err = serial(); err != nil {
		return nil, err
	}
	return x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.key)
}

// ServerCertificate returns the certificate for doppel's own names. In a CA
// kept on disk it is loaded from server.pem when it was signed by this CA,
// covers exactly names and is more than RenewBefore from expiry; otherwise
// it is issued again (and written back). A CA in memory issues it every time.
func (ca *CA) ServerCertificate(names []string, now time.Time) (tls.Certificate, error) {
	if ca.Dir != "" {
		certPEM, err1 := os.ReadFile(filepath.Join(ca.Dir, ServerFile))
		keyPEM, err2 := os.ReadFile(filepath.Join(ca.Dir, ServerKeyFile))
		if err1 == nil && err2 == nil {
			if c, err := tls.X509KeyPair(certPEM, keyPEM); err == nil && ca.current(c.Leaf, names, now) {
				return c, nil
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	der, err := ca.Issue(names, key.Public(), now, serverValidity)
	if err != nil {
		return tls.Certificate{}, err
	}
	c, err := keyPair(der, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if ca.Dir != "" {
		keyPEM, err := encodeKey(key)
		if err != nil {
			return tls.Certificate{}, err
		}
		if err := writeFile(filepath.Join(ca.Dir, ServerKeyFile), keyPEM); err != nil {
			return tls.Certificate{}, err
		}
		if err := writeFile(filepath.Join(ca.Dir, ServerFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
			return tls.Certificate{}, err
		}
	}
	return c, nil
}

// current says whether cert can go on serving names: signed by this CA,
// for exactly those names, and not about to expire.
func (ca *CA) current(cert *x509.Certificate, names []string, now time.Time) bool {
	if cert == nil || cert.CheckSignatureFrom(ca.Cert) != nil || now.Before(cert.NotBefore) || now.Add(RenewBefore).After(cert.NotAfter) {
		return false
	}
	have := slices.Clone(cert.DNSNames)
	for _, ip := range cert.IPAddresses {
		have = append(have, ip.String())
	}
	want := slices.Clone(names)
	slices.Sort(have)
	slices.Sort(want)
	return slices.Equal(have, slices.Compact(want))
}

// Leaf returns a certificate for one host name, issued on the fly and
// cached (at most MaxLeaves, least recently used dropped first). Callers
// decide which names deserve one.
func (ca *CA) Leaf(name string, now time.Time) (*tls.Certificate, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if e, ok := ca.leaves[name]; ok {
		l := e.Value.(*leaf)
		if now.Add(24 * time.Hour).Before(l.cert.Leaf.NotAfter) {
			ca.lru.MoveToFront(e)
			return l.cert, nil
		}
		ca.lru.Remove(e)
		delete(ca.leaves, name)
	}
	der, err := ca.Issue([]string{name}, ca.leafKey.Public(), now, leafValidity)
	if err != nil {
		return nil, err
	}
	c, err := keyPair(der, ca.leafKey)
	if err != nil {
		return nil, err
	}
	ca.leaves[name] = ca.lru.PushFront(&leaf{name: name, cert: &c})
	for ca.lru.Len() > MaxLeaves {
		old := ca.lru.Remove(ca.lru.Back()).(*leaf)
		delete(ca.leaves, old.name)
	}
	return &c, nil
}

// CachedLeaves is how many leaf certificates are cached.
func (ca *CA) CachedLeaves() int {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	return ca.lru.Len()
}

// LoadKeyPair reads a certificate and key brought by the user (--tls-cert,
// --tls-key).
func LoadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tlsca: %w", err)
	}
	return c, nil
}

func keyPair(der []byte, key crypto.Signer) (tls.Certificate, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, nil
}

func serial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("tlsca: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func parseKey(keyPEM []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, errors.New("no key in " + CAKeyFile)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New(CAKeyFile + " holds a key that cannot sign")
	}
	return s, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// writeFile replaces path atomically with a 0600 file.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("tlsca: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("tlsca: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("tlsca: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("tlsca: %w", err)
	}
	return nil
}
