package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/oidc"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
)

// OIDCProviders finds IAM OpenID Connect providers. IAM implements it.
type OIDCProviders interface {
	// OIDCProvider returns the client IDs (audiences) of account's provider
	// for the issuer URL (https://HOST/PATH, or HOST/PATH); found is false
	// when the account has none.
	OIDCProvider(ctx context.Context, account, url string) (clientIDs, thumbprints []string, found bool, err error)
}

// AWS's messages for web identity federation, as clients quote them.
const (
	msgNoOIDCProvider = "No OpenIDConnect provider found in your account for %s"
	msgAudience       = "Incorrect token audience"
	msgTokenExpired   = "Token expired: current date/time %d must be before the expiration date/time %d"
	// When the token's kid is not among the issuer's keys.
	msgNoVerificationKey = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
	// The model's words for InvalidIdentityToken, for a token that does not
	// parse or whose signature does not verify.
	msgInvalidToken = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."
	// The model's words for IDPCommunicationError: doppel reaches no issuer
	// but its own.
	msgIDPUnreachable    = "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached. This is often a transient error caused by network conditions. Retry the request a limited number of times and wait between attempts to be notified about the issue."
	msgWebIdentityDenied = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
)

// Claims AWS reads from a token beyond the registered ones (IAM User Guide,
// "Passing session tags using AssumeRoleWithWebIdentity" and "Monitor and
// control actions taken with assumed roles").
const (
	tagsClaim           = "https://aws.amazon.com/tags"
	sourceIdentityClaim = "https://aws.amazon.com/source_identity"
)

// githubConditionClaims are the GitHub Actions claims AWS offers as
// condition keys token.actions.githubusercontent.com:CLAIM, beyond aud and
// sub (IAM User Guide, "Available keys for AWS OIDC federation", GitHub).
// Other issuers' tokens give HOST:aud, HOST:sub and HOST:amr only: a trust
// policy that tests another claim fails here as it fails on AWS.
var githubConditionClaims = []string{
	"actor", "actor_id", "environment", "event_name", "job_workflow_ref", "ref", "ref_type",
	"repository", "repository_id", "repository_owner", "repository_owner_id", "repository_visibility",
	"runner_environment", "workflow", "workflow_ref", "sha", "job_workflow_sha", "workflow_sha",
}

// AssumeRoleWithWebIdentity exchanges an OpenID Connect ID token for a role
// session. The call is not signed: the token is the credential. Checks come
// in AWS's order: the input, the token (parse, the account's IAM OIDC
// provider for its issuer, signature, times, audience), then the role's
// trust policy, then the session's duration.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in *stsapi.AssumeRoleWithWebIdentityInput) (*stsapi.AssumeRoleWithWebIdentityOutput, error) {
	if err := validateWebIdentity(in); err != nil {
		return nil, err
	}
	roleARN, ok := parseARN(in.RoleArn)
	if !ok {
		return nil, awserr.ValidationError("%s is invalid", in.RoleArn)
	}
	policies, policyARNs, err := sessionPolicies(in.Policy, in.PolicyArns)
	if err != nil {
		return nil, err
	}
	if in.ProviderId != nil {
		// ProviderId names an OAuth 2.0 provider (Login with Amazon,
		// Facebook), which only the network could answer.
		return nil, stsapi.ErrIDPCommunicationErrorException(msgIDPUnreachable)
	}
	path, roleNm, isRole := roleName(roleARN)
	if !isRole {
		return nil, awserr.AccessDenied(msgWebIdentityDenied)
	}
	now := s.now()
	tok, prov, audience, err := s.verifyWebIdentity(ctx, roleARN.account, in.WebIdentityToken, now)
	if err != nil {
		return nil, err
	}
	subject, _ := tok.Claims["sub"].(string)
	if subject == "" {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgInvalidToken)
	}
	tagList, transitiveKeys, err := tokenTags(tok.Claims)
	if err != nil {
		return nil, err
	}
	tags, transitive, err := sessionTags(tagList, transitiveKeys, nil)
	if err != nil {
		return nil, err
	}
	sourceIdentity, err := tokenSourceIdentity(tok.Claims)
	if err != nil {
		return nil, err
	}
	packed, err := packedSize(in.Policy, in.PolicyArns, tagList)
	if err != nil {
		return nil, err
	}

	role, found, err := s.roles.Role(ctx, roleARN.account, roleNm)
	if err != nil {
		return nil, awserr.Internal(fmt.Errorf("sts: looking up role %s: %w", in.RoleArn, err))
	}
	if !found || role.Path != path {
		return nil, awserr.AccessDenied(msgWebIdentityDenied)
	}
	if err := s.authorizeWebIdentity(ctx, in, role, prov, audience, tok, tagList, transitiveKeys, sourceIdentity); err != nil {
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
		Policies:          policies,
		PolicyARNs:        policyARNs,
	}
	creds, err := s.credentials(ctx, sess)
	if err != nil {
		return nil, err
	}
	region := ""
	if info := request.From(ctx); info != nil {
		region = info.Region
	}
	s.recordUse(ctx, role, region, now)
	out := &stsapi.AssumeRoleWithWebIdentityOutput{
		Credentials: creds,
		AssumedRoleUser: &stsapi.AssumedRoleUser{
			AssumedRoleId: role.RoleID + ":" + in.RoleSessionName,
			Arn:           "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + in.RoleSessionName,
		},
		SubjectFromWebIdentityToken: api.String(subject),
		// "For OpenID Connect ID tokens, this contains the value of the iss
		// field" (STS API reference, AssumeRoleWithWebIdentity, Provider).
		Provider:         api.String(tok.Issuer),
		Audience:         api.String(audience),
		PackedPolicySize: packed,
	}
	if sourceIdentity != "" {
		out.SourceIdentity = api.String(sourceIdentity)
	}
	return out, nil
}

