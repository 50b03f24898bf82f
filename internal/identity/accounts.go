package identity

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// Tables of this package. Other packages must not write them directly.
const (
	accountsTable     = "identity-accounts"      // account ID -> Account
	accountNamesTable = "identity-account-names" // account name -> account ID
)

// Account is one AWS account doppel serves.
type Account struct {
	ID        string // 12 digits
	Name      string // unique; the profile name in the generated AWS config
	CreatedAt time.Time
	// RootAccessKeyID is the root key that `doppel env` and the generated
	// credentials file hand out. The root user may have other keys too.
	RootAccessKeyID string `json:",omitempty"`
}

var (
	ErrInvalidAccount   = errors.New("identity: invalid account")
	ErrAccountExists    = errors.New("identity: account already exists")
	ErrAccountNameTaken = errors.New("identity: account name already taken")
)

// MaxAccountNameLength is AWS Organizations' limit on account names.
const MaxAccountNameLength = 50

// ValidAccountName reports whether name can name an account. AWS allows any
// printable ASCII up to 50 characters (Organizations API reference,
// CreateAccount AccountName); doppel also uses the name as a profile name in
// the shared config file and as a command-line argument, so it keeps to
// letters, digits, '.', '_' and '-'.
func ValidAccountName(name string) bool {
	if name == "" || len(name) > MaxAccountNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkAccount(a Account) error {
	if !ValidAccountID(a.ID) {
		return fmt.Errorf("%w: ID %q is not 12 digits", ErrInvalidAccount, a.ID)
	}
	if !ValidAccountName(a.Name) {
		return fmt.Errorf("%w: name %q must be 1 to %d letters, digits, '.', '_' or '-'", ErrInvalidAccount, a.Name, MaxAccountNameLength)
	}
	if a.RootAccessKeyID != "" && !ValidAccessKeyID(a.RootAccessKeyID, PrefixAccessKey) {
		return fmt.Errorf("%w: root access key ID %q", ErrInvalidAccount, a.RootAccessKeyID)
	}
	return nil
}

// CreateAccount stores a new account. It fails with ErrAccountExists if the
// ID is in use and ErrAccountNameTaken if the name is.
func CreateAccount(tx store.Tx, a Account) error {
	if err := checkAccount(a); err != nil {
		return err
	}
	if _, err := tx.Get(accountsTable, a.ID); err == nil {
		return fmt.Errorf("%w: %s", ErrAccountExists, a.ID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return PutAccount(tx, a)
}

// PutAccount creates or replaces an account, keeping names unique.
func PutAccount(tx store.Tx, a Account) error {
	if err := checkAccount(a); err != nil {
		return err
	}
	owner, err := tx.Get(accountNamesTable, a.Name)
	switch {
	case err == nil && string(owner) != a.ID:
		return fmt.Errorf("%w: %q is account %s", ErrAccountNameTaken, a.Name, owner)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	old, err := GetAccount(tx, a.ID)
	switch {
	case err == nil && old.Name != a.Name:
		if err := tx.Delete(accountNamesTable, old.Name); err != nil {
			return err
		}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	if err := tx.Put(accountNamesTable, a.Name, []byte(a.ID)); err != nil {
		return err
	}
	return store.PutJSON(tx, accountsTable, a.ID, a)
}

// GetAccount returns the account with that ID, or store.ErrNotFound.
func GetAccount(tx store.Tx, id string) (Account, error) {
	return store.GetJSON[Account](tx, accountsTable, id)
}

// GetAccountByName returns the account with that name, or store.ErrNotFound.
func GetAccountByName(tx store.Tx, name string) (Account, error) {
	id, err := tx.Get(accountNamesTable, name)
	if err != nil {
		return Account{}, err
	}
	return GetAccount(tx, string(id))
}

// ListAccounts returns every account, by ID.
func ListAccounts(tx store.Tx) ([]Account, error) {
	var out []Account
	err := store.ScanJSON(tx, accountsTable, "", "", func(_ string, a Account) (bool, error) {
		out = append(out, a)
		return true, nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}
