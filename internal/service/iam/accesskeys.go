package iam

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxAccessKeys is the access-keys-per-user quota.
const maxAccessKeys = 2

// keyUser names the user an access key operation is about: UserName when
// given, else the caller (IAM API reference: "If you do not specify a user
// name, IAM determines the user name implicitly based on the Amazon Web
// Services access key ID signing the request"). "" means the root user.
func keyUser(ctx context.Context, name *string) (string, error) {
	if n := api.ToString(name); n != "" {
		return n, nil
	}
	p, err := caller(ctx)
	if err != nil {
		return "", err
	}
	if p.Kind == identity.User {
		return p.Name, nil
	}
	return "", nil
}

// authKeyUser authorizes action on the user owning keys; user "" is the
// account's root user, whose record is not stored.
func (s *Service) authKeyUser(ctx context.Context, action, user string) (target[userRec], error) {
	if user != "" {
		return s.authUser(ctx, action, user, nil)
	}
	p, err := caller(ctx)
	if err != nil {
		return target[userRec]{}, err
	}
	t := target[userRec]{account: p.Account, arn: "arn:aws:iam::" + p.Account + ":root", found: true}
	return t, s.authorize(ctx, p.Account, action, t.arn, nil)
}

// rootKeys is the record of the root user's access key IDs.
type rootKeys struct{ Keys []string }

func (s *Service) CreateAccessKey(ctx context.Context, in *iamapi.CreateAccessKeyInput) (*iamapi.CreateAccessKeyOutput, error) {
	user, err := keyUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "CreateAccessKey", user)
	if err != nil {
		return nil, err
	}
	k := accessKeyRec{ID: newAccessKeyID(), Secret: newSecret(), Account: t.account, User: user, Status: "Active", Created: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx store.Tx) error {
		var ids *[]string
		var save func() error
		if user == "" {
			r, _, err := get[rootKeys](tx, recordKey(t.account, kindAccount, "root-keys"))
			if err != nil {
				return err
			}
			ids, save = &r.Keys, func() error { return put(tx, recordKey(t.account, kindAccount, "root-keys"), r) }
		} else {
			u, found, err := get[userRec](tx, recordKey(t.account, kindUser, user))
			if err != nil {
				return err
			}
			if !found {
				return noSuchUser(user)
			}
			k.User = u.Name
			ids, save = &u.Keys, func() error { return put(tx, recordKey(t.account, kindUser, u.Name), u) }
		}
		if len(*ids) >= maxAccessKeys {
			return quota("AccessKeysPerUser", maxAccessKeys)
		}
		*ids = append(*ids, k.ID)
		if err := save(); err != nil {
			return err
		}
		return store.PutJSON(tx, keysTable, k.ID, k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateAccessKeyOutput{AccessKey: &iamapi.AccessKey{
		UserName: k.User, AccessKeyId: k.ID, Status: iamapi.StatusTypeActive, SecretAccessKey: k.Secret, CreateDate: api.Time(k.Created),
	}}, nil
}

// ownedKey loads access key id and checks that it belongs to user.
func ownedKey(tx store.Tx, account, user, id string) (accessKeyRec, error) {
	k, err := store.GetJSON[accessKeyRec](tx, keysTable, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (k.Account != account || lower(k.User) != lower(user))) {
		return k, noSuchAccessKey(id)
	}
	return k, err
}

func (s *Service) DeleteAccessKey(ctx context.Context, in *iamapi.DeleteAccessKeyInput) (*iamapi.DeleteAccessKeyOutput, error) {
	user, err := keyUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "DeleteAccessKey", user)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		k, err := ownedKey(tx, t.account, user, in.AccessKeyId)
		if err != nil {
			return err
		}
		if user == "" {
			r, _, err := get[rootKeys](tx, recordKey(t.account, kindAccount, "root-keys"))
			if err != nil {
				return err
			}
			r.Keys = remove(r.Keys, k.ID)
			if err := put(tx, recordKey(t.account, kindAccount, "root-keys"), r); err != nil {
				return err
			}
		} else if err := modify(tx, recordKey(t.account, kindUser, user), noSuchUser(user), func(u *userRec) error {
			u.Keys = remove(u.Keys, k.ID)
			return nil
		}); err != nil {
			return err
		}
		return tx.Delete(keysTable, k.ID)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteAccessKeyOutput{}, nil
}

