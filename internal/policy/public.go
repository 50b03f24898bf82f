package policy

import (
	"strings"
)

// Public reports whether a resource policy grants public access as S3
// defines it (S3 User Guide, "Blocking public access to your Amazon S3
// storage", "The meaning of 'public'"): an Allow statement to a wildcard
// principal, or with NotPrincipal, is public unless one of its conditions
// holds the request to fixed values (no wildcard, no policy variable) of a
// key that fixes who calls or from where, or to an aws:SourceIp range no
// broader than /8 (IPv4) or /32 (IPv6). A condition satisfied when its key
// is absent (...IfExists, ForAllValues) or a negated operator fixes nothing.
func (p *Policy) Public() bool {
	for _, s := range p.Statements {
		if s.Effect != Allow {
			continue
		}
		if s.NotPrincipal == nil && (s.Principal == nil || !publicPrincipal(s.Principal)) {
			continue
		}
		fixed := false
		for _, c := range s.Conditions {
			if c.fixesCaller() {
				fixed = true
				break
			}
		}
		if !fixed {
			return true
		}
	}
	return false
}

// fixingKeys are the condition keys that, with fixed values, make a grant
// to "*" non-public (the S3 page's list, and the keys Access Analyzer
// treats alike: the principal's organization, account and ARN).
var fixingKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceaccount": true, "aws:sourceowner": true, "aws:userid": true,
	"aws:principalorgid": true, "aws:principalaccount": true, "aws:principalarn": true,
	"aws:sourceorgid": true, "aws:principalorgpaths": true,
	"s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
}

func (c *Condition) fixesCaller() bool {
	if c.ifExists || c.set == setForAll || c.op.negated || len(c.Values) == 0 {
		return false
	}
	key := strings.ToLower(c.Key)
	if key == "aws:sourceip" {
		if c.op.family != opIP {
			return false
		}
		for _, pfx := range c.ips {
			if !pfx.IsValid() || pfx.Addr().Is4() && pfx.Bits() < 8 || !pfx.Addr().Is4() && pfx.Bits() < 32 {
				return false
			}
		}
		return true
	}
	if !fixingKeys[key] {
		return false
	}
	switch c.op.family {
	case opString, opStringIgnoreCase, opStringLike, opArn:
	default:
		return false
	}
	for _, v := range c.Values {
		if strings.ContainsAny(v, "*?") || strings.Contains(v, "${") {
			return false
		}
	}
	return true
}

// WildcardMatch reports whether value matches pattern, where * matches any
// run of characters and ? one character, case-sensitively, as a Resource
// element's resource part matches; for services that check what a policy
// names (a bucket policy may only name its own bucket).
func WildcardMatch(pattern, value string) bool {
	p := compilePattern(pattern, true, false)
	return p.match(value, false, nil)
}

// Merge returns a policy holding the statements of a and then b, for a
// resource whose resource-based permissions come from two sources (an S3
// bucket policy and the bucket's ACL grants). Either may be nil. The
// statements are shared, not copied: policies are immutable.
func Merge(name string, a, b *Policy) *Policy {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	m := &Policy{Name: name, Kind: a.Kind, Version: a.Version, ID: a.ID}
	m.Statements = make([]*Statement, 0, len(a.Statements)+len(b.Statements))
	m.Statements = append(append(m.Statements, a.Statements...), b.Statements...)
	return m
}

// Covers reports whether the statement's Action (or NotAction) element
// covers action ("sts:AssumeRole"), as evaluation matches it.
func (s *Statement) Covers(action string) bool {
	svc, name, _ := strings.Cut(action, ":")
	return matchAction(s, svc, name)
}

// CoversService reports whether the statement's action element covers at
// least one action of the service namespace ns ("s3"): an Action pattern
// whose service part matches ns, or a NotAction that leaves some action of
// ns out (no pattern of it covers the whole service).
func (s *Statement) CoversService(ns string) bool {
	ns = strings.ToLower(ns)
	for i := range s.actions {
		a := &s.actions[i]
		inService := a.all || a.service.match(ns, true, nil)
		switch {
		case !s.NotAction && inService:
			return true
		case s.NotAction && inService && (a.all || a.name.anyAll):
			return false
		}
	}
	return s.NotAction
}
