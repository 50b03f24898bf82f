package iam

import (
	"context"
	"sort"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

func (s *Service) GetMFADevice(ctx context.Context, in *iamapi.GetMFADeviceInput) (*iamapi.GetMFADeviceOutput, error) {
	name, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		// The root user's MFA is not modelled (ListMFADevices): it has none.
		if _, err := s.authKeyUser(ctx, "GetMFADevice", ""); err != nil {
			return nil, err
		}
		return nil, noSuchEntity("MFA Device with serial number %s does not exist.", in.SerialNumber)
	}
	t, err := s.authUser(ctx, "GetMFADevice", name, nil)
	if err != nil {
		return nil, err
	}
	var d mfaRec
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		_, d, err = userDevice(tx, t.account, name, in.SerialNumber)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetMFADeviceOutput{UserName: api.String(d.User), SerialNumber: d.Serial, EnableDate: d.Enabled}, nil
}

func (s *Service) ListEntitiesForPolicy(ctx context.Context, in *iamapi.ListEntitiesForPolicyInput) (*iamapi.ListEntitiesForPolicyOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, _, err := s.authPolicy(ctx, "ListEntitiesForPolicy", in.PolicyArn, nil)
	if err != nil {
		return nil, err
	}
	filter := iamapi.EntityType("")
	if in.EntityFilter != nil {
		filter = *in.EntityFilter
	}
	usage := ""
	if in.PolicyUsageFilter != nil {
		usage = string(*in.PolicyUsageFilter)
	}
	// uses reports whether an entity uses the policy as the filter asks.
	uses := func(attached []string, boundary string) bool {
		switch usage {
		case "PermissionsPolicy":
			return contains(attached, in.PolicyArn)
		case "PermissionsBoundary":
			return boundary == in.PolicyArn
		}
		return contains(attached, in.PolicyArn) || boundary == in.PolicyArn
	}
	// One list in a fixed order (groups, users, roles) for pagination.
	type entity struct{ kind, name, id string }
	var all []entity
	err = s.view(ctx, func(tx store.Tx) error {
		if filter == "" || filter == iamapi.EntityTypeGroup {
			gs, err := scan[groupRec](tx, account, kindGroup)
			if err != nil {
				return err
			}
			for _, g := range gs {
				if underPath(g.Path, prefix) && uses(g.Attached, "") {
					all = append(all, entity{"group", g.Name, g.ID})
				}
			}
		}
		if filter == "" || filter == iamapi.EntityTypeUser {
			us, err := scan[userRec](tx, account, kindUser)
			if err != nil {
				return err
			}
			for _, u := range us {
				if underPath(u.Path, prefix) && uses(u.Attached, u.Boundary) {
					all = append(all, entity{"user", u.Name, u.ID})
				}
			}
		}
		if filter == "" || filter == iamapi.EntityTypeRole {
			rs, err := scan[roleRec](tx, account, kindRole)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if underPath(r.Path, prefix) && uses(r.Attached, r.Boundary) {
					all = append(all, entity{"role", r.Name, r.ID})
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	order := map[string]string{"group": "1", "user": "2", "role": "3"}
	pg, trunc, marker, err := page(all, func(e entity) string { return order[e.kind] + lower(e.name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListEntitiesForPolicyOutput{PolicyGroups: []iamapi.PolicyGroup{}, PolicyUsers: []iamapi.PolicyUser{}, PolicyRoles: []iamapi.PolicyRole{}, IsTruncated: trunc, Marker: marker}
	for _, e := range pg {
		switch e.kind {
		case "group":
			out.PolicyGroups = append(out.PolicyGroups, iamapi.PolicyGroup{GroupName: api.String(e.name), GroupId: api.String(e.id)})
		case "user":
			out.PolicyUsers = append(out.PolicyUsers, iamapi.PolicyUser{UserName: api.String(e.name), UserId: api.String(e.id)})
		case "role":
			out.PolicyRoles = append(out.PolicyRoles, iamapi.PolicyRole{RoleName: api.String(e.name), RoleId: api.String(e.id)})
		}
	}
	return out, nil
}

func inlineDetails(m map[string]string) []iamapi.PolicyDetail {
	var out []iamapi.PolicyDetail
	for _, name := range sortedNames(m) {
		out = append(out, iamapi.PolicyDetail{PolicyName: api.String(name), PolicyDocument: encodeDoc(m[name])})
	}
	return out
}

func attachedDetails(list []string) []iamapi.AttachedPolicy {
	var out []iamapi.AttachedPolicy
	for _, a := range list {
		if ref, err := parsePolicyARN(a); err == nil {
			out = append(out, iamapi.AttachedPolicy{PolicyName: api.String(ref.name), PolicyArn: api.String(a)})
		}
	}
	return out
}

// GetAccountAuthorizationDetails lists every user, group, role and managed
// policy in use with their policies. Pagination runs over one list in the
// order users, groups, roles, policies. AWS managed policies appear only when
// attached in the account, as on AWS.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, in *iamapi.GetAccountAuthorizationDetailsInput) (*iamapi.GetAccountAuthorizationDetailsOutput, error) {
	account, err := s.begin(ctx, "GetAccountAuthorizationDetails", nil, nil)
	if err != nil {
		return nil, err
	}
	want := func(t iamapi.EntityType) bool {
		if len(in.Filter) == 0 {
			return true
		}
		for _, f := range in.Filter {
			if f == t {
				return true
			}
		}
		return false
	}
	type item struct {
		key    string
		user   *iamapi.UserDetail
		group  *iamapi.GroupDetail
		role   *iamapi.RoleDetail
		policy *iamapi.ManagedPolicyDetail
	}
	var items []item
	err = s.view(ctx, func(tx store.Tx) error {
		if want(iamapi.EntityTypeUser) {
			us, err := scan[userRec](tx, account, kindUser)
			if err != nil {
				return err
			}
			for _, u := range us {
				d := &iamapi.UserDetail{
					Path: api.String(u.Path), UserName: api.String(u.Name), UserId: api.String(u.ID), Arn: api.String(userARN(account, u)),
					CreateDate: api.Time(u.Created), UserPolicyList: inlineDetails(u.Inline), GroupList: append([]string{}, u.Groups...),
					AttachedManagedPolicies: attachedDetails(u.Attached), PermissionsBoundary: boundaryOf(u.Boundary), Tags: fromTags(u.Tags),
				}
				items = append(items, item{key: "1" + lower(u.Name), user: d})
			}
		}
		if want(iamapi.EntityTypeGroup) {
			gs, err := scan[groupRec](tx, account, kindGroup)
			if err != nil {
				return err
			}
			for _, g := range gs {
				d := &iamapi.GroupDetail{
					Path: api.String(g.Path), GroupName: api.String(g.Name), GroupId: api.String(g.ID), Arn: api.String(groupARN(account, g)),
					CreateDate: api.Time(g.Created), GroupPolicyList: inlineDetails(g.Inline), AttachedManagedPolicies: attachedDetails(g.Attached),
				}
				items = append(items, item{key: "2" + lower(g.Name), group: d})
			}
		}
		if want(iamapi.EntityTypeRole) {
			rs, err := scan[roleRec](tx, account, kindRole)
			if err != nil {
				return err
			}
			for _, r := range rs {
				full := toRole(account, r, true)
				d := &iamapi.RoleDetail{
					Path: api.String(r.Path), RoleName: api.String(r.Name), RoleId: api.String(r.ID), Arn: api.String(full.Arn),
					CreateDate: api.Time(r.Created), AssumeRolePolicyDocument: full.AssumeRolePolicyDocument,
					RolePolicyList: inlineDetails(r.Inline), AttachedManagedPolicies: attachedDetails(r.Attached),
					PermissionsBoundary: full.PermissionsBoundary, Tags: full.Tags, RoleLastUsed: full.RoleLastUsed,
					InstanceProfileList: []iamapi.InstanceProfile{},
				}
				for _, pn := range r.Profiles {
					p, found, err := get[profileRec](tx, recordKey(account, kindProfile, pn))
					if err != nil {
						return err
					}
					if found {
						ip, err := toProfile(tx, account, p, false)
						if err != nil {
							return err
						}
						d.InstanceProfileList = append(d.InstanceProfileList, ip)
					}
				}
				items = append(items, item{key: "3" + lower(r.Name), role: d})
			}
		}
		var policies []managedPolicy
		if want(iamapi.EntityTypeLocalManagedPolicy) {
			ps, err := scan[policyRec](tx, account, kindPolicy)
			if err != nil {
				return err
			}
			for i := range ps {
				policies = append(policies, managedPolicy{customer: &ps[i]})
			}
		}
		if want(iamapi.EntityTypeAWSManagedPolicy) {
			err := store.ScanJSON(tx, table, kindPrefix(account, kindAWSUsage), "", func(_ string, u awsUsage) (bool, error) {
				if u.Attachments+u.BoundaryUses == 0 {
					return true, nil
				}
				m, found, err := lookupPolicy(tx, account, u.ARN)
				if err == nil && found {
					policies = append(policies, m)
				}
				return true, err
			})
			if err != nil {
				return err
			}
		}
		for _, m := range policies {
			p := m.toPolicy(account, true)
			d := &iamapi.ManagedPolicyDetail{
				PolicyName: p.PolicyName, PolicyId: p.PolicyId, Arn: p.Arn, Path: p.Path, DefaultVersionId: p.DefaultVersionId,
				AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount, IsAttachable: p.IsAttachable,
				Description: p.Description, CreateDate: p.CreateDate, UpdateDate: p.UpdateDate,
			}
			for _, v := range versionsOf(m) {
				d.PolicyVersionList = append(d.PolicyVersionList, *toVersion(m, v, true))
			}
			items = append(items, item{key: "4" + lower(m.name()) + "\x00" + *p.Arn, policy: d})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	pg, trunc, marker, err := page(items, func(x item) string { return x.key }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.GetAccountAuthorizationDetailsOutput{
		UserDetailList: []iamapi.UserDetail{}, GroupDetailList: []iamapi.GroupDetail{}, RoleDetailList: []iamapi.RoleDetail{},
		Policies: []iamapi.ManagedPolicyDetail{}, IsTruncated: trunc, Marker: marker,
	}
	for _, x := range pg {
		switch {
		case x.user != nil:
			out.UserDetailList = append(out.UserDetailList, *x.user)
		case x.group != nil:
			out.GroupDetailList = append(out.GroupDetailList, *x.group)
		case x.role != nil:
			out.RoleDetailList = append(out.RoleDetailList, *x.role)
		case x.policy != nil:
			out.Policies = append(out.Policies, *x.policy)
		}
	}
	return out, nil
}
