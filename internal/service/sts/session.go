package sts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
)

// What AssumeRole and GetFederationToken share: session policies, session
// tags, MFA and issuing the credentials.

// maxPolicyARNs is the number of managed session policies a request may
// name (STS API reference: "up to 10 managed policy ARNs").
const maxPolicyARNs = 10

// sessionPolicies validates the inline session policy and the managed policy
// ARNs of a request and returns them as a Session stores them.
func sessionPolicies(doc *string, arns []stsapi.PolicyDescriptorType) (docs, arnList []string, err error) {
	var v violations
	if doc != nil && len([]rune(*doc)) > maxPlaintextPolicy {
		v.add(*doc, "policy", fmt.Sprintf("Member must have length less than or equal to %d", maxPlaintextPolicy))
	}
	if len(arns) > maxPolicyARNs {
		v = append(v, fmt.Sprintf("Value '%s' at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", arnListText(arns), maxPolicyARNs))
	}
	v.policyARNs(arns)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	if doc != nil {
		if _, err := policy.Parse(*doc, policy.Session); err != nil {
			// The size quota too: STS answers every refusal as a malformed
			// document, in IAM's words.
			if pe := policy.ProblemOf(err); pe != nil {
				return nil, nil, stsapi.ErrMalformedPolicyDocumentException(pe.Message).Wrap(pe)
			}
			return nil, nil, err
		}
		docs = []string{*doc}
	}
	for _, a := range arns {
		arn := ""
		if a.Arn != nil {
			arn = *a.Arn
		}
		if !isPolicyARN(arn) {
			return nil, nil, invalidParameter(fmt.Sprintf("The policy ARN %s is invalid.", arn))
		}
		arnList = append(arnList, arn)
	}
	return docs, arnList, nil
}

// isPolicyARN reports whether s names a managed policy:
// arn:aws:iam::ACCOUNT:policy/... or arn:aws:iam::aws:policy/...
func isPolicyARN(s string) bool {
	a, ok := parseARN(s)
	return ok && a.service == "iam" && a.region == "" &&
		(a.account == "aws" || isAccountID(a.account)) &&
		strings.HasPrefix(a.resource, "policy/") && len(a.resource) > len("policy/")
}

func arnListText(arns []stsapi.PolicyDescriptorType) string {
	parts := make([]string, len(arns))
	for i, a := range arns {
		arn := ""
		if a.Arn != nil {
			arn = *a.Arn
		}
		parts[i] = "PolicyDescriptorType(arn=" + arn + ")"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sessionTags applies AWS's session tag rules to a request's Tags and
// TransitiveTagKeys, given the session of the caller (nil for long-term
// credentials). It returns the new session's tags and transitive keys: the
// requested ones plus the transitive tags inherited from the caller
// (IAM User Guide, "Chaining roles with session tags").
func sessionTags(tags []stsapi.Tag, transitive []string, from *identity.Session) (map[string]string, []string, error) {
	requested := make(map[string]bool, len(tags)) // lower-cased keys
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if requested[k] {
			return nil, nil, invalidParameter(msgDuplicateTagKeys)
		}
		requested[k] = true
	}
	for _, k := range transitive {
		if !requested[strings.ToLower(k)] {
			return nil, nil, invalidParameter(msgTransitiveNotInTags)
		}
	}
	// "If you pass a session tag with the same key as an inherited tag, the
	// operation fails" (STS API reference, AssumeRole, Tags).
	var inheritedKeys []string
	if from != nil {
		inheritedKeys = from.TransitiveTagKeys
		for _, k := range inheritedKeys {
			if requested[strings.ToLower(k)] {
				return nil, nil, invalidParameter(msgTransitiveConflict)
			}
		}
	}
	if len(tags) == 0 && len(inheritedKeys) == 0 {
		return nil, nil, nil
	}
	out := make(map[string]string, len(tags)+len(inheritedKeys))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	keys := append([]string(nil), transitive...)
	for _, k := range inheritedKeys {
		if v, ok := lookupFold(from.Tags, k); ok {
			out[k] = v
			keys = append(keys, k)
		}
	}
	return out, keys, nil
}

// lookupFold finds key in m ignoring case: tag keys are case-insensitive
// but keep the case they were given.
func lookupFold(m map[string]string, key string) (string, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// tagContext adds the request-tag condition keys of a request with tags
// (aws:RequestTag/KEY and aws:TagKeys) and sts:TransitiveTagKeys.
func tagContext(c map[string][]string, tags []stsapi.Tag, transitive []string) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, len(tags))
	for i, t := range tags {
		c["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys[i] = t.Key
	}
	c["aws:TagKeys"] = keys
	if len(transitive) > 0 {
		c["sts:TransitiveTagKeys"] = append([]string(nil), transitive...)
	}
}

// verifyMFA checks SerialNumber and TokenCode against the caller's MFA
// device. It reports whether a code was given (and was good).
func (s *Service) verifyMFA(ctx context.Context, p *identity.Principal, serial, code *string, now time.Time) (bool, error) {
	if serial == nil && code == nil {
		return false, nil
	}
	if serial == nil || code == nil || *code == "" {
		// One without the other cannot authenticate anyone.
		return false, awserr.AccessDenied(msgMFAInvalidCode)
	}
	userName := ""
	switch p.Kind {
	case identity.User:
		userName = userNameOf(p)
	case identity.Root:
	default:
		// MFA devices belong to users and roots; a role or federated
		// session has none.
		return false, awserr.AccessDenied(msgMFAUnknownDevice)
	}
	if err := s.mfa.VerifyMFACode(ctx, p.Account, userName, *serial, *code, now); err != nil {
		return false, mfaError(err)
	}
	return true, nil
}

// userNameOf is the IAM user name of a user principal: its Name, or the
// last part of its ARN (arn:aws:iam::A:user/path/NAME) when the principal
// came from a session that did not fill Name in.
func userNameOf(p *identity.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
}

// mfaContext sets the MFA condition keys of THIS request after a good
// SerialNumber/TokenCode: AWS evaluates the trust policy of an
// MFA-protected AssumeRole as authenticated with MFA just now (IAM User
// Guide, "Configuring MFA-protected API access"). The Authorizer must let
// these Check.Context values win over the ones it derives from the caller's
// session (which, for long-term keys, has no MFA keys at all).
func mfaContext(c map[string][]string) {
	c["aws:MultiFactorAuthPresent"] = []string{"true"}
	c["aws:MultiFactorAuthAge"] = []string{"0"}
}

// credentials issues the session and returns it as the wire wants it.
func (s *Service) credentials(ctx context.Context, sess *identity.Session) (*stsapi.Credentials, error) {
	key, secret, token, err := s.issue(ctx, sess)
	if err != nil {
		return nil, awserr.Internal(fmt.Errorf("sts: issuing session: %w", err))
	}
	sess.AccessKeyID, sess.Secret = key, secret
	return &stsapi.Credentials{
		AccessKeyId:     key,
		SecretAccessKey: secret,
		SessionToken:    token,
		Expiration:      sess.Expiration,
	}, nil
}

// durationOf returns the requested duration or def.
func durationOf(seconds *int32, def time.Duration) time.Duration {
	if seconds == nil {
		return def
	}
	return time.Duration(*seconds) * time.Second
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }
