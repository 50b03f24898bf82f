package iam

import (
	"context"
	"time"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// An instance profile holds at most one role (IAM User Guide, "Using
// instance profiles").
const maxRolesPerProfile = 1

func profileARN(account string, p profileRec) string {
	return arn(account, "instance-profile", p.Path, p.Name)
}

func toProfile(tx store.Tx, account string, p profileRec, withTags bool) (iamapi.InstanceProfile, error) {
	out := iamapi.InstanceProfile{
		Path: p.Path, InstanceProfileName: p.Name, InstanceProfileId: p.ID, Arn: profileARN(account, p), CreateDate: p.Created, Roles: []iamapi.Role{},
	}
	for _, name := range p.Roles {
		r, found, err := get[roleRec](tx, recordKey(account, kindRole, name))
		if err != nil {
			return out, err
		}
		if found {
			out.Roles = append(out.Roles, toRole(account, r, false))
		}
	}
	if withTags {
		out.Tags = fromTags(p.Tags)
	}
	return out, nil
}

func (s *Service) CreateInstanceProfile(ctx context.Context, in *iamapi.CreateInstanceProfileInput) (*iamapi.CreateInstanceProfileOutput, error) {
	if err := checkName(in.InstanceProfileName, "instanceProfileName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "CreateInstanceProfile", func(a string) string { return arn(a, "instance-profile", path, in.InstanceProfileName) }, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	p := profileRec{Name: in.InstanceProfileName, Path: path, ID: newID("AIPA"), Created: s.now().UTC().Truncate(time.Second), Tags: toTags(in.Tags)}
	var out iamapi.InstanceProfile
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[profileRec](tx, recordKey(account, kindProfile, p.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("Instance Profile %s already exists.", p.Name)
		}
		if err := checkQuota(tx, account, kindProfile, "InstanceProfilesPerAccount", profilesQuota); err != nil {
			return err
		}
		var err error
		if out, err = toProfile(tx, account, p, true); err != nil {
			return err
		}
		return put(tx, recordKey(account, kindProfile, p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateInstanceProfileOutput{InstanceProfile: &out}, nil
}

func (s *Service) GetInstanceProfile(ctx context.Context, in *iamapi.GetInstanceProfileInput) (*iamapi.GetInstanceProfileOutput, error) {
	t, err := s.authProfile(ctx, "GetInstanceProfile", in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	var out iamapi.InstanceProfile
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		out, err = toProfile(tx, t.account, t.rec, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetInstanceProfileOutput{InstanceProfile: &out}, nil
}

func (s *Service) DeleteInstanceProfile(ctx context.Context, in *iamapi.DeleteInstanceProfileInput) (*iamapi.DeleteInstanceProfileOutput, error) {
	t, err := s.authProfile(ctx, "DeleteInstanceProfile", in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		p, found, err := get[profileRec](tx, recordKey(t.account, kindProfile, in.InstanceProfileName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchInstanceProfile(in.InstanceProfileName)
		}
		if len(p.Roles) > 0 {
			return deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		return tx.Delete(table, recordKey(t.account, kindProfile, p.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteInstanceProfileOutput{}, nil
}

func (s *Service) listProfiles(ctx context.Context, account string, keep func(profileRec) bool, marker *string, maxItems *int32) ([]iamapi.InstanceProfile, *bool, *string, error) {
	var out []iamapi.InstanceProfile
	var trunc *bool
	var next *string
	err := s.view(ctx, func(tx store.Tx) error {
		all, err := scan[profileRec](tx, account, kindProfile)
		if err != nil {
			return err
		}
		var kept []profileRec
		for _, p := range all {
			if keep(p) {
				kept = append(kept, p)
			}
		}
		pg, tr, nx, err := page(kept, func(p profileRec) string { return lower(p.Name) }, marker, maxItems)
		if err != nil {
			return err
		}
		trunc, next = tr, nx
		out = []iamapi.InstanceProfile{}
		for _, p := range pg {
			ip, err := toProfile(tx, account, p, false)
			if err != nil {
				return err
			}
			out = append(out, ip)
		}
		return nil
	})
	return out, trunc, next, err
}

func (s *Service) ListInstanceProfiles(ctx context.Context, in *iamapi.ListInstanceProfilesInput) (*iamapi.ListInstanceProfilesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "ListInstanceProfiles", nil, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := s.listProfiles(ctx, account, func(p profileRec) bool { return underPath(p.Path, prefix) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListInstanceProfilesOutput{InstanceProfiles: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) ListInstanceProfilesForRole(ctx context.Context, in *iamapi.ListInstanceProfilesForRoleInput) (*iamapi.ListInstanceProfilesForRoleOutput, error) {
	t, err := s.authRole(ctx, "ListInstanceProfilesForRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := s.listProfiles(ctx, t.account, func(p profileRec) bool { return containsFold(p.Roles, t.rec.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListInstanceProfilesForRoleOutput{InstanceProfiles: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) AddRoleToInstanceProfile(ctx context.Context, in *iamapi.AddRoleToInstanceProfileInput) (*iamapi.AddRoleToInstanceProfileOutput, error) {
	t, err := s.authProfile(ctx, "AddRoleToInstanceProfile", in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		p, found, err := get[profileRec](tx, recordKey(t.account, kindProfile, in.InstanceProfileName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchInstanceProfile(in.InstanceProfileName)
		}
		r, found, err := get[roleRec](tx, recordKey(t.account, kindRole, in.RoleName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchRole(in.RoleName)
		}
		if contains(p.Roles, r.Name) {
			return alreadyExists("Role %s already exists in instance profile %s.", r.Name, p.Name)
		}
		if len(p.Roles) >= maxRolesPerProfile {
			return quota("InstanceSessionsPerInstanceProfile", maxRolesPerProfile)
		}
		p.Roles = append(p.Roles, r.Name)
		r.Profiles = append(r.Profiles, p.Name)
		if err := put(tx, recordKey(t.account, kindRole, r.Name), r); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindProfile, p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AddRoleToInstanceProfileOutput{}, nil
}

func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, in *iamapi.RemoveRoleFromInstanceProfileInput) (*iamapi.RemoveRoleFromInstanceProfileOutput, error) {
	t, err := s.authProfile(ctx, "RemoveRoleFromInstanceProfile", in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		p, found, err := get[profileRec](tx, recordKey(t.account, kindProfile, in.InstanceProfileName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchInstanceProfile(in.InstanceProfileName)
		}
		r, found, err := get[roleRec](tx, recordKey(t.account, kindRole, in.RoleName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchRole(in.RoleName)
		}
		if !contains(p.Roles, r.Name) {
			return noSuchEntity("The role with name %s cannot be found in instance profile %s.", r.Name, p.Name)
		}
		p.Roles = remove(p.Roles, r.Name)
		r.Profiles = remove(r.Profiles, p.Name)
		if err := put(tx, recordKey(t.account, kindRole, r.Name), r); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindProfile, p.Name), p)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.RemoveRoleFromInstanceProfileOutput{}, nil
}

func (s *Service) TagInstanceProfile(ctx context.Context, in *iamapi.TagInstanceProfileInput) (*iamapi.TagInstanceProfileOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	t, err := s.authProfile(ctx, "TagInstanceProfile", in.InstanceProfileName, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindProfile, in.InstanceProfileName), noSuchInstanceProfile(in.InstanceProfileName), func(p *profileRec) error {
			var err error
			p.Tags, err = mergeTags(p.Tags, in.Tags)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagInstanceProfileOutput{}, nil
}

func (s *Service) UntagInstanceProfile(ctx context.Context, in *iamapi.UntagInstanceProfileInput) (*iamapi.UntagInstanceProfileOutput, error) {
	t, err := s.authProfile(ctx, "UntagInstanceProfile", in.InstanceProfileName, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindProfile, in.InstanceProfileName), noSuchInstanceProfile(in.InstanceProfileName), func(p *profileRec) error {
			p.Tags = removeTags(p.Tags, in.TagKeys)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagInstanceProfileOutput{}, nil
}

func (s *Service) ListInstanceProfileTags(ctx context.Context, in *iamapi.ListInstanceProfileTagsInput) (*iamapi.ListInstanceProfileTagsOutput, error) {
	t, err := s.authProfile(ctx, "ListInstanceProfileTags", in.InstanceProfileName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(t.rec.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListInstanceProfileTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}
