// Package doppeltest starts an in-process doppel for Go tests, in the style
// of net/http/httptest:
//
//	srv := doppeltest.NewServer(t)
//	cfg := srv.AWSConfig("account-a") // aws-sdk-go-v2, root of account-a
//	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
//
// The server keeps its state in memory (unless WithDataDir is given), serves
// on a loopback port, and is closed by t.Cleanup. The port answers HTTP and
// HTTPS alike; NewTLSServer gives an https:// URL and clients that trust
// only the server's CA:
//
//	srv := doppeltest.NewTLSServer(t)
//	cfg := srv.AWSConfig("account-a") // https, doppel's CA as the only root
package doppeltest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/doppel-aws/doppel/internal/bootstrap"
	"github.com/doppel-aws/doppel/internal/clientconfig"
	"github.com/doppel-aws/doppel/internal/server"
)

// Account is one account of the test server and its root credentials.
type Account struct {
	ID              string
	Name            string
	AccessKeyID     string
	SecretAccessKey string
}

// Server is a running doppel.
type Server struct {
	URL      string // http://127.0.0.1:PORT, or https:// from NewTLSServer
	Addr     string // 127.0.0.1:PORT: HTTP, HTTPS and the proxy all answer here
	Accounts []Account
	// CACertPEM is the certificate of the server's CA, the only one its
	// clients trust.
	CACertPEM []byte

	srv       *server.Server
	t         testing.TB
	tls       bool
	closeOnce sync.Once
	caOnce    sync.Once
	caFile    string
}

type config struct {
	accounts []bootstrap.Account
	now      func() time.Time
	dataDir  string
	body     time.Duration
	write    time.Duration
	tls      bool
}

// Option configures NewServer.
type Option func(*config)

// WithAccount adds an account (id: 12 digits; name: its profile name). Without
// any, the server has account-a (111111111111) and account-b (222222222222).
// Root keys are generated.
func WithAccount(id, name string) Option {
	return func(c *config) { c.accounts = append(c.accounts, bootstrap.Account{ID: id, Name: name}) }
}

// WithClock makes the server read time from now, so tests can move it
// (session expiry, MFA codes, signature skew) without sleeping.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithDataDir keeps state on disk in dir instead of in memory.
func WithDataDir(dir string) Option { return func(c *config) { c.dataDir = dir } }

// WithIdleTimeouts sets how long a request body may stall before the request
// fails with RequestTimeout, and how long a response write may block before
// the connection is closed, so tests of stalled clients need not wait the
// defaults (20 seconds and a minute).
func WithIdleTimeouts(body, write time.Duration) Option {
	return func(c *config) { c.body, c.write = body, write }
}

// NewTLSServer starts a doppel like NewServer whose URL is https:// and
// whose AWSConfig, Env and Client trust its CA (and no other).
func NewTLSServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return NewServer(t, append(opts, func(c *config) { c.tls = true })...)
}

// NewServer starts a doppel and registers its Close with t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Options{
		InMemory: c.dataDir == "", DataDir: c.dataDir, Now: c.now,
		BodyIdleTimeout: c.body, WriteIdleTimeout: c.write,
	})
	if err != nil {
		t.Fatalf("doppeltest: %v", err)
	}
	var boot *bootstrap.Config
	if len(c.accounts) > 0 {
		boot = &bootstrap.Config{Accounts: c.accounts}
	}
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	if _, err := bootstrap.Apply(ctx, srv.Store, boot, now()); err != nil {
		srv.Shutdown(ctx)
		t.Fatalf("doppeltest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Shutdown(ctx)
		t.Fatalf("doppeltest: %v", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), CACertPEM: srv.CA.PEM, srv: srv, t: t, tls: c.tls}
	if c.tls {
		s.URL = "https://" + s.Addr
	}
	profiles, _, err := clientconfig.Profiles(ctx, srv.Store, s.URL)
	if err != nil {
		srv.Shutdown(ctx)
		t.Fatalf("doppeltest: %v", err)
	}
	for _, p := range profiles {
		s.Accounts = append(s.Accounts, Account{ID: p.Account, Name: p.Name, AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey})
	}
	go srv.Serve(ln)
	t.Cleanup(s.Close)
	return s
}

