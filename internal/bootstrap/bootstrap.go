// Package bootstrap declares the accounts doppel serves, from a YAML file,
// and applies that declaration to the store at every start:
//
//	accounts:
//	  - id: "111111111111"
//	    name: account-a
//	    root:                       # optional, and so is each key below
//	      access_key_id: AKIA...
//	      secret_access_key: ...
//
// Applying is idempotent. Missing accounts are created, with the file's root
// key or a generated one. Existing accounts keep their state: doppel never
// deletes an account, a key or anything IAM made, and an account missing from
// the file stays. When the file names a root key the account does not have,
// doppel adds it as a further root key, as an AWS root user may hold two, and
// hands it out from then on (`doppel env`, the generated credentials file);
// the old key keeps working until deleted through IAM. This keeps credentials
// that scripts already use valid while making the file's key work.
package bootstrap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/service/organizations"
	"github.com/doppel-aws/doppel/internal/store"
)

// Config is a parsed bootstrap file.
type Config struct {
	Accounts     []Account     `yaml:"accounts"`
	Organization *Organization `yaml:"organization"`
}

// Account declares one account.
type Account struct {
	ID   string   `yaml:"id"`
	Name string   `yaml:"name"`
	Root *RootKey `yaml:"root"`
}

// RootKey is the root user's access key, either part optional.
type RootKey struct {
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
}

// Default is what a first start without a bootstrap file creates.
func Default() *Config {
	return &Config{Accounts: []Account{
		{ID: "111111111111", Name: "account-a"},
		{ID: "222222222222", Name: "account-b"},
	}}
}

// maxRootKeys is AWS's quota of access keys per root user (IAM User Guide,
// "IAM and AWS STS quotas": access keys assigned to an IAM user, 2; the root
// user has the same limit).
const maxRootKeys = 2

// Load reads and validates the bootstrap file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a bootstrap file strictly: unknown fields, malformed or
// duplicate account IDs and names, and malformed keys are errors that name
// the file and line.
func Parse(filename string, data []byte) (*Config, error) {
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("bootstrap: %s:%d: %s", filename, line, fmt.Sprintf(format, args...))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("bootstrap: %s: empty file; it must list accounts", filename)
		}
		// yaml's messages already say "line N: ...".
		return nil, fmt.Errorf("bootstrap: %s: %s", filename, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(extra.Line, "a second YAML document; the file must hold one")
	}
	// A second pass for the line of each account and field.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("bootstrap: %s: %w", filename, err)
	}
	items := accountNodes(&doc)
	if len(cfg.Accounts) == 0 {
		return nil, fail(1, "no accounts declared")
	}
	ids, names, keys := map[string]int{}, map[string]int{}, map[string]int{}
	for i, a := range cfg.Accounts {
		item := &yaml.Node{Line: 1}
		if i < len(items) {
			item = items[i]
		}
		if !identity.ValidAccountID(a.ID) {
			if a.ID == "" {
				return nil, fail(item.Line, "account has no id")
			}
			return nil, fail(fieldLine(item, "id"), "account id %q is not 12 digits (quote it: id: \"%s\")", a.ID, a.ID)
		}
		if line, dup := ids[a.ID]; dup {
			return nil, fail(fieldLine(item, "id"), "account id %s is already declared on line %d", a.ID, line)
		}
		ids[a.ID] = fieldLine(item, "id")
		if !identity.ValidAccountName(a.Name) {
			if a.Name == "" {
				return nil, fail(item.Line, "account %s has no name", a.ID)
			}
			return nil, fail(fieldLine(item, "name"), "account name %q must be 1 to %d letters, digits, '.', '_' or '-'", a.Name, identity.MaxAccountNameLength)
		}
		if line, dup := names[a.Name]; dup {
			return nil, fail(fieldLine(item, "name"), "account name %s is already declared on line %d", a.Name, line)
		}
		names[a.Name] = fieldLine(item, "name")
		if a.Root == nil {
			continue
		}
		root := fieldNode(item, "root")
		if k := a.Root.AccessKeyID; k != "" {
			line := fieldLine(root, "access_key_id")
			if !identity.ValidAccessKeyID(k, identity.PrefixAccessKey) {
				return nil, fail(line, "access_key_id %q must be AKIA followed by 16 upper-case letters or digits", k)
			}
			if prev, dup := keys[k]; dup {
				return nil, fail(line, "access_key_id %s is already declared on line %d", k, prev)
			}
			keys[k] = line
		}
		if s := a.Root.SecretAccessKey; s != "" && !validSecret(s) {
			return nil, fail(fieldLine(root, "secret_access_key"), "secret_access_key must be 40 characters of letters, digits, '+' and '/' (it has %d characters)", len(s))
		}
	}
	if cfg.Organization != nil {
		var orgNode *yaml.Node
		if len(doc.Content) > 0 {
			orgNode = fieldNode(doc.Content[0], "organization")
		}
		if err := checkOrganization(&cfg, orgNode, fail); err != nil {
			return nil, err
		}
	}
	return &cfg, nil
}

func validSecret(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// accountNodes returns the nodes of the accounts list, in order. The strict
// decode succeeded, so the shape is known.
func accountNodes(doc *yaml.Node) []*yaml.Node {
	if len(doc.Content) == 0 {
		return nil
	}
	if seq := fieldNode(doc.Content[0], "accounts"); seq != nil {
		return seq.Content
	}
	return nil
}

// fieldNode returns the value node of key in a mapping node, or nil.
func fieldNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// fieldLine is the line of key's value in m, or m's own line.
func fieldLine(m *yaml.Node, key string) int {
	if n := fieldNode(m, key); n != nil {
		return n.Line
	}
	if m != nil {
		return m.Line
	}
	return 1
}

// Apply brings the store in line with cfg in one transaction (all or
// nothing), and returns what it changed, for the log. A nil cfg means there
// is no bootstrap file: Default() is applied to a store with no accounts, and
// nothing is done to one that has some.
func Apply(ctx context.Context, st store.Store, cfg *Config, now time.Time) ([]string, error) {
	var changes []string
	err := st.Update(ctx, func(tx store.Tx) error {
		changes = nil
		c := cfg
		if c == nil {
			existing, err := identity.ListAccounts(tx)
			if err != nil || len(existing) > 0 {
				return err
			}
			c = Default()
		}
		for _, a := range c.Accounts {
			did, err := applyAccount(tx, a, now.UTC().Truncate(time.Second))
			if err != nil {
				return fmt.Errorf("bootstrap: account %s (%s): %w", a.Name, a.ID, err)
			}
			changes = append(changes, did...)
		}
		if c.Organization != nil {
			did, err := organizations.Apply(tx, c.Organization.declaration(c), now.UTC().Truncate(time.Second))
			if err != nil {
				return fmt.Errorf("bootstrap: organization: %w", err)
			}
			changes = append(changes, did...)
		}
		return nil
	})
	return changes, err
}

func applyAccount(tx store.Tx, spec Account, now time.Time) ([]string, error) {
	var want RootKey
	if spec.Root != nil {
		want = *spec.Root
	}
	acct, err := identity.GetAccount(tx, spec.ID)
	if errors.Is(err, store.ErrNotFound) {
		if other, err := identity.GetAccountByName(tx, spec.Name); err == nil {
			return nil, fmt.Errorf("the name %s belongs to account %s", spec.Name, other.ID)
		}
		key, err := addRootKey(tx, spec.ID, want, now)
		if err != nil {
			return nil, err
		}
		acct = identity.Account{ID: spec.ID, Name: spec.Name, CreatedAt: now, RootAccessKeyID: key}
		if err := identity.CreateAccount(tx, acct); err != nil {
			return nil, err
		}
		return []string{fmt.Sprintf("created account %s (%s) with root access key %s", spec.Name, spec.ID, key)}, nil
	}
	if err != nil {
		return nil, err
	}

	var changes []string
	if acct.Name != spec.Name {
		if other, err := identity.GetAccountByName(tx, spec.Name); err == nil {
			return nil, fmt.Errorf("cannot rename %s to %s: the name belongs to account %s", acct.Name, spec.Name, other.ID)
		}
		changes = append(changes, fmt.Sprintf("renamed account %s (%s) to %s", acct.Name, acct.ID, spec.Name))
		acct.Name = spec.Name
	}
	primary, err := rootKeyFor(tx, acct, want, now)
	if err != nil {
		return nil, err
	}
	if primary != acct.RootAccessKeyID {
		changes = append(changes, fmt.Sprintf("account %s (%s): root access key %s from the bootstrap file is now the one handed out", acct.Name, acct.ID, primary))
		acct.RootAccessKeyID = primary
	}
	if len(changes) == 0 {
		return nil, nil
	}
	return changes, identity.PutAccount(tx, acct)
}

// rootKeyFor finds, or adds, the root key of an existing account that the
// file asks for, and returns its ID.
func rootKeyFor(tx store.Tx, acct identity.Account, want RootKey, now time.Time) (string, error) {
	if want.AccessKeyID == "" && want.SecretAccessKey == "" {
		return acct.RootAccessKeyID, nil
	}
	keys, err := identity.ListAccessKeys(tx, acct.ID, "")
	if err != nil {
		return "", err
	}
	if want.AccessKeyID != "" {
		k, err := identity.GetAccessKey(tx, want.AccessKeyID)
		switch {
		case err == nil && (k.Account != acct.ID || k.Kind != identity.Root):
			return "", fmt.Errorf("access key %s already belongs to %s", k.AccessKeyID, k.UserARN)
		case err == nil && want.SecretAccessKey != "" && k.Secret != want.SecretAccessKey:
			return "", fmt.Errorf("access key %s exists with another secret; a key's secret never changes, so give a new key ID to use a new secret", k.AccessKeyID)
		case err == nil:
			return k.AccessKeyID, nil
		case !errors.Is(err, store.ErrNotFound):
			return "", err
		}
	} else {
		for _, k := range keys {
			if k.Secret == want.SecretAccessKey {
				return k.AccessKeyID, nil
			}
		}
	}
	if len(keys) >= maxRootKeys {
		return "", fmt.Errorf("the root user already has %d access keys (AWS's limit), so the file's key cannot be added; delete one with the IAM DeleteAccessKey operation, or remove the key from the file", len(keys))
	}
	return addRootKey(tx, acct.ID, want, now)
}

// addRootKey stores a new, active root key, generating what want leaves out.
func addRootKey(tx store.Tx, account string, want RootKey, now time.Time) (string, error) {
	k := identity.AccessKey{
		AccessKeyID: want.AccessKeyID, Secret: want.SecretAccessKey,
		Account: account, Kind: identity.Root, Status: identity.KeyActive, CreateDate: now,
	}
	if k.AccessKeyID == "" {
		k.AccessKeyID = identity.NewAccessKeyID()
	} else if other, err := identity.GetAccessKey(tx, k.AccessKeyID); err == nil {
		return "", fmt.Errorf("access key %s already belongs to %s", k.AccessKeyID, other.UserARN)
	}
	if k.Secret == "" {
		k.Secret = identity.NewSecretAccessKey()
	}
	return k.AccessKeyID, identity.PutAccessKey(tx, k)
}
