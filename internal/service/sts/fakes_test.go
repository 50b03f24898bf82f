package sts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
)

// Fixtures: a user in account A, a role in account B that trusts A.
const (
	acctA = "111111111111"
	acctB = "222222222222"

	userARN  = "arn:aws:iam::" + acctA + ":user/alice"
	userID   = "AIDAALICE0000000000"
	roleARN  = "arn:aws:iam::" + acctB + ":role/deploy"
	roleID   = "AROADEPLOY000000000"
	pathARN  = "arn:aws:iam::" + acctB + ":role/ops/pathed"
	mfaARN   = "arn:aws:iam::" + acctA + ":mfa/alice"
	goodCode = "123456"
	usedCode = "654321"
)

var t0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

const trustA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`

type fakeRoles struct {
	roles map[string]Role // account/name
	used  []string
}

func (f *fakeRoles) Role(_ context.Context, account, name string) (Role, bool, error) {
	if name == "broken" {
		return Role{}, false, errors.New("disk on fire")
	}
	r, ok := f.roles[account+"/"+name]
	return r, ok, nil
}

func (f *fakeRoles) RoleUsed(_ context.Context, account, name, region string, at time.Time) error {
	f.used = append(f.used, fmt.Sprintf("%s/%s %s %s", account, name, region, at.Format(time.RFC3339)))
	return nil
}

func newRoles() *fakeRoles {
	return &fakeRoles{roles: map[string]Role{
		acctB + "/deploy": {ARN: roleARN, Account: acctB, Name: "deploy", Path: "/", RoleID: roleID,
			TrustPolicy: trustA, MaxSessionDuration: 12 * time.Hour, Tags: map[string]string{"team": "ops"}},
		acctB + "/pathed": {ARN: pathARN, Account: acctB, Name: "pathed", Path: "/ops/", RoleID: "AROAPATHED000000000",
			TrustPolicy: trustA},
	}}
}

// fakeMFA knows one device, alice's, whose good code works once.
type fakeMFA struct {
	mu   sync.Mutex
	used map[string]bool
}

func (f *fakeMFA) VerifyMFACode(_ context.Context, account, user, serial, code string, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if account != acctA || user != "alice" || serial != mfaARN {
		return ErrMFADeviceNotAssigned
	}
	if code != goodCode || f.used[code] {
		return ErrMFACodeInvalid
	}
	if f.used == nil {
		f.used = map[string]bool{}
	}
	f.used[code] = true
	return nil
}

// fakeAuthz records every Check and answers with deny(c), nil meaning Allow.
type fakeAuthz struct {
	checks []authz.Check
	deny   func(authz.Check) error
}

func (f *fakeAuthz) Authorize(_ context.Context, c authz.Check) error {
	f.checks = append(f.checks, c)
	if f.deny != nil {
		return f.deny(c)
	}
	return nil
}

func (f *fakeAuthz) actions() []string {
	var out []string
	for _, c := range f.checks {
		out = append(out, c.Action)
	}
	return out
}

// denyAction refuses one action the way the real Authorizer words it.
func denyAction(action string) func(authz.Check) error {
	return func(c authz.Check) error {
		if c.Action == action {
			return awserr.AccessDenied("denied " + c.Action + " on " + c.Resource)
		}
		return nil
	}
}

// fakeIssuer keeps the sessions it issued.
type fakeIssuer struct {
	n        int
	sessions []*identity.Session
}

func (f *fakeIssuer) issue(_ context.Context, s *identity.Session) (string, string, string, error) {
	f.n++
	f.sessions = append(f.sessions, s)
	return fmt.Sprintf("ASIATEST%012d", f.n), "secret", fmt.Sprintf("token-%d", f.n), nil
}

func (f *fakeIssuer) last() *identity.Session {
	if len(f.sessions) == 0 {
		return nil
	}
	return f.sessions[len(f.sessions)-1]
}

type fakeKeys map[string]string

func (f fakeKeys) AccessKeyAccount(_ context.Context, id string) (string, bool, error) {
	a, ok := f[id]
	return a, ok, nil
}

type harness struct {
	svc    *Service
	roles  *fakeRoles
	mfa    *fakeMFA
	authz  *fakeAuthz
	issuer *fakeIssuer
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{roles: newRoles(), mfa: &fakeMFA{}, authz: &fakeAuthz{}, issuer: &fakeIssuer{}}
	svc, err := New(Config{
		Roles: h.roles, MFA: h.mfa, Issue: h.issuer.issue, Authorizer: h.authz,
		AccessKeys: fakeKeys{"AKIAOTHERACCOUNT0001": acctB},
		MessageKey: make([]byte, 32),
		Now:        func() time.Time { return t0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

// Principals as the gateway hands them over.
func userPrincipal() *identity.Principal {
	return &identity.Principal{Kind: identity.User, Account: acctA, ARN: userARN, UserID: userID, Name: "alice", AccessKeyID: "AKIAALICE0000000001"}
}

func rootPrincipal() *identity.Principal {
	return &identity.Principal{Kind: identity.Root, Account: acctA, ARN: "arn:aws:iam::" + acctA + ":root", UserID: acctA, AccessKeyID: "AKIAROOT00000000001"}
}

// userSession is alice with credentials from GetSessionToken.
func userSession(mfa bool) *identity.Principal {
	p := userPrincipal()
	p.AccessKeyID = "ASIAALICE0000000001"
	p.Session = &identity.Session{Kind: identity.User, Account: acctA, SourceUserARN: userARN, SourceUserID: userID,
		IssuedAt: t0.Add(-time.Hour), Expiration: t0.Add(time.Hour), MFAAuthenticated: mfa, MFAAuthTime: t0.Add(-time.Hour)}
	return p
}

// roleSession is a session of role "first" in account A, as AssumeRole made it.
func roleSession(mod func(*identity.Session)) *identity.Principal {
	s := &identity.Session{Kind: identity.AssumedRole, Account: acctA, RoleARN: "arn:aws:iam::" + acctA + ":role/first",
		RoleID: "AROAFIRST0000000000", SessionName: "s1", IssuedAt: t0.Add(-time.Minute), Expiration: t0.Add(time.Hour)}
	if mod != nil {
		mod(s)
	}
	return &identity.Principal{Kind: identity.AssumedRole, Account: acctA, ARN: "arn:aws:sts::" + acctA + ":assumed-role/first/s1",
		UserID: "AROAFIRST0000000000:s1", Name: "first", AccessKeyID: "ASIAFIRST0000000001", Session: s}
}

func federatedPrincipal() *identity.Principal {
	return &identity.Principal{Kind: identity.FederatedUser, Account: acctA, ARN: "arn:aws:sts::" + acctA + ":federated-user/bob",
		UserID: acctA + ":bob", Name: "bob", AccessKeyID: "ASIAFED00000000001",
		Session: &identity.Session{Kind: identity.FederatedUser, Account: acctA, SessionName: "bob", SourceUserARN: userARN}}
}

func as(p *identity.Principal) context.Context {
	return request.With(context.Background(), &request.Info{ID: "req-1", Service: "sts", Region: "us-east-1", Time: t0, Principal: p})
}

// wantErr checks err's AWS code and, when msg is not empty, its message:
// exactly, or as a prefix when msg ends in "…".
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.Code != code {
		t.Fatalf("code = %s (%s), want %s", ae.Code, ae.Message, code)
	}
	if prefix, ok := strings.CutSuffix(msg, "…"); ok {
		if !strings.HasPrefix(ae.Message, prefix) {
			t.Fatalf("message = %q, want prefix %q", ae.Message, prefix)
		}
	} else if msg != "" && ae.Message != msg {
		t.Fatalf("message = %q, want %q", ae.Message, msg)
	}
}
