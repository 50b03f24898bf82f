package organizations

import (
	"context"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/store"
)

// The organization's resource policy (delegation policy): the management
// account lets principals of other accounts call Organizations operations.
// doppel honours it for the Describe and List operations, which manage
// then authorizes against it as a cross-account request; changes stay the
// management account's.

type resourcePolicyRec struct {
	ID      string
	Content string
}

func (o *orgRec) resourcePolicyOutput() *organizationsapi.ResourcePolicy {
	rp := o.ResourcePolicy
	return &organizationsapi.ResourcePolicy{
		ResourcePolicySummary: &organizationsapi.ResourcePolicySummary{
			Id: api.String(rp.ID), Arn: api.String(arnPrefix + o.Master + ":resourcepolicy/" + o.ID + "/" + rp.ID),
		},
		Content: api.String(rp.Content),
	}
}

func resourcePolicyNotFound() error {
	return organizationsapi.ErrResourcePolicyNotFoundException("We can't find a resource policy request with the parameter that you specified.")
}

func (s *Service) PutResourcePolicy(ctx context.Context, in *organizationsapi.PutResourcePolicyInput) (*organizationsapi.PutResourcePolicyOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.manage(ctx, "PutResourcePolicy", nil, requestTagKeys(in.Tags))
	if err != nil {
		return nil, err
	}
	if _, err := policy.Parse(in.Content, policy.Resource); err != nil {
		return nil, invalidInput("INVALID_RESOURCE_POLICY_JSON", "The provided policy document doesn't meet the requirements of a resource policy.")
	}
	o, err := s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if o.ResourcePolicy == nil {
			o.ResourcePolicy = &resourcePolicyRec{ID: "rp-" + randomID(8)}
		}
		o.ResourcePolicy.Content = in.Content
		if len(in.Tags) > 0 {
			o.Tags[o.ResourcePolicy.ID] = toTags(in.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.PutResourcePolicyOutput{ResourcePolicy: o.resourcePolicyOutput()}, nil
}

func (s *Service) DescribeResourcePolicy(ctx context.Context, in *organizationsapi.DescribeResourcePolicyInput) (*organizationsapi.DescribeResourcePolicyOutput, error) {
	_, o, err := s.manage(ctx, "DescribeResourcePolicy", nil, nil)
	if err != nil {
		return nil, err
	}
	if o.ResourcePolicy == nil {
		return nil, resourcePolicyNotFound()
	}
	return &organizationsapi.DescribeResourcePolicyOutput{ResourcePolicy: o.resourcePolicyOutput()}, nil
}

func (s *Service) DeleteResourcePolicy(ctx context.Context, in *organizationsapi.DeleteResourcePolicyInput) (*organizationsapi.DeleteResourcePolicyOutput, error) {
	account, _, err := s.manage(ctx, "DeleteResourcePolicy", nil, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, account, func(_ store.Tx, o *orgRec) error {
		if o.ResourcePolicy == nil {
			return resourcePolicyNotFound()
		}
		delete(o.Tags, o.ResourcePolicy.ID)
		o.ResourcePolicy = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &organizationsapi.DeleteResourcePolicyOutput{}, nil
}
