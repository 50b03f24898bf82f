package iam

import (
	"context"
	"fmt"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxAttached is the default managed-policies-per-user/group/role quota.
const maxAttached = 10

// holder is a user, group or role: something policies attach to.
type holder interface {
	attached() *[]string
	inline() *map[string]string
}

func (u *userRec) attached() *[]string        { return &u.Attached }
func (u *userRec) inline() *map[string]string { return &u.Inline }
func (g *groupRec) attached() *[]string       { return &g.Attached }
func (g *groupRec) inline() *map[string]string {
	return &g.Inline
}
func (r *roleRec) attached() *[]string        { return &r.Attached }
func (r *roleRec) inline() *map[string]string { return &r.Inline }

// holderKind describes one kind of holder for the shared code below.
type holderKind struct {
	kind      string // record kind
	label     string // "user", "group", "role" in messages
	quotaName string // "PoliciesPerUser"
	inlineMax int
	noSuch    func(name string) error
}

var (
	userHolder  = holderKind{kindUser, "user", "PoliciesPerUser", userInlineMax, func(n string) error { return noSuchUser(n) }}
	groupHolder = holderKind{kindGroup, "group", "PoliciesPerGroup", groupInlineMax, func(n string) error { return noSuchGroup(n) }}
	roleHolder  = holderKind{kindRole, "role", "PoliciesPerRole", roleInlineMax, func(n string) error { return noSuchRole(n) }}
)

// attachPolicy attaches policyArn to the holder in one transaction, counting
// the attachment on the policy.
func attachPolicy[T any, P interface {
	*T
	holder
}](ctx context.Context, s *Service, account string, hk holderKind, name, policyArn string) error {
	if _, err := parsePolicyARN(policyArn); err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		key := recordKey(account, hk.kind, name)
		return modify(tx, key, hk.noSuch(name), func(rec *T) error {
			if err := protectedHolder(rec); err != nil {
				return err
			}
			h := P(rec)
			list := h.attached()
			if contains(*list, policyArn) {
				return nil // attaching again succeeds and changes nothing
			}
			if _, found, err := lookupPolicy(tx, account, policyArn); err != nil {
				return err
			} else if !found {
				return noSuchPolicy(policyArn)
			}
			if len(*list) >= maxAttached {
				return quota(hk.quotaName, maxAttached)
			}
			*list = append(*list, policyArn)
			return countUse(tx, account, policyArn, 1, 0)
		})
	})
}

func detachPolicy[T any, P interface {
	*T
	holder
}](ctx context.Context, s *Service, account string, hk holderKind, name, policyArn string) error {
	if _, err := parsePolicyARN(policyArn); err != nil {
		return err
	}
	return s.update(ctx, func(tx store.Tx) error {
		key := recordKey(account, hk.kind, name)
		return modify(tx, key, hk.noSuch(name), func(rec *T) error {
			if err := protectedHolder(rec); err != nil {
				return err
			}
			h := P(rec)
			list := h.attached()
			if !contains(*list, policyArn) {
				return noSuchEntity("Policy %s was not found.", policyArn)
			}
			*list = remove(*list, policyArn)
			return countUse(tx, account, policyArn, -1, 0)
		})
	})
}

