// Package server assembles doppel: the store, identities, the policy engine,
// the services and the gateway in front of them. `doppel serve` and the
// doppeltest package both build their server here, so tests run exactly what
// users run.
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/activity"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/api/s3controlapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/clientconfig"
	"github.com/doppel-aws/doppel/internal/console"
	"github.com/doppel-aws/doppel/internal/gateway"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/oidc"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/saml"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/service/organizations"
	"github.com/doppel-aws/doppel/internal/service/s3"
	"github.com/doppel-aws/doppel/internal/service/sts"
	"github.com/doppel-aws/doppel/internal/service/sts/iamlink"
	"github.com/doppel-aws/doppel/internal/sigv4"
	"github.com/doppel-aws/doppel/internal/store"
	"github.com/doppel-aws/doppel/internal/tlsca"
	"github.com/doppel-aws/doppel/internal/version"
)

// Options configure a Server.
type Options struct {
	// DataDir holds the state (created 0700). Ignored when InMemory.
	DataDir  string
	InMemory bool
	Logger   *slog.Logger     // nil discards
	Now      func() time.Time // nil means time.Now; tests inject a clock
	// Hostnames are extra host names under which S3 buckets are addressed
	// virtual-hosted style (bucket.HOSTNAME).
	Hostnames []string
	// BodyIdleTimeout: a request body that sends nothing for this long fails
	// with RequestTimeout (0: gateway.DefaultBodyIdleTimeout, as S3).
	BodyIdleTimeout time.Duration
	// WriteIdleTimeout: a response write that blocks this long (the client
	// stopped reading) closes the connection (0: DefaultWriteIdleTimeout).
	WriteIdleTimeout time.Duration
	// TLSCertFile and TLSKeyFile, when set, are the certificate the port
	// presents for doppel's own names instead of one from doppel's CA (which
	// still signs the certificates of proxied AWS host names).
	TLSCertFile, TLSKeyFile string
}

// Server is an assembled doppel.
type Server struct {
	Store     store.Store
	Authority *identity.Authority
	IAM       *iam.Service
	STS       *sts.Service
	S3        *s3.Service
	Orgs      *organizations.Service
	Gateway   *gateway.Gateway
	// Authorizer decides every request, the API's and the console's.
	Authorizer *authz.Engine
	Activity   *activity.Log
	// CA signs the certificates doppel presents over HTTPS: in the data
	// directory (ca.pem), or in memory with InMemory.
	CA *tlsca.CA
	// Issuers are the OIDC issuers doppel runs (GitHub Actions, HCP
	// Terraform, local ones) for web identity federation.
	Issuers *oidc.Issuers
	// SAML is doppel's local SAML identity provider.
	SAML *saml.IdP

	blobs      blob.Store
	http       *http.Server
	tls        *tls.Config
	tunnels    *chanListener
	tunnelOnce sync.Once
	log        *slog.Logger
	writeIdle  time.Duration
	// unknownKeyOnce logs the first request signed with a key doppel does
	// not know, with the keys it does know.
	unknownKeyOnce sync.Once
}

