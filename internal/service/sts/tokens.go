package sts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
)

// Durations of GetSessionToken and GetFederationToken credentials (IAM User
// Guide, "Compare AWS STS credentials"): IAM users 15 minutes to 36 hours,
// 12 hours by default; the root user 15 minutes to 1 hour, 1 hour by
// default, and "if the duration is longer than one hour, the session for
// AWS account owners defaults to one hour" (STS API reference,
// GetSessionToken and GetFederationToken, DurationSeconds).
const (
	defaultUserToken = 12 * time.Hour
	maxRootToken     = time.Hour
)

// GetCallerIdentity says who is calling. No policy can refuse it, not even
// an explicit deny (STS API reference, GetCallerIdentity), so it is never
// authorized.
func (s *Service) GetCallerIdentity(ctx context.Context, _ *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	p, _, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	userID, arn := p.UserID, p.ARN
	if p.Kind == identity.Root {
		// The root user's "user ID" is its account ID.
		if userID == "" {
			userID = p.Account
		}
		if arn == "" {
			arn = "arn:aws:iam::" + p.Account + ":root"
		}
	}
	// One allocation for the output and the strings it points to.
	r := &struct {
		out                  stsapi.GetCallerIdentityOutput
		userID, account, arn string
	}{userID: userID, account: p.Account, arn: arn}
	r.out = stsapi.GetCallerIdentityOutput{UserId: &r.userID, Account: &r.account, Arn: &r.arn}
	return &r.out, nil
}

// GetSessionToken returns temporary credentials for an IAM user or a root
// user, typically to carry MFA. It needs no permission: "You cannot use
// policies to control authentication operations" (IAM User Guide,
// "Permissions for GetSessionToken").
func (s *Service) GetSessionToken(ctx context.Context, in *stsapi.GetSessionTokenInput) (*stsapi.GetSessionTokenOutput, error) {
	p, _, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckCredentialUse(p, "sts", "GetSessionToken"); err != nil {
		return nil, err
	}
	var v violations
	v.intRange(in.DurationSeconds, "durationSeconds", 900, 129600)
	v.optStr(in.SerialNumber, "serialNumber", 9, 256, serialPattern, serialPatternText)
	v.optStr(in.TokenCode, "tokenCode", 6, 6, tokenCodePattern, tokenCodePatternText)
	if err := v.err(); err != nil {
		return nil, err
	}
	if p.Kind != identity.User && p.Kind != identity.Root {
		return nil, sessionCredentialsRefused("GetSessionToken")
	}
	now := s.now()
	mfa, err := s.verifyMFA(ctx, p, in.SerialNumber, in.TokenCode, now)
	if err != nil {
		return nil, err
	}
	duration := tokenDuration(p, in.DurationSeconds)
	sess := &identity.Session{
		IssuedAt:      now,
		Expiration:    now.Add(duration),
		Kind:          p.Kind,
		Account:       p.Account,
		SourceUserARN: p.ARN,
		SourceUserID:  p.UserID,
	}
	if mfa {
		sess.MFAAuthenticated, sess.MFAAuthTime = true, now
	}
	creds, err := s.credentials(ctx, sess)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetSessionTokenOutput{Credentials: creds}, nil
}

