// Package iam is doppel's IAM service: users, groups, roles, managed and
// inline policies, access keys, login profiles, virtual MFA devices, instance
// profiles, OpenID Connect and SAML providers, service-linked roles, server
// and signing certificates, SSH public keys, service-specific credentials,
// account settings and credential reports, per account, on a store.Store.
//
// Service implements iamapi.Handler (every operation is authorized first
// through authz.Authorizer, with the action, resource ARN and condition keys
// the Service Authorization Reference gives) and authz.PolicySource. Access
// keys are kept in internal/identity's tables, where the gateway resolves
// them. Other services use a few methods that skip authorization because they
// act on their own behalf: LookupRole, RecordRoleUse and CheckMFACode (STS),
// CheckPassword and AccountAlias (the console), OIDCProvider (web identity).
//
// Operations the Handler lists but doppel does not implement (the access
// reports, which need a record of service use doppel does not keep) answer
// as unknown operations, through the embedded Unimplemented.
package iam

import (
	"context"
	"net/http"
	"time"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/attempts"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

// Service is the IAM service of every account in one store.
type Service struct {
	iamapi.Unimplemented

	store store.Store
	authz authz.Authorizer
	now   func() time.Time

	// roles holds decoded role records for LookupRole, LookupAssumableRole
	// and ListRoles.
	roles recordCache[cachedRole]
	// mfaFailures counts wrong MFA codes by device (CheckMFACode).
	mfaFailures *attempts.Counter
}

var (
	_ iamapi.Handler     = (*Service)(nil)
	_ authz.PolicySource = (*Service)(nil)
)

// Option configures a Service.
type Option func(*Service)

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the IAM service over st, asking az before every operation.
func New(st store.Store, az authz.Authorizer, opts ...Option) *Service {
	s := &Service{store: st, authz: az, now: time.Now}
	s.roles.fill = fillRole
	for _, o := range opts {
		o(s)
	}
	s.mfaFailures = attempts.New(s.now)
	return s
}

// caller returns the request's principal. The gateway refuses unsigned
// requests before they reach a service; this guards direct callers.
func caller(ctx context.Context) (*identity.Principal, error) {
	info := request.From(ctx)
	if info == nil || info.Principal == nil || info.Principal.Kind == identity.Anonymous || info.Principal.Account == "" {
		return nil, awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	return info.Principal, nil
}

// authorize asks the Authorizer whether the caller may perform action on
// resource (an ARN in the caller's account, or "*").
func (s *Service) authorize(ctx context.Context, account, action, resource string, keys map[string][]string) error {
	c := authz.Check{Action: actionName(action), Resource: resource, Context: keys}
	if resource != "*" {
		c.ResourceAccount = account
	}
	return s.authz.Authorize(ctx, c)
}

// iamActions maps each operation of the model to its IAM action, so that
// authorizing a request does not build the string again.
var iamActions = func() map[string]string {
	m := make(map[string]string, len(iamapi.Service.Operations))
	for _, op := range iamapi.Service.Operations {
		m[op.Name] = "iam:" + op.Name
	}
	return m
}()

func actionName(action string) string {
	if a, ok := iamActions[action]; ok {
		return a
	}
	return "iam:" + action
}

// begin returns the caller's account after authorizing a request whose
// resource does not depend on stored state; resource is nil for "*".
func (s *Service) begin(ctx context.Context, action string, resource func(account string) string, keys map[string][]string) (string, error) {
	p, err := caller(ctx)
	if err != nil {
		return "", err
	}
	res := "*"
	if resource != nil {
		res = resource(p.Account)
	}
	if err := s.authorize(ctx, p.Account, action, res, keys); err != nil {
		return "", err
	}
	return p.Account, nil
}

func (s *Service) view(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.store.View(ctx, fn); err != nil {
		return internal(err)
	}
	return nil
}

func (s *Service) update(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.store.Update(ctx, fn); err != nil {
		return internal(err)
	}
	return nil
}

// idAlphabet is the alphabet of AWS unique IDs.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newID returns a unique ID as AWS forms them: a prefix naming the kind
// (AIDA user, AGPA group, AROA role, ANPA policy, AIPA instance profile) and
// 17 characters.
func newID(prefix string) string { return identity.NewUniqueID(prefix) }

func arn(account, kind, path, name string) string {
	return "arn:aws:iam::" + account + ":" + kind + path + name
}