// Open builds a Server over the state in opts.DataDir (or in memory).
func Open(ctx context.Context, opts Options) (_ *Server, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{log: log, writeIdle: opts.WriteIdleTimeout}
	if s.writeIdle == 0 {
		s.writeIdle = DefaultWriteIdleTimeout
	}
	defer func() {
		if err != nil {
			s.closeStore()
		}
	}()
	if opts.InMemory {
		s.Store = store.NewMemory()
		s.blobs = blob.NewMemory()
	} else {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
		if s.Store, err = store.OpenBolt(filepath.Join(opts.DataDir, "state.db"), store.BoltOptions{}); err != nil {
			return nil, err
		}
		if s.blobs, err = blob.OpenDisk(filepath.Join(opts.DataDir, "objects")); err != nil {
			return nil, err
		}
	}
	var az authz.Authorizer
	s.IAM = iam.New(s.Store, lazyAuthorizer{&az}, iam.WithClock(now))
	if s.Authority, err = identity.NewAuthority(ctx, s.Store, identity.Options{Logger: log, Principals: iamPrincipals{s.IAM}}); err != nil {
		return nil, err
	}
	if s.Orgs, err = organizations.New(organizations.Config{Store: s.Store, Authorizer: lazyAuthorizer{&az}, Now: now}); err != nil {
		return nil, err
	}
	// Organizations' SCPs and RCPs are read per request (the service caches
	// them until its own table changes), so they need no generation here.
	s.Authorizer = authz.New(authz.Config{Policies: s.IAM, Orgs: s.Orgs, Generation: s.IAM.PolicyGeneration, Logger: log})
	az = s.Authorizer
	link := iamlink.Link{IAM: s.IAM}
	s.Issuers = oidc.New(s.Store, now)
	s.SAML = saml.NewIdP(s.Store, now)
	if s.STS, err = sts.New(sts.Config{
		Roles: link, MFA: link, AccessKeys: link, Authorizer: az, Now: now,
		Issue:         s.Authority.IssueSession,
		OIDCProviders: link, Issuers: s.Issuers, SAMLProviders: link,
	}); err != nil {
		return nil, err
	}
	if s.S3, err = s3.New(s3.Config{Store: s.Store, Blobs: s.blobs, Authorizer: az, Now: now}); err != nil {
		return nil, err
	}
	s.Activity = activity.NewLog(1000)
	s.Gateway = gateway.New(gateway.Config{
		Activity: s.Activity,
		Backends: []gateway.Backend{
			{Service: iamapi.Service, Handler: s.IAM},
			{Service: stsapi.Service, Handler: s.STS},
			{Service: s3api.Service, Handler: s.S3},
			{Service: s3controlapi.Service, Handler: s.S3.Control()},
			{Service: organizationsapi.Service, Handler: s.Orgs},
		},
		Resolve:   s.resolve(now),
		Logger:    log,
		Now:       now,
		Version:   version.String(),
		Hostnames: opts.Hostnames,
		Admit: func(ctx context.Context, info *request.Info) error {
			return sts.CheckCredentialUse(info.Principal, info.Service, info.Operation)
		},
		KeyUsed:         s.Authority.RecordUse,
		Internal:        s.internalMux(now),
		BodyIdleTimeout: opts.BodyIdleTimeout,
	})
	if err := s.setUpTLS(opts, now); err != nil {
		return nil, err
	}
	s.tunnels = newChanListener(tunnelAddr{})
	s.http = &http.Server{
		Handler: &proxy{
			next: s.Gateway, serves: s.Gateway.Serves, ca: s.CA, base: s.tls,
			tunnels: s.tunnels, now: now, log: log,
		},
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// setUpTLS loads (or, the first time, makes) the CA and the port's
// certificate. With a CA already made this is two file reads and no key
// generation, which keeps start-up in milliseconds.
func (s *Server) setUpTLS(opts Options, now func() time.Time) error {
	var err error
	if opts.InMemory {
		// Nothing may be written: the CA lives in memory, and clients fetch
		// its certificate from /_doppel/ca.pem.
		if s.CA, err = tlsca.NewInMemory(now()); err != nil {
			return err
		}
	} else {
		var created bool
		if s.CA, created, err = tlsca.LoadOrCreate(opts.DataDir, now()); err != nil {
			return err
		}
		if created {
			s.log.Info("made a local certificate authority", "ca_bundle", s.CA.Path())
		}
	}
	var cert tls.Certificate
	switch {
	case opts.TLSCertFile != "" || opts.TLSKeyFile != "":
		if opts.TLSCertFile == "" || opts.TLSKeyFile == "" {
			return errors.New("a TLS certificate needs both its certificate and its key file")
		}
		cert, err = tlsca.LoadKeyPair(opts.TLSCertFile, opts.TLSKeyFile)
	default:
		cert, err = s.CA.ServerCertificate(tlsca.ServerNames(opts.Hostnames), now())
	}
	if err != nil {
		return err
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
	}
	s.tls = &tls.Config{
		MinVersion: tls.VersionTLS12,
		// HTTP/1.1 only: AWS's SDKs speak it to these services, and it
		// keeps one code path for both protocols.
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			// A name the port's certificate does not cover but doppel
			// serves (a bucket with dots, an AWS name mapped to 127.0.0.1
			// in /etc/hosts) gets its own certificate from the CA.
			if name := hello.ServerName; name != "" && cert.Leaf.VerifyHostname(name) != nil && s.Gateway.Serves(name) {
				return s.CA.Leaf(name, now())
			}
			return &cert, nil
		},
	}
	return nil
}

// tunnelAddr is the address of the listener of CONNECT tunnels.
type tunnelAddr struct{}

func (tunnelAddr) Network() string { return "tunnel" }
func (tunnelAddr) String() string  { return "doppel-connect-tunnels" }

// lazyAuthorizer lets IAM be built before the authorizer that reads IAM's
// policies: the two need each other.
type lazyAuthorizer struct{ az *authz.Authorizer }

func (l lazyAuthorizer) Authorize(ctx context.Context, c authz.Check) error {
	return (*l.az).Authorize(ctx, c)
}

// iamPrincipals lets the Authority check credentials against IAM's users and
// roles, whose generation is IAM's.
type iamPrincipals struct{ *iam.Service }

func (p iamPrincipals) Generation() uint64 { return p.PolicyGeneration() }

// resolve adapts the Authority to the gateway, mapping its errors to sigv4's.
func (s *Server) resolve(now func() time.Time) gateway.Resolver {
	return func(ctx context.Context, akid, token string) (*identity.Principal, string, error) {
		p, secret, err := s.Authority.Resolve(ctx, akid, token, now())
		switch {
		case errors.Is(err, identity.ErrUnknownAccessKey):
			s.unknownKeyOnce.Do(func() { s.logKnownKeys(ctx, akid) })
			return nil, "", sigv4.ErrUnknownAccessKey
		case errors.Is(err, identity.ErrInvalidToken):
			return nil, "", sigv4.ErrInvalidToken
		case errors.Is(err, identity.ErrExpiredToken):
			return nil, "", sigv4.ErrExpiredToken
		}
		return p, secret, err
	}
}

// logKnownKeys says, once, what a newcomer from other emulators needs when
// their usual test/test keys are refused as AWS refuses them: the accounts'
// root access key IDs (never their secrets) and where to get the pairs.
func (s *Server) logKnownKeys(ctx context.Context, akid string) {
	profiles, _, err := clientconfig.Profiles(ctx, s.Store, "")
	if err != nil {
		return
	}
	known := make([]string, 0, len(profiles))
	for _, p := range profiles {
		known = append(known, fmt.Sprintf("%s (%s): %s", p.Name, p.Account, p.AccessKeyID))
	}
	s.log.Warn("a request was signed with an access key doppel does not know; unlike other emulators doppel accepts only its accounts' keys and answers AWS's InvalidClientTokenId. `doppel env ACCOUNT` prints a root key pair",
		"access_key_id", akid, "known_root_keys", strings.Join(known, "; "))
}

// Serve answers requests on ln until Shutdown: HTTP and HTTPS on the same
// port, and doppel's proxy for AWS host names.
//
// Every wait on a client is bounded: the request line and headers by
// ReadHeaderTimeout, each read of a body by the gateway's idle deadline
// (RequestTimeout, as S3), each write of a response by the listener's
// per-write deadline (below TLS, so it counts encrypted bytes), and a
// kept-alive connection by IdleTimeout. There is no ReadTimeout or
// WriteTimeout: both bound a whole request, and would cut off a large
// upload or download that is making progress.
func (s *Server) Serve(ln net.Listener) error {
	s.tunnelOnce.Do(func() { go s.http.Serve(s.tunnels) })
	err := s.http.Serve(newDualListener(writeIdleListener{Listener: ln, idle: s.writeIdle}, s.tls))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown lets in-flight requests finish (until ctx ends), then closes the
// state.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
		s.tunnels.Close() // when Serve never ran, net/http does not know it
	}
	errs = append(errs, s.Authority.Close(ctx))
	errs = append(errs, s.closeStore())
	return errors.Join(errs...)
}

func (s *Server) closeStore() error {
	if s.Store == nil {
		return nil
	}
	return s.Store.Close()
}

// internalMux serves doppel's own endpoints under /_doppel/ (health is the
// gateway's).
func (s *Server) internalMux(now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/_doppel/mfa/code", s.serveMFACode(now))
	mux.HandleFunc("/_doppel/ca.pem", func(w http.ResponseWriter, r *http.Request) {
		// The CA's certificate is public; a CA in memory has no file to
		// point AWS_CA_BUNDLE at, so clients fetch it here.
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(s.CA.PEM)
	})
	mux.Handle("/_doppel/organizations/access", s.serveOrgAccess(now))
	s.oidcRoutes(mux)
	s.samlRoutes(mux)
	mux.Handle(console.Prefix+"/", console.New(console.Config{
		IAM: s.IAM, STS: s.STS, S3: s.S3, Resolve: s.Authority.Resolve, Current: s.Authority.Current,
		Store: s.Store, Activity: s.Activity, Now: now, Logger: s.log,
		Authorizer: s.Authorizer,
	}))
	return mux
}