// verifyWebIdentity checks the token against account's IAM OIDC provider for
// its issuer and returns it with the provider's ARN and the audience that
// matched one of the provider's client IDs.
func (s *Service) verifyWebIdentity(ctx context.Context, account, raw string, now time.Time) (*oidc.Token, string, string, error) {
	tok, err := oidc.Parse(raw)
	if err != nil {
		return nil, "", "", stsapi.ErrInvalidIdentityTokenException(msgInvalidToken)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(tok.Issuer, "https://"), "/")
	var clientIDs []string
	found := false
	if s.oidcProviders != nil && strings.HasPrefix(tok.Issuer, "https://") && host != "" {
		clientIDs, _, found, err = s.oidcProviders.OIDCProvider(ctx, account, host)
		if err != nil {
			return nil, "", "", awserr.Internal(fmt.Errorf("sts: OIDC provider %s: %w", host, err))
		}
	}
	if !found {
		return nil, "", "", stsapi.ErrInvalidIdentityTokenException(fmt.Sprintf(msgNoOIDCProvider, tok.Issuer))
	}
	is, runs := oidc.ForURL(tok.Issuer)
	if !runs || s.issuers == nil {
		return nil, "", "", stsapi.ErrIDPCommunicationErrorException(msgIDPUnreachable)
	}
	if err := s.issuers.Verify(ctx, is, tok); err != nil {
		switch {
		case errors.Is(err, oidc.ErrUnknownKey):
			return nil, "", "", stsapi.ErrInvalidIdentityTokenException(msgNoVerificationKey)
		case errors.Is(err, oidc.ErrSignature), errors.Is(err, oidc.ErrMalformed):
			return nil, "", "", stsapi.ErrInvalidIdentityTokenException(msgInvalidToken)
		}
		return nil, "", "", awserr.Internal(err)
	}
	var expired *oidc.ExpiredError
	if err := oidc.CheckTimes(tok.Claims, now); errors.As(err, &expired) {
		return nil, "", "", stsapi.ErrExpiredTokenException(fmt.Sprintf(msgTokenExpired, expired.Now, expired.Exp))
	} else if err != nil {
		return nil, "", "", stsapi.ErrInvalidIdentityTokenException(msgInvalidToken)
	}
	auds, err := oidc.Audiences(tok.Claims)
	if err != nil {
		return nil, "", "", stsapi.ErrInvalidIdentityTokenException(msgInvalidToken)
	}
	for _, a := range auds {
		for _, id := range clientIDs {
			if a == id {
				return tok, "arn:aws:iam::" + account + ":oidc-provider/" + host, a, nil
			}
		}
	}
	return nil, "", "", stsapi.ErrInvalidIdentityTokenException(msgAudience)
}

// authorizeWebIdentity asks whether the role's trust policy lets the
// provider's principal (the Federated principal, the provider's ARN)
// sts:AssumeRoleWithWebIdentity with the token's claims as condition keys,
// and sts:TagSession and sts:SetSourceIdentity when the token asks for them.
// A web identity has no identity policies: only the trust policy can allow.
func (s *Service) authorizeWebIdentity(ctx context.Context, in *stsapi.AssumeRoleWithWebIdentityInput, role Role, providerARN, audience string, tok *oidc.Token, tags []stsapi.Tag, transitive []string, sourceIdentity string) error {
	host := strings.TrimPrefix(providerARN, "arn:aws:iam::"+role.Account+":oidc-provider/")
	c := map[string][]string{
		"sts:RoleSessionName": {in.RoleSessionName},
		host + ":aud":         {audience},
	}
	if sub, ok := tok.Claims["sub"].(string); ok {
		c[host+":sub"] = []string{sub}
	}
	if amr := stringList(tok.Claims["amr"]); len(amr) > 0 {
		c[host+":amr"] = amr
	}
	if is, ok := oidc.ForURL(tok.Issuer); ok && is.URL == oidc.GitHubURL {
		for _, k := range githubConditionClaims {
			if v, ok := tok.Claims[k].(string); ok {
				c[host+":"+k] = []string{v}
			}
		}
	}
	if sourceIdentity != "" {
		c["sts:SourceIdentity"] = []string{sourceIdentity}
	}
	tagContext(c, tags, transitive)
	for k, v := range role.Tags {
		c["aws:ResourceTag/"+k] = []string{v}
		c["iam:ResourceTag/"+k] = []string{v}
	}
	return s.authorizeFederated(ctx, providerARN, role, "sts:AssumeRoleWithWebIdentity", c, len(tags) > 0, sourceIdentity != "")
}

// authorizeFederated asks the role's trust policy about a federated
// principal (an OIDC or SAML provider's ARN): action, then sts:TagSession
// and sts:SetSourceIdentity when the token or assertion asks for them. A
// federated principal has no identity policies: only the trust policy can
// allow, and AWS's refusal names neither the principal nor the role.
func (s *Service) authorizeFederated(ctx context.Context, providerARN string, role Role, action string, c map[string][]string, tags, sourceIdentity bool) error {
	// The caller is the provider itself, with no account or identity of its
	// own.
	var info request.Info
	if cur := request.From(ctx); cur != nil {
		info = *cur
	}
	info.Principal = &identity.Principal{Kind: identity.Anonymous, ARN: providerARN}
	actx := request.With(ctx, &info)
	check := authz.Check{
		Resource:        role.ARN,
		ResourceAccount: role.Account,
		ResourcePolicy:  authz.Stored(policy.Trust, role.ARN+" trust policy", role.TrustPolicy),
		Context:         c,
	}
	actions := []string{action}
	if tags {
		actions = append(actions, "sts:TagSession")
	}
	if sourceIdentity {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		check.Action = a
		if err := s.authorizer.Authorize(actx, check); err != nil {
			var ae *awserr.Error
			if errors.As(err, &ae) && ae.Code == "AccessDenied" {
				return awserr.AccessDenied("Not authorized to perform " + action)
			}
			return err
		}
	}
	return nil
}

// tokenTags reads the session tags claim:
// {"principal_tags": {"KEY": ["VALUE"]}, "transitive_tag_keys": ["KEY"]}
// (IAM User Guide, "Passing session tags using AssumeRoleWithWebIdentity").
// Each tag has exactly one value.
func tokenTags(claims map[string]any) ([]stsapi.Tag, []string, error) {
	raw, ok := claims[tagsClaim]
	if !ok {
		return nil, nil, nil
	}
	bad := stsapi.ErrInvalidIdentityTokenException("The session tags in the web identity token are not valid: " +
		`"` + tagsClaim + `" must be {"principal_tags": {"KEY": ["VALUE"]}, "transitive_tag_keys": ["KEY"]}.`)
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, nil, bad
	}
	pt, _ := obj["principal_tags"].(map[string]any)
	if obj["principal_tags"] != nil && pt == nil {
		return nil, nil, bad
	}
	var tags []stsapi.Tag
	for k, v := range pt {
		vals := stringList(v)
		if len(vals) != 1 {
			return nil, nil, bad
		}
		tags = append(tags, stsapi.Tag{Key: k, Value: vals[0]})
	}
	var transitive []string
	if tk, ok := obj["transitive_tag_keys"]; ok {
		transitive = stringList(tk)
		if transitive == nil {
			return nil, nil, bad
		}
	}
	var v violations
	v.tags(tags)
	if len(transitive) > maxSessionTags {
		v = append(v, fmt.Sprintf("Value '%v' at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", transitive, maxSessionTags))
	}
	return tags, transitive, v.err()
}

// tokenSourceIdentity reads the source identity claim, held to the
// SourceIdentity member's rules.
func tokenSourceIdentity(claims map[string]any) (string, error) {
	raw, ok := claims[sourceIdentityClaim]
	if !ok {
		return "", nil
	}
	si, ok := raw.(string)
	if !ok {
		return "", stsapi.ErrInvalidIdentityTokenException(msgInvalidToken)
	}
	var v violations
	v.str(si, "sourceIdentity", 2, 64, namePattern, namePatternText)
	return si, v.err()
}

// stringList reads a claim that is a string or an array of strings; nil
// otherwise.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

func validateWebIdentity(in *stsapi.AssumeRoleWithWebIdentityInput) error {
	var v violations
	if v.required(in.RoleArn, "roleArn") {
		v.str(in.RoleArn, "roleArn", 20, 2048, nil, "")
	}
	if v.required(in.RoleSessionName, "roleSessionName") {
		v.str(in.RoleSessionName, "roleSessionName", 2, 64, namePattern, namePatternText)
	}
	if v.required(in.WebIdentityToken, "webIdentityToken") {
		// The token is sensitive: AWS's messages never echo it.
		if n := len(in.WebIdentityToken); n < 4 || n > oidc.MaxTokenLen {
			v = append(v, fmt.Sprintf("Value '***' at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and %d", oidc.MaxTokenLen))
		}
	}
	v.optStr(in.ProviderId, "providerId", 4, 2048, nil, "")
	v.intRange(in.DurationSeconds, "durationSeconds", 900, 43200)
	return v.err()
}
