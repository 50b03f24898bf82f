package sts

import (
	"context"
	"fmt"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
)

const (
	defaultRoleSession = time.Hour
	// A chained role session lasts at most an hour, whatever the role's
	// MaxSessionDuration (IAM User Guide, "Roles terms and concepts", role
	// chaining). AWS counts credentials from GetSessionToken as a chain too:
	// it answers them with the role-chaining message.
	maxChainedSession = time.Hour
)

// AssumeRole returns credentials for a role session.
//
// The order of the checks follows what a caller can learn: input that
// breaks the model first, then who may call at all, then the MFA code (its
// result is part of the authorization context), then authorization (a
// role that does not exist is refused exactly like one the caller may not
// assume), and only then the rules that reveal the role's settings.
func (s *Service) AssumeRole(ctx context.Context, in *stsapi.AssumeRoleInput) (*stsapi.AssumeRoleOutput, error) {
	p, info, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateAssumeRole(in); err != nil {
		return nil, err
	}
	roleARN, ok := parseARN(in.RoleArn)
	if !ok {
		return nil, awserr.ValidationError("%s is invalid", in.RoleArn)
	}
	switch p.Kind {
	case identity.Root:
		return nil, awserr.AccessDenied(msgRootCannotAssume)
	case identity.FederatedUser:
		// Federation tokens may call no STS operation but GetCallerIdentity
		// (IAM User Guide, "Compare AWS STS credentials").
		return nil, notAuthorized(p.ARN, "sts:AssumeRole", in.RoleArn)
	}
	from := p.Session // nil for an IAM user's long-term keys

	policies, policyARNs, err := sessionPolicies(in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	tags, transitive, err := sessionTags(in.Tags, in.TransitiveTagKeys, from)
	if err != nil {
		return nil, err
	}
	packed, err := packedSize(in.Policy, in.PolicyArns, in.Tags)
	if err != nil {
		return nil, err
	}

	// The source identity, once set, stays for the whole chain (IAM User
	// Guide, "Monitor and control actions taken with assumed roles").
	sourceIdentity := api.ToString(in.SourceIdentity)
	if from != nil && from.SourceIdentity != "" {
		if sourceIdentity != "" && sourceIdentity != from.SourceIdentity {
			return nil, awserr.ValidationError("%s", msgSourceIdentityChange)
		}
		sourceIdentity = from.SourceIdentity
	}

	now := s.now()
	mfaNow, err := s.verifyMFA(ctx, p, in.SerialNumber, in.TokenCode, now)
	if err != nil {
		return nil, err
	}

	role, err := s.role(ctx, p, roleARN, in.RoleArn)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeAssumeRole(ctx, in, role, sourceIdentity, mfaNow); err != nil {
		return nil, err
	}

	duration := durationOf(in.DurationSeconds, defaultRoleSession)
	maxDuration := role.MaxSessionDuration
	if maxDuration == 0 {
		maxDuration = defaultRoleSession
	}
	if duration > maxDuration {
		return nil, awserr.ValidationError("%s", msgMaxSessionDuration)
	}
	if from != nil && duration > maxChainedSession {
		return nil, awserr.ValidationError("%s", msgChainedDuration)
	}

	sess := &identity.Session{
		IssuedAt:          now,
		Expiration:        now.Add(duration),
		Kind:              identity.AssumedRole,
		Account:           role.Account,
		RoleARN:           role.ARN,
		RoleID:            role.RoleID,
		SessionName:       in.RoleSessionName,
		SourceIdentity:    sourceIdentity,
		Tags:              tags,
		TransitiveTagKeys: transitive,
		Chained:           from != nil,
		Policies:          policies,
		PolicyARNs:        policyARNs,
	}
	switch {
	case mfaNow:
		sess.MFAAuthenticated, sess.MFAAuthTime = true, now
	case from != nil && from.MFAAuthenticated:
		// A session obtained with MFA passes its MFA context down the chain,
		// with the time of the original authentication.
		sess.MFAAuthenticated, sess.MFAAuthTime = true, from.MFAAuthTime
	}
	creds, err := s.credentials(ctx, sess)
	if err != nil {
		return nil, err
	}
	s.recordUse(ctx, role, info.Region, now)

	// One allocation for the output and its AssumedRoleUser.
	r := &struct {
		out  stsapi.AssumeRoleOutput
		user stsapi.AssumedRoleUser
	}{user: stsapi.AssumedRoleUser{
		AssumedRoleId: role.RoleID + ":" + in.RoleSessionName,
		Arn:           "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + in.RoleSessionName,
	}}
	out := &r.out
	*out = stsapi.AssumeRoleOutput{Credentials: creds, AssumedRoleUser: &r.user, PackedPolicySize: packed}
	if sourceIdentity != "" {
		out.SourceIdentity = api.String(sourceIdentity)
	}
	return out, nil
}

// role finds the role an AssumeRole names. A role that does not exist, or
// whose path differs from the ARN's (AssumeRole takes the role's full ARN,
// path included), is refused as the policy engine would refuse a role the
// caller may not assume.
func (s *Service) role(ctx context.Context, p *identity.Principal, a arn, roleARN string) (Role, error) {
	path, name, ok := roleName(a)
	if !ok {
		return Role{}, notAuthorized(p.ARN, "sts:AssumeRole", roleARN)
	}
	role, found, err := s.roles.Role(ctx, a.account, name)
	if err != nil {
		return Role{}, awserr.Internal(fmt.Errorf("sts: looking up role %s: %w", roleARN, err))
	}
	if !found || role.Path != path {
		return Role{}, notAuthorized(p.ARN, "sts:AssumeRole", roleARN)
	}
	return role, nil
}

// authorizeAssumeRole asks the Authorizer the questions AWS asks: may the
// caller sts:AssumeRole this role, with the role's trust policy as the
// resource policy (same account: either side may allow; across accounts:
// both must, which the Authorizer decides from ResourceAccount); and, when
// the request tags the session or carries a source identity, may it
// sts:TagSession and sts:SetSourceIdentity on it (IAM User Guide, "Pass
// session tags in AWS STS" and "Permissions required to use source
// identity": both the caller's policies and the trust policy must allow).
func (s *Service) authorizeAssumeRole(ctx context.Context, in *stsapi.AssumeRoleInput, role Role, sourceIdentity string, mfaNow bool) error {
	c := map[string][]string{"sts:RoleSessionName": {in.RoleSessionName}}
	if in.ExternalId != nil {
		c["sts:ExternalId"] = []string{*in.ExternalId}
	}
	if sourceIdentity != "" {
		c["sts:SourceIdentity"] = []string{sourceIdentity}
	}
	tagContext(c, in.Tags, in.TransitiveTagKeys)
	for k, v := range role.Tags {
		c["aws:ResourceTag/"+k] = []string{v}
		c["iam:ResourceTag/"+k] = []string{v}
	}
	if mfaNow {
		mfaContext(c)
	}
	check := authz.Check{
		Action:          "sts:AssumeRole",
		Resource:        role.ARN,
		ResourceAccount: role.Account,
		ResourcePolicy:  authz.Stored(policy.Trust, role.ARN+" trust policy", role.TrustPolicy),
		Context:         c,
	}
	if err := s.authorizer.Authorize(ctx, check); err != nil {
		return err
	}
	if len(in.Tags) > 0 {
		check.Action = "sts:TagSession"
		if err := s.authorizer.Authorize(ctx, check); err != nil {
			return err
		}
	}
	if sourceIdentity != "" {
		check.Action = "sts:SetSourceIdentity"
		if err := s.authorizer.Authorize(ctx, check); err != nil {
			return err
		}
	}
	return nil
}

func validateAssumeRole(in *stsapi.AssumeRoleInput) error {
	var v violations
	if v.required(in.RoleArn, "roleArn") {
		v.str(in.RoleArn, "roleArn", 20, 2048, nil, "")
	}
	if v.required(in.RoleSessionName, "roleSessionName") {
		v.str(in.RoleSessionName, "roleSessionName", 2, 64, namePattern, namePatternText)
	}
	v.intRange(in.DurationSeconds, "durationSeconds", 900, 43200)
	v.optStr(in.ExternalId, "externalId", 2, 1224, externalIDPattern, externalIDPatternText)
	v.optStr(in.SerialNumber, "serialNumber", 9, 256, serialPattern, serialPatternText)
	v.optStr(in.TokenCode, "tokenCode", 6, 6, tokenCodePattern, tokenCodePatternText)
	v.optStr(in.SourceIdentity, "sourceIdentity", 2, 64, namePattern, namePatternText)
	v.tags(in.Tags)
	if len(in.TransitiveTagKeys) > maxSessionTags {
		v = append(v, fmt.Sprintf("Value '%v' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", in.TransitiveTagKeys, maxSessionTags))
	}
	return v.err()
}

// roleUseInterval is how often, at most, STS reports one role's use to IAM:
// recording RoleLastUsed is a store write, and a busy role should not turn
// every AssumeRole into one. IAM reports the date of last use, so a minute
// is invisible to clients.
const roleUseInterval = time.Minute

// roleUse is a role in a region, whose last report recordUse remembers.
type roleUse struct{ account, role, region string }

// maxRoleUses bounds what recordUse remembers; it is emptied when full.
const maxRoleUses = 4096

// recordUse tells IAM the role was used, unless it was told less than
// roleUseInterval ago.
func (s *Service) recordUse(ctx context.Context, role Role, region string, now time.Time) {
	usage, ok := s.roles.(RoleUsage)
	if !ok {
		return
	}
	key := roleUse{role.Account, role.Name, region}
	s.useMu.Lock()
	last, ok := s.lastUse[key]
	if ok && now.Sub(last) < roleUseInterval {
		s.useMu.Unlock()
		return
	}
	if s.lastUse == nil || len(s.lastUse) >= maxRoleUses {
		// Bounded like the other caches: forgetting only means one more write.
		s.lastUse = map[roleUse]time.Time{}
	}
	s.lastUse[key] = now
	s.useMu.Unlock()
	_ = usage.RoleUsed(ctx, role.Account, role.Name, region, now)
}