// Account returns the account with that name or ID; it fails the test when
// there is none.
func (s *Server) Account(nameOrID string) Account {
	s.t.Helper()
	for _, a := range s.Accounts {
		if a.Name == nameOrID || a.ID == nameOrID {
			return a
		}
	}
	s.t.Fatalf("doppeltest: no account %q", nameOrID)
	return Account{}
}

// AWSConfig returns an aws-sdk-go-v2 configuration signed as the root user of
// the account, pointed at the server, in us-east-1.
func (s *Server) AWSConfig(account string) aws.Config {
	a := s.Account(account)
	return s.ConfigFor(a.AccessKeyID, a.SecretAccessKey, "")
}

// ConfigFor returns an aws-sdk-go-v2 configuration with the given
// credentials (sessionToken for temporary ones), pointed at the server.
func (s *Server) ConfigFor(accessKeyID, secretAccessKey, sessionToken string) aws.Config {
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, sessionToken),
		// Tests want the first answer, not a retried one.
		RetryMaxAttempts: 1,
	}
	if s.tls {
		cfg.HTTPClient = s.sdkClient(nil)
	}
	return cfg
}

// ProxyConfig returns an aws-sdk-go-v2 configuration with no endpoint at
// all, signed as the account's root user, whose requests go through the
// server as an HTTPS proxy: clients reach sts.amazonaws.com,
// BUCKET.s3.us-east-1.amazonaws.com... under AWS's own names, and doppel
// answers them with certificates from its CA.
func (s *Server) ProxyConfig(account string) aws.Config {
	a := s.Account(account)
	proxy := &url.URL{Scheme: "http", Host: s.Addr}
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, ""),
		RetryMaxAttempts: 1,
		HTTPClient:       s.sdkClient(http.ProxyURL(proxy)),
	}
}

// sdkClient is the SDK's own HTTP client, trusting only the server's CA.
func (s *Server) sdkClient(proxy func(*http.Request) (*url.URL, error)) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.Proxy = proxy
		tr.TLSClientConfig = &tls.Config{RootCAs: s.pool(), MinVersion: tls.VersionTLS12}
	})
}

func (s *Server) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(s.CACertPEM)
	return p
}

// Client returns an HTTP client that trusts the server's CA and no other,
// like httptest.Server.Client.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.pool(), MinVersion: tls.VersionTLS12},
		Proxy:           nil, // the environment's proxy is not the test's
	}}
}

// CAFile returns the path of a file holding CACertPEM (AWS_CA_BUNDLE for
// the AWS CLI, boto3 and Terraform), written on first use and removed with
// the test's temporary files.
func (s *Server) CAFile() string {
	s.caOnce.Do(func() {
		s.caFile = filepath.Join(s.t.TempDir(), "doppel-ca.pem")
		if err := os.WriteFile(s.caFile, s.CACertPEM, 0o600); err != nil {
			s.t.Fatalf("doppeltest: %v", err)
		}
	})
	return s.caFile
}

// Env returns environment variables that point the AWS CLI, Terraform or
// boto3 at the server as the account's root user.
func (s *Server) Env(account string) []string {
	a := s.Account(account)
	env := []string{
		"AWS_ENDPOINT_URL=" + s.URL,
		"AWS_ACCESS_KEY_ID=" + a.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + a.SecretAccessKey,
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
	}
	if s.tls {
		env = append(env, "AWS_CA_BUNDLE="+s.CAFile())
	}
	return env
}

// Close stops the server and discards its state (unless on disk).
// Calling it more than once is harmless.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.t.Errorf("doppeltest: close: %v", err)
		}
	})
}

// String describes the server for test logs.
func (s *Server) String() string { return fmt.Sprintf("doppel at %s", s.URL) }
