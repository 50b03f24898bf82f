package identity

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

// fakePrincipals is IAM's users and roles: "account/kind/name" -> unique ID.
type fakePrincipals struct {
	mu    sync.Mutex
	ids   map[string]string
	gen   uint64
	reads int
}

func (f *fakePrincipals) UniqueID(_ context.Context, account, kind, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.ids[account+"/"+kind+"/"+name], nil
}

func (f *fakePrincipals) Generation() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gen
}

func (f *fakePrincipals) set(key, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "" {
		delete(f.ids, key)
	} else {
		f.ids[key] = id
	}
	f.gen++
}

// Credentials stay with the unique ID they were issued to: once their user or
// role is gone they are refused, and stay refused when another user or role
// takes the name.
func TestResolveFollowsUniqueIDs(t *testing.T) {
	ctx := context.Background()
	st := store.NewMemory()
	const acct = "111111111111"
	alice := userKey(acct, "alice")
	roleID, fedUserID := NewUniqueID(PrefixRole), alice.UserID
	fp := &fakePrincipals{ids: map[string]string{
		acct + "/user/alice": alice.UserID, acct + "/role/deployer": roleID,
	}}
	a, err := NewAuthority(ctx, st, Options{UsageFlushDelay: time.Hour, Principals: fp})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return PutAccessKey(tx, alice) }); err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(time.Hour)
	issue := func(s *Session) [2]string {
		k, _, tok, err := a.IssueSession(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		return [2]string{k, tok}
	}
	creds := map[string][2]string{
		"alice's key": {alice.AccessKeyID, ""},
		"role session": issue(&Session{Kind: AssumedRole, Account: acct, RoleARN: "arn:aws:iam::" + acct + ":role/ci/deployer",
			RoleID: roleID, SessionName: "tf", IssuedAt: t0, Expiration: exp}),
		"alice's GetSessionToken": issue(&Session{Kind: User, Account: acct, SourceUserARN: alice.UserARN, SourceUserID: alice.UserID,
			IssuedAt: t0, Expiration: exp}),
		"alice's federation token": issue(&Session{Kind: FederatedUser, Account: acct, SessionName: "fed",
			SourceUserARN: alice.UserARN, SourceUserID: fedUserID, IssuedAt: t0, Expiration: exp}),
		"root's federation token": issue(&Session{Kind: FederatedUser, Account: acct, SessionName: "fed",
			SourceUserARN: RootARN(acct), SourceUserID: acct, IssuedAt: t0, Expiration: exp}),
	}
	wantFor := func(name string, alive bool) error {
		switch {
		case alive || name == "root's federation token":
			return nil
		case name == "alice's key":
			return ErrUnknownAccessKey
		}
		return ErrInvalidToken
	}
	check := func(step string, alive bool) {
		t.Helper()
		for name, c := range creds {
			for i := range 2 { // the second answer comes from the cache
				_, _, err := a.Resolve(ctx, c[0], c[1], t0)
				if want := wantFor(name, alive); !errors.Is(err, want) || (want == nil && err != nil) {
					t.Fatalf("%s, %s (lookup %d): got %v, want %v", step, name, i+1, err, want)
				}
			}
		}
	}
	check("issued", true)
	reads := fp.reads
	check("again", true)
	if fp.reads != reads {
		t.Fatalf("an unchanged IAM was read %d more times", fp.reads-reads)
	}
	fp.set(acct+"/user/alice", "")
	fp.set(acct+"/role/deployer", "")
	check("deleted", false)
	fp.set(acct+"/user/alice", NewUniqueID(PrefixUser))
	fp.set(acct+"/role/deployer", NewUniqueID(PrefixRole))
	check("created again under the same names", false)
}