func (s *Service) UpdateAccessKey(ctx context.Context, in *iamapi.UpdateAccessKeyInput) (*iamapi.UpdateAccessKeyOutput, error) {
	if in.Status != iamapi.StatusTypeActive && in.Status != iamapi.StatusTypeInactive {
		return nil, validationError(string(in.Status), "status", "must satisfy enum value set: [Active, Inactive]")
	}
	user, err := keyUser(ctx, in.UserName)
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
		k.Status = string(in.Status)
		return store.PutJSON(tx, keysTable, k.ID, k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateAccessKeyOutput{}, nil
}

func (s *Service) ListAccessKeys(ctx context.Context, in *iamapi.ListAccessKeysInput) (*iamapi.ListAccessKeysOutput, error) {
	user, err := keyUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "ListAccessKeys", user)
	if err != nil {
		return nil, err
	}
	var keys []accessKeyRec
	err = s.view(ctx, func(tx store.Tx) error {
		ids := t.rec.Keys
		if user == "" {
			r, _, err := get[rootKeys](tx, recordKey(t.account, kindAccount, "root-keys"))
			if err != nil {
				return err
			}
			ids = r.Keys
		}
		for _, id := range ids {
			k, err := store.GetJSON[accessKeyRec](tx, keysTable, id)
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	pg, trunc, marker, err := page(keys, func(k accessKeyRec) string { return k.ID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListAccessKeysOutput{IsTruncated: trunc, Marker: marker, AccessKeyMetadata: []iamapi.AccessKeyMetadata{}}
	for _, k := range pg {
		st := iamapi.StatusType(k.Status)
		md := iamapi.AccessKeyMetadata{AccessKeyId: api.String(k.ID), Status: &st, CreateDate: api.Time(k.Created)}
		if k.User != "" {
			md.UserName = api.String(k.User)
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
	var k accessKeyRec
	var found bool
	err = s.view(ctx, func(tx store.Tx) error {
		var err error
		k, err = store.GetJSON[accessKeyRec](tx, keysTable, in.AccessKeyId)
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
	if found && k.User != "" {
		res = arn(p.Account, "user", "/", k.User)
		var u userRec
		_ = s.view(ctx, func(tx store.Tx) error {
			var ok bool
			u, ok, err = get[userRec](tx, recordKey(p.Account, kindUser, k.User))
			if ok {
				res = userARN(p.Account, u)
			}
			return err
		})
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
	if k.LastUsed != nil {
		last = &iamapi.AccessKeyLastUsed{LastUsedDate: *k.LastUsed, ServiceName: k.Service, Region: k.Region}
	}
	out := &iamapi.GetAccessKeyLastUsedOutput{AccessKeyLastUsed: last}
	if k.User != "" {
		out.UserName = api.String(k.User)
	}
	return out, nil
}

// KeyOwner is what an access key stands for: the principal it authenticates
// and its secret, for SigV4 verification.
type KeyOwner struct {
	Principal identity.Principal
	Secret    string
	Active    bool
}

// LookupAccessKey resolves a long-term (AKIA) access key ID created through
// IAM to its user (or root) principal. It returns nil, nil for an unknown key.
func (s *Service) LookupAccessKey(ctx context.Context, id string) (*KeyOwner, error) {
	var out *KeyOwner
	err := s.view(ctx, func(tx store.Tx) error {
		k, err := store.GetJSON[accessKeyRec](tx, keysTable, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		o := &KeyOwner{Secret: k.Secret, Active: k.Status == "Active"}
		o.Principal = identity.Principal{Kind: identity.Root, Account: k.Account, ARN: "arn:aws:iam::" + k.Account + ":root", UserID: k.Account, AccessKeyID: k.ID}
		if k.User != "" {
			u, found, err := get[userRec](tx, recordKey(k.Account, kindUser, k.User))
			if err != nil || !found {
				return err
			}
			o.Principal = identity.Principal{Kind: identity.User, Account: k.Account, ARN: userARN(k.Account, u), UserID: u.ID, Name: u.Name, AccessKeyID: k.ID}
		}
		out = o
		return nil
	})
	return out, err
}

// RecordAccessKeyUse notes when, where and for which service a key was last
// used (GetAccessKeyLastUsed). Unknown keys are ignored.
func (s *Service) RecordAccessKeyUse(ctx context.Context, id, service, region string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		k, err := store.GetJSON[accessKeyRec](tx, keysTable, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		k.LastUsed = api.Time(s.now().UTC().Truncate(time.Second))
		k.Service, k.Region = service, region
		return store.PutJSON(tx, keysTable, id, k)
	})
	if err != nil {
		return internal(err)
	}
	return nil
}
