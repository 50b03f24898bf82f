// Package sts is AWS Security Token Service: AssumeRole (with trust policies,
// external IDs, MFA, session policies, session tags, source identity and role
// chaining), AssumeRoleWithWebIdentity (OpenID Connect tokens of the issuers
// internal/oidc runs), AssumeRoleWithSAML (responses signed by the key in an
// IAM SAML provider's metadata), GetSessionToken, GetFederationToken, GetCallerIdentity,
// GetAccessKeyInfo and DecodeAuthorizationMessage.
//
// The Service implements stsapi.Handler. It never touches the wire: the
// gateway authenticates the caller and puts it in the request.Info of the
// context; the codecs decode inputs and encode outputs and errors.
//
// What the package needs from elsewhere is declared here as small interfaces:
// Roles (IAM's roles), MFADevices (IAM's virtual MFA devices and their
// one-time codes), an Issue function (internal/identity seals a Session into
// an ASIA key, a secret and a session token), AccessKeys (for
// GetAccessKeyInfo) and an authz.Authorizer (the policy engine).
package sts

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/oidc"
)

// Role is what STS needs to know about an IAM role.
type Role struct {
	ARN     string // arn:aws:iam::ACCOUNT:role/PATH/NAME
	Account string
	Name    string
	Path    string // "/" or "/path/"
	RoleID  string // AROA...
	// TrustPolicy is the role's AssumeRolePolicyDocument, raw JSON (not
	// URL-encoded).
	TrustPolicy string
	// MaxSessionDuration is the role's maximum session duration (3600 to
	// 43200 seconds); zero means the default, one hour.
	MaxSessionDuration time.Duration
	// Tags are the role's tags, the aws:ResourceTag/* and iam:ResourceTag/*
	// keys of the trust-policy evaluation.
	Tags map[string]string
}

// Roles looks roles up. IAM implements it over its store.
type Roles interface {
	// Role returns the role called name in account. found is false when
	// there is none; err is for failures of the store only.
	Role(ctx context.Context, account, name string) (role Role, found bool, err error)
}

// RoleUsage is optionally implemented by the Roles value: STS reports each
// successful AssumeRole so IAM can keep RoleLastUsed. Errors are ignored, as
// the session has been issued by then.
type RoleUsage interface {
	RoleUsed(ctx context.Context, account, name, region string, at time.Time) error
}

// MFADevices verifies one-time codes of virtual MFA devices. IAM implements
// it: it knows which device is assigned to which user, the devices' seeds,
// and the last step each accepted (internal/mfa.Verify does the arithmetic).
type MFADevices interface {
	// VerifyMFACode checks code against the device serial assigned to the
	// user userName of account ("" for the account's root user), at time at.
	// It returns nil when the code is good (and records its step so it is
	// never accepted again), ErrMFADeviceNotAssigned when serial is not a
	// device assigned to that user, ErrMFACodeInvalid when the code is
	// wrong or was already used, and ErrMFAThrottled while the device refuses
	// codes after too many wrong ones.
	VerifyMFACode(ctx context.Context, account, userName, serial, code string, at time.Time) error
}

var (
	// ErrMFADeviceNotAssigned is returned by MFADevices when the serial is
	// unknown or belongs to someone else.
	ErrMFADeviceNotAssigned = errors.New("sts: MFA device is not assigned to the caller")
	// ErrMFACodeInvalid is returned by MFADevices when the code does not
	// match, or matches a step the device already accepted.
	ErrMFACodeInvalid = errors.New("sts: MFA code is not valid")
	// ErrMFAThrottled is returned by MFADevices while the device refuses
	// codes after too many wrong ones.
	ErrMFAThrottled = errors.New("sts: too many wrong MFA codes")
)

// AccessKeys answers GetAccessKeyInfo.
type AccessKeys interface {
	// AccessKeyAccount returns the account that owns the access key ID
	// (long-term AKIA or temporary ASIA), found=false when doppel never
	// issued it.
	AccessKeyAccount(ctx context.Context, accessKeyID string) (account string, found bool, err error)
}

// IssueFunc turns a session into credentials: an ASIA access key ID, its
// secret and an opaque, sealed session token. identity.Authority's
// IssueSession is one.
type IssueFunc func(ctx context.Context, s *identity.Session) (accessKeyID, secret, sessionToken string, err error)

// Config is what New needs. Roles, MFA, Issue and Authorizer are required;
// AccessKeys may be nil (GetAccessKeyInfo then knows only the caller's own
// key).
type Config struct {
	Roles      Roles
	MFA        MFADevices
	Issue      IssueFunc
	Authorizer authz.Authorizer
	AccessKeys AccessKeys
	// MessageKey seals and opens encoded authorization messages
	// (DecodeAuthorizationMessage); 32 bytes. When nil, a random key is made,
	// so messages decode only within this process.
	MessageKey []byte
	// Now is the clock; time.Now when nil. Tests inject a fixed one.
	Now func() time.Time
	// OIDCProviders (IAM's OpenID Connect providers) and Issuers (the
	// issuers doppel runs) serve AssumeRoleWithWebIdentity; without them
	// every token is refused.
	OIDCProviders OIDCProviders
	Issuers       *oidc.Issuers
	// SAMLProviders (IAM's SAML providers) serve AssumeRoleWithSAML.
	SAMLProviders SAMLProviders
}

// Service implements stsapi.Handler.
type Service struct {
	stsapi.Unimplemented // every operation is served; kept for the next model

	roles      Roles
	mfa        MFADevices
	issue      IssueFunc
	authorizer authz.Authorizer
	accessKeys AccessKeys
	messages   *messageSealer
	now        func() time.Time
	// web identity federation
	oidcProviders OIDCProviders
	issuers       *oidc.Issuers
	samlProviders SAMLProviders
	useMu         sync.Mutex
	lastUse       map[roleUse]time.Time // when each role's use was last reported to RoleUsage
}

var _ stsapi.Handler = (*Service)(nil)

// New returns the STS service.
func New(cfg Config) (*Service, error) {
	if cfg.Roles == nil || cfg.MFA == nil || cfg.Issue == nil || cfg.Authorizer == nil {
		return nil, errors.New("sts: Config needs Roles, MFA, Issue and Authorizer")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	sealer, err := newMessageSealer(cfg.MessageKey)
	if err != nil {
		return nil, err
	}
	return &Service{
		roles:      cfg.Roles,
		mfa:        cfg.MFA,
		issue:      cfg.Issue,
		authorizer: cfg.Authorizer,
		accessKeys: cfg.AccessKeys,
		messages:   sealer,
		now:        now,

		oidcProviders: cfg.OIDCProviders,
		issuers:       cfg.Issuers,
		samlProviders: cfg.SAMLProviders,
	}, nil
}
