// Package iamlink gives STS what it needs of IAM: roles (sts.Roles,
// sts.RoleUsage) and virtual MFA devices (sts.MFADevices), read from
// internal/service/iam. It lives apart from package sts so that STS itself
// depends on no other service.
package iamlink

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/service/sts"
)

// Link adapts an IAM service for STS.
type Link struct{ IAM *iam.Service }

var (
	_ sts.Roles      = Link{}
	_ sts.RoleUsage  = Link{}
	_ sts.MFADevices = Link{}
	_ sts.AccessKeys = Link{}
)

// Role reads a role through IAM's GetRole, as the root user of the role's
// own account: STS looks the role up on its own behalf, not the caller's
// (the caller is authorized by the trust policy instead). The root user of
// an account may read its roles, so the Authorizer allows this read.
//
// TODO(iam): a lookup without authorization (e.g. iam.Service.LookupRole
// returning the role record) would spare one policy evaluation per
// AssumeRole; switch to it once IAM exports one.
func (l Link) Role(ctx context.Context, account, name string) (sts.Role, bool, error) {
	info := request.Info{Service: "iam", Operation: "GetRole"}
	if in := request.From(ctx); in != nil {
		info = *in
		info.Service, info.Operation = "iam", "GetRole"
	}
	info.Principal = &identity.Principal{Kind: identity.Root, Account: account,
		ARN: "arn:aws:iam::" + account + ":root", UserID: account}
	out, err := l.IAM.GetRole(request.With(ctx, &info), &iamapi.GetRoleInput{RoleName: name})
	if err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Code == "NoSuchEntity" {
			return sts.Role{}, false, nil
		}
		return sts.Role{}, false, err
	}
	return fromIAM(account, out.Role)
}

// fromIAM turns IAM's wire view of a role into STS's.
func fromIAM(account string, r *iamapi.Role) (sts.Role, bool, error) {
	if r == nil {
		return sts.Role{}, false, errors.New("iamlink: GetRole returned no role")
	}
	// IAM returns policy documents URL-encoded, as AWS does.
	trust, err := url.QueryUnescape(api.ToString(r.AssumeRolePolicyDocument))
	if err != nil {
		return sts.Role{}, false, err
	}
	role := sts.Role{
		ARN: r.Arn, Account: account, Name: r.RoleName, Path: r.Path, RoleID: r.RoleId,
		TrustPolicy:        trust,
		MaxSessionDuration: time.Duration(api.ToInt32(r.MaxSessionDuration)) * time.Second,
	}
	if len(r.Tags) > 0 {
		role.Tags = make(map[string]string, len(r.Tags))
		for _, t := range r.Tags {
			role.Tags[t.Key] = t.Value
		}
	}
	return role, true, nil
}

// RoleUsed records the role's RoleLastUsed.
func (l Link) RoleUsed(ctx context.Context, account, name, region string, _ time.Time) error {
	return l.IAM.RecordRoleUse(ctx, account, name, region)
}

// VerifyMFACode checks a one-time code with IAM, which keeps the device's
// seed and the last step it accepted. IAM cannot tell an unknown device from
// a wrong code, so both are reported as a wrong code; a good code on a
// device of another user is reported as not assigned.
func (l Link) VerifyMFACode(ctx context.Context, account, userName, serial, code string, _ time.Time) error {
	owner, err := l.IAM.CheckMFACode(ctx, account, serial, code)
	switch {
	case errors.Is(err, iam.ErrMFA):
		return sts.ErrMFACodeInvalid
	case err != nil:
		return err
	case owner != userName:
		return sts.ErrMFADeviceNotAssigned
	}
	return nil
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
