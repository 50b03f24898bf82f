package identity

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

type fixture struct {
	st                     store.Store
	a                      *Authority
	root, alice, inactive  AccessKey
	roleToken, roleKey     string
	roleSecret             string
	expiredToken, expiredK string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: store.NewMemory()}
	var err error
	f.a, err = NewAuthority(ctx, f.st, Options{UsageFlushDelay: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.root, f.alice, f.inactive = rootKey("111111111111"), userKey("111111111111", "alice"), userKey("111111111111", "carol")
	f.inactive.Status = KeyInactive
	err = f.st.Update(ctx, func(tx store.Tx) error {
		for _, k := range []AccessKey{f.root, f.alice, f.inactive} {
			if err := PutAccessKey(tx, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	role := &Session{Kind: AssumedRole, Account: "222222222222", RoleARN: "arn:aws:iam::222222222222:role/deployer",
		RoleID: "AROAEXAMPLE234567ABCD", SessionName: "tf", IssuedAt: t0, Expiration: t0.Add(time.Hour)}
	if f.roleKey, f.roleSecret, f.roleToken, err = f.a.IssueSession(ctx, role); err != nil {
		t.Fatal(err)
	}
	if role.AccessKeyID != "" || role.Secret != "" {
		t.Fatal("IssueSession changed its argument")
	}
	expired := *role
	expired.Expiration = t0
	if f.expiredK, _, f.expiredToken, err = f.a.IssueSession(ctx, &expired); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolve(t *testing.T) {
	f := newFixture(t)
	_, _, otherToken, _ := f.a.IssueSession(context.Background(), &Session{Kind: Root, Account: "111111111111", Expiration: t0.Add(time.Hour)})
	now := t0.Add(time.Minute)
	tests := []struct {
		name, key, token string
		now              time.Time
		wantErr          error
		wantARN, wantID  string
		wantSecret       string
		wantKind         Kind
	}{
		{name: "root key", key: f.root.AccessKeyID, now: now, wantKind: Root,
			wantARN: "arn:aws:iam::111111111111:root", wantID: "111111111111", wantSecret: f.root.Secret},
		{name: "user key", key: f.alice.AccessKeyID, now: now, wantKind: User,
			wantARN: "arn:aws:iam::111111111111:user/dev/alice", wantID: f.alice.UserID, wantSecret: f.alice.Secret},
		{name: "inactive key", key: f.inactive.AccessKeyID, now: now, wantErr: ErrUnknownAccessKey},
		{name: "unknown key", key: NewAccessKeyID(), now: now, wantErr: ErrUnknownAccessKey},
		{name: "unknown prefix", key: "AIDAEXAMPLE", now: now, wantErr: ErrUnknownAccessKey},
		{name: "empty key", key: "", now: now, wantErr: ErrUnknownAccessKey},
		{name: "long-term key with a token", key: f.root.AccessKeyID, token: f.roleToken, now: now, wantErr: ErrInvalidToken},
		{name: "role session", key: f.roleKey, token: f.roleToken, now: now, wantKind: AssumedRole,
			wantARN: "arn:aws:sts::222222222222:assumed-role/deployer/tf", wantID: "AROAEXAMPLE234567ABCD:tf", wantSecret: f.roleSecret},
		{name: "temporary key without token", key: f.roleKey, now: now, wantErr: ErrInvalidToken},
		{name: "token of another key", key: f.roleKey, token: otherToken, now: now, wantErr: ErrInvalidToken},
		{name: "garbage token", key: f.roleKey, token: "garbage", now: now, wantErr: ErrInvalidToken},
		{name: "expired session", key: f.expiredK, token: f.expiredToken, now: now, wantErr: ErrExpiredToken},
		{name: "at the expiration instant", key: f.roleKey, token: f.roleToken, now: t0.Add(time.Hour), wantErr: ErrExpiredToken},
		{name: "just before expiration", key: f.roleKey, token: f.roleToken, now: t0.Add(time.Hour - time.Nanosecond), wantKind: AssumedRole,
			wantARN: "arn:aws:sts::222222222222:assumed-role/deployer/tf", wantID: "AROAEXAMPLE234567ABCD:tf", wantSecret: f.roleSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, secret, err := f.a.Resolve(context.Background(), tc.key, tc.token, tc.now)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || p != nil || secret != "" {
					t.Fatalf("got %+v, %q, %v; want %v", p, secret, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tc.wantKind || p.ARN != tc.wantARN || p.UserID != tc.wantID || secret != tc.wantSecret || p.AccessKeyID != tc.key {
				t.Fatalf("got %+v, secret %q", p, secret)
			}
		})
	}
}

func TestResolveSeesIAMChanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	resolve := func() error {
		_, _, err := f.a.Resolve(ctx, f.alice.AccessKeyID, "", t0)
		return err
	}
	steps := []struct {
		name   string
		change func(tx store.Tx) error
		want   error
	}{
		{"cached", nil, nil},
		{"deactivated", func(tx store.Tx) error {
			k := f.alice
			k.Status = KeyInactive
			return PutAccessKey(tx, k)
		}, ErrUnknownAccessKey},
		{"reactivated", func(tx store.Tx) error { return PutAccessKey(tx, f.alice) }, nil},
		{"deleted", func(tx store.Tx) error { return DeleteAccessKey(tx, f.alice.AccessKeyID) }, ErrUnknownAccessKey},
		{"created again", func(tx store.Tx) error { return PutAccessKey(tx, f.alice) }, nil},
	}
	for _, st := range steps {
		if st.change != nil {
			if err := f.st.Update(ctx, st.change); err != nil {
				t.Fatal(err)
			}
		}
		// Twice: the second answer comes from the cache.
		for i := range 2 {
			if err := resolve(); !errors.Is(err, st.want) || (st.want == nil && err != nil) {
				t.Fatalf("%s (lookup %d): got %v, want %v", st.name, i+1, err, st.want)
			}
		}
	}
}

func TestResolveReturnsCopies(t *testing.T) {
	f := newFixture(t)
	p, _, _ := f.a.Resolve(context.Background(), f.alice.AccessKeyID, "", t0)
	p.ARN = "changed"
	q, _, _ := f.a.Resolve(context.Background(), f.alice.AccessKeyID, "", t0)
	if q.ARN == "changed" {
		t.Fatal("a caller's change reached the cache")
	}
}

func TestRecordUse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.alice.AccessKeyID
	lastUsed := func() (time.Time, string, string) {
		var k AccessKey
		f.st.View(ctx, func(tx store.Tx) error { k, _ = GetAccessKey(tx, id); return nil })
		if k.LastUsedDate == nil {
			return time.Time{}, k.LastUsedService, k.LastUsedRegion
		}
		return *k.LastUsedDate, k.LastUsedService, k.LastUsedRegion
	}
	steps := []struct {
		name        string
		at          time.Time
		service     string
		wantAt      time.Time
		wantService string
	}{
		{"first use", t0.Add(500 * time.Millisecond), "s3", t0, "s3"},
		{"within the minute: skipped", t0.Add(30 * time.Second), "iam", t0, "s3"},
		{"a minute later: recorded", t0.Add(time.Minute + time.Second), "iam", t0.Add(time.Minute + time.Second), "iam"},
	}
	gen := f.st.Generation()
	for _, st := range steps {
		f.a.RecordUse(id, st.service, "us-east-1", st.at)
		if f.st.Generation() != gen {
			t.Fatalf("%s: RecordUse wrote on the caller's path", st.name)
		}
		if err := f.a.FlushUsage(ctx); err != nil {
			t.Fatal(err)
		}
		gen = f.st.Generation()
		at, service, region := lastUsed()
		if !at.Equal(st.wantAt) || service != st.wantService || region != "us-east-1" {
			t.Errorf("%s: last used %v %s %s; want %v %s", st.name, at, service, region, st.wantAt, st.wantService)
		}
	}
	// Temporary keys and deleted keys are ignored without error.
	f.a.RecordUse(f.roleKey, "s3", "us-east-1", t0)
	f.a.RecordUse(NewAccessKeyID(), "s3", "us-east-1", t0)
	if err := f.a.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRecordUseFlushesByItself(t *testing.T) {
	st := store.NewMemory()
	ctx := context.Background()
	a, err := NewAuthority(ctx, st, Options{UsageFlushDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	k := rootKey("111111111111")
	st.Update(ctx, func(tx store.Tx) error { return PutAccessKey(tx, k) })
	a.RecordUse(k.AccessKeyID, "sts", "eu-west-1", t0)
	// Wait for the timer's write by watching the store, not the clock.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got AccessKey
		st.View(ctx, func(tx store.Tx) error { got, _ = GetAccessKey(tx, k.AccessKeyID); return nil })
		if got.LastUsedDate != nil {
			if got.LastUsedService != "sts" {
				t.Fatalf("recorded %+v", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the timer never wrote the use")
		}
		time.Sleep(time.Millisecond)
	}
	a.Close(ctx)
}

func BenchmarkResolve(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	cases := []struct{ name, key, token string }{
		{"LongTermCached", f.alice.AccessKeyID, ""},
		{"Session", f.roleKey, f.roleToken},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := f.a.Resolve(ctx, c.key, c.token, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
