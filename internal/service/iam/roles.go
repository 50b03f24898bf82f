package iam

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// A role's MaxSessionDuration is between one and twelve hours; one hour when
// not given (IAM API reference, CreateRole).
const (
	minSession     = 3600
	maxSession     = 43200
	defaultSession = 3600
)

func roleARN(account string, r roleRec) string { return arn(account, "role", r.Path, r.Name) }

func toRole(account string, r roleRec, full bool) iamapi.Role {
	return roleOutput(r, roleARN(account, r), encodeDoc(r.AssumeRolePolicy), api.Int32(r.MaxSessionDuration), full)
}

// roleOutput is toRole with the role's ARN, encoded trust policy and
// maximum session duration already made.
func roleOutput(r roleRec, arn string, doc *string, maxSession *int32, full bool) iamapi.Role {
	out := iamapi.Role{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: arn, CreateDate: r.Created,
		AssumeRolePolicyDocument: doc, Description: r.Description, MaxSessionDuration: maxSession,
	}
	if full {
		out.PermissionsBoundary = boundaryOf(r.Boundary)
		out.Tags = fromTags(r.Tags)
		out.RoleLastUsed = &iamapi.RoleLastUsed{LastUsedDate: r.LastUsed}
		if r.LastUsedRegion != "" {
			out.RoleLastUsed.Region = api.String(r.LastUsedRegion)
		}
	}
	return out
}

// cachedRole is a role as the role cache keeps it: the stored record (the
// JSON decodes into the embedded roleRec) and what every read derives from
// it, made once per record and shared by the outputs (never modified).
type cachedRole struct {
	roleRec
	arn        string
	doc        *string // AssumeRolePolicyDocument as IAM sends it
	maxSession *int32
	tags       map[string]string // nil when untagged
}

func fillRole(account string, r *cachedRole) {
	r.arn = roleARN(account, r.roleRec)
	r.doc = encodeDoc(r.AssumeRolePolicy)
	r.maxSession = api.Int32(r.MaxSessionDuration)
	if len(r.Tags) > 0 {
		r.tags = make(map[string]string, len(r.Tags))
		for _, t := range r.Tags {
			r.tags[t.Key] = t.Value
		}
	}
}

func (r *cachedRole) output(full bool) iamapi.Role {
	return roleOutput(r.roleRec, r.arn, r.doc, r.maxSession, full)
}

func checkSessionDuration(d *int32) (int32, error) {
	if d == nil {
		return defaultSession, nil
	}
	v := *d
	if v < minSession {
		return 0, validationError(strconv.Itoa(int(v)), "maxSessionDuration", "must have value greater than or equal to 3600")
	}
	if v > maxSession {
		return 0, validationError(strconv.Itoa(int(v)), "maxSessionDuration", "must have value less than or equal to 43200")
	}
	return v, nil
}

func checkTrustDocument(doc string) error {
	if err := checkDocument(doc, trustDoc); err != nil {
		return err
	}
	if docSize(doc) > trustPolicyMax {
		return quota("ACLSizePerRole", trustPolicyMax)
	}
	return nil
}

