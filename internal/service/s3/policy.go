package s3

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// stringList is a policy element that is a string or a list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var xs []string
		if err := json.Unmarshal(b, &xs); err != nil {
			return err
		}
		*l = xs
		return nil
	}
	var x string
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*l = stringList{x}
	return nil
}

// principal is "*" or a map of principal types to values.
type principal struct {
	Wildcard bool
	Values   map[string]stringList
}

func (p *principal) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s != "*" {
			return errMalformedPolicy("Invalid principal in policy")
		}
		p.Wildcard = true
		return nil
	}
	return json.Unmarshal(b, &p.Values)
}

type statement struct {
	Sid          string
	Effect       string
	Principal    *principal
	NotPrincipal *principal
	Action       stringList
	NotAction    stringList
	Resource     stringList
	NotResource  stringList
	Condition    map[string]map[string]stringList
}

type policyDoc struct {
	Version   string
	ID        string `json:"Id"`
	Statement statements
}

// statements is one statement or a list of them.
type statements []statement

func (s *statements) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var xs []statement
		if err := json.Unmarshal(b, &xs); err != nil {
			return err
		}
		*s = xs
		return nil
	}
	var x statement
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*s = statements{x}
	return nil
}

// parseBucketPolicy checks a bucket policy the way PutBucketPolicy does
// before storing it, with S3's MalformedPolicy messages.
func parseBucketPolicy(bucket, doc string) (*policyDoc, error) {
	trimmed := strings.TrimSpace(doc)
	if !strings.HasPrefix(trimmed, "{") {
		return nil, errMalformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	var p policyDoc
	if err := json.Unmarshal([]byte(trimmed), &p); err != nil {
		var e *awserr.Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, errMalformedPolicy("This policy contains invalid Json")
	}
	if p.Version != "" && p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return nil, errMalformedPolicy("Invalid policy document version")
	}
	if len(p.Statement) == 0 {
		return nil, errMalformedPolicy("Missing required field Statement")
	}
	for _, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			if st.Effect == "" {
				return nil, errMalformedPolicy("Missing required field Effect")
			}
			return nil, errMalformedPolicy("Invalid effect: " + st.Effect)
		}
		if st.Principal == nil && st.NotPrincipal == nil {
			return nil, errMalformedPolicy("Missing required field Principal")
		}
		if len(st.Action) == 0 && len(st.NotAction) == 0 {
			return nil, errMalformedPolicy("Missing required field Action")
		}
		for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return nil, errMalformedPolicy("Policy has invalid action")
			}
		}
		if len(st.Resource) == 0 && len(st.NotResource) == 0 {
			return nil, errMalformedPolicy("Missing required field Resource")
		}
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if !resourceInBucket(bucket, r) {
				return nil, errMalformedPolicy("Policy has invalid resource")
			}
		}
	}
	return &p, nil
}

// resourceInBucket reports whether a policy resource names this bucket or
// objects in it (a bucket policy may only speak of its own bucket).
func resourceInBucket(bucket, r string) bool {
	if r == "*" {
		return true
	}
	rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return wildcardMatch(name, bucket)
}

// wildcardMatch matches s against a pattern with * and ?.
func wildcardMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcardMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return s == ""
}

// policyIsPublic applies S3's definition of a public bucket policy (S3 User
// Guide, "Blocking public access", section "The meaning of 'public'"): a
// policy is public when an Allow statement grants to a wildcard principal
// (or uses NotPrincipal) without a condition that pins one of the listed
// keys to fixed, non-wildcard values. An unparsable policy is treated as
// public, the safe side for Block Public Access.
func policyIsPublic(doc string) bool {
	var p policyDoc
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return true
	}
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			continue
		}
		if st.NotPrincipal == nil && !principalIsWildcard(st.Principal) {
			continue
		}
		if !conditionFixes(st.Condition) {
			return true
		}
	}
	return false
}

func principalIsWildcard(p *principal) bool {
	if p == nil {
		return false
	}
	if p.Wildcard {
		return true
	}
	for _, v := range p.Values["AWS"] {
		if strings.Contains(v, "*") {
			return true
		}
	}
	return false
}

// fixedKeys are the condition keys that make a wildcard grant non-public
// when given fixed values.
var fixedKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceaccount": true, "aws:sourceowner": true, "aws:userid": true,
	"aws:principalorgid": true, "aws:principalaccount": true, "aws:principalarn": true,
	"aws:sourceorgid": true, "aws:principalorgpaths": true,
	"s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
	"aws:sourceip": true,
}

// conditionFixes reports whether a condition block restricts a statement
// to fixed values of one of fixedKeys.
func conditionFixes(cond map[string]map[string]stringList) bool {
	for op, kv := range cond {
		lop := strings.ToLower(op)
		if strings.Contains(lop, "ifexists") || strings.HasPrefix(lop, "forallvalues:") {
			continue // satisfied when the key is absent, so it fixes nothing
		}
		lop = strings.TrimPrefix(lop, "foranyvalue:")
		for key, values := range kv {
			k := strings.ToLower(key)
			if !fixedKeys[k] || len(values) == 0 {
				continue
			}
			switch {
			case k == "aws:sourceip" && lop == "ipaddress":
				if allNarrowCIDRs(values) {
					return true
				}
			case lop == "stringequals" || lop == "arnequals" || lop == "stringequalsignorecase":
				if noWildcards(values) {
					return true
				}
			case lop == "stringlike" || lop == "arnlike":
				if noWildcards(values) {
					return true
				}
			}
		}
	}
	return false
}

func noWildcards(values []string) bool {
	for _, v := range values {
		if strings.ContainsAny(v, "*?") {
			return false
		}
	}
	return true
}

// allNarrowCIDRs reports whether every range is narrower than what S3
// calls broad: an IPv4 prefix shorter than /8 or an IPv6 prefix shorter
// than /32 is public.
func allNarrowCIDRs(values []string) bool {
	for _, v := range values {
		pfx, err := netip.ParsePrefix(v)
		if err != nil {
			addr, err := netip.ParseAddr(v)
			if err != nil {
				return false
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		if pfx.Addr().Is4() && pfx.Bits() < 8 || !pfx.Addr().Is4() && pfx.Bits() < 32 {
			return false
		}
	}
	return true
}
