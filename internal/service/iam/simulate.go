package iam

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/store"
)

// simulation is one SimulatePrincipalPolicy or SimulateCustomPolicy question,
// answered by the policy engine that authorizes live requests.
type simulation struct {
	caller   string // principal ARN the policies are evaluated for
	roleARN  string // for a role: its ARN, the caller being a session of it
	identity []*policy.Policy
	boundary *policy.Policy
	resource *policy.Policy
	owner    string
	context  policy.Context
}

// parseAll parses documents of kind k, naming them as AWS's simulator does
// ("PolicyInputList.1", ...) unless names are given.
func parseAll(docs []string, k policy.Kind, listName string) ([]*policy.Policy, error) {
	var out []*policy.Policy
	for i, d := range docs {
		p, err := policy.Parse(d, k)
		if err != nil {
			return nil, err
		}
		p.Name = fmt.Sprintf("%s.%d", listName, i+1)
		out = append(out, p)
	}
	return out, nil
}

func contextOf(entries []iamapi.ContextEntry) policy.Context {
	c := policy.Context{}
	for _, e := range entries {
		if e.ContextKeyName != nil {
			c[*e.ContextKeyName] = e.ContextKeyValues
		}
	}
	return c
}

func sourceType(name string) iamapi.PolicySourceType {
	switch {
	case strings.HasPrefix(name, "arn:aws:iam::aws:policy/"):
		return iamapi.PolicySourceType("aws-managed")
	case strings.HasPrefix(name, "arn:aws:iam::"):
		return iamapi.PolicySourceTypeUserManaged
	case strings.HasPrefix(name, "user/"):
		return iamapi.PolicySourceTypeUser
	case strings.HasPrefix(name, "group/"):
		return iamapi.PolicySourceTypeGroup
	case strings.HasPrefix(name, "role/"):
		return iamapi.PolicySourceTypeRole
	case name == "ResourcePolicy":
		return iamapi.PolicySourceTypeResource
	}
	return iamapi.PolicySourceTypeNone
}

var decisions = map[policy.Effect]iamapi.PolicyEvaluationDecisionType{
	policy.Allow:        iamapi.PolicyEvaluationDecisionTypeAllowed,
	policy.ExplicitDeny: iamapi.PolicyEvaluationDecisionTypeExplicitDeny,
	policy.ImplicitDeny: iamapi.PolicyEvaluationDecisionTypeImplicitDeny,
}

func (sim *simulation) run(actions, resources []string, marker *string, maxItems *int32) (*iamapi.SimulatePrincipalPolicyOutput, error) {
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	set := &policy.Set{Identity: sim.identity, Boundary: sim.boundary, Resource: sim.resource}
	type result struct {
		key string
		r   iamapi.EvaluationResult
	}
	var results []result
	for _, action := range actions {
		for _, res := range resources {
			req := &policy.Request{PrincipalARN: sim.caller, RoleARN: sim.roleARN, Action: action, Resource: res, ResourceAccount: sim.owner, Context: sim.context}
			d := policy.Evaluate(req, set)
			r := iamapi.EvaluationResult{EvalActionName: action, EvalResourceName: api.String(res), EvalDecision: decisions[d.Effect], MatchedStatements: []iamapi.Statement{}}
			for _, e := range d.Trace {
				if !e.Matched {
					continue
				}
				st := sourceType(e.Policy)
				r.MatchedStatements = append(r.MatchedStatements, iamapi.Statement{SourcePolicyId: api.String(e.Policy), SourcePolicyType: &st})
			}
			if sim.boundary != nil {
				allowed := policy.Evaluate(req, &policy.Set{Identity: []*policy.Policy{sim.boundary}}).Effect == policy.Allow
				r.PermissionsBoundaryDecisionDetail = &iamapi.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: api.Bool(allowed)}
			}
			results = append(results, result{fmt.Sprintf("%06d", len(results)), r})
		}
	}
	pg, trunc, next, err := page(results, func(r result) string { return r.key }, marker, maxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.SimulatePrincipalPolicyOutput{EvaluationResults: []iamapi.EvaluationResult{}, IsTruncated: trunc, Marker: next}
	for _, r := range pg {
		out.EvaluationResults = append(out.EvaluationResults, r.r)
	}
	return out, nil
}

