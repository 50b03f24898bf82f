package iam

import (
	"context"
	"errors"
	"sort"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

func userARN(account string, u userRec) string { return arn(account, "user", u.Path, u.Name) }

func toUser(account string, u userRec, full bool) iamapi.User {
	out := iamapi.User{
		Arn:              userARN(account, u),
		CreateDate:       u.Created,
		PasswordLastUsed: u.PasswordLastUsed,
		Path:             u.Path,
		UserId:           u.ID,
		UserName:         u.Name,
	}
	// The List operations return a subset of attributes: no boundary, no tags
	// (IAM API reference, ListUsers).
	if full {
		out.PermissionsBoundary = boundaryOf(u.Boundary)
		out.Tags = fromTags(u.Tags)
	}
	return out
}

func boundaryOf(arn string) *iamapi.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	t := iamapi.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy
	return &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryType: &t, PermissionsBoundaryArn: api.String(arn)}
}

func (s *Service) CreateUser(ctx context.Context, in *iamapi.CreateUserInput) (*iamapi.CreateUserOutput, error) {
	if err := checkName(in.UserName, "userName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	boundary := api.ToString(in.PermissionsBoundary)
	keys := requestTagKeys(nil, in.Tags)
	keys = boundaryKey(keys, boundary)
	account, err := s.begin(ctx, "CreateUser", func(a string) string { return arn(a, "user", path, in.UserName) }, keys)
	if err != nil {
		return nil, err
	}
	u := userRec{Name: in.UserName, Path: path, ID: newID("AIDA"), Created: s.now().UTC().Truncate(1e9), Boundary: boundary, Tags: toTags(in.Tags)}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[userRec](tx, recordKey(account, kindUser, u.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("User with name %s already exists.", u.Name)
		}
		if err := checkQuota(tx, account, kindUser, "UsersPerAccount", usersQuota); err != nil {
			return err
		}
		if boundary != "" {
			if err := useBoundary(tx, account, boundary, 1); err != nil {
				return err
			}
		}
		return put(tx, recordKey(account, kindUser, u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	out := toUser(account, u, true)
	return &iamapi.CreateUserOutput{User: &out}, nil
}

func (s *Service) GetUser(ctx context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	name := api.ToString(in.UserName)
	if name == "" {
		return s.getCallingUser(ctx)
	}
	t, err := s.authUser(ctx, "GetUser", name, nil)
	if err != nil {
		return nil, err
	}
	out := toUser(t.account, t.rec, true)
	return &iamapi.GetUserOutput{User: &out}, nil
}

// getCallingUser answers GetUser without a UserName: the caller's own user,
// or the root user; other credentials must name a user (targetUser).
func (s *Service) getCallingUser(ctx context.Context) (*iamapi.GetUserOutput, error) {
	name, err := targetUser(ctx, nil)
	if err != nil {
		return nil, err
	}
	if name != "" {
		return s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String(name)})
	}
	t, err := s.authKeyUser(ctx, "GetUser", "")
	if err != nil {
		return nil, err
	}
	root := iamapi.User{Arn: t.arn, UserId: t.account}
	// The root user was created with its account.
	if err := s.view(ctx, func(tx store.Tx) error {
		a, err := identity.GetAccount(tx, t.account)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		root.CreateDate = a.CreatedAt
		return err
	}); err != nil {
		return nil, err
	}
	return &iamapi.GetUserOutput{User: &root}, nil
}

func (s *Service) ListUsers(ctx context.Context, in *iamapi.ListUsersInput) (*iamapi.ListUsersOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "ListUsers", nil, nil)
	if err != nil {
		return nil, err
	}
	var users []userRec
	if err := s.view(ctx, func(tx store.Tx) error {
		all, err := scan[userRec](tx, account, kindUser)
		users = underPrefix(all, prefix, func(u *userRec) string { return u.Path })
		return err
	}); err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(users, func(u userRec) string { return lower(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListUsersOutput{IsTruncated: trunc, Marker: marker, Users: []iamapi.User{}}
	for _, u := range pg {
		out.Users = append(out.Users, toUser(account, u, false))
	}
	return out, nil
}

func (s *Service) UpdateUser(ctx context.Context, in *iamapi.UpdateUserInput) (*iamapi.UpdateUserOutput, error) {
	newPath, err := checkPath(in.NewPath, "newPath")
	if err != nil {
		return nil, err
	}
	newName := api.ToString(in.NewUserName)
	if newName != "" {
		if err := checkName(newName, "newUserName", 64); err != nil {
			return nil, err
		}
	}
	t, err := s.authUser(ctx, "UpdateUser", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		u, found, err := get[userRec](tx, recordKey(t.account, kindUser, in.UserName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchUser(in.UserName)
		}
		oldName, oldARN := u.Name, userARN(t.account, u)
		if in.NewPath != nil {
			u.Path = newPath
		}
		if newName != "" && newName != u.Name {
			if lower(newName) != lower(u.Name) {
				if _, taken, err := get[userRec](tx, recordKey(t.account, kindUser, newName)); err != nil {
					return err
				} else if taken {
					return alreadyExists("User with name %s already exists.", newName)
				}
			}
			if err := renameUser(tx, t.account, &u, newName); err != nil {
				return err
			}
		}
		// The identity records of the user's keys carry its name and ARN,
		// which the gateway reports as the caller.
		keys, err := identity.ListAccessKeys(tx, t.account, oldName)
		if err != nil {
			return err
		}
		for _, k := range keys {
			k.UserName, k.UserARN = u.Name, userARN(t.account, u)
			if err := identity.PutAccessKey(tx, k); err != nil {
				return err
			}
		}
		if newARN := userARN(t.account, u); newARN != oldARN {
			if err := repointTrust(tx, u.ID, newARN); err != nil {
				return err
			}
		}
		return put(tx, recordKey(t.account, kindUser, u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateUserOutput{}, nil
}

// renameUser moves u's record and fixes the references to it held by its
// groups, signing certificates, SSH keys, service-specific credentials and
// MFA devices.
func renameUser(tx store.Tx, account string, u *userRec, newName string) error {
	old := u.Name
	if err := tx.Delete(table, recordKey(account, kindUser, old)); err != nil {
		return err
	}
	u.Name = newName
	for _, g := range u.Groups {
		gr, found, err := get[groupRec](tx, recordKey(account, kindGroup, g))
		if err != nil || !found {
			return err
		}
		gr.Members = remove(gr.Members, old)
		gr.Members = append(gr.Members, newName)
		if err := put(tx, recordKey(account, kindGroup, g), gr); err != nil {
			return err
		}
	}
	if err := moveRecords[signingCertRec](tx, account, kindSigningCert, old, newName); err != nil {
		return err
	}
	if err := moveRecords[sshKeyRec](tx, account, kindSSHKey, old, newName); err != nil {
		return err
	}
	// A service-specific credential's service user name keeps the name the
	// user had: AWS issues it once.
	if err := moveRecords[serviceCredRec](tx, account, kindServiceCred, old, newName); err != nil {
		return err
	}
	for _, serial := range u.MFA {
		d, found, err := get[mfaRec](tx, mfaKey(account, serial))
		if err != nil || !found {
			return err
		}
		d.User = newName
		if err := put(tx, mfaKey(account, serial), d); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) DeleteUser(ctx context.Context, in *iamapi.DeleteUserInput) (*iamapi.DeleteUserOutput, error) {
	t, err := s.authUser(ctx, "DeleteUser", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		u, found, err := get[userRec](tx, recordKey(t.account, kindUser, in.UserName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchUser(in.UserName)
		}
		// The order AWS checks in; each is a DeleteConflict (IAM User Guide,
		// "Deleting an IAM user": what must go before the user can).
		keys, err := identity.ListAccessKeys(tx, t.account, u.Name)
		if err != nil {
			return err
		}
		certs, err := userRecords[signingCertRec](tx, t.account, kindSigningCert, u.Name)
		if err != nil {
			return err
		}
		sshKeys, err := userRecords[sshKeyRec](tx, t.account, kindSSHKey, u.Name)
		if err != nil {
			return err
		}
		serviceCreds, err := userRecords[serviceCredRec](tx, t.account, kindServiceCred, u.Name)
		if err != nil {
			return err
		}
		switch {
		case u.Login != nil:
			return deleteConflict("Cannot delete entity, must delete login profile first.")
		case len(keys) > 0:
			return deleteConflict("Cannot delete entity, must delete access keys first.")
		case len(certs) > 0:
			return deleteConflict("Cannot delete entity, must delete signing certificates first.")
		case len(sshKeys) > 0:
			return deleteConflict("Cannot delete entity, must delete SSH public keys first.")
		case len(serviceCreds) > 0:
			return deleteConflict("Cannot delete entity, must remove referenced objects first.")
		case len(u.MFA) > 0:
			return deleteConflict("Cannot delete entity, must delete MFA device first.")
		case len(u.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		case len(u.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
		case len(u.Groups) > 0:
			return deleteConflict("Cannot delete entity, must remove user from all groups first.")
		}
		if u.Boundary != "" {
			if err := useBoundary(tx, t.account, u.Boundary, -1); err != nil {
				return err
			}
		}
		if err := tx.Delete(table, recordKey(t.account, kindUser, u.Name)); err != nil {
			return err
		}
		return repointTrust(tx, u.ID, u.ID)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserOutput{}, nil
}

func (s *Service) TagUser(ctx context.Context, in *iamapi.TagUserInput) (*iamapi.TagUserOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	t, err := s.authUser(ctx, "TagUser", in.UserName, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.modifyUser(ctx, t.account, in.UserName, func(u *userRec) error {
		var err error
		u.Tags, err = mergeTags(u.Tags, in.Tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagUserOutput{}, nil
}

func (s *Service) UntagUser(ctx context.Context, in *iamapi.UntagUserInput) (*iamapi.UntagUserOutput, error) {
	t, err := s.authUser(ctx, "UntagUser", in.UserName, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	err = s.modifyUser(ctx, t.account, in.UserName, func(u *userRec) error {
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagUserOutput{}, nil
}

func (s *Service) ListUserTags(ctx context.Context, in *iamapi.ListUserTagsInput) (*iamapi.ListUserTagsOutput, error) {
	t, err := s.authUser(ctx, "ListUserTags", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(t.rec.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListUserTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}

func (s *Service) PutUserPermissionsBoundary(ctx context.Context, in *iamapi.PutUserPermissionsBoundaryInput) (*iamapi.PutUserPermissionsBoundaryOutput, error) {
	t, err := s.authUser(ctx, "PutUserPermissionsBoundary", in.UserName, map[string][]string{"iam:PermissionsBoundary": {in.PermissionsBoundary}})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindUser, in.UserName), noSuchUser(in.UserName), func(u *userRec) error {
			if u.Boundary == in.PermissionsBoundary {
				return nil
			}
			if err := useBoundary(tx, t.account, in.PermissionsBoundary, 1); err != nil {
				return err
			}
			if u.Boundary != "" {
				if err := useBoundary(tx, t.account, u.Boundary, -1); err != nil {
					return err
				}
			}
			u.Boundary = in.PermissionsBoundary
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.PutUserPermissionsBoundaryOutput{}, nil
}

func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, in *iamapi.DeleteUserPermissionsBoundaryInput) (*iamapi.DeleteUserPermissionsBoundaryOutput, error) {
	t, err := s.authUser(ctx, "DeleteUserPermissionsBoundary", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindUser, in.UserName), noSuchUser(in.UserName), func(u *userRec) error {
			if u.Boundary == "" {
				return nil
			}
			if err := useBoundary(tx, t.account, u.Boundary, -1); err != nil {
				return err
			}
			u.Boundary = ""
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteUserPermissionsBoundaryOutput{}, nil
}

// modifyUser applies fn to user name's record in one transaction.
func (s *Service) modifyUser(ctx context.Context, account, name string, fn func(*userRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(account, kindUser, name), noSuchUser(name), fn)
	})
}

// modify reads the record at key, applies fn and writes it back; missing is
// returned when there is no record.
func modify[T any](tx store.Tx, key string, missing error, fn func(*T) error) error {
	v, found, err := get[T](tx, key)
	if err != nil {
		return err
	}
	if !found {
		return missing
	}
	if err := fn(&v); err != nil {
		return err
	}
	return put(tx, key, v)
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
