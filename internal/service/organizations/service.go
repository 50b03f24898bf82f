// Package organizations is AWS Organizations: an organization per
// management account, its root and organizational units, member accounts
// that CreateAccount makes as real doppel accounts (with the access role AWS
// leaves in them), policies with their attachments, and tags.
//
// Service implements organizationsapi.Handler, authorizing every call as
// organizations:<Operation> through authz.Authorizer, and authz's
// OrgPolicySource and OrgMembership: the service control and resource
// control policies on the path from the root to an account, and where an
// account sits, for aws:PrincipalOrgID and its kin.
//
// State lives in one table: one record per organization (it is small and
// every change touches several of its parts), an index from each account to
// its organization, one from each email address to its account, and the
// invitations (handshakes), which the invited account reads before it is a
// member. EnableAllFeatures and GovCloud accounts are not implemented and
// answer as unknown operations.
package organizations

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

// Config is what New needs. Store and Authorizer are required.
type Config struct {
	Store      store.Store
	Authorizer authz.Authorizer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Service implements organizationsapi.Handler.
type Service struct {
	organizationsapi.Unimplemented // EnableAllFeatures, GovCloud accounts

	store store.Store
	authz authz.Authorizer
	now   func() time.Time

	paths pathCache // what enforcement reads on every request
}

var (
	_ organizationsapi.Handler = (*Service)(nil)
	_ authz.OrgPolicySource    = (*Service)(nil)
)

// New returns the Organizations service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Authorizer == nil {
		return nil, errors.New("organizations: Config needs Store and Authorizer")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{store: cfg.Store, authz: cfg.Authorizer, now: now}, nil
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

// authorize asks whether the caller may perform organizations:op on
// resource. Organizations' resources belong to the management account; the
// question is asked as of the caller's own account, and membership is
// checked after, as AWS answers a member with AccessDeniedException either
// way.
func (s *Service) authorize(ctx context.Context, account, op, resource string, keys map[string][]string) error {
	c := authz.Check{Action: "organizations:" + op, Resource: resource, Context: keys}
	if resource != "*" {
		c.ResourceAccount = account
	}
	err := s.authz.Authorize(ctx, c)
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code == "AccessDenied" {
		// Organizations speaks awsJson: its denial is AccessDeniedException.
		return organizationsapi.ErrAccessDeniedException(ae.Message)
	}
	return err
}

// manage authorizes op for the caller and returns the caller's account and
// organization, refusing callers outside an organization and callers that
// are not its management account. res names the resource from the
// organization (nil for "*").
func (s *Service) manage(ctx context.Context, op string, res func(o *orgRec) string, keys map[string][]string) (string, *orgRec, error) {
	p, err := caller(ctx)
	if err != nil {
		return "", nil, err
	}
	o, err := s.orgOf(ctx, p.Account)
	if err != nil {
		return "", nil, err
	}
	resource := "*"
	if o != nil && res != nil {
		resource = res(o)
	}
	if err := s.authorize(ctx, p.Account, op, resource, keys); err != nil {
		return "", nil, err
	}
	if o == nil {
		return "", nil, notInUse()
	}
	if o.Master != p.Account && !(readOnly(op) && s.delegatedReader(ctx, p.Account, op, resource, keys, o)) {
		return "", nil, notManagement()
	}
	return p.Account, o, nil
}

// delegatedReader reports whether a member account may read the
// organization: as a delegated administrator of some service, or as the
// organization's resource policy allows op (asked as a cross-account
// request to the management account).
func (s *Service) delegatedReader(ctx context.Context, account, op, resource string, keys map[string][]string, o *orgRec) bool {
	if len(o.Delegated[account]) > 0 {
		return true
	}
	if o.ResourcePolicy == nil {
		return false
	}
	return s.authz.Authorize(ctx, authz.Check{Action: "organizations:" + op, Resource: resource, ResourceAccount: o.Master,
		ResourcePolicy: authz.Stored(policy.Resource, "organization resource policy", o.ResourcePolicy.Content), Context: keys}) == nil
}

// readOnly reports whether a delegated administrator, besides the
// management account, may call op: Organizations lets delegated
// administrators read the organization (its Describe and List operations).
func readOnly(op string) bool {
	return strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List")
}

// orgOf reads the organization account belongs to, nil when none.
func (s *Service) orgOf(ctx context.Context, account string) (*orgRec, error) {
	var o *orgRec
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		o, err = loadOrgOf(tx, account)
		return err
	})
	return o, err
}

// change runs fn on the organization managed by account in one transaction
// and stores it, checking again that account manages it.
func (s *Service) change(ctx context.Context, account string, fn func(tx store.Tx, o *orgRec) error) (*orgRec, error) {
	var out *orgRec
	err := s.update(ctx, func(tx store.Tx) error {
		o, err := loadOrgOf(tx, account)
		if err != nil {
			return err
		}
		if o == nil {
			return notInUse()
		}
		if o.Master != account {
			return notManagement()
		}
		if err := fn(tx, o); err != nil {
			return err
		}
		out = o
		return putOrg(tx, o)
	})
	return out, err
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

// internal passes AWS errors through and turns anything else into
// InternalFailure.
func internal(err error) error {
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return awserr.Internal(err)
}

func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }
