package sts

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/saml"
)

// SAMLProviders finds IAM SAML providers. IAM implements it.
type SAMLProviders interface {
	// SAMLProvider returns the metadata document of account's provider
	// called name and the date it is valid until; found is false when the
	// account has none.
	SAMLProvider(ctx context.Context, account, name string) (metadata string, validUntil time.Time, found bool, err error)
}

// Messages for AssumeRoleWithSAML. The signature's and the session name's
// are AWS's words as clients quote them; AWS documents none for the others,
// so those say what is wrong in doppel's words.
const (
	msgSAMLSignature   = "Response signature invalid"
	msgSAMLSessionName = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
	msgSAMLMalformed   = "Invalid SAML response: not a base64 SAML 2.0 Response with one signed Assertion."
	msgSAMLNoProvider  = "Specified provider doesn't exist."
	msgSAMLMetadata    = "The SAML provider's metadata has no usable signing certificate, or is no longer valid."
	msgSAMLIssuer      = "The assertion's Issuer is not the entity ID of the SAML provider's metadata."
	msgSAMLRecipient   = "The assertion's Recipient and Audience must be AWS's sign-in endpoint (https://signin.aws.amazon.com/saml)."
	msgSAMLExpired     = "The SAML assertion has expired: its NotOnOrAfter is %s, now is %s."
	msgSAMLNotYet      = "The SAML assertion is not valid yet: its NotBefore is %s."
	msgSAMLDuration    = "The SessionDuration attribute must be a number of seconds from 900 to 43200."
)

// samlSkew is the leeway for NotBefore: IdPs' clocks run a little ahead.
const samlSkew = 5 * time.Minute

