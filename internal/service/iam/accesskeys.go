package iam

import (
	"context"
	"errors"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// Access keys live in internal/identity's tables, where the gateway resolves
// them; IAM creates, lists, updates and deletes them there, in the same
// transaction as its own records.

// maxAccessKeys is the access-keys-per-user quota.
const maxAccessKeys = 2

// targetUser names the user an operation with an optional UserName acts on:
// UserName when given, else the caller itself (IAM API reference: "If you do
// not specify a user name, IAM determines the user name implicitly based on
// the Amazon Web Services access key ID signing the request"). "" means the
// root user, and only the root (or its GetSessionToken session) gets it. A
// role session, a federated user or anything else has no user of its own and
// must name one, as on AWS: defaulting it to the root would let a role
// session, even one assumed from another account, act as the account's root.
// Every operation whose UserName defaults to the caller goes through here.
func targetUser(ctx context.Context, name *string) (string, error) {
	if n := api.ToString(name); n != "" {
		return n, nil
	}
	p, err := caller(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case p.Kind == identity.Root:
		return "", nil
	case p.Kind == identity.User && p.Name != "":
		return p.Name, nil
	}
	return "", awserr.ValidationError("Must specify userName when calling with non-User credentials")
}

// authKeyUser authorizes action on the user owning keys; user "" is the
// account's root user, whose record is not stored here.
func (s *Service) authKeyUser(ctx context.Context, action, user string) (target[userRec], error) {
	if user != "" {
		return s.authUser(ctx, action, user, nil)
	}
	p, err := caller(ctx)
	if err != nil {
		return target[userRec]{}, err
	}
	t := target[userRec]{account: p.Account, arn: identity.RootARN(p.Account), found: true}
	return t, s.authorize(ctx, p.Account, action, t.arn, nil)
}

// userKeys lists the keys of user (canonical name; "" for root).
func userKeys(tx store.Tx, account, user string) ([]identity.AccessKey, error) {
	return identity.ListAccessKeys(tx, account, user)
}

func (s *Service) CreateAccessKey(ctx context.Context, in *iamapi.CreateAccessKeyInput) (*iamapi.CreateAccessKeyOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "CreateAccessKey", user)
	if err != nil {
		return nil, err
	}
	k := identity.AccessKey{
		AccessKeyID: identity.NewAccessKeyID(), Secret: identity.NewSecretAccessKey(), Account: t.account,
		Kind: identity.Root, Status: identity.KeyActive, CreateDate: s.now().UTC().Truncate(time.Second),
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if user != "" {
			u, found, err := get[userRec](tx, recordKey(t.account, kindUser, user))
			if err != nil {
				return err
			}
			if !found {
				return noSuchUser(user)
			}
			k.Kind, k.UserName, k.UserARN, k.UserID = identity.User, u.Name, userARN(t.account, u), u.ID
		}
		keys, err := userKeys(tx, t.account, k.UserName)
		if err != nil {
			return err
		}
		if len(keys) >= maxAccessKeys {
			return quota("AccessKeysPerUser", maxAccessKeys)
		}
		return identity.PutAccessKey(tx, k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyOutput{AccessKey: &iamapi.AccessKey{
		UserName: k.UserName, AccessKeyId: k.AccessKeyID, Status: iamapi.StatusTypeActive, SecretAccessKey: k.Secret, CreateDate: api.Time(k.CreateDate),
	}}, nil
}

// ownedKey loads access key id and checks that it belongs to user of account.
func ownedKey(tx store.Tx, account, user, id string) (identity.AccessKey, error) {
	k, err := identity.GetAccessKey(tx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (k.Account != account || lower(k.UserName) != lower(user))) {
		return k, noSuchAccessKey(id)
	}
	return k, err
}

func (s *Service) DeleteAccessKey(ctx context.Context, in *iamapi.DeleteAccessKeyInput) (*iamapi.DeleteAccessKeyOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "DeleteAccessKey", user)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if user != "" && !t.found {
			return noSuchUser(user)
		}
		k, err := ownedKey(tx, t.account, user, in.AccessKeyId)
		if err != nil {
			return err
		}
		return identity.DeleteAccessKey(tx, k.AccessKeyID)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccessKeyOutput{}, nil
}

func (s *Service) UpdateAccessKey(ctx context.Context, in *iamapi.UpdateAccessKeyInput) (*iamapi.UpdateAccessKeyOutput, error) {
	if err := checkStatus(in.Status); err != nil {
		return nil, err
	}
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "UpdateAccessKey", user)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		k, err := ownedKey(tx, t.account, user, in.AccessKeyId)
		if err != nil {
			return err
		}
		k.Status = identity.KeyStatus(in.Status)
		return identity.PutAccessKey(tx, k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAccessKeyOutput{}, nil
}

func (s *Service) ListAccessKeys(ctx context.Context, in *iamapi.ListAccessKeysInput) (*iamapi.ListAccessKeysOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "ListAccessKeys", user)
	if err != nil {
		return nil, err
	}
	var keys []identity.AccessKey
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		keys, err = userKeys(tx, t.account, t.rec.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(keys, func(k identity.AccessKey) string { return k.AccessKeyID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListAccessKeysOutput{IsTruncated: trunc, Marker: marker, AccessKeyMetadata: []iamapi.AccessKeyMetadata{}}
	for _, k := range pg {
		st := iamapi.StatusType(k.Status)
		md := iamapi.AccessKeyMetadata{AccessKeyId: api.String(k.AccessKeyID), Status: &st, CreateDate: api.Time(k.CreateDate)}
		if k.UserName != "" {
			md.UserName = api.String(k.UserName)
		}
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, md)
	}
	return out, nil
}

func (s *Service) GetAccessKeyLastUsed(ctx context.Context, in *iamapi.GetAccessKeyLastUsedInput) (*iamapi.GetAccessKeyLastUsedOutput, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var k identity.AccessKey
	found := false
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		k, err = identity.GetAccessKey(tx, in.AccessKeyId)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		found = err == nil && k.Account == p.Account
		return err
	})
	if err != nil {
		return nil, err
	}
	res := "*"
	if found {
		res = k.UserARN
	}
	if err := s.authorize(ctx, p.Account, "GetAccessKeyLastUsed", res, nil); err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchAccessKey(in.AccessKeyId)
	}
	// A key never used reports "N/A" for service and region (IAM API
	// reference, AccessKeyLastUsed).
	last := &iamapi.AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}
	if k.LastUsedDate != nil {
		last = &iamapi.AccessKeyLastUsed{LastUsedDate: *k.LastUsedDate, ServiceName: k.LastUsedService, Region: k.LastUsedRegion}
	}
	out := &iamapi.GetAccessKeyLastUsedOutput{AccessKeyLastUsed: last}
	if k.UserName != "" {
		out.UserName = api.String(k.UserName)
	}
	return out, nil
}

// KeyOwner is what a long-term access key stands for: the principal it
// authenticates and its secret.
type KeyOwner struct {
	Principal identity.Principal
	Secret    string
	Active    bool
}

// LookupAccessKey resolves a long-term (AKIA) access key ID to its user (or
// root) principal, for tests and tools that stand in for the gateway (which
// uses identity.Authority). It returns nil, nil for an unknown key.
func (s *Service) LookupAccessKey(ctx context.Context, id string) (*KeyOwner, error) {
	var out *KeyOwner
	err := s.view(ctx, func(tx store.Tx) error {
		k, err := identity.GetAccessKey(tx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out = &KeyOwner{Secret: k.Secret, Active: k.Status == identity.KeyActive, Principal: identity.Principal{
			Kind: k.Kind, Account: k.Account, ARN: k.UserARN, UserID: k.UserID, Name: k.UserName, AccessKeyID: k.AccessKeyID,
		}}
		return nil
	})
	return out, err
}
