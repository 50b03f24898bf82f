package iam

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode"
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
	identityDoc docKind = iota
	trustDoc
)

// checkDocument validates a policy document. It is the hook for the policy
// engine: until internal/policy offers Parse, it checks that the document is
// a JSON object with a Statement, which is what "Syntax errors in policy."
// covers on AWS.
// TODO(policy): call policy.Parse(doc, policy.Identity or policy.Trust).
func checkDocument(doc string, kind docKind) error {
	var v map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return malformedPolicy("Syntax errors in policy.")
	}
	if _, ok := v["Statement"]; !ok {
		return malformedPolicy("Syntax errors in policy.")
	}
	return nil
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
