package organizations

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/store"
)

// awsPolicies are the AWS managed policies every organization has, with
// AWS's names, descriptions and documents.
var awsPolicies = map[string]*policyRec{
	fullAWSAccess: {
		ID: fullAWSAccess, Name: "FullAWSAccess", Description: "Allows access to every operation", Type: typeSCP,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	},
	rcpFullAWSAccess: {
		ID: rcpFullAWSAccess, Name: "RCPFullAWSAccess", Description: "Allows access to every operation", Type: typeRCP,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
	},
}

// maxPoliciesPerTarget is AWS's quota of SCPs (and of RCPs) directly
// attached to one root, OU or account.
const maxPoliciesPerTarget = 5

// lookupPolicy returns a customer or AWS managed policy by ID.
func (o *orgRec) lookupPolicy(id string) *policyRec {
	if p := o.Policies[id]; p != nil {
		return p
	}
	return awsPolicies[id]
}

func (o *orgRec) policyType(id string) string {
	if p := o.lookupPolicy(id); p != nil {
		return p.Type
	}
	return ""
}

func (o *orgRec) policySummary(p *policyRec) *organizationsapi.PolicySummary {
	_, aws := awsPolicies[p.ID]
	return &organizationsapi.PolicySummary{
		Id: api.String(p.ID), Arn: api.String(o.policyARN(p.ID, p.Type)), Name: api.String(p.Name),
		Description: api.String(p.Description), Type: api.Ptr(organizationsapi.PolicyType(p.Type)), AwsManaged: api.Bool(aws),
	}
}

func (o *orgRec) policyOutput(p *policyRec) *organizationsapi.Policy {
	return &organizationsapi.Policy{PolicySummary: o.policySummary(p), Content: api.String(p.Content)}
}

// policyResource is the ARN of a policy ID for authorization, and its
// condition keys.
func (o *orgRec) policyResource(id string) string {
	if p := o.lookupPolicy(id); p != nil {
		return o.policyARN(id, p.Type)
	}
	return "*"
}

// checkContent validates a policy document for its type: SCPs and RCPs with
// the policy engine's rules for those kinds (the engine enforces them
// later), other types as JSON only.
func checkContent(typ, content string) error {
	var kind policy.Kind
	switch typ {
	case typeSCP:
		kind = policy.SCP
	case typeRCP:
		kind = policy.RCP
	default:
		if !json.Valid([]byte(content)) {
			return malformedPolicy()
		}
		return nil
	}
	if _, err := policy.Parse(content, kind); err != nil {
		var ae *awserr.Error
		if errors.As(err, &ae) && ae.Code == "LimitExceeded" {
			return constraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create or update a policy whose content exceeds the maximum size.")
		}
		return malformedPolicy()
	}
	return nil
}

func malformedPolicy() error {
	return organizationsapi.ErrMalformedPolicyDocumentException("The provided policy document doesn't meet the requirements of the specified policy type.")
}

func duplicatePolicy() error {
	return organizationsapi.ErrDuplicatePolicyException("A policy with the same name already exists.")
}

