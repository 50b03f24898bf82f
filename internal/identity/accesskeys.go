package identity

import (
	"errors"
	"fmt"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

const (
	accessKeysTable = "identity-access-keys" // access key ID -> AccessKey
	// keysByOwnerTable indexes keys by owner: "ACCOUNT/USER/KEYID" -> "",
	// USER empty for the root user. IAM user names cannot contain '/'.
	keysByOwnerTable = "identity-access-keys-by-owner"
)

// KeyStatus is an access key's status, as IAM names it.
type KeyStatus string

const (
	KeyActive   KeyStatus = "Active"
	KeyInactive KeyStatus = "Inactive"
)

// AccessKey is a long-term (AKIA) access key of a root user or an IAM user.
type AccessKey struct {
	AccessKeyID string
	Secret      string
	Account     string
	Kind        Kind // Root or User
	// The owner as the resolver reports it: for a user, its name, ARN (with
	// path) and AIDA unique ID; for the root, "", arn:aws:iam::ACCT:root and
	// the account ID. IAM rewrites these when it renames or moves a user.
	UserName   string `json:",omitempty"`
	UserARN    string
	UserID     string
	Status     KeyStatus
	CreateDate time.Time
	// Last use, for GetAccessKeyLastUsed; recorded at most once a minute.
	LastUsedDate    *time.Time `json:",omitempty"`
	LastUsedService string     `json:",omitempty"`
	LastUsedRegion  string     `json:",omitempty"`
}

// ErrInvalidAccessKey is returned by PutAccessKey for a malformed record.
var ErrInvalidAccessKey = errors.New("identity: invalid access key")

// RootARN is the ARN of an account's root user.
func RootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

func ownerKey(account, userName, id string) string { return account + "/" + userName + "/" + id }

// PutAccessKey creates or replaces an access key. For a root key it fills in
// the root's ARN and user ID when they are empty.
func PutAccessKey(tx store.Tx, k AccessKey) error {
	if k.Kind == Root {
		if k.UserARN == "" {
			k.UserARN = RootARN(k.Account)
		}
		if k.UserID == "" {
			k.UserID = k.Account
		}
	}
	if err := checkAccessKey(k); err != nil {
		return err
	}
	old, err := GetAccessKey(tx, k.AccessKeyID)
	switch {
	case err == nil:
		if err := tx.Delete(keysByOwnerTable, ownerKey(old.Account, old.UserName, old.AccessKeyID)); err != nil {
			return err
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	if err := tx.Put(keysByOwnerTable, ownerKey(k.Account, k.UserName, k.AccessKeyID), nil); err != nil {
		return err
	}
	return store.PutJSON(tx, accessKeysTable, k.AccessKeyID, k)
}

func checkAccessKey(k AccessKey) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidAccessKey, k.AccessKeyID, fmt.Sprintf(format, args...))
	}
	switch {
	case !ValidAccessKeyID(k.AccessKeyID, PrefixAccessKey):
		return bad("the ID must be AKIA and 16 upper-case letters or digits")
	case len(k.Secret) != 40:
		return bad("the secret must be 40 characters, not %d", len(k.Secret))
	case !ValidAccountID(k.Account):
		return bad("account %q is not 12 digits", k.Account)
	case k.Status != KeyActive && k.Status != KeyInactive:
		return bad("status %q is neither Active nor Inactive", k.Status)
	case k.CreateDate.IsZero():
		return bad("no creation date")
	}
	switch k.Kind {
	case Root:
		if k.UserName != "" {
			return bad("a root key has no user name")
		}
	case User:
		if k.UserName == "" || k.UserARN == "" || k.UserID == "" {
			return bad("a user's key needs the user's name, ARN and ID")
		}
	default:
		return bad("kind %v; want Root or User", k.Kind)
	}
	return nil
}

// GetAccessKey returns the key with that ID, or store.ErrNotFound.
func GetAccessKey(tx store.Tx, id string) (AccessKey, error) {
	if id == "" {
		return AccessKey{}, store.ErrNotFound
	}
	return store.GetJSON[AccessKey](tx, accessKeysTable, id)
}

// DeleteAccessKey deletes the key with that ID; store.ErrNotFound if there
// is none.
func DeleteAccessKey(tx store.Tx, id string) error {
	k, err := GetAccessKey(tx, id)
	if err != nil {
		return err
	}
	if err := tx.Delete(keysByOwnerTable, ownerKey(k.Account, k.UserName, k.AccessKeyID)); err != nil {
		return err
	}
	return tx.Delete(accessKeysTable, id)
}

// ListAccessKeys returns the keys of one IAM user of account, or of its root
// user when userName is "", in key ID order.
func ListAccessKeys(tx store.Tx, account, userName string) ([]AccessKey, error) {
	var ids []string
	prefix := ownerKey(account, userName, "")
	err := tx.Scan(keysByOwnerTable, prefix, "", func(key string, _ []byte) (bool, error) {
		ids = append(ids, key[len(prefix):])
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]AccessKey, 0, len(ids))
	for _, id := range ids {
		k, err := GetAccessKey(tx, id)
		if err != nil {
			return nil, fmt.Errorf("identity: index names missing key %s: %w", id, err)
		}
		out = append(out, k)
	}
	return out, nil
}
