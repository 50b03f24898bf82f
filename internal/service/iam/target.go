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

// An entity is a stored record an action names: what authorizing the action
// reads from it (a provider has no path; only users and roles have a
// permissions boundary).
type entity interface {
	entity() (path string, tags []tag, boundary string)
}

func (r userRec) entity() (string, []tag, string)       { return r.Path, r.Tags, r.Boundary }
func (r roleRec) entity() (string, []tag, string)       { return r.Path, r.Tags, r.Boundary }
func (r groupRec) entity() (string, []tag, string)      { return r.Path, nil, "" }
func (r profileRec) entity() (string, []tag, string)    { return r.Path, r.Tags, "" }
func (r serverCertRec) entity() (string, []tag, string) { return r.Path, r.Tags, "" }
func (r samlRec) entity() (string, []tag, string)       { return "", r.Tags, "" }
func (r oidcRec) entity() (string, []tag, string)       { return "", r.Tags, "" }

// authEntity loads the entity name of kind (ARN resource type resType) and
// authorizes action on it, adding its tags and permissions boundary to keys.
func authEntity[T entity](ctx context.Context, s *Service, kind, resType string, noSuch func(string) *awserr.Error, action, name string, keys map[string][]string) (target[T], error) {
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
		// iam:ResourceTag/ is the key of a user's or role's tags only.
		keys = resourceTagKeys(keys, tags, kind == kindUser || kind == kindRole)
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
	return authEntity[userRec](ctx, s, kindUser, "user", noSuchUser, action, name, keys)
}

// authRole loads role name and authorizes action on it.
func (s *Service) authRole(ctx context.Context, action, name string, keys map[string][]string) (target[roleRec], error) {
	return authEntity[roleRec](ctx, s, kindRole, "role", noSuchRole, action, name, keys)
}

func (s *Service) authGroup(ctx context.Context, action, name string, keys map[string][]string) (target[groupRec], error) {
	return authEntity[groupRec](ctx, s, kindGroup, "group", noSuchGroup, action, name, keys)
}

func (s *Service) authProfile(ctx context.Context, action, name string, keys map[string][]string) (target[profileRec], error) {
	return authEntity[profileRec](ctx, s, kindProfile, "instance-profile", noSuchInstanceProfile, action, name, keys)
}

func (s *Service) authServerCert(ctx context.Context, action, name string, keys map[string][]string) (target[serverCertRec], error) {
	return authEntity[serverCertRec](ctx, s, kindServerCert, "server-certificate", noSuchServerCert, action, name, keys)
}

// authProvider loads the SAML or OIDC provider providerArn (key gives its
// record's key, "" when the ARN is not one of the caller's account) and
// authorizes action on it, adding its tags to keys.
func authProvider[T entity](ctx context.Context, s *Service, key func(account, providerArn string) string, noSuch func(string) *awserr.Error, action, providerArn string, keys map[string][]string) (string, T, error) {
	var rec T
	p, err := caller(ctx)
	if err != nil {
		return "", rec, err
	}
	var found bool
	if k := key(p.Account, providerArn); k != "" {
		if err := s.view(ctx, func(tx store.Tx) error {
			var err error
			rec, found, err = get[T](tx, k)
			return err
		}); err != nil {
			return "", rec, err
		}
	}
	if found {
		_, tags, _ := rec.entity()
		keys = resourceTagKeys(keys, tags, false)
	}
	if err := s.authorize(ctx, p.Account, action, providerArn, keys); err != nil {
		return "", rec, err
	}
	if !found {
		return "", rec, noSuch(providerArn)
	}
	return p.Account, rec, nil
}

func (s *Service) authSAML(ctx context.Context, action, providerArn string, keys map[string][]string) (string, samlRec, error) {
	return authProvider[samlRec](ctx, s, samlKey, noSuchSAML, action, providerArn, keys)
}

func (s *Service) authOIDC(ctx context.Context, action, providerArn string, keys map[string][]string) (string, oidcRec, error) {
	return authProvider[oidcRec](ctx, s, oidcKey, noSuchOIDC, action, providerArn, keys)
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