func (sim *simulation) addResourcePolicy(doc, owner *string) error {
	if doc != nil {
		p, err := policy.Parse(*doc, policy.Resource)
		if err != nil {
			return err
		}
		p.Name = "ResourcePolicy"
		sim.resource = p
	}
	sim.owner = api.ToString(owner)
	if sim.owner != "" {
		sim.owner = strings.TrimSuffix(strings.TrimPrefix(sim.owner, "arn:aws:iam::"), ":root")
	}
	return nil
}

// SimulatePrincipalPolicy evaluates the policies of a user, group or role
// (and any given in PolicyInputList) for each action and resource.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, in *iamapi.SimulatePrincipalPolicyInput) (*iamapi.SimulatePrincipalPolicyOutput, error) {
	src, err := s.policySource(ctx, "SimulatePrincipalPolicy", in.PolicySourceArn)
	if err != nil {
		return nil, err
	}
	p, kind, name, prefix, pp := src.caller, src.kind, src.name, src.prefix, src.policies
	sim := &simulation{caller: api.ToString(in.CallerArn), context: contextOf(in.ContextEntries)}
	if sim.caller == "" {
		sim.caller = in.PolicySourceArn
		switch kind {
		case "role":
			// A role acts through its sessions.
			sim.caller = "arn:aws:sts::" + p.Account + ":assumed-role/" + name + "/SimulatedSession"
			sim.roleARN = in.PolicySourceArn
		case "group":
			// A group is never a caller; its policies are evaluated for a
			// member-like user of the account.
			sim.caller = prefix + "user/SimulatedGroupMember"
		}
	}
	// Stored documents are read as live requests read them: one that no
	// longer parses grants nothing (policy.Unreadable), never a 500.
	for _, d := range pp.Identity {
		sim.identity = append(sim.identity, authz.Stored(policy.Identity, d.Name, d.Document))
	}
	extra, err := parseAll(in.PolicyInputList, policy.Identity, "PolicyInputList")
	if err != nil {
		return nil, err
	}
	sim.identity = append(sim.identity, extra...)
	if pp.Boundary != nil {
		sim.boundary = authz.Stored(policy.Boundary, pp.Boundary.Name, pp.Boundary.Document)
	}
	if len(in.PermissionsBoundaryPolicyInputList) > 0 {
		b, err := parseAll(in.PermissionsBoundaryPolicyInputList[:1], policy.Boundary, "PermissionsBoundaryPolicyInputList")
		if err != nil {
			return nil, err
		}
		sim.boundary = b[0]
	}
	if err := sim.addResourcePolicy(in.ResourcePolicy, in.ResourceOwner); err != nil {
		return nil, err
	}
	return sim.run(in.ActionNames, in.ResourceArns, in.Marker, in.MaxItems)
}

// source is the user, group or role a SimulatePrincipalPolicy or
// GetContextKeysForPrincipalPolicy request names, with its policies.
type source struct {
	caller   *identity.Principal
	kind     string // user, group or role
	name     string
	prefix   string // arn:aws:iam::ACCOUNT:
	policies authz.PrincipalPolicies
}

