package iam

import (
	"context"
	"encoding/json"
	"path"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// ListPoliciesGrantingServiceAccess (IAM API reference): for each service
// namespace, the policies of a user (and its groups), group or role whose
// Allow statements name an action of that service.

// stringOrList is a policy element holding one string or a list of them.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type grantStatement struct {
	Effect    string
	Action    stringOrList
	NotAction stringOrList
}

// statementsOf reads a stored document's statements (one object or a list).
// Documents were validated when stored; one that does not read grants
// nothing.
func statementsOf(doc string) []grantStatement {
	var d struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &d) != nil {
		return nil
	}
	var list []grantStatement
	if json.Unmarshal(d.Statement, &list) == nil {
		return list
	}
	var one grantStatement
	if json.Unmarshal(d.Statement, &one) == nil {
		return []grantStatement{one}
	}
	return nil
}

// actionService is the service part of an action pattern ("*" for "*").
func actionService(action string) string {
	svc, _, found := strings.Cut(action, ":")
	if !found {
		return action
	}
	return svc
}

// grantsService reports whether statements allow any action of namespace ns.
func grantsService(statements []grantStatement, ns string) bool {
	ns = strings.ToLower(ns)
	for _, st := range statements {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range st.Action {
			if ok, _ := path.Match(strings.ToLower(actionService(a)), ns); ok {
				return true
			}
		}
		if len(st.NotAction) > 0 {
			// NotAction allows every action it does not list: the service is
			// granted unless a pattern covers all of it.
			covered := false
			for _, a := range st.NotAction {
				name := a[strings.IndexByte(a, ':')+1:]
				if ok, _ := path.Match(strings.ToLower(actionService(a)), ns); ok && (a == "*" || name == "*") {
					covered = true
				}
			}
			if !covered {
				return true
			}
		}
	}
	return false
}

// grantSource is one policy that may grant access, with who holds it; its
// document is read once, for every namespace asked about.
type grantSource struct {
	entry      iamapi.PolicyGrantingServiceAccess
	statements []grantStatement
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
