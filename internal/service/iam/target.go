package iam

import (
	"context"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// A target is the stored entity an operation acts on. Authorization needs its
// ARN (with its real path) and its tags before the operation runs; when the
// entity does not exist the ARN is formed with the default path "/" and the
// caller gets NoSuchEntity only if authorized, as on AWS.
type target[T any] struct {
	account string
	arn     string
	rec     T
	found   bool
}

func loadTarget[T any](ctx context.Context, s *Service, account, kind, name string) (target[T], error) {
	t := target[T]{account: account}
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		t.rec, t.found, err = get[T](tx, recordKey(account, kind, name))
		return err
	})
	return t, err
}

// bounded is a user or role record: what authorizing an action on one reads.
type bounded interface {
	userRec | roleRec
	entity() (path string, tags []tag, boundary string)
}

func (r userRec) entity() (string, []tag, string) { return r.Path, r.Tags, r.Boundary }
func (r roleRec) entity() (string, []tag, string) { return r.Path, r.Tags, r.Boundary }

// authBounded loads the user or role name (kind, ARN resource type
// resType) and authorizes action on it, adding its tags and permissions
// boundary to keys.
func authBounded[T bounded](ctx context.Context, s *Service, kind, resType string, noSuch func(string) *awserr.Error, action, name string, keys map[string][]string) (target[T], error) {
	p, err := caller(ctx)
	if err != nil {
		return target[T]{}, err
	}
	t, err := loadTarget[T](ctx, s, p.Account, kind, name)
	if err != nil {
		return t, err
	}
	path := "/"
	if t.found {
		var tags []tag
		var boundary string
		path, tags, boundary = t.rec.entity()
		keys = resourceTagKeys(keys, tags, true)
		if boundaryActions[action] {
			keys = boundaryKey(keys, boundary)
		}
	}
	t.arn = arn(p.Account, resType, path, name)
	if err := s.authorize(ctx, p.Account, action, t.arn, keys); err != nil {
		return t, err
	}
	if !t.found {
		return t, noSuch(name)
	}
	return t, nil
}

// authUser loads user name and authorizes action on it.
func (s *Service) authUser(ctx context.Context, action, name string, keys map[string][]string) (target[userRec], error) {
	return authBounded[userRec](ctx, s, kindUser, "user", noSuchUser, action, name, keys)
}

// authRole loads role name and authorizes action on it.
func (s *Service) authRole(ctx context.Context, action, name string, keys map[string][]string) (target[roleRec], error) {
	return authBounded[roleRec](ctx, s, kindRole, "role", noSuchRole, action, name, keys)
}

func (s *Service) authGroup(ctx context.Context, action, name string, keys map[string][]string) (target[groupRec], error) {
	p, err := caller(ctx)
	if err != nil {
		return target[groupRec]{}, err
	}
	t, err := loadTarget[groupRec](ctx, s, p.Account, kindGroup, name)
	if err != nil {
		return t, err
	}
	path := "/"
	if t.found {
		path = t.rec.Path
	}
	t.arn = arn(p.Account, "group", path, name)
	if err := s.authorize(ctx, p.Account, action, t.arn, keys); err != nil {
		return t, err
	}
	if !t.found {
		return t, noSuchGroup(name)
	}
	return t, nil
}

func (s *Service) authProfile(ctx context.Context, action, name string, keys map[string][]string) (target[profileRec], error) {
	p, err := caller(ctx)
	if err != nil {
		return target[profileRec]{}, err
	}
	t, err := loadTarget[profileRec](ctx, s, p.Account, kindProfile, name)
	if err != nil {
		return t, err
	}
	path := "/"
	if t.found {
		path = t.rec.Path
		keys = resourceTagKeys(keys, t.rec.Tags, false)
	}
	t.arn = arn(p.Account, "instance-profile", path, name)
	if err := s.authorize(ctx, p.Account, action, t.arn, keys); err != nil {
		return t, err
	}
	if !t.found {
		return t, noSuchInstanceProfile(name)
	}
	return t, nil
}

// boundaryActions are the actions on a user or role for which the Service
// Authorization Reference lists iam:PermissionsBoundary (the boundary the
// entity has); for other actions the key is absent, as on AWS.
var boundaryActions = map[string]bool{
	"AttachRolePolicy": true, "AttachUserPolicy": true, "DeleteRole": true, "DeleteRolePermissionsBoundary": true,
	"DeleteRolePolicy": true, "DeleteUserPermissionsBoundary": true, "DeleteUserPolicy": true, "DetachRolePolicy": true,
	"DetachUserPolicy": true, "GetRole": true, "PutRolePermissionsBoundary": true, "PutRolePolicy": true,
	"PutUserPermissionsBoundary": true, "PutUserPolicy": true, "UpdateAssumeRolePolicy": true, "UpdateRole": true,
	"UpdateRoleDescription": true,
}

func boundaryKey(keys map[string][]string, boundary string) map[string][]string {
	if boundary == "" {
		return keys
	}
	if keys == nil {
		keys = map[string][]string{}
	}
	// A boundary named by the request (Put*PermissionsBoundary) is the one
	// the key means; otherwise it is the entity's own.
	if _, set := keys["iam:PermissionsBoundary"]; !set {
		keys["iam:PermissionsBoundary"] = []string{boundary}
	}
	return keys
}