// listAttached pages the policies attached to a holder whose paths fall under
// PathPrefix, in the order they were attached.
func listAttached(attached []string, pathPrefix, marker *string, maxItems *int32) ([]iamapi.AttachedPolicy, *bool, *string, error) {
	prefix, err := checkPathPrefix(pathPrefix)
	if err != nil {
		return nil, nil, nil, err
	}
	type item struct {
		i   int
		ref policyRef
	}
	var items []item
	for i, a := range attached {
		ref, err := parsePolicyARN(a)
		if err != nil {
			continue
		}
		if underPath(ref.path, prefix) {
			items = append(items, item{i, ref})
		}
	}
	pg, trunc, next, err := page(items, func(x item) string { return fmt.Sprintf("%04d", x.i) }, marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	out := []iamapi.AttachedPolicy{}
	for _, x := range pg {
		out = append(out, iamapi.AttachedPolicy{PolicyName: api.String(x.ref.name), PolicyArn: api.String(x.ref.arn)})
	}
	return out, trunc, next, nil
}

func policyKeys(policyArn string) map[string][]string {
	return map[string][]string{"iam:PolicyARN": {policyArn}}
}

func (s *Service) AttachUserPolicy(ctx context.Context, in *iamapi.AttachUserPolicyInput) (*iamapi.AttachUserPolicyOutput, error) {
	t, err := s.authUser(ctx, "AttachUserPolicy", in.UserName, policyKeys(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	if err := attachPolicy[userRec](ctx, s, t.account, userHolder, in.UserName, in.PolicyArn); err != nil {
		return nil, err
	}
	return &iamapi.AttachUserPolicyOutput{}, nil
}

func (s *Service) DetachUserPolicy(ctx context.Context, in *iamapi.DetachUserPolicyInput) (*iamapi.DetachUserPolicyOutput, error) {
	t, err := s.authUser(ctx, "DetachUserPolicy", in.UserName, policyKeys(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	if err := detachPolicy[userRec](ctx, s, t.account, userHolder, in.UserName, in.PolicyArn); err != nil {
		return nil, err
	}
	return &iamapi.DetachUserPolicyOutput{}, nil
}

func (s *Service) ListAttachedUserPolicies(ctx context.Context, in *iamapi.ListAttachedUserPoliciesInput) (*iamapi.ListAttachedUserPoliciesOutput, error) {
	t, err := s.authUser(ctx, "ListAttachedUserPolicies", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := listAttached(t.rec.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedUserPoliciesOutput{AttachedPolicies: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) AttachGroupPolicy(ctx context.Context, in *iamapi.AttachGroupPolicyInput) (*iamapi.AttachGroupPolicyOutput, error) {
	t, err := s.authGroup(ctx, "AttachGroupPolicy", in.GroupName, policyKeys(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	if err := attachPolicy[groupRec](ctx, s, t.account, groupHolder, in.GroupName, in.PolicyArn); err != nil {
		return nil, err
	}
	return &iamapi.AttachGroupPolicyOutput{}, nil
}

func (s *Service) DetachGroupPolicy(ctx context.Context, in *iamapi.DetachGroupPolicyInput) (*iamapi.DetachGroupPolicyOutput, error) {
	t, err := s.authGroup(ctx, "DetachGroupPolicy", in.GroupName, policyKeys(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	if err := detachPolicy[groupRec](ctx, s, t.account, groupHolder, in.GroupName, in.PolicyArn); err != nil {
		return nil, err
	}
	return &iamapi.DetachGroupPolicyOutput{}, nil
}

func (s *Service) ListAttachedGroupPolicies(ctx context.Context, in *iamapi.ListAttachedGroupPoliciesInput) (*iamapi.ListAttachedGroupPoliciesOutput, error) {
	t, err := s.authGroup(ctx, "ListAttachedGroupPolicies", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := listAttached(t.rec.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedGroupPoliciesOutput{AttachedPolicies: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) AttachRolePolicy(ctx context.Context, in *iamapi.AttachRolePolicyInput) (*iamapi.AttachRolePolicyOutput, error) {
	t, err := s.authRole(ctx, "AttachRolePolicy", in.RoleName, policyKeys(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	if err := attachPolicy[roleRec](ctx, s, t.account, roleHolder, in.RoleName, in.PolicyArn); err != nil {
		return nil, err
	}
	return &iamapi.AttachRolePolicyOutput{}, nil
}

func (s *Service) DetachRolePolicy(ctx context.Context, in *iamapi.DetachRolePolicyInput) (*iamapi.DetachRolePolicyOutput, error) {
	t, err := s.authRole(ctx, "DetachRolePolicy", in.RoleName, policyKeys(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	if err := detachPolicy[roleRec](ctx, s, t.account, roleHolder, in.RoleName, in.PolicyArn); err != nil {
		return nil, err
	}
	return &iamapi.DetachRolePolicyOutput{}, nil
}

func (s *Service) ListAttachedRolePolicies(ctx context.Context, in *iamapi.ListAttachedRolePoliciesInput) (*iamapi.ListAttachedRolePoliciesOutput, error) {
	t, err := s.authRole(ctx, "ListAttachedRolePolicies", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := listAttached(t.rec.Attached, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListAttachedRolePoliciesOutput{AttachedPolicies: pg, IsTruncated: trunc, Marker: marker}, nil
}
