package iam

import (
	"context"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/store"
)

// ListPoliciesGrantingServiceAccess (IAM API reference): for each service
// namespace, the policies of a user (and its groups), group or role whose
// Allow statements name an action of that service.

// statementsOf returns a stored document's statements as the policy
// engine reads them; one that does not read grants nothing.
func statementsOf(doc string) []*policy.Statement {
	return authz.Stored(policy.Identity, "", doc).Statements
}

// grantsService reports whether statements allow any action of namespace ns.
func grantsService(statements []*policy.Statement, ns string) bool {
	for _, st := range statements {
		if st.Effect == policy.Allow && st.CoversService(ns) {
			return true
		}
	}
	return false
}

// grantSource is one policy that may grant access, with who holds it; its
// document is read once, for every namespace asked about.
type grantSource struct {
	entry      iamapi.PolicyGrantingServiceAccess
	statements []*policy.Statement
}

func inlineSources(owner iamapi.PolicyOwnerEntityType, name string, m map[string]string) []grantSource {
	var out []grantSource
	for _, p := range sortedNames(m) {
		out = append(out, grantSource{iamapi.PolicyGrantingServiceAccess{PolicyName: p, PolicyType: iamapi.PolicyTypeINLINE, EntityType: &owner, EntityName: api.String(name)}, statementsOf(m[p])})
	}
	return out
}

func managedSources(tx store.Tx, account string, attached []string) ([]grantSource, error) {
	var out []grantSource
	for _, a := range attached {
		m, found, err := lookupPolicy(tx, account, a)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, grantSource{iamapi.PolicyGrantingServiceAccess{PolicyName: m.name(), PolicyType: iamapi.PolicyTypeMANAGED, PolicyArn: api.String(a)}, statementsOf(m.document())})
		}
	}
	return out, nil
}

func (s *Service) ListPoliciesGrantingServiceAccess(ctx context.Context, in *iamapi.ListPoliciesGrantingServiceAccessInput) (*iamapi.ListPoliciesGrantingServiceAccessOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(in.Arn, "arn:aws:iam::"+p.Account+":")
	kind, pathName, _ := strings.Cut(rest, "/")
	if !ok || (kind != "user" && kind != "group" && kind != "role") || pathName == "" {
		return nil, invalidInput("ARN %s is not valid.", in.Arn)
	}
	name := pathName[strings.LastIndexByte(pathName, '/')+1:]
	if err := s.authorize(ctx, p.Account, "ListPoliciesGrantingServiceAccess", in.Arn, nil); err != nil {
		return nil, err
	}
	var sources []grantSource
	err = s.view(ctx, func(tx store.Tx) error {
		add := func(owner iamapi.PolicyOwnerEntityType, name string, inline map[string]string, attached []string) error {
			sources = append(sources, inlineSources(owner, name, inline)...)
			ms, err := managedSources(tx, p.Account, attached)
			sources = append(sources, ms...)
			return err
		}
		switch kind {
		case "user":
			u, found, err := get[userRec](tx, recordKey(p.Account, kindUser, name))
			if err != nil {
				return err
			}
			if !found {
				return noSuchUser(name)
			}
			if err := add(iamapi.PolicyOwnerEntityTypeUSER, u.Name, u.Inline, u.Attached); err != nil {
				return err
			}
			for _, gn := range u.Groups {
				g, found, err := get[groupRec](tx, recordKey(p.Account, kindGroup, gn))
				if err != nil {
					return err
				}
				if found {
					if err := add(iamapi.PolicyOwnerEntityTypeGROUP, g.Name, g.Inline, g.Attached); err != nil {
						return err
					}
				}
			}
		case "group":
			g, found, err := get[groupRec](tx, recordKey(p.Account, kindGroup, name))
			if err != nil {
				return err
			}
			if !found {
				return noSuchGroup(name)
			}
			return add(iamapi.PolicyOwnerEntityTypeGROUP, g.Name, g.Inline, g.Attached)
		case "role":
			r, found, err := get[roleRec](tx, recordKey(p.Account, kindRole, name))
			if err != nil {
				return err
			}
			if !found {
				return noSuchRole(name)
			}
			return add(iamapi.PolicyOwnerEntityTypeROLE, r.Name, r.Inline, r.Attached)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListPoliciesGrantingServiceAccessOutput{PoliciesGrantingServiceAccess: []iamapi.ListPoliciesGrantingServiceAccessEntry{}, IsTruncated: api.Bool(false)}
	for _, ns := range in.ServiceNamespaces {
		entry := iamapi.ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: api.String(ns), Policies: []iamapi.PolicyGrantingServiceAccess{}}
		for _, src := range sources {
			if grantsService(src.statements, ns) {
				entry.Policies = append(entry.Policies, src.entry)
			}
		}
		out.PoliciesGrantingServiceAccess = append(out.PoliciesGrantingServiceAccess, entry)
	}
	return out, nil
}
