package iam

import (
	"context"
	"strings"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// inlineName finds the stored name of an inline policy; names are matched
// without regard to case like every IAM name.
func inlineName(m map[string]string, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

func putInline[T any, P interface {
	*T
	holder
}](ctx context.Context, s *Service, account string, hk holderKind, name, policyName, doc string) error {
	if err := checkName(policyName, "policyName", 128); err != nil {
		return err
	}
	if err := checkDocument(doc, inlineDoc); err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(account, hk.kind, name), hk.noSuch(name), func(rec *T) error {
			if err := protectedHolder(rec); err != nil {
				return err
			}
			m := P(rec).inline()
			if *m == nil {
				*m = map[string]string{}
			}
			if old, ok := inlineName(*m, policyName); ok {
				delete(*m, old)
			}
			(*m)[policyName] = doc
			// The quota is on the total size of an entity's inline policies
			// (IAM User Guide, "IAM object quotas").
			total := 0
			for _, d := range *m {
				total += docSize(d)
			}
			if total > hk.inlineMax {
				return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", hk.inlineMax, hk.label, name)
			}
			return nil
		})
	})
}

func deleteInline[T any, P interface {
	*T
	holder
}](ctx context.Context, s *Service, account string, hk holderKind, name, policyName string) error {
	return s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(account, hk.kind, name), hk.noSuch(name), func(rec *T) error {
			if err := protectedHolder(rec); err != nil {
				return err
			}
			m := P(rec).inline()
			k, ok := inlineName(*m, policyName)
			if !ok {
				return noSuchInline(hk.label, policyName)
			}
			delete(*m, k)
			return nil
		})
	})
}

func getInline(m map[string]string, label, policyName string) (string, string, error) {
	k, ok := inlineName(m, policyName)
	if !ok {
		return "", "", noSuchInline(label, policyName)
	}
	return k, *encodeDoc(m[k]), nil
}

func listInline(m map[string]string, marker *string, maxItems *int32) ([]string, *bool, *string, error) {
	names := sortedNames(m)
	sortByName(names, func(s string) string { return s })
	pg, trunc, next, err := page(names, lower, marker, maxItems)
	if pg == nil {
		pg = []string{}
	}
	return pg, trunc, next, err
}

func (s *Service) PutUserPolicy(ctx context.Context, in *iamapi.PutUserPolicyInput) (*iamapi.PutUserPolicyOutput, error) {
	t, err := s.authUser(ctx, "PutUserPolicy", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	if err := putInline[userRec](ctx, s, t.account, userHolder, in.UserName, in.PolicyName, in.PolicyDocument); err != nil {
		return nil, err
	}
	return &iamapi.PutUserPolicyOutput{}, nil
}

func (s *Service) GetUserPolicy(ctx context.Context, in *iamapi.GetUserPolicyInput) (*iamapi.GetUserPolicyOutput, error) {
	t, err := s.authUser(ctx, "GetUserPolicy", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	name, doc, err := getInline(t.rec.Inline, "user", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserPolicyOutput{UserName: t.rec.Name, PolicyName: name, PolicyDocument: doc}, nil
}

func (s *Service) DeleteUserPolicy(ctx context.Context, in *iamapi.DeleteUserPolicyInput) (*iamapi.DeleteUserPolicyOutput, error) {
	t, err := s.authUser(ctx, "DeleteUserPolicy", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	if err := deleteInline[userRec](ctx, s, t.account, userHolder, in.UserName, in.PolicyName); err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserPolicyOutput{}, nil
}

func (s *Service) ListUserPolicies(ctx context.Context, in *iamapi.ListUserPoliciesInput) (*iamapi.ListUserPoliciesOutput, error) {
	t, err := s.authUser(ctx, "ListUserPolicies", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := listInline(t.rec.Inline, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserPoliciesOutput{PolicyNames: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) PutGroupPolicy(ctx context.Context, in *iamapi.PutGroupPolicyInput) (*iamapi.PutGroupPolicyOutput, error) {
	t, err := s.authGroup(ctx, "PutGroupPolicy", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	if err := putInline[groupRec](ctx, s, t.account, groupHolder, in.GroupName, in.PolicyName, in.PolicyDocument); err != nil {
		return nil, err
	}
	return &iamapi.PutGroupPolicyOutput{}, nil
}

func (s *Service) GetGroupPolicy(ctx context.Context, in *iamapi.GetGroupPolicyInput) (*iamapi.GetGroupPolicyOutput, error) {
	t, err := s.authGroup(ctx, "GetGroupPolicy", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	name, doc, err := getInline(t.rec.Inline, "group", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetGroupPolicyOutput{GroupName: t.rec.Name, PolicyName: name, PolicyDocument: doc}, nil
}

func (s *Service) DeleteGroupPolicy(ctx context.Context, in *iamapi.DeleteGroupPolicyInput) (*iamapi.DeleteGroupPolicyOutput, error) {
	t, err := s.authGroup(ctx, "DeleteGroupPolicy", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	if err := deleteInline[groupRec](ctx, s, t.account, groupHolder, in.GroupName, in.PolicyName); err != nil {
		return nil, err
	}
	return &iamapi.DeleteGroupPolicyOutput{}, nil
}

func (s *Service) ListGroupPolicies(ctx context.Context, in *iamapi.ListGroupPoliciesInput) (*iamapi.ListGroupPoliciesOutput, error) {
	t, err := s.authGroup(ctx, "ListGroupPolicies", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := listInline(t.rec.Inline, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListGroupPoliciesOutput{PolicyNames: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) PutRolePolicy(ctx context.Context, in *iamapi.PutRolePolicyInput) (*iamapi.PutRolePolicyOutput, error) {
	t, err := s.authRole(ctx, "PutRolePolicy", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	if err := putInline[roleRec](ctx, s, t.account, roleHolder, in.RoleName, in.PolicyName, in.PolicyDocument); err != nil {
		return nil, err
	}
	return &iamapi.PutRolePolicyOutput{}, nil
}

func (s *Service) GetRolePolicy(ctx context.Context, in *iamapi.GetRolePolicyInput) (*iamapi.GetRolePolicyOutput, error) {
	t, err := s.authRole(ctx, "GetRolePolicy", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	name, doc, err := getInline(t.rec.Inline, "role", in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetRolePolicyOutput{RoleName: t.rec.Name, PolicyName: name, PolicyDocument: doc}, nil
}

func (s *Service) DeleteRolePolicy(ctx context.Context, in *iamapi.DeleteRolePolicyInput) (*iamapi.DeleteRolePolicyOutput, error) {
	t, err := s.authRole(ctx, "DeleteRolePolicy", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	if err := deleteInline[roleRec](ctx, s, t.account, roleHolder, in.RoleName, in.PolicyName); err != nil {
		return nil, err
	}
	return &iamapi.DeleteRolePolicyOutput{}, nil
}

func (s *Service) ListRolePolicies(ctx context.Context, in *iamapi.ListRolePoliciesInput) (*iamapi.ListRolePoliciesOutput, error) {
	t, err := s.authRole(ctx, "ListRolePolicies", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := listInline(t.rec.Inline, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRolePoliciesOutput{PolicyNames: pg, IsTruncated: trunc, Marker: marker}, nil
}
