// Package iamlink gives STS what it needs of IAM: roles (sts.Roles,
// sts.RoleUsage) and virtual MFA devices (sts.MFADevices), read from
// internal/service/iam. It lives apart from package sts so that STS itself
// depends on no other service.
package iamlink

import (
	"context"
	"errors"
	"time"

	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/service/sts"
)

// Link adapts an IAM service for STS.
type Link struct{ IAM *iam.Service }

var (
	_ sts.Roles         = Link{}
	_ sts.RoleUsage     = Link{}
	_ sts.MFADevices    = Link{}
	_ sts.AccessKeys    = Link{}
	_ sts.OIDCProviders = Link{}
	_ sts.SAMLProviders = Link{}
)

// SAMLProvider reads an IAM SAML provider's metadata for AssumeRoleWithSAML,
// without authorizing anyone (the assertion is the credential).
func (l Link) SAMLProvider(ctx context.Context, account, name string) (string, time.Time, bool, error) {
	return l.IAM.SAMLProvider(ctx, account, name)
}

// OIDCProvider reads an IAM OpenID Connect provider for web identity
// federation, without authorizing anyone (the token is the credential).
func (l Link) OIDCProvider(ctx context.Context, account, url string) (clientIDs, thumbprints []string, found bool, err error) {
	return l.IAM.OIDCProvider(ctx, account, url)
}

// Role reads a role from IAM without authorizing anyone: STS looks the role
// up on its own behalf (the trust policy authorizes the caller). The role
// comes from IAM's role cache, which follows every IAM change.
func (l Link) Role(ctx context.Context, account, name string) (sts.Role, bool, error) {
	r, found, err := l.IAM.LookupAssumableRole(ctx, account, name)
	if err != nil || !found {
		return sts.Role{}, false, err
	}
	return sts.Role{
		ARN: r.ARN, Account: account, Name: r.Name, Path: r.Path, RoleID: r.ID,
		TrustPolicy:        r.TrustPolicy,
		MaxSessionDuration: time.Duration(r.MaxSessionDuration) * time.Second,
		Tags:               r.Tags, // shared with IAM's cache; STS only reads it
	}, true, nil
}

// RoleUsed records the role's RoleLastUsed.
func (l Link) RoleUsed(ctx context.Context, account, name, region string, _ time.Time) error {
	return l.IAM.RecordRoleUse(ctx, account, name, region)
}

// VerifyMFACode checks a one-time code with IAM, which keeps the device's
// seed and the last step it accepted. A device that is not the caller's is
// reported as not assigned before its code is looked at.
func (l Link) VerifyMFACode(ctx context.Context, account, userName, serial, code string, _ time.Time) error {
	_, err := l.IAM.CheckMFACode(ctx, account, userName, []string{serial}, code)
	switch {
	case errors.Is(err, iam.ErrMFA):
		return sts.ErrMFACodeInvalid
	case errors.Is(err, iam.ErrMFAThrottled):
		return sts.ErrMFAThrottled
	case errors.Is(err, iam.ErrMFANotAssigned):
		return sts.ErrMFADeviceNotAssigned
	}
	return err
}

// AccessKeyAccount answers GetAccessKeyInfo for the long-term keys IAM
// issued (users' and roots'). Temporary keys are sealed into their session
// tokens and recorded nowhere, so an ASIA key other than the caller's own
// (which sts answers itself) is reported as unknown.
func (l Link) AccessKeyAccount(ctx context.Context, id string) (string, bool, error) {
	owner, err := l.IAM.LookupAccessKey(ctx, id)
	if err != nil || owner == nil {
		return "", false, err
	}
	return owner.Principal.Account, true, nil
}
