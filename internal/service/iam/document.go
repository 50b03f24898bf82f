package iam

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/policy"
)

// Policy size quotas (IAM User Guide, "IAM and AWS STS quotas"), counted
// without white space.
const (
	managedPolicyMax = 6144
	userInlineMax    = 2048
	groupInlineMax   = 5120
	roleInlineMax    = 10240
	trustPolicyMax   = 2048
)

type docKind int

const (
	identityDoc docKind = iota // a managed policy
	inlineDoc                  // a user's, group's or role's inline policy
	trustDoc                   // a role's trust policy
)

// checkDocument validates a policy document with the policy engine, which
// answers MalformedPolicyDocument with IAM's messages. Inline policies have
// their own (aggregate) size quota, checked by the caller, so the engine's
// managed-policy size limit does not apply to them.
func checkDocument(doc string, kind docKind) error {
	k := policy.Identity
	if kind == trustDoc {
		k = policy.Trust
	}
	parse := policy.Parse
	if kind == inlineDoc {
		parse = policy.ParseStored
	}
	_, err := parse(doc, k)
	return policyError(err)
}

// policyError answers a document the policy engine refused with IAM's
// modelled error and IAM's wording of the problem.
func policyError(err error) error {
	pe := policy.ProblemOf(err)
	if pe == nil {
		return err
	}
	if pe.Problem == policy.ProblemSize {
		return iamapi.ErrLimitExceededException(pe.Message).Wrap(pe)
	}
	return iamapi.ErrMalformedPolicyDocumentException(pe.Message).Wrap(pe)
}

// docSize counts the characters of doc that are not white space, which is
// what IAM's size quotas count.
func docSize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// encodeDoc returns doc as IAM sends documents: URL-encoded (RFC 3986), which
// the SDKs and the CLI decode.
func encodeDoc(doc string) *string {
	s := strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
	return &s
}
