package iam

import (
	"context"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxGroupsPerUser is the groups-per-user quota.
const maxGroupsPerUser = 10

func groupARN(account string, g groupRec) string { return arn(account, "group", g.Path, g.Name) }

func toGroup(account string, g groupRec) iamapi.Group {
	return iamapi.Group{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: groupARN(account, g), CreateDate: g.Created}
}

func (s *Service) CreateGroup(ctx context.Context, in *iamapi.CreateGroupInput) (*iamapi.CreateGroupOutput, error) {
	if err := checkName(in.GroupName, "groupName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "CreateGroup", func(a string) string { return arn(a, "group", path, in.GroupName) }, nil)
	if err != nil {
		return nil, err
	}
	g := groupRec{Name: in.GroupName, Path: path, ID: newID("AGPA"), Created: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[groupRec](tx, recordKey(account, kindGroup, g.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("Group with name %s already exists.", g.Name)
		}
		if err := checkQuota(tx, account, kindGroup, "GroupsPerAccount", groupsQuota); err != nil {
			return err
		}
		return put(tx, recordKey(account, kindGroup, g.Name), g)
	})
	if err != nil {
		return nil, err
	}
	out := toGroup(account, g)
	return &iamapi.CreateGroupOutput{Group: &out}, nil
}

func (s *Service) GetGroup(ctx context.Context, in *iamapi.GetGroupInput) (*iamapi.GetGroupOutput, error) {
	t, err := s.authGroup(ctx, "GetGroup", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	var users []userRec
	err = s.view(ctx, func(tx store.Tx) error {
		for _, name := range t.rec.Members {
			u, found, err := get[userRec](tx, recordKey(t.account, kindUser, name))
			if err != nil {
				return err
			}
			if found {
				users = append(users, u)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortByName(users, func(u userRec) string { return u.Name })
	pg, trunc, marker, err := page(users, func(u userRec) string { return lower(u.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	g := toGroup(t.account, t.rec)
	out := &iamapi.GetGroupOutput{Group: &g, Users: []iamapi.User{}, IsTruncated: trunc, Marker: marker}
	for _, u := range pg {
		out.Users = append(out.Users, toUser(t.account, u, false))
	}
	return out, nil
}

func (s *Service) ListGroups(ctx context.Context, in *iamapi.ListGroupsInput) (*iamapi.ListGroupsOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "ListGroups", nil, nil)
	if err != nil {
		return nil, err
	}
	var groups []groupRec
	if err := s.view(ctx, func(tx store.Tx) error {
		all, err := scan[groupRec](tx, account, kindGroup)
		groups = underPrefix(all, prefix, func(g *groupRec) string { return g.Path })
		return err
	}); err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(groups, func(g groupRec) string { return lower(g.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsOutput{IsTruncated: trunc, Marker: marker, Groups: []iamapi.Group{}}
	for _, g := range pg {
		out.Groups = append(out.Groups, toGroup(account, g))
	}
	return out, nil
}

func (s *Service) ListGroupsForUser(ctx context.Context, in *iamapi.ListGroupsForUserInput) (*iamapi.ListGroupsForUserOutput, error) {
	t, err := s.authUser(ctx, "ListGroupsForUser", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	var groups []groupRec
	err = s.view(ctx, func(tx store.Tx) error {
		for _, name := range t.rec.Groups {
			g, found, err := get[groupRec](tx, recordKey(t.account, kindGroup, name))
			if err != nil {
				return err
			}
			if found {
				groups = append(groups, g)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortByName(groups, func(g groupRec) string { return g.Name })
	pg, trunc, marker, err := page(groups, func(g groupRec) string { return lower(g.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListGroupsForUserOutput{IsTruncated: trunc, Marker: marker, Groups: []iamapi.Group{}}
	for _, g := range pg {
		out.Groups = append(out.Groups, toGroup(t.account, g))
	}
	return out, nil
}

func (s *Service) UpdateGroup(ctx context.Context, in *iamapi.UpdateGroupInput) (*iamapi.UpdateGroupOutput, error) {
	newPath, err := checkPath(in.NewPath, "newPath")
	if err != nil {
		return nil, err
	}
	newName := api.ToString(in.NewGroupName)
	if newName != "" {
		if err := checkName(newName, "newGroupName", 128); err != nil {
			return nil, err
		}
	}
	t, err := s.authGroup(ctx, "UpdateGroup", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		g, found, err := get[groupRec](tx, recordKey(t.account, kindGroup, in.GroupName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchGroup(in.GroupName)
		}
		if in.NewPath != nil {
			g.Path = newPath
		}
		if newName != "" && newName != g.Name {
			if lower(newName) != lower(g.Name) {
				if _, taken, err := get[groupRec](tx, recordKey(t.account, kindGroup, newName)); err != nil {
					return err
				} else if taken {
					return alreadyExists("Group with name %s already exists.", newName)
				}
			}
			if err := tx.Delete(table, recordKey(t.account, kindGroup, g.Name)); err != nil {
				return err
			}
			for _, m := range g.Members {
				err := modify(tx, recordKey(t.account, kindUser, m), noSuchUser(m), func(u *userRec) error {
					u.Groups = append(remove(u.Groups, g.Name), newName)
					return nil
				})
				if err != nil {
					return err
				}
			}
			g.Name = newName
		}
		return put(tx, recordKey(t.account, kindGroup, g.Name), g)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateGroupOutput{}, nil
}

func (s *Service) DeleteGroup(ctx context.Context, in *iamapi.DeleteGroupInput) (*iamapi.DeleteGroupOutput, error) {
	t, err := s.authGroup(ctx, "DeleteGroup", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		g, found, err := get[groupRec](tx, recordKey(t.account, kindGroup, in.GroupName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchGroup(in.GroupName)
		}
		switch {
		case len(g.Members) > 0:
			return deleteConflict("Cannot delete entity, must remove users from group first.")
		case len(g.Inline) > 0:
			return deleteConflict("Cannot delete entity, must delete policies first.")
		case len(g.Attached) > 0:
			return deleteConflict("Cannot delete entity, must detach all policies first.")
		}
		return tx.Delete(table, recordKey(t.account, kindGroup, g.Name))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteGroupOutput{}, nil
}

func (s *Service) AddUserToGroup(ctx context.Context, in *iamapi.AddUserToGroupInput) (*iamapi.AddUserToGroupOutput, error) {
	t, err := s.authGroup(ctx, "AddUserToGroup", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		g, found, err := get[groupRec](tx, recordKey(t.account, kindGroup, in.GroupName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchGroup(in.GroupName)
		}
		u, found, err := get[userRec](tx, recordKey(t.account, kindUser, in.UserName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchUser(in.UserName)
		}
		if contains(u.Groups, g.Name) {
			return nil // adding a member again succeeds and changes nothing
		}
		if len(u.Groups) >= maxGroupsPerUser {
			return quota("GroupsPerUser", maxGroupsPerUser)
		}
		u.Groups = append(u.Groups, g.Name)
		g.Members = append(g.Members, u.Name)
		if err := put(tx, recordKey(t.account, kindUser, u.Name), u); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindGroup, g.Name), g)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AddUserToGroupOutput{}, nil
}

func (s *Service) RemoveUserFromGroup(ctx context.Context, in *iamapi.RemoveUserFromGroupInput) (*iamapi.RemoveUserFromGroupOutput, error) {
	t, err := s.authGroup(ctx, "RemoveUserFromGroup", in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		g, found, err := get[groupRec](tx, recordKey(t.account, kindGroup, in.GroupName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchGroup(in.GroupName)
		}
		u, found, err := get[userRec](tx, recordKey(t.account, kindUser, in.UserName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchUser(in.UserName)
		}
		if !contains(u.Groups, g.Name) {
			return noSuchEntity("User %s is not in group %s.", u.Name, g.Name)
		}
		u.Groups = remove(u.Groups, g.Name)
		g.Members = remove(g.Members, u.Name)
		if err := put(tx, recordKey(t.account, kindUser, u.Name), u); err != nil {
			return err
		}
		return put(tx, recordKey(t.account, kindGroup, g.Name), g)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.RemoveUserFromGroupOutput{}, nil
}
