// Package server assembles doppel: the store, identities, the policy engine,
// the services and the gateway in front of them. `doppel serve` and the
// doppeltest package both build their server here, so tests run exactly what
// users run.
package server

import (
	"context"
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
	"github.com/doppel-aws/doppel/internal/service/s3"
	"github.com/doppel-aws/doppel/internal/service/sts"
	"github.com/doppel-aws/doppel/internal/service/sts/iamlink"
	"github.com/doppel-aws/doppel/internal/sigv4"
	"github.com/doppel-aws/doppel/internal/store"
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
}

// Server is an assembled doppel.
type Server struct {
	Store     store.Store
	Authority *identity.Authority
	IAM       *iam.Service
	STS       *sts.Service
	S3        *s3.Service
	Gateway   *gateway.Gateway
	// Authorizer decides every request, the API's and the console's.
	Authorizer *authz.Engine
	Activity   *activity.Log
	// Issuers are the OIDC issuers doppel runs (GitHub Actions, HCP
	// Terraform, local ones) for web identity federation.
	Issuers *oidc.Issuers
	// SAML is doppel's local SAML identity provider.
	SAML *saml.IdP

	blobs     blob.Store
	http      *http.Server
	log       *slog.Logger
	writeIdle time.Duration
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
	s.Authorizer = authz.New(authz.Config{Policies: s.IAM, Generation: s.IAM.PolicyGeneration})
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
	return s, nil
}

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

// Serve answers requests on ln until Shutdown.
//
// Every wait on a client is bounded: the request line and headers by
// ReadHeaderTimeout, each read of a body by the gateway's idle deadline
// (RequestTimeout, as S3), each write of a response by the listener's
// per-write deadline, and a kept-alive connection by IdleTimeout. There is
// no ReadTimeout or WriteTimeout: both bound a whole request, and would cut
// off a large upload or download that is making progress.
func (s *Server) Serve(ln net.Listener) error {
	s.http = &http.Server{
		Handler:           s.Gateway,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	err := s.http.Serve(writeIdleListener{Listener: ln, idle: s.writeIdle})
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
	s.oidcRoutes(mux)
	s.samlRoutes(mux)
	mux.Handle(console.Prefix+"/", console.New(console.Config{
		IAM: s.IAM, STS: s.STS, S3: s.S3, Resolve: s.Authority.Resolve, Current: s.Authority.Current,
		Store: s.Store, Activity: s.Activity, Now: now, Logger: s.log,
		Authorizer: s.Authorizer,
	}))
	return mux
}
