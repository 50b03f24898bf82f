package iam

import (
	"context"
	"fmt"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/store"
)

// PrincipalPolicies implements authz.PolicySource: the identity policies of a
// user (its inline and attached policies and those of its groups) or a role,
// its permissions boundary and tags, read in one transaction so that a change
// takes effect on the next request.
func (s *Service) PrincipalPolicies(ctx context.Context, account, kind, name string) (authz.PrincipalPolicies, error) {
	var out authz.PrincipalPolicies
	err := s.view(ctx, func(tx store.Tx) error {
		switch kind {
		case "user":
			u, found, err := get[userRec](tx, recordKey(account, kindUser, name))
			if err != nil {
				return err
			}
			if !found {
				return noSuchUser(name)
			}
			if err := addPolicies(tx, account, &out, "user/"+u.Name, u.Inline, u.Attached); err != nil {
				return err
			}
			for _, gname := range u.Groups {
				g, found, err := get[groupRec](tx, recordKey(account, kindGroup, gname))
				if err != nil {
					return err
				}
				if found {
					if err := addPolicies(tx, account, &out, "group/"+g.Name, g.Inline, g.Attached); err != nil {
						return err
					}
				}
			}
			out.Tags = tagMap(u.Tags)
			return addBoundary(tx, account, &out, u.Boundary)
		case "role":
			r, found, err := get[roleRec](tx, recordKey(account, kindRole, name))
			if err != nil {
				return err
			}
			if !found {
				return noSuchRole(name)
			}
			if err := addPolicies(tx, account, &out, "role/"+r.Name, r.Inline, r.Attached); err != nil {
				return err
			}
			out.Tags = tagMap(r.Tags)
			return addBoundary(tx, account, &out, r.Boundary)
		}
		return fmt.Errorf("iam: PrincipalPolicies: unknown kind %q", kind)
	})
	return out, err
}

func addPolicies(tx store.Tx, account string, out *authz.PrincipalPolicies, owner string, inline map[string]string, attached []string) error {
	for _, name := range sortedNames(inline) {
		out.Identity = append(out.Identity, authz.NamedDocument{Name: owner + "/inline/" + name, Document: inline[name]})
	}
	for _, a := range attached {
		m, found, err := lookupPolicy(tx, account, a)
		if err != nil {
			return err
		}
		if found {
			out.Identity = append(out.Identity, authz.NamedDocument{Name: a, Document: m.document()})
		}
	}
	return nil
}

func addBoundary(tx store.Tx, account string, out *authz.PrincipalPolicies, boundary string) error {
	if boundary == "" {
		return nil
	}
	m, found, err := lookupPolicy(tx, account, boundary)
	if err != nil || !found {
		return err
	}
	out.Boundary = &authz.NamedDocument{Name: boundary, Document: m.document()}
	return nil
}

func tagMap(tags []tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// ManagedPolicyDocument implements authz.PolicySource: the default version of
// a customer or AWS managed policy, for session policy ARNs. The account is
// the one named in the ARN.
func (s *Service) ManagedPolicyDocument(ctx context.Context, arn string) (string, error) {
	ref, err := parsePolicyARN(arn)
	if err != nil {
		return "", err
	}
	var doc string
	err = s.view(ctx, func(tx store.Tx) error {
		m, found, err := lookupPolicy(tx, ref.account, arn)
		if err != nil {
			return err
		}
		if !found {
			return noSuchPolicy(arn)
		}
		doc = m.document()
		return nil
	})
	return doc, err
}

// UniqueID implements identity.Principals: the unique ID of the user (kind
// "user") or role ("role") called name in account, "" when there is none.
// The Authority compares it with the ID a credential was issued to.
func (s *Service) UniqueID(ctx context.Context, account, kind, name string) (string, error) {
	var id string
	err := s.view(ctx, func(tx store.Tx) error {
		switch kind {
		case "user":
			u, _, err := get[userRec](tx, recordKey(account, kindUser, name))
			id = u.ID
			return err
		case "role":
			r, _, err := get[roleRec](tx, recordKey(account, kindRole, name))
			id = r.ID
			return err
		}
		return fmt.Errorf("iam: UniqueID: unknown kind %q", kind)
	})
	return id, err
}
