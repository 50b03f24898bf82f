package identity

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

func rootKey(account string) AccessKey {
	return AccessKey{AccessKeyID: NewAccessKeyID(), Secret: NewSecretAccessKey(), Account: account, Kind: Root, Status: KeyActive, CreateDate: t0}
}

func userKey(account, name string) AccessKey {
	return AccessKey{
		AccessKeyID: NewAccessKeyID(), Secret: NewSecretAccessKey(), Account: account, Kind: User,
		UserName: name, UserARN: "arn:aws:iam::" + account + ":user/dev/" + name, UserID: NewUniqueID(PrefixUser),
		Status: KeyActive, CreateDate: t0,
	}
}

func TestPutAccessKeyValidation(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*AccessKey)
		errHas string // "" means valid
	}{
		{"valid user key", func(*AccessKey) {}, ""},
		{"inactive", func(k *AccessKey) { k.Status = KeyInactive }, ""},
		{"ASIA ID", func(k *AccessKey) { k.AccessKeyID = NewTemporaryAccessKeyID() }, "AKIA"},
		{"short secret", func(k *AccessKey) { k.Secret = "short" }, "40 characters"},
		{"bad account", func(k *AccessKey) { k.Account = "1" }, "12 digits"},
		{"bad status", func(k *AccessKey) { k.Status = "active" }, "neither Active"},
		{"no create date", func(k *AccessKey) { k.CreateDate = time.Time{} }, "creation date"},
		{"user key without ARN", func(k *AccessKey) { k.UserARN = "" }, "name, ARN and ID"},
		{"root key with user name", func(k *AccessKey) { k.Kind = Root }, "no user name"},
		{"role kind", func(k *AccessKey) { k.Kind = AssumedRole }, "want Root or User"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := store.NewMemory()
			k := userKey("111111111111", "alice")
			tc.mod(&k)
			err := update(t, st, func(tx store.Tx) error { return PutAccessKey(tx, k) })
			switch {
			case tc.errHas == "" && err != nil:
				t.Fatal(err)
			case tc.errHas != "" && (!errors.Is(err, ErrInvalidAccessKey) || !strings.Contains(err.Error(), tc.errHas)):
				t.Fatalf("got %v, want ErrInvalidAccessKey saying %q", err, tc.errHas)
			}
		})
	}
}

func ids(keys []AccessKey) string {
	var out []string
	for _, k := range keys {
		out = append(out, k.AccessKeyID)
	}
	return strings.Join(out, ",")
}

func TestAccessKeysByOwner(t *testing.T) {
	st := store.NewMemory()
	const a, b = "111111111111", "222222222222"
	root := rootKey(a)
	bob, bobby, otherBob := userKey(a, "bob"), userKey(a, "bobby"), userKey(b, "bob")
	err := update(t, st, func(tx store.Tx) error {
		for _, k := range []AccessKey{root, bob, bobby, otherBob} {
			if err := PutAccessKey(tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	view(t, st, func(tx store.Tx) error {
		got, err := GetAccessKey(tx, root.AccessKeyID)
		if err != nil || got.UserARN != "arn:aws:iam::"+a+":root" || got.UserID != a {
			t.Errorf("root key: ARN and ID not filled in: %+v, %v", got, err)
		}
		tests := []struct {
			name, account, user string
			want                []AccessKey
		}{
			{"root", a, "", []AccessKey{root}},
			{"user name that prefixes another", a, "bob", []AccessKey{bob}},
			{"longer user name", a, "bobby", []AccessKey{bobby}},
			{"same user name, other account", b, "bob", []AccessKey{otherBob}},
			{"no keys", b, "", nil},
		}
		for _, tc := range tests {
			list, err := ListAccessKeys(tx, tc.account, tc.user)
			if err != nil || ids(list) != ids(tc.want) {
				t.Errorf("%s: got %s, %v; want %s", tc.name, ids(list), err, ids(tc.want))
			}
		}
		return nil
	})

	// IAM renames bob to robert: the key moves in the index.
	bob.UserName, bob.UserARN = "robert", "arn:aws:iam::"+a+":user/robert"
	if err := update(t, st, func(tx store.Tx) error { return PutAccessKey(tx, bob) }); err != nil {
		t.Fatal(err)
	}
	view(t, st, func(tx store.Tx) error {
		if l, _ := ListAccessKeys(tx, a, "bob"); len(l) != 0 {
			t.Errorf("old owner still lists %s", ids(l))
		}
		if l, _ := ListAccessKeys(tx, a, "robert"); ids(l) != bob.AccessKeyID {
			t.Errorf("new owner lists %s", ids(l))
		}
		return nil
	})

	err = update(t, st, func(tx store.Tx) error {
		if err := DeleteAccessKey(tx, bob.AccessKeyID); err != nil {
			return err
		}
		if err := DeleteAccessKey(tx, bob.AccessKeyID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleting twice: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	view(t, st, func(tx store.Tx) error {
		if _, err := GetAccessKey(tx, bob.AccessKeyID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted key still there: %v", err)
		}
		if l, _ := ListAccessKeys(tx, a, "robert"); len(l) != 0 {
			t.Errorf("deleted key still listed: %s", ids(l))
		}
		return nil
	})
}
