package bootstrap

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

const (
	keyA    = "AKIAIOSFODNN7EXAMPLE"
	secretA = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	keyA2   = "AKIAI44QH8DHBEXAMPLE"
	secretB = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
)

var t0 = time.Date(2026, 11, 22, 5, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name, yaml string
		wantErr    string // substring; "" means valid
	}{
		{"full", `
accounts:
  - id: "111111111111"
    name: account-a
    root:
      access_key_id: ` + keyA + `
      secret_access_key: ` + secretA + `
  - id: "222222222222"
    name: account-b
`, ""},
		{"unquoted id keeps leading zeros", "accounts:\n  - id: 011111111111\n    name: a\n", ""},
		{"only a secret", "accounts:\n  - id: \"111111111111\"\n    name: a\n    root: {secret_access_key: " + secretA + "}\n", ""},
		{"empty file", "", "empty file"},
		{"no accounts", "accounts: []\n", "t.yaml:1: no accounts declared"},
		{"unknown top-level field", "accounts: []\nregion: us-east-1\n", "line 2: field region not found"},
		{"unknown account field", "accounts:\n  - id: \"111111111111\"\n    nmae: a\n", "line 3: field nmae not found"},
		{"unknown root field", "accounts:\n  - id: \"111111111111\"\n    name: a\n    root: {secret: x}\n", "line 4: field secret not found"},
		{"wrong type", "accounts: {id: 1}\n", "line 1: cannot unmarshal"},
		{"duplicate field", "accounts:\n  - id: \"111111111111\"\n    id: \"222222222222\"\n", "line 3"},
		{"two documents", "accounts:\n  - {id: \"111111111111\", name: a}\n---\naccounts: []\n", "t.yaml:3: a second YAML document"},
		{"no id", "accounts:\n  - name: a\n", "t.yaml:2: account has no id"},
		{"short id", "accounts:\n  - name: a\n    id: 1234\n", "t.yaml:3: account id \"1234\" is not 12 digits"},
		{"letters in id", "accounts:\n  - id: 11111111111x\n    name: a\n", "t.yaml:2: account id"},
		{"duplicate id", "accounts:\n  - {id: \"111111111111\", name: a}\n  - {id: \"111111111111\", name: b}\n", "t.yaml:3: account id 111111111111 is already declared on line 2"},
		{"no name", "accounts:\n  - id: \"111111111111\"\n", "t.yaml:2: account 111111111111 has no name"},
		{"bad name", "accounts:\n  - id: \"111111111111\"\n    name: my account\n", "t.yaml:3: account name \"my account\""},
		{"duplicate name", "accounts:\n  - {id: \"111111111111\", name: a}\n  - {id: \"222222222222\", name: a}\n", "t.yaml:3: account name a is already declared on line 2"},
		{"key not AKIA", "accounts:\n  - id: \"111111111111\"\n    name: a\n    root:\n      access_key_id: ASIAIOSFODNN7EXAMPLE\n", "t.yaml:5: access_key_id \"ASIAIOSFODNN7EXAMPLE\" must be AKIA"},
		{"key too short", "accounts:\n  - id: \"111111111111\"\n    name: a\n    root: {access_key_id: AKIA123}\n", "t.yaml:4: access_key_id"},
		{"same key twice", "accounts:\n  - {id: \"111111111111\", name: a, root: {access_key_id: " + keyA + "}}\n  - {id: \"222222222222\", name: b, root: {access_key_id: " + keyA + "}}\n", "t.yaml:3: access_key_id " + keyA + " is already declared on line 2"},
		{"short secret", "accounts:\n  - id: \"111111111111\"\n    name: a\n    root:\n      secret_access_key: short\n", "t.yaml:5: secret_access_key must be 40 characters"},
		{"secret with a space", "accounts:\n  - id: \"111111111111\"\n    name: a\n    root:\n      secret_access_key: \"" + strings.Repeat("a", 39) + " \"\n", "t.yaml:5: secret_access_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse("t.yaml", []byte(tc.yaml))
			if tc.wantErr == "" {
				if err != nil || cfg == nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error saying %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte("accounts:\n  - id: 011111111111\n    name: a\n    root: {access_key_id: "+keyA+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if a.ID != "011111111111" || a.Name != "a" || a.Root == nil || a.Root.AccessKeyID != keyA || a.Root.SecretAccessKey != "" {
		t.Fatalf("parsed %+v %+v", a, a.Root)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bootstrap.yaml")
	if _, err := Load(path); err == nil {
		t.Fatal("missing file: no error")
	}
	os.WriteFile(path, []byte("accounts:\n  - {id: \"111111111111\", name: a}\n"), 0o600)
	cfg, err := Load(path)
	if err != nil || len(cfg.Accounts) != 1 {
		t.Fatalf("Load: %+v, %v", cfg, err)
	}
	os.WriteFile(path, []byte("accounts:\n  - {id: \"1\", name: a}\n"), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path+":2:") {
		t.Fatalf("error does not name file and line: %v", err)
	}
}

// state summarizes the store: each account with its name, handed-out key and
// all root keys with their secrets' first characters.
type acctState struct {
	acct identity.Account
	keys []identity.AccessKey
}

func snapshot(t *testing.T, st store.Store) map[string]acctState {
	t.Helper()
	out := map[string]acctState{}
	st.View(context.Background(), func(tx store.Tx) error {
		accts, err := identity.ListAccounts(tx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range accts {
			keys, err := identity.ListAccessKeys(tx, a.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			out[a.ID] = acctState{a, keys}
		}
		return nil
	})
	return out
}

func secretOf(s acctState, id string) string {
	for _, k := range s.keys {
		if k.AccessKeyID == id {
			return k.Secret
		}
	}
	return ""
}

func TestApplyDefault(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	changes, err := Apply(ctx, st, nil, t0)
	if err != nil || len(changes) != 2 {
		t.Fatalf("first start: %v, %v", changes, err)
	}
	first := snapshot(t, st)
	for _, want := range Default().Accounts {
		s, ok := first[want.ID]
		if !ok || s.acct.Name != want.Name || len(s.keys) != 1 || s.acct.RootAccessKeyID != s.keys[0].AccessKeyID ||
			s.keys[0].Status != identity.KeyActive || !s.acct.CreatedAt.Equal(t0) {
			t.Fatalf("account %s: %+v", want.ID, s)
		}
	}
	// Second start without a file: nothing changes.
	changes, err = Apply(ctx, st, nil, t0.Add(time.Hour))
	if err != nil || len(changes) != 0 {
		t.Fatalf("second start: %v, %v", changes, err)
	}
	if second := snapshot(t, st); len(second) != 2 || second["111111111111"].acct != first["111111111111"].acct {
		t.Fatal("second start changed the accounts")
	}
}

func TestApplyFile(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	parse := func(y string) *Config {
		t.Helper()
		cfg, err := Parse("t.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	const a, b = "111111111111", "222222222222"
	steps := []struct {
		name        string
		yaml        string
		wantErr     string
		wantChanges int
		check       func(t *testing.T, s map[string]acctState)
	}{
		{"create with a given key", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {access_key_id: " + keyA + ", secret_access_key: " + secretA + "}}\n", "", 1,
			func(t *testing.T, s map[string]acctState) {
				if s[a].acct.RootAccessKeyID != keyA || secretOf(s[a], keyA) != secretA {
					t.Errorf("%+v", s[a])
				}
			}},
		{"same file again: no change", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {access_key_id: " + keyA + ", secret_access_key: " + secretA + "}}\n", "", 0,
			func(t *testing.T, s map[string]acctState) {
				if len(s[a].keys) != 1 {
					t.Errorf("%+v", s[a])
				}
			}},
		{"new account with a generated secret", "accounts:\n  - {id: \"" + a + "\", name: account-a}\n  - {id: \"" + b + "\", name: account-b, root: {access_key_id: " + keyA2 + "}}\n", "", 1,
			func(t *testing.T, s map[string]acctState) {
				if s[b].acct.RootAccessKeyID != keyA2 || len(secretOf(s[b], keyA2)) != 40 {
					t.Errorf("%+v", s[b])
				}
				if s[a].acct.RootAccessKeyID != keyA {
					t.Errorf("account a lost its key when the file stopped naming it: %+v", s[a])
				}
			}},
		{"secret changed for the same key ID", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {access_key_id: " + keyA + ", secret_access_key: " + secretB + "}}\n", "exists with another secret", 0, nil},
		{"key of another account", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {access_key_id: " + keyA2 + "}}\n", "already belongs to arn:aws:iam::" + b + ":root", 0, nil},
		{"name of another account", "accounts:\n  - {id: \"" + a + "\", name: account-b}\n", "the name belongs to account " + b, 0, nil},
		{"new account with a taken name", "accounts:\n  - {id: \"333333333333\", name: account-a}\n", "the name account-a belongs to account " + a, 0, nil},
		{"a second root key is added and handed out", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {secret_access_key: " + secretB + "}}\n", "", 1,
			func(t *testing.T, s map[string]acctState) {
				k := s[a].acct.RootAccessKeyID
				if len(s[a].keys) != 2 || k == keyA || secretOf(s[a], k) != secretB || secretOf(s[a], keyA) != secretA {
					t.Errorf("%+v", s[a])
				}
			}},
		{"the first key is chosen again", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {access_key_id: " + keyA + "}}\n", "", 1,
			func(t *testing.T, s map[string]acctState) {
				if len(s[a].keys) != 2 || s[a].acct.RootAccessKeyID != keyA {
					t.Errorf("%+v", s[a])
				}
			}},
		{"a third root key is over AWS's limit", "accounts:\n  - {id: \"" + a + "\", name: account-a, root: {access_key_id: AKIAZZZZZZZZZZZZZZZZ}}\n", "already has 2 access keys", 0, nil},
		{"rename", "accounts:\n  - {id: \"" + a + "\", name: renamed}\n", "", 1,
			func(t *testing.T, s map[string]acctState) {
				if s[a].acct.Name != "renamed" || s[b].acct.Name != "account-b" {
					t.Errorf("%+v", s)
				}
			}},
	}
	for _, st2 := range steps {
		t.Run(st2.name, func(t *testing.T) {
			before := snapshot(t, st)
			changes, err := Apply(ctx, st, parse(st2.yaml), t0)
			if st2.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), st2.wantErr) {
					t.Fatalf("got %v, want an error saying %q", err, st2.wantErr)
				}
				if after := snapshot(t, st); len(after) != len(before) || after[a].acct != before[a].acct || len(after[a].keys) != len(before[a].keys) {
					t.Fatal("a failed Apply changed the store")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != st2.wantChanges {
				t.Errorf("changes %q, want %d", changes, st2.wantChanges)
			}
			st2.check(t, snapshot(t, st))
		})
	}
	// With a file, accounts the file leaves out stay; without one, nothing is added.
	if _, err := Apply(ctx, st, nil, t0); err != nil {
		t.Fatal(err)
	}
	if s := snapshot(t, st); len(s) != 2 {
		t.Fatalf("accounts: %d", len(s))
	}
}

func FuzzParse(f *testing.F) {
	f.Add("accounts:\n  - id: \"111111111111\"\n    name: a\n    root: {access_key_id: " + keyA + ", secret_access_key: " + secretA + "}\n")
	f.Add("accounts:\n  - {id: 1, name: a}\n---\n")
	f.Add("accounts: [~, {}, [1]]\n")
	f.Add("&a [*a]")
	f.Fuzz(func(t *testing.T, data string) {
		cfg, err := Parse("f.yaml", []byte(data))
		if err != nil {
			if cfg != nil || !strings.HasPrefix(err.Error(), "bootstrap: f.yaml") {
				t.Fatalf("Parse(%q) = %v, %v", data, cfg, err)
			}
			return
		}
		// A file that parses is one Apply can take.
		if _, err := Apply(context.Background(), store.NewMemory(), cfg, t0); err != nil {
			t.Fatalf("Apply of a valid file %q: %v", data, err)
		}
	})
}