// policySource authorizes action on the user, group or role arn and loads
// its policies (for a user, its groups' too).
func (s *Service) policySource(ctx context.Context, action, arn string) (source, error) {
	p, err := caller(ctx)
	if err != nil {
		return source{}, err
	}
	src := source{caller: p, prefix: "arn:aws:iam::" + p.Account + ":"}
	rest, ok := strings.CutPrefix(arn, src.prefix)
	kind, pathName, _ := strings.Cut(rest, "/")
	if !ok || (kind != "user" && kind != "group" && kind != "role") || pathName == "" {
		return src, invalidInput("Invalid ARN: Could not be parsed!")
	}
	src.kind, src.name = kind, pathName[strings.LastIndexByte(pathName, '/')+1:]
	if err := s.authorize(ctx, p.Account, action, arn, nil); err != nil {
		return src, err
	}
	if kind != "group" {
		src.policies, err = s.PrincipalPolicies(ctx, p.Account, kind, src.name)
		return src, err
	}
	err = s.view(ctx, func(tx store.Tx) error {
		g, found, err := get[groupRec](tx, recordKey(p.Account, kindGroup, src.name))
		if err != nil {
			return err
		}
		if !found {
			return noSuchGroup(src.name)
		}
		return addPolicies(tx, p.Account, &src.policies, "group/"+g.Name, g.Inline, g.Attached)
	})
	return src, err
}

// contextKeys lists the condition keys the documents use, each once (the
// first spelling seen), sorted.
func contextKeys(docs []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for _, d := range docs {
		p, err := policy.Parse(d, policy.Identity)
		if err != nil {
			return nil, err
		}
		for _, st := range p.Statements {
			for _, c := range st.Conditions {
				if k := lower(c.Key); !seen[k] {
					seen[k] = true
					out = append(out, c.Key)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return lower(out[i]) < lower(out[j]) })
	return out, nil
}

func (s *Service) GetContextKeysForCustomPolicy(ctx context.Context, in *iamapi.GetContextKeysForCustomPolicyInput) (*iamapi.GetContextKeysForCustomPolicyOutput, error) {
	if _, err := s.begin(ctx, "GetContextKeysForCustomPolicy", nil, nil); err != nil {
		return nil, err
	}
	keys, err := contextKeys(in.PolicyInputList)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetContextKeysForCustomPolicyOutput{ContextKeyNames: keys}, nil
}

func (s *Service) GetContextKeysForPrincipalPolicy(ctx context.Context, in *iamapi.GetContextKeysForPrincipalPolicyInput) (*iamapi.GetContextKeysForPrincipalPolicyOutput, error) {
	src, err := s.policySource(ctx, "GetContextKeysForPrincipalPolicy", in.PolicySourceArn)
	if err != nil {
		return nil, err
	}
	var docs []string
	for _, d := range src.policies.Identity {
		docs = append(docs, d.Document)
	}
	keys, err := contextKeys(append(docs, in.PolicyInputList...))
	if err != nil {
		return nil, err
	}
	return &iamapi.GetContextKeysForPrincipalPolicyOutput{ContextKeyNames: keys}, nil
}

// SimulateCustomPolicy evaluates the given policies alone. Without CallerArn
// they are evaluated for an IAM user of the caller's account.
func (s *Service) SimulateCustomPolicy(ctx context.Context, in *iamapi.SimulateCustomPolicyInput) (*iamapi.SimulateCustomPolicyOutput, error) {
	account, err := s.begin(ctx, "SimulateCustomPolicy", nil, nil)
	if err != nil {
		return nil, err
	}
	sim := &simulation{caller: api.ToString(in.CallerArn), context: contextOf(in.ContextEntries)}
	if sim.caller == "" {
		sim.caller = "arn:aws:iam::" + account + ":user/SimulatedUser"
	}
	if sim.identity, err = parseAll(in.PolicyInputList, policy.Identity, "PolicyInputList"); err != nil {
		return nil, err
	}
	if len(in.PermissionsBoundaryPolicyInputList) > 0 {
		b, err := parseAll(in.PermissionsBoundaryPolicyInputList[:1], policy.Boundary, "PermissionsBoundaryPolicyInputList")
		if err != nil {
			return nil, err
		}
		sim.boundary = b[0]
	}
	if err := sim.addResourcePolicy(in.ResourcePolicy, in.ResourceOwner); err != nil {
		return nil, err
	}
	out, err := sim.run(in.ActionNames, in.ResourceArns, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.SimulateCustomPolicyOutput{EvaluationResults: out.EvaluationResults, IsTruncated: out.IsTruncated, Marker: out.Marker}, nil
}