func (s *Service) CreatePolicy(ctx context.Context, in *organizationsapi.CreatePolicyInput) (*organizationsapi.CreatePolicyOutput, error) {
	typ := string(in.Type)
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	keys := requestTagKeys(in.Tags)
	if keys == nil {
		keys = map[string][]string{}
	}
	keys["organizations:PolicyType"] = []string{typ}
	account, _, err := s.manage(ctx, "CreatePolicy", nil, keys)
	if err != nil {
		return nil, err
	}
	if err := checkContent(typ, in.Content); err != nil {
		return nil, err
	}
	var p *policyRec
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		for _, other := range o.Policies {
			if other.Type == typ && other.Name == in.Name {
				return duplicatePolicy()
			}
		}
		p = &policyRec{ID: o.newPolicyID(), Name: in.Name, Description: in.Description, Type: typ, Content: in.Content}
		o.Policies[p.ID] = p
		if len(in.Tags) > 0 {
			o.Tags[p.ID] = toTags(in.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.CreatePolicyOutput{Policy: o.policyOutput(p)}, nil
}

func (s *Service) DescribePolicy(ctx context.Context, in *organizationsapi.DescribePolicyInput) (*organizationsapi.DescribePolicyOutput, error) {
	_, o, err := s.manage(ctx, "DescribePolicy", func(o *orgRec) string { return o.policyResource(in.PolicyId) }, nil)
	if err != nil {
		return nil, err
	}
	p := o.lookupPolicy(in.PolicyId)
	if p == nil {
		return nil, policyNotFound()
	}
	return &organizationsapi.DescribePolicyOutput{Policy: o.policyOutput(p)}, nil
}

// customerPolicy returns the customer managed policy id; AWS managed ones
// cannot be changed.
func (o *orgRec) customerPolicy(id string) (*policyRec, error) {
	if _, ok := awsPolicies[id]; ok {
		return nil, notManagement()
	}
	p := o.Policies[id]
	if p == nil {
		return nil, policyNotFound()
	}
	return p, nil
}

func (s *Service) UpdatePolicy(ctx context.Context, in *organizationsapi.UpdatePolicyInput) (*organizationsapi.UpdatePolicyOutput, error) {
	account, _, err := s.manage(ctx, "UpdatePolicy", func(o *orgRec) string { return o.policyResource(in.PolicyId) }, nil)
	if err != nil {
		return nil, err
	}
	var p *policyRec
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		var err error
		if p, err = o.customerPolicy(in.PolicyId); err != nil {
			return err
		}
		if in.Content != nil {
			if err := checkContent(p.Type, *in.Content); err != nil {
				return err
			}
			p.Content = *in.Content
		}
		if in.Name != nil && *in.Name != p.Name {
			for _, other := range o.Policies {
				if other.Type == p.Type && other.Name == *in.Name {
					return duplicatePolicy()
				}
			}
			p.Name = *in.Name
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.UpdatePolicyOutput{Policy: o.policyOutput(p)}, nil
}

func (s *Service) DeletePolicy(ctx context.Context, in *organizationsapi.DeletePolicyInput) (*organizationsapi.DeletePolicyOutput, error) {
	account, _, err := s.manage(ctx, "DeletePolicy", func(o *orgRec) string { return o.policyResource(in.PolicyId) }, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if _, err := o.customerPolicy(in.PolicyId); err != nil {
			return err
		}
		if len(o.policyTargets(in.PolicyId)) > 0 {
			return organizationsapi.ErrPolicyInUseException("The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
		}
		delete(o.Policies, in.PolicyId)
		delete(o.Tags, in.PolicyId)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DeletePolicyOutput{}, nil
}

// policyTargets returns the targets a policy is attached to, sorted.
func (o *orgRec) policyTargets(id string) []string {
	var out []string
	for t, ids := range o.Attached {
		if slices.Contains(ids, id) {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// policiesOfType returns every policy of a type, AWS managed included,
// sorted by ID.
func (o *orgRec) policiesOfType(typ string) []*policyRec {
	var out []*policyRec
	for _, p := range awsPolicies {
		if p.Type == typ {
			out = append(out, p)
		}
	}
	for _, p := range o.Policies {
		if p.Type == typ {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func policyKey(p *policyRec) string { return p.ID }

func (s *Service) ListPolicies(ctx context.Context, in *organizationsapi.ListPoliciesInput) (*organizationsapi.ListPoliciesOutput, error) {
	_, o, err := s.manage(ctx, "ListPolicies", nil, policyTypeKeys(string(in.Filter)))
	if err != nil {
		return nil, err
	}
	ps, next, err := page(o.policiesOfType(string(in.Filter)), policyKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListPoliciesOutput{NextToken: next, Policies: []organizationsapi.PolicySummary{}}
	for _, p := range ps {
		out.Policies = append(out.Policies, *o.policySummary(p))
	}
	return out, nil
}

func (s *Service) ListPoliciesForTarget(ctx context.Context, in *organizationsapi.ListPoliciesForTargetInput) (*organizationsapi.ListPoliciesForTargetOutput, error) {
	_, o, err := s.manage(ctx, "ListPoliciesForTarget", func(o *orgRec) string { return orStar(o.targetARN(in.TargetId)) }, policyTypeKeys(string(in.Filter)))
	if err != nil {
		return nil, err
	}
	if o.targetARN(in.TargetId) == "" {
		return nil, targetNotFound()
	}
	var ps []*policyRec
	for _, id := range o.Attached[in.TargetId] {
		if p := o.lookupPolicy(id); p != nil && p.Type == string(in.Filter) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	ps, next, err := page(ps, policyKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListPoliciesForTargetOutput{NextToken: next, Policies: []organizationsapi.PolicySummary{}}
	for _, p := range ps {
		out.Policies = append(out.Policies, *o.policySummary(p))
	}
	return out, nil
}

func (s *Service) ListTargetsForPolicy(ctx context.Context, in *organizationsapi.ListTargetsForPolicyInput) (*organizationsapi.ListTargetsForPolicyOutput, error) {
	_, o, err := s.manage(ctx, "ListTargetsForPolicy", func(o *orgRec) string { return o.policyResource(in.PolicyId) }, nil)
	if err != nil {
		return nil, err
	}
	if o.lookupPolicy(in.PolicyId) == nil {
		return nil, policyNotFound()
	}
	ids, next, err := page(o.policyTargets(in.PolicyId), idKey, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &organizationsapi.ListTargetsForPolicyOutput{NextToken: next, Targets: []organizationsapi.PolicyTargetSummary{}}
	for _, id := range ids {
		out.Targets = append(out.Targets, o.targetSummary(id))
	}
	return out, nil
}

func (o *orgRec) targetSummary(id string) organizationsapi.PolicyTargetSummary {
	t := organizationsapi.PolicyTargetSummary{TargetId: api.String(id), Arn: api.String(o.targetARN(id))}
	switch {
	case id == o.Root.ID:
		t.Name, t.Type = api.String(o.Root.Name), api.Ptr(organizationsapi.TargetTypeROOT)
	case o.OUs[id] != nil:
		t.Name, t.Type = api.String(o.OUs[id].Name), api.Ptr(organizationsapi.TargetTypeORGANIZATIONALUNIT)
	case o.Accounts[id] != nil:
		t.Name, t.Type = api.String(o.Accounts[id].Name), api.Ptr(organizationsapi.TargetTypeACCOUNT)
	}
	return t
}

func (s *Service) AttachPolicy(ctx context.Context, in *organizationsapi.AttachPolicyInput) (*organizationsapi.AttachPolicyOutput, error) {
	account, err := s.authorizeAttachment(ctx, "AttachPolicy", in.PolicyId, in.TargetId)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		p := o.lookupPolicy(in.PolicyId)
		if p == nil {
			return policyNotFound()
		}
		if o.targetARN(in.TargetId) == "" {
			return targetNotFound()
		}
		if !o.typeEnabled(p.Type) {
			return policyTypeNotEnabled()
		}
		if slices.Contains(o.Attached[in.TargetId], p.ID) {
			return organizationsapi.ErrDuplicatePolicyAttachmentException("The selected policy is already attached to the specified target.")
		}
		if o.countOfType(in.TargetId, p.Type) >= maxPoliciesPerTarget {
			return constraint("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.")
		}
		o.attach(in.TargetId, p.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.AttachPolicyOutput{}, nil
}

// authorizeAttachment authorizes op (AttachPolicy, DetachPolicy) on the
// policy and, when it exists, on the target: the target is a resource of
// the action too (Service Authorization Reference), and both must be
// allowed. It returns the management account.
func (s *Service) authorizeAttachment(ctx context.Context, op, policyID, targetID string) (string, error) {
	account, o, err := s.manage(ctx, op, func(o *orgRec) string { return o.policyResource(policyID) }, nil)
	if err != nil {
		return "", err
	}
	if arn := o.targetARN(targetID); arn != "" {
		if err := s.authorize(ctx, account, op, arn, policyTypeKeys(o.policyType(policyID))); err != nil {
			return "", err
		}
	}
	return account, nil
}

func (o *orgRec) countOfType(target, typ string) int {
	n := 0
	for _, id := range o.Attached[target] {
		if o.policyType(id) == typ {
			n++
		}
	}
	return n
}

func (s *Service) DetachPolicy(ctx context.Context, in *organizationsapi.DetachPolicyInput) (*organizationsapi.DetachPolicyOutput, error) {
	account, err := s.authorizeAttachment(ctx, "DetachPolicy", in.PolicyId, in.TargetId)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		p := o.lookupPolicy(in.PolicyId)
		if p == nil {
			return policyNotFound()
		}
		if o.targetARN(in.TargetId) == "" {
			return targetNotFound()
		}
		if !slices.Contains(o.Attached[in.TargetId], p.ID) {
			return organizationsapi.ErrPolicyNotAttachedException("The policy isn't attached to the specified target in the specified root.")
		}
		// Every root, OU and account keeps at least one SCP (and RCP) while
		// the type is enabled: without one, nothing would be allowed.
		if _, enforced := enforcedTypes[p.Type]; enforced && o.typeEnabled(p.Type) && o.countOfType(in.TargetId, p.Type) <= 1 {
			return constraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.")
		}
		o.Attached[in.TargetId] = slices.DeleteFunc(o.Attached[in.TargetId], func(id string) bool { return id == p.ID })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DetachPolicyOutput{}, nil
}