func (s *Service) CreateRole(ctx context.Context, in *iamapi.CreateRoleInput) (*iamapi.CreateRoleOutput, error) {
	if err := checkName(in.RoleName, "roleName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	// Only CreateServiceLinkedRole makes roles there; SCPs and RCPs exempt
	// them, so a role that merely looked like one would escape both.
	if strings.HasPrefix(path, linkedPathPrefix) {
		return nil, invalidInput("Path prefix '%s' can only be used for AWS Service linked Roles", linkedPathPrefix)
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	session, err := checkSessionDuration(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkTrustDocument(in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	boundary := api.ToString(in.PermissionsBoundary)
	keys := boundaryKey(requestTagKeys(nil, in.Tags), boundary)
	account, err := s.begin(ctx, "CreateRole", func(a string) string { return arn(a, "role", path, in.RoleName) }, keys)
	if err != nil {
		return nil, err
	}
	r := roleRec{
		Name: in.RoleName, Path: path, ID: newID("AROA"), Created: s.now().UTC().Truncate(time.Second),
		Description: in.Description, AssumeRolePolicy: in.AssumeRolePolicyDocument, MaxSessionDuration: session,
		Boundary: boundary, Tags: toTags(in.Tags),
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[roleRec](tx, recordKey(account, kindRole, r.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("Role with name %s already exists.", r.Name)
		}
		if err := checkQuota(tx, account, kindRole, "RolesPerAccount", rolesQuota); err != nil {
			return err
		}
		if boundary != "" {
			if err := useBoundary(tx, account, boundary, 1); err != nil {
				return err
			}
		}
		ids, err := trustIDs(tx, r.AssumeRolePolicy)
		if err != nil {
			return err
		}
		r.TrustIDs = ids
		return put(tx, recordKey(account, kindRole, r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	out := toRole(account, r, false)
	out.PermissionsBoundary = boundaryOf(r.Boundary)
	out.Tags = fromTags(r.Tags)
	return &iamapi.CreateRoleOutput{Role: &out}, nil
}

func (s *Service) GetRole(ctx context.Context, in *iamapi.GetRoleInput) (*iamapi.GetRoleOutput, error) {
	t, err := s.authRole(ctx, "GetRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	out := toRole(t.account, t.rec, true)
	return &iamapi.GetRoleOutput{Role: &out}, nil
}

func (s *Service) ListRoles(ctx context.Context, in *iamapi.ListRolesInput) (*iamapi.ListRolesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "ListRoles", nil, nil)
	if err != nil {
		return nil, err
	}
	all, err := s.roles.scan(ctx, s, account, kindRole)
	if err != nil {
		return nil, err
	}
	roles := underPrefix(all, prefix, func(r *cachedRole) string { return r.Path })
	pg, trunc, marker, err := page(roles, func(r cachedRole) string { return lower(r.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListRolesOutput{IsTruncated: trunc, Marker: marker, Roles: make([]iamapi.Role, 0, len(pg))}
	for i := range pg {
		out.Roles = append(out.Roles, pg[i].output(false))
	}
	return out, nil
}

func (s *Service) DeleteRole(ctx context.Context, in *iamapi.DeleteRoleInput) (*iamapi.DeleteRoleOutput, error) {
	t, err := s.authRole(ctx, "DeleteRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		r, found, err := get[roleRec](tx, recordKey(t.account, kindRole, in.RoleName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchRole(in.RoleName)
		}
		if err := protectedRole(r); err != nil {
			return err
		}
		switch {
		case len(r.Profiles) > 0:
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		case len(r.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
		case len(r.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		}
		if r.Boundary != "" {
			if err := useBoundary(tx, t.account, r.Boundary, -1); err != nil {
				return err
			}
		}
		if err := tx.Delete(table, recordKey(t.account, kindRole, r.Name)); err != nil {
			return err
		}
		return repointTrust(tx, r.ID, r.ID)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRoleOutput{}, nil
}

func (s *Service) modifyRole(ctx context.Context, account, name string, fn func(*roleRec) error) (roleRec, error) {
	var out roleRec
	err := s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(account, kindRole, name), noSuchRole(name), func(r *roleRec) error {
			if err := fn(r); err != nil {
				return err
			}
			out = *r
			return nil
		})
	})
	return out, err
}

func (s *Service) UpdateRole(ctx context.Context, in *iamapi.UpdateRoleInput) (*iamapi.UpdateRoleOutput, error) {
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	var session int32
	if in.MaxSessionDuration != nil {
		var err error
		if session, err = checkSessionDuration(in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	t, err := s.authRole(ctx, "UpdateRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.modifyRole(ctx, t.account, in.RoleName, func(r *roleRec) error {
		if in.Description != nil {
			r.Description = in.Description
		}
		if session != 0 {
			if err := protectedRole(*r); err != nil {
				return err
			}
			r.MaxSessionDuration = session
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateRoleOutput{}, nil
}

func (s *Service) UpdateRoleDescription(ctx context.Context, in *iamapi.UpdateRoleDescriptionInput) (*iamapi.UpdateRoleDescriptionOutput, error) {
	if err := checkDescription(&in.Description); err != nil {
		return nil, err
	}
	t, err := s.authRole(ctx, "UpdateRoleDescription", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	r, err := s.modifyRole(ctx, t.account, in.RoleName, func(r *roleRec) error {
		r.Description = api.String(in.Description)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := toRole(t.account, r, true)
	return &iamapi.UpdateRoleDescriptionOutput{Role: &out}, nil
}

func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, in *iamapi.UpdateAssumeRolePolicyInput) (*iamapi.UpdateAssumeRolePolicyOutput, error) {
	if err := checkTrustDocument(in.PolicyDocument); err != nil {
		return nil, err
	}
	t, err := s.authRole(ctx, "UpdateAssumeRolePolicy", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindRole, in.RoleName), noSuchRole(in.RoleName), func(r *roleRec) error {
			if err := protectedRole(*r); err != nil {
				return err
			}
			r.AssumeRolePolicy = in.PolicyDocument
			var err error
			r.TrustIDs, err = trustIDs(tx, r.AssumeRolePolicy)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAssumeRolePolicyOutput{}, nil
}

func (s *Service) TagRole(ctx context.Context, in *iamapi.TagRoleInput) (*iamapi.TagRoleOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	t, err := s.authRole(ctx, "TagRole", in.RoleName, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	_, err = s.modifyRole(ctx, t.account, in.RoleName, func(r *roleRec) error {
		var err error
		r.Tags, err = mergeTags(r.Tags, in.Tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagRoleOutput{}, nil
}

func (s *Service) UntagRole(ctx context.Context, in *iamapi.UntagRoleInput) (*iamapi.UntagRoleOutput, error) {
	t, err := s.authRole(ctx, "UntagRole", in.RoleName, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	_, err = s.modifyRole(ctx, t.account, in.RoleName, func(r *roleRec) error {
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagRoleOutput{}, nil
}

func (s *Service) ListRoleTags(ctx context.Context, in *iamapi.ListRoleTagsInput) (*iamapi.ListRoleTagsOutput, error) {
	t, err := s.authRole(ctx, "ListRoleTags", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(t.rec.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListRoleTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) PutRolePermissionsBoundary(ctx context.Context, in *iamapi.PutRolePermissionsBoundaryInput) (*iamapi.PutRolePermissionsBoundaryOutput, error) {
	t, err := s.authRole(ctx, "PutRolePermissionsBoundary", in.RoleName, map[string][]string{"iam:PermissionsBoundary": {in.PermissionsBoundary}})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindRole, in.RoleName), noSuchRole(in.RoleName), func(r *roleRec) error {
			if err := protectedRole(*r); err != nil {
				return err
			}
			if r.Boundary == in.PermissionsBoundary {
				return nil
			}
			if err := useBoundary(tx, t.account, in.PermissionsBoundary, 1); err != nil {
				return err
			}
			if r.Boundary != "" {
				if err := useBoundary(tx, t.account, r.Boundary, -1); err != nil {
					return err
				}
			}
			r.Boundary = in.PermissionsBoundary
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutRolePermissionsBoundaryOutput{}, nil
}

func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, in *iamapi.DeleteRolePermissionsBoundaryInput) (*iamapi.DeleteRolePermissionsBoundaryOutput, error) {
	t, err := s.authRole(ctx, "DeleteRolePermissionsBoundary", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindRole, in.RoleName), noSuchRole(in.RoleName), func(r *roleRec) error {
			if r.Boundary == "" {
				return nil
			}
			if err := useBoundary(tx, t.account, r.Boundary, -1); err != nil {
				return err
			}
			r.Boundary = ""
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteRolePermissionsBoundaryOutput{}, nil
}

// RecordRoleUse sets a role's RoleLastUsed; STS calls it when the role is
// assumed. A missing role is not an error (it may have just been deleted).
func (s *Service) RecordRoleUse(ctx context.Context, account, role, region string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		r, found, err := get[roleRec](tx, recordKey(account, kindRole, role))
		if err != nil || !found {
			return err
		}
		r.LastUsed = api.Time(s.now().UTC().Truncate(time.Second))
		r.LastUsedRegion = region
		return put(tx, recordKey(account, kindRole, role), r)
	})
	if err != nil {
		return internal(err)
	}
	return nil
}

// LookupRole returns role name of account as GetRole would, without
// authorizing a caller: STS reads the role it is asked to assume on its own
// behalf (the trust policy authorizes the caller). It returns nil, nil when
// the role does not exist.
func (s *Service) LookupRole(ctx context.Context, account, name string) (*iamapi.Role, error) {
	r, found, err := s.roles.get(ctx, s, account, kindRole, name)
	if err != nil || !found {
		return nil, err
	}
	out := r.output(true)
	return &out, nil
}

// AssumableRole is what STS reads of a role it is asked to assume. It is
// shared with IAM's role cache: read it, never modify it (Tags included).
type AssumableRole struct {
	ARN, Path, Name, ID string
	TrustPolicy         string // the AssumeRolePolicyDocument, raw JSON
	MaxSessionDuration  int32  // seconds
	Tags                map[string]string
}

// LookupAssumableRole returns role name of account for STS, without
// authorizing a caller (the trust policy authorizes STS's caller); found is
// false when there is no such role.
func (s *Service) LookupAssumableRole(ctx context.Context, account, name string) (role AssumableRole, found bool, err error) {
	r, found, err := s.roles.get(ctx, s, account, kindRole, name)
	if err != nil || !found {
		return AssumableRole{}, false, err
	}
	return AssumableRole{ARN: r.arn, Path: r.Path, Name: r.Name, ID: r.ID, TrustPolicy: r.AssumeRolePolicy,
		MaxSessionDuration: r.MaxSessionDuration, Tags: r.tags}, true, nil
}