// GetFederationToken returns credentials for a federated user whose
// permissions are the calling user's intersected with the session policies
// passed here; with no session policy the federated user can do nothing
// (STS API reference, GetFederationToken). The Authorizer applies that
// from Session.SourceUserARN and Session.Policies/PolicyARNs.
func (s *Service) GetFederationToken(ctx context.Context, in *stsapi.GetFederationTokenInput) (*stsapi.GetFederationTokenOutput, error) {
	p, _, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckCredentialUse(p, "sts", "GetFederationToken"); err != nil {
		return nil, err
	}
	var v violations
	if v.required(in.Name, "name") {
		v.str(in.Name, "name", 2, 32, namePattern, namePatternText)
	}
	v.intRange(in.DurationSeconds, "durationSeconds", 900, 129600)
	v.tags(in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if p.Kind != identity.User && p.Kind != identity.Root {
		return nil, sessionCredentialsRefused("GetFederationToken")
	}
	policies, policyARNs, err := sessionPolicies(in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags, _, err := sessionTags(in.Tags, nil, nil)
	if err != nil {
		return nil, err
	}
	// AWS reports PackedPolicySize 0 when nothing was passed.
	var packed int32
	if in.Policy != nil || len(in.PolicyArns) > 0 || len(in.Tags) > 0 {
		if packed, err = checkPacked(api.ToString(in.Policy), in.PolicyArns, in.Tags); err != nil {
			return nil, err
		}
	}

	fedARN := fmt.Sprintf("arn:aws:sts::%s:federated-user/%s", p.Account, in.Name)
	c := map[string][]string{}
	tagContext(c, in.Tags, nil)
	check := authz.Check{Action: "sts:GetFederationToken", Resource: fedARN, ResourceAccount: p.Account, Context: c}
	if err := s.authorizer.Authorize(ctx, check); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		check.Action = "sts:TagSession"
		if err := s.authorizer.Authorize(ctx, check); err != nil {
			return nil, err
		}
	}

	now := s.now()
	sess := &identity.Session{
		IssuedAt:      now,
		Expiration:    now.Add(tokenDuration(p, in.DurationSeconds)),
		Kind:          identity.FederatedUser,
		Account:       p.Account,
		SessionName:   in.Name,
		SourceUserARN: p.ARN,
		SourceUserID:  p.UserID,
		Tags:          tags,
		Policies:      policies,
		PolicyARNs:    policyARNs,
	}
	creds, err := s.credentials(ctx, sess)
	if err != nil {
		return nil, err
	}
	return &stsapi.GetFederationTokenOutput{
		Credentials:      creds,
		FederatedUser:    &stsapi.FederatedUser{FederatedUserId: p.Account + ":" + in.Name, Arn: fedARN},
		PackedPolicySize: &packed,
	}, nil
}

// GetAccessKeyInfo returns the account that owns an access key.
func (s *Service) GetAccessKeyInfo(ctx context.Context, in *stsapi.GetAccessKeyInfoInput) (*stsapi.GetAccessKeyInfoOutput, error) {
	p, _, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckCredentialUse(p, "sts", "GetAccessKeyInfo"); err != nil {
		return nil, err
	}
	var v violations
	if v.required(in.AccessKeyId, "accessKeyId") {
		v.str(in.AccessKeyId, "accessKeyId", 16, 128, accessKeyPattern, accessKeyPatternText)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.authorizer.Authorize(ctx, authz.Check{Action: "sts:GetAccessKeyInfo", Resource: "*"}); err != nil {
		return nil, err
	}
	account, found := "", false
	if in.AccessKeyId == p.AccessKeyID {
		account, found = p.Account, true
	} else if s.accessKeys != nil {
		if account, found, err = s.accessKeys.AccessKeyAccount(ctx, in.AccessKeyId); err != nil {
			return nil, awserr.Internal(fmt.Errorf("sts: looking up access key: %w", err))
		}
	}
	if !found {
		// AWS derives the account from the key ID itself and may answer
		// for keys long deleted; doppel knows only the keys it issued.
		// "Providing a deleted access key might return an error that the
		// key doesn't exist" (STS API reference, GetAccessKeyInfo).
		return nil, invalidParameter(fmt.Sprintf("The access key ID %s does not exist.", strings.ToUpper(in.AccessKeyId)))
	}
	return &stsapi.GetAccessKeyInfoOutput{Account: &account}, nil
}

// tokenDuration is the lifetime of GetSessionToken and GetFederationToken
// credentials.
func tokenDuration(p *identity.Principal, seconds *int32) time.Duration {
	d := durationOf(seconds, defaultUserToken)
	if p.Kind == identity.Root && (seconds == nil || d > maxRootToken) {
		d = maxRootToken
	}
	return d
}