// AssumeRoleWithSAML exchanges a SAML 2.0 response, signed by the key in
// the IAM SAML provider's metadata, for a role session. Like
// AssumeRoleWithWebIdentity the call is not signed.
func (s *Service) AssumeRoleWithSAML(ctx context.Context, in *stsapi.AssumeRoleWithSAMLInput) (*stsapi.AssumeRoleWithSAMLOutput, error) {
	var v violations
	if v.required(in.RoleArn, "roleArn") {
		v.str(in.RoleArn, "roleArn", 20, 2048, nil, "")
	}
	if v.required(in.PrincipalArn, "principalArn") {
		v.str(in.PrincipalArn, "principalArn", 20, 2048, nil, "")
	}
	if v.required(in.SAMLAssertion, "sAMLAssertion") {
		if n := len(in.SAMLAssertion); n < 4 || n > saml.MaxResponseLen {
			v = append(v, fmt.Sprintf("Value '***' at 'sAMLAssertion' failed to satisfy constraint: Member must have length between 4 and %d", saml.MaxResponseLen))
		}
	}
	v.intRange(in.DurationSeconds, "durationSeconds", 900, 43200)
	if err := v.err(); err != nil {
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
	path, roleNm, isRole := roleName(roleARN)
	denied := awserr.AccessDenied("Not authorized to perform sts:AssumeRoleWithSAML")
	if !isRole {
		return nil, denied
	}
	// The provider is the role's account's.
	providerName, ok := strings.CutPrefix(in.PrincipalArn, "arn:aws:iam::"+roleARN.account+":saml-provider/")
	if !ok || providerName == "" || s.samlProviders == nil {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLNoProvider)
	}
	now := s.now()
	metadata, validUntil, found, err := s.samlProviders.SAMLProvider(ctx, roleARN.account, providerName)
	if err != nil {
		return nil, awserr.Internal(fmt.Errorf("sts: SAML provider %s: %w", in.PrincipalArn, err))
	}
	if !found {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLNoProvider)
	}
	md, err := saml.ParseMetadata(metadata)
	if err != nil || (!validUntil.IsZero() && !now.Before(validUntil)) {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLMetadata)
	}
	a, err := saml.Verify(in.SAMLAssertion, md, now)
	switch {
	case errors.Is(err, saml.ErrSignature):
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLSignature)
	case err != nil:
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLMalformed)
	}
	if a.Issuer != md.EntityID {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLIssuer)
	}
	if !awsRecipient(a.Recipient) || !awsAudience(a.Audiences) {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLRecipient)
	}
	for _, end := range []time.Time{a.NotOnOrAfter, a.SubjectNotOnOrAfter} {
		if !end.IsZero() && !now.Before(end) {
			return nil, stsapi.ErrExpiredTokenException(fmt.Sprintf(msgSAMLExpired, end.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
		}
	}
	if a.NotOnOrAfter.IsZero() && a.SubjectNotOnOrAfter.IsZero() {
		// An assertion good forever is no bearer credential.
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLMalformed)
	}
	if !a.NotBefore.IsZero() && now.Add(samlSkew).Before(a.NotBefore) {
		return nil, stsapi.ErrInvalidIdentityTokenException(fmt.Sprintf(msgSAMLNotYet, a.NotBefore.UTC().Format(time.RFC3339)))
	}
	// The Role attribute must name this role with this provider, in
	// either order (IAM User Guide, "Configure SAML assertions").
	if !rolePairListed(a.Attributes[saml.AttrRole], in.RoleArn, in.PrincipalArn) {
		return nil, denied
	}
	sessionName := first(a.Attributes[saml.AttrRoleSessionName])
	if n := len(sessionName); n < 2 || n > 64 || !namePattern.MatchString(sessionName) {
		return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLSessionName)
	}
	var tagList []stsapi.Tag
	for k, vals := range a.Attributes {
		if key, ok := strings.CutPrefix(k, saml.AttrPrincipalTag); ok {
			tagList = append(tagList, stsapi.Tag{Key: key, Value: first(vals)})
		}
	}
	transitiveKeys := a.Attributes[saml.AttrTransitiveTags]
	var tv violations
	tv.tags(tagList)
	if err := tv.err(); err != nil {
		return nil, err
	}
	tags, transitive, err := sessionTags(tagList, transitiveKeys, nil)
	if err != nil {
		return nil, err
	}
	sourceIdentity := first(a.Attributes[saml.AttrSourceIdentity])
	if sourceIdentity != "" {
		var sv violations
		sv.str(sourceIdentity, "sourceIdentity", 2, 64, namePattern, namePatternText)
		if err := sv.err(); err != nil {
			return nil, err
		}
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
		return nil, denied
	}
	subjectType := samlSubjectType(a.SubjectFormat)
	// "BASE64 ( SHA1 ( Issuer + AccountID + "/" + ProviderName ) )" (STS API
	// reference, AssumeRoleWithSAML, NameQualifier).
	sum := sha1.Sum([]byte(a.Issuer + role.Account + "/" + providerName))
	nameQualifier := base64.StdEncoding.EncodeToString(sum[:])
	// The SAML condition keys (IAM User Guide, "Available keys for SAML-based
	// AWS STS federation").
	c := map[string][]string{
		"sts:RoleSessionName": {sessionName},
		"saml:aud":            {a.Recipient},
		"saml:iss":            {a.Issuer},
		"saml:sub":            {a.Subject},
		"saml:sub_type":       {subjectType},
		"saml:namequalifier":  {nameQualifier},
		"saml:doc":            {role.Account + "/" + providerName},
	}
	if sourceIdentity != "" {
		c["sts:SourceIdentity"] = []string{sourceIdentity}
	}
	tagContext(c, tagList, transitiveKeys)
	for k, v := range role.Tags {
		c["aws:ResourceTag/"+k] = []string{v}
		c["iam:ResourceTag/"+k] = []string{v}
	}
	if err := s.authorizeFederated(ctx, in.PrincipalArn, role, "sts:AssumeRoleWithSAML", c, len(tagList) > 0, sourceIdentity != ""); err != nil {
		return nil, err
	}

	duration := defaultRoleSession
	if d := first(a.Attributes[saml.AttrSessionDuration]); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			return nil, stsapi.ErrInvalidIdentityTokenException(msgSAMLDuration)
		}
		duration = time.Duration(n) * time.Second
	}
	// DurationSeconds, when given, wins over the SessionDuration attribute.
	duration = durationOf(in.DurationSeconds, duration)
	maxDuration := role.MaxSessionDuration
	if maxDuration == 0 {
		maxDuration = defaultRoleSession
	}
	if duration > maxDuration {
		return nil, awserr.ValidationError("%s", msgMaxSessionDuration)
	}
	sess := &identity.Session{
		IssuedAt: now, Expiration: now.Add(duration), Kind: identity.AssumedRole,
		Account: role.Account, RoleARN: role.ARN, RoleID: role.RoleID, SessionName: sessionName,
		SourceIdentity: sourceIdentity, Tags: tags, TransitiveTagKeys: transitive,
		Policies: policies, PolicyARNs: policyARNs,
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
	out := &stsapi.AssumeRoleWithSAMLOutput{
		Credentials: creds,
		AssumedRoleUser: &stsapi.AssumedRoleUser{
			AssumedRoleId: role.RoleID + ":" + sessionName,
			Arn:           "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + sessionName,
		},
		PackedPolicySize: packed,
		Subject:          api.String(a.Subject),
		SubjectType:      api.String(subjectType),
		Issuer:           api.String(a.Issuer),
		Audience:         api.String(a.Recipient),
		NameQualifier:    api.String(nameQualifier),
	}
	if sourceIdentity != "" {
		out.SourceIdentity = api.String(sourceIdentity)
	}
	return out, nil
}

// awsRecipient: AWS's sign-in endpoint, global or regional
// (https://REGION.signin.aws.amazon.com/saml).
func awsRecipient(r string) bool {
	if r == saml.AWSRecipient {
		return true
	}
	region, ok := strings.CutPrefix(r, "https://")
	if !ok {
		return false
	}
	region, ok = strings.CutSuffix(region, ".signin.aws.amazon.com/saml")
	return ok && region != "" && !strings.ContainsAny(region, "./")
}

func awsAudience(auds []string) bool {
	for _, a := range auds {
		if a == saml.AWSAudienceURN || awsRecipient(a) {
			return true
		}
	}
	return false
}

// rolePairListed reports whether one of the Role attribute's values is
// "role,provider" or "provider,role".
func rolePairListed(values []string, role, provider string) bool {
	for _, v := range values {
		a, b, ok := strings.Cut(v, ",")
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if ok && (a == role && b == provider || a == provider && b == role) {
			return true
		}
	}
	return false
}

// samlSubjectType is the SubjectType AWS reports: "persistent" or
// "transient" for those formats, the format's URI otherwise.
func samlSubjectType(format string) string {
	switch format {
	case "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent":
		return "persistent"
	case "urn:oasis:names:tc:SAML:2.0:nameid-format:transient":
		return "transient"
	}
	return format
}

func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}
