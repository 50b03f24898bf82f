package identity

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

var t0 = time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)

func update(t *testing.T, st store.Store, fn func(store.Tx) error) error {
	t.Helper()
	return st.Update(context.Background(), fn)
}

func view(t *testing.T, st store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := st.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestCreateAccount(t *testing.T) {
	st := store.NewMemory()
	a := Account{ID: "111111111111", Name: "account-a", CreatedAt: t0}
	if err := update(t, st, func(tx store.Tx) error { return CreateAccount(tx, a) }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		acct Account
		want error
	}{
		{"same ID", Account{ID: "111111111111", Name: "other", CreatedAt: t0}, ErrAccountExists},
		{"same name", Account{ID: "222222222222", Name: "account-a", CreatedAt: t0}, ErrAccountNameTaken},
		{"short ID", Account{ID: "12345", Name: "x"}, ErrInvalidAccount},
		{"letters in ID", Account{ID: "11111111111a", Name: "x"}, ErrInvalidAccount},
		{"empty name", Account{ID: "333333333333"}, ErrInvalidAccount},
		{"space in name", Account{ID: "333333333333", Name: "my account"}, ErrInvalidAccount},
		{"name too long", Account{ID: "333333333333", Name: strings.Repeat("a", 51)}, ErrInvalidAccount},
		{"bad root key", Account{ID: "333333333333", Name: "c", RootAccessKeyID: "AKIA"}, ErrInvalidAccount},
		{"fine", Account{ID: "333333333333", Name: "account_c.3", CreatedAt: t0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := update(t, st, func(tx store.Tx) error { return CreateAccount(tx, tc.acct) })
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	view(t, st, func(tx store.Tx) error {
		got, err := GetAccountByName(tx, "account-a")
		if err != nil || got != a {
			t.Errorf("GetAccountByName: %+v, %v", got, err)
		}
		if _, err := GetAccount(tx, "999999999999"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccount of a missing account: %v", err)
		}
		if _, err := GetAccountByName(tx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetAccountByName of a missing account: %v", err)
		}
		list, err := ListAccounts(tx)
		if err != nil || len(list) != 2 || list[0].ID != "111111111111" || list[1].ID != "333333333333" {
			t.Errorf("ListAccounts: %+v, %v", list, err)
		}
		return nil
	})
}

func TestPutAccountRename(t *testing.T) {
	st := store.NewMemory()
	err := update(t, st, func(tx store.Tx) error {
		if err := CreateAccount(tx, Account{ID: "111111111111", Name: "old", CreatedAt: t0}); err != nil {
			return err
		}
		return PutAccount(tx, Account{ID: "111111111111", Name: "new", CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The old name is free again.
	err = update(t, st, func(tx store.Tx) error {
		return CreateAccount(tx, Account{ID: "222222222222", Name: "old", CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	view(t, st, func(tx store.Tx) error {
		if a, err := GetAccountByName(tx, "new"); err != nil || a.ID != "111111111111" {
			t.Errorf("by new name: %+v, %v", a, err)
		}
		if a, err := GetAccountByName(tx, "old"); err != nil || a.ID != "222222222222" {
			t.Errorf("by reused name: %+v, %v", a, err)
		}
		return nil
	})
}
