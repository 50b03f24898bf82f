package authz

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
)

// fakeSource is a PolicySource over fixed maps.
type fakeSource struct {
	principals map[string]PrincipalPolicies // "account/kind/name"
	managed    map[string]string
	calls      atomic.Int32
	err        error
}

func (f *fakeSource) PrincipalPolicies(_ context.Context, account, kind, name string) (PrincipalPolicies, error) {
	f.calls.Add(1)
	if f.err != nil {
		return PrincipalPolicies{}, f.err
	}
	pp, ok := f.principals[account+"/"+kind+"/"+name]
	if !ok {
		return PrincipalPolicies{}, awserr.Newf(http.StatusNotFound, "NoSuchEntity", "The %s with name %s cannot be found.", kind, name)
	}
	return pp, nil
}

func (f *fakeSource) ManagedPolicyDocument(_ context.Context, arn string) (string, error) {
	doc, ok := f.managed[arn]
	if !ok {
		return "", awserr.Newf(http.StatusNotFound, "NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	}
	return doc, nil
}

type fakeOrgs struct{ scps, rcps map[string][]NamedDocument }

func (f fakeOrgs) ServiceControlPolicies(_ context.Context, account string) ([]NamedDocument, error) {
	return f.scps[account], nil
}
func (f fakeOrgs) ResourceControlPolicies(_ context.Context, account string) ([]NamedDocument, error) {
	return f.rcps[account], nil
}

func doc(stmts string) string { return `{"Version":"2012-10-17","Statement":[` + stmts + `]}` }

const (
	acctA    = "111122223333"
	acctB    = "444455556666"
	bobARN   = "arn:aws:iam::111122223333:user/bob"
	devRole  = "arn:aws:iam::111122223333:role/eng/dev"
	devSess  = "arn:aws:sts::111122223333:assumed-role/dev/s1"
	rootARNA = "arn:aws:iam::111122223333:root"
)

var (
	t0      = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	bob     = &identity.Principal{Kind: identity.User, Account: acctA, ARN: bobARN, UserID: "AIDAEXAMPLEBOB", Name: "bob", AccessKeyID: "AKIAEXAMPLE"}
	rootA   = &identity.Principal{Kind: identity.Root, Account: acctA, ARN: rootARNA, UserID: acctA}
	anon    = &identity.Principal{Kind: identity.Anonymous}
	devMFA  = devSession(true)
	devNoMF = devSession(false)
)

func devSession(mfa bool) *identity.Principal {
	s := &identity.Session{Kind: identity.AssumedRole, Account: acctA, RoleARN: devRole, RoleID: "AROAEXAMPLE", SessionName: "s1",
		IssuedAt: t0.Add(-10 * time.Minute), Tags: map[string]string{"Team": "red"}, SourceIdentity: "bob"}
	if mfa {
		s.MFAAuthenticated, s.MFAAuthTime = true, t0.Add(-5*time.Minute)
	}
	return &identity.Principal{Kind: identity.AssumedRole, Account: acctA, ARN: devSess, UserID: "AROAEXAMPLE:s1", Name: "dev", AccessKeyID: "ASIAEXAMPLE", Session: s}
}

// carol is a GetFederationToken session of bob with the given session
// policies.
func carol(policies ...string) *identity.Principal {
	return &identity.Principal{Kind: identity.FederatedUser, Account: acctA, ARN: "arn:aws:sts::111122223333:federated-user/carol", UserID: acctA + ":carol", Name: "carol",
		Session: &identity.Session{Kind: identity.FederatedUser, Account: acctA, SourceUserARN: bobARN, SourceUserID: "AIDAEXAMPLEBOB", IssuedAt: t0, Policies: policies, Tags: map[string]string{"dept": "eng"}}}
}

func ctxFor(p *identity.Principal) context.Context {
	return request.With(context.Background(), &request.Info{ID: "r1", Service: "s3", Region: "eu-west-1", Time: t0, Principal: p,
		SourceIP: netip.MustParseAddr("203.0.113.7"), Secure: true, UserAgent: "aws-cli/1.0"})
}

func newSource() *fakeSource {
	return &fakeSource{
		principals: map[string]PrincipalPolicies{
			acctA + "/user/bob": {Identity: []NamedDocument{{Name: "user/bob/inline/s3", Document: doc(`{"Effect":"Allow","Action":["s3:*","sts:AssumeRole"],"Resource":"*"}`)}}},
			acctA + "/role/dev": {
				Identity: []NamedDocument{{Name: "arn:aws:iam::aws:policy/AmazonS3FullAccess", Document: doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)}},
				Boundary: &NamedDocument{Name: "arn:aws:iam::111122223333:policy/boundary", Document: doc(`{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Put*"],"Resource":"*"}`)},
				Tags:     map[string]string{"team": "blue", "cost": "42"},
			},
		},
		managed: map[string]string{"arn:aws:iam::111122223333:policy/readonly": doc(`{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}`)},
	}
}

func TestAuthorize(t *testing.T) {
	const (
		bucket = "arn:aws:s3:::x"
		object = "arn:aws:s3:::x/k"
	)
	withSessionPolicies := func(p *identity.Principal, inline []string, arns []string) *identity.Principal {
		c := *p
		s := *p.Session
		s.Policies, s.PolicyARNs = inline, arns
		c.Session = &s
		return &c
	}
	tests := []struct {
		name    string
		caller  *identity.Principal
		check   Check
		orgs    OrgPolicySource
		wantErr string // "" = allowed; else the AccessDenied message
	}{
		{name: "user allowed by identity policy", caller: bob, check: Check{Action: "s3:GetObject", Resource: object}},
		{name: "user denied with AWS's message", caller: bob, check: Check{Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/x"},
			wantErr: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111122223333:user/x because no identity-based policy allows the iam:CreateUser action"},
		{name: "role session limited by its boundary", caller: devNoMF, check: Check{Action: "s3:DeleteObject", Resource: object},
			wantErr: "User: arn:aws:sts::111122223333:assumed-role/dev/s1 is not authorized to perform: s3:DeleteObject on resource: arn:aws:s3:::x/k because no permissions boundary allows the s3:DeleteObject action"},
		{name: "role session within its boundary", caller: devNoMF, check: Check{Action: "s3:PutObject", Resource: object}},
		{name: "inline session policy limits the session", caller: withSessionPolicies(devNoMF, []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)}, nil), check: Check{Action: "s3:PutObject", Resource: object},
			wantErr: "User: arn:aws:sts::111122223333:assumed-role/dev/s1 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::x/k because no session policy allows the s3:PutObject action"},
		{name: "managed session policy by ARN", caller: withSessionPolicies(devNoMF, nil, []string{"arn:aws:iam::111122223333:policy/readonly"}), check: Check{Action: "s3:GetObject", Resource: object}},
		{name: "managed session policy denies what it does not allow", caller: withSessionPolicies(devNoMF, nil, []string{"arn:aws:iam::111122223333:policy/readonly"}), check: Check{Action: "s3:PutObject", Resource: object},
			wantErr: "User: arn:aws:sts::111122223333:assumed-role/dev/s1 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::x/k because no session policy allows the s3:PutObject action"},
		{name: "root allowed in its own account", caller: rootA, check: Check{Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/x"}},
		{name: "root denied by the bucket policy's explicit deny", caller: rootA,
			check:   Check{Action: "s3:GetObject", Resource: object, ResourceAccount: acctA, ResourcePolicy: Stored(policy.Resource, "resource", doc(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::x/*"}`))},
			wantErr: "User: arn:aws:iam::111122223333:root is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k with an explicit deny in a resource-based policy"},
		{name: "cross-account without resource policy", caller: bob, check: Check{Action: "s3:GetObject", Resource: object, ResourceAccount: acctB},
			wantErr: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k because no resource-based policy allows the s3:GetObject action"},
		{name: "cross-account with a bucket policy naming the account", caller: bob,
			check: Check{Action: "s3:ListBucket", Resource: bucket, ResourceAccount: acctB, ResourcePolicy: Stored(policy.Resource, "resource", doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::x"}`))}},
		{name: "trust policy is parsed as a trust policy", caller: bob,
			check: Check{Action: "sts:AssumeRole", Resource: devRole, ResourceAccount: acctA, ResourcePolicy: Stored(policy.Trust, "resource", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"sts:AssumeRole"}`))}},
		{name: "trust policy requiring MFA with long-term keys", caller: bob,
			check: Check{Action: "sts:AssumeRole", Resource: devRole, ResourceAccount: acctA,
				ResourcePolicy: Stored(policy.Trust, "resource", doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`))},
			wantErr: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/eng/dev because no resource-based policy allows the sts:AssumeRole action"},
		{name: "MFA keys from the Check win (MFA-protected AssumeRole)", caller: bob,
			check: Check{Action: "sts:AssumeRole", Resource: devRole, ResourceAccount: acctA,
				ResourcePolicy: Stored(policy.Trust, "resource", doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`)),
				Context:        map[string][]string{"aws:MultiFactorAuthPresent": {"true"}, "aws:MultiFactorAuthAge": {"0"}}}},
		{name: "anonymous allowed by a public bucket policy", caller: anon,
			check: Check{Action: "s3:GetObject", Resource: object, ResourceAccount: acctA, ResourcePolicy: Stored(policy.Resource, "resource", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}`))}},
		{name: "anonymous denied without one", caller: anon, check: Check{Action: "s3:GetObject", Resource: object, ResourceAccount: acctA},
			wantErr: "User: anonymous is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k because no resource-based policy allows the s3:GetObject action"},
		{name: "deleted role: its session has no permissions", caller: &identity.Principal{Kind: identity.AssumedRole, Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/gone/s", Session: &identity.Session{Kind: identity.AssumedRole, RoleARN: "arn:aws:iam::111122223333:role/gone"}},
			check:   Check{Action: "s3:GetObject", Resource: object},
			wantErr: "User: arn:aws:sts::111122223333:assumed-role/gone/s is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k because no identity-based policy allows the s3:GetObject action"},
		{name: "federated user: the federating user's policies and the session policy", caller: carol(doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)), check: Check{Action: "s3:GetObject", Resource: object}},
		{name: "federated user: the session policy limits", caller: carol(doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`)), check: Check{Action: "s3:PutObject", Resource: object},
			wantErr: "User: arn:aws:sts::111122223333:federated-user/carol is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::x/k because no session policy allows the s3:PutObject action"},
		{name: "federated user without a session policy has no permissions", caller: carol(), check: Check{Action: "s3:GetObject", Resource: object},
			wantErr: "User: arn:aws:sts::111122223333:federated-user/carol is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k because no session policy allows the s3:GetObject action"},
		{name: "root session from GetSessionToken keeps root's access", caller: &identity.Principal{Kind: identity.Root, Account: acctA, ARN: rootARNA, UserID: acctA, Session: &identity.Session{Kind: identity.Root, Account: acctA, IssuedAt: t0}},
			check: Check{Action: "iam:CreateUser", Resource: "arn:aws:iam::111122223333:user/x"}},
		{name: "SCP of the principal's account", caller: bob, check: Check{Action: "s3:GetObject", Resource: object},
			orgs:    fakeOrgs{scps: map[string][]NamedDocument{acctA: {{Name: "p-FullAWSAccess", Document: doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}, {Name: "p-deny-s3", Document: doc(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`)}}}},
			wantErr: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k with an explicit deny in a service control policy"},
		{name: "RCP of the resource's account", caller: bob, check: Check{Action: "s3:GetObject", Resource: object, ResourceAccount: acctB, ResourcePolicy: Stored(policy.Resource, "resource", doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`))},
			orgs:    fakeOrgs{rcps: map[string][]NamedDocument{acctB: {{Name: "r-https", Document: doc(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`)}}}},
			wantErr: "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::x/k with an explicit deny in a resource control policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(Config{Policies: newSource(), Orgs: tc.orgs})
			err := e.Authorize(ctxFor(tc.caller), tc.check)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				return
			}
			var ae *awserr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Authorize = %v, want AccessDenied", err)
			}
			if ae.Code != "AccessDenied" || ae.Status != http.StatusForbidden || ae.Message != tc.wantErr {
				t.Errorf("Authorize = %d %s %q\nwant 403 AccessDenied %q", ae.Status, ae.Code, ae.Message, tc.wantErr)
			}
		})
	}
}

func TestBuildContext(t *testing.T) {
	info := func(p *identity.Principal) *request.Info {
		return request.From(ctxFor(p))
	}
	tests := []struct {
		name   string
		caller *identity.Principal
		tags   map[string]string
		check  Check
		want   map[string]string // key -> single value
		absent []string
	}{
		{name: "IAM user with long-term keys", caller: bob,
			want: map[string]string{"aws:PrincipalArn": bobARN, "aws:PrincipalAccount": acctA, "aws:PrincipalType": "User", "aws:username": "bob", "aws:userid": "AIDAEXAMPLEBOB",
				"aws:SourceIp": "203.0.113.7", "aws:SecureTransport": "true", "aws:CurrentTime": "2026-11-22T06:00:00Z", "aws:EpochTime": "1795327200",
				"aws:RequestedRegion": "eu-west-1", "aws:UserAgent": "aws-cli/1.0", "aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"},
			absent: []string{"aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:TokenIssueTime", "aws:SourceIdentity"}},
		{name: "role session with MFA: role ARN, tags, MFA age", caller: devMFA, tags: map[string]string{"team": "blue", "cost": "42"},
			want: map[string]string{"aws:PrincipalArn": devRole, "aws:PrincipalType": "AssumedRole", "aws:userid": "AROAEXAMPLE:s1",
				"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "300", "aws:TokenIssueTime": "2026-11-22T05:50:00Z",
				"aws:SourceIdentity": "bob", "aws:PrincipalTag/Team": "red", "aws:PrincipalTag/cost": "42"},
			absent: []string{"aws:username", "aws:PrincipalTag/team"}},
		{name: "role session without MFA", caller: devNoMF,
			want:   map[string]string{"aws:MultiFactorAuthPresent": "false"},
			absent: []string{"aws:MultiFactorAuthAge"}},
		{name: "federated user: session tags only, no username", caller: carol(), tags: map[string]string{"team": "blue"},
			want:   map[string]string{"aws:PrincipalType": "FederatedUser", "aws:PrincipalArn": "arn:aws:sts::111122223333:federated-user/carol", "aws:userid": "111122223333:carol", "aws:PrincipalTag/dept": "eng", "aws:MultiFactorAuthPresent": "false"},
			absent: []string{"aws:username", "aws:PrincipalTag/team"}},
		{name: "root", caller: rootA,
			want:   map[string]string{"aws:PrincipalType": "Account", "aws:PrincipalArn": rootARNA, "aws:userid": acctA},
			absent: []string{"aws:username"}},
		{name: "anonymous", caller: anon,
			want:   map[string]string{"aws:PrincipalType": "Anonymous", "aws:userid": "anonymous"},
			absent: []string{"aws:PrincipalArn", "aws:PrincipalAccount"}},
		{name: "check keys win, whatever their case", caller: bob, check: Check{ResourceAccount: acctB, Context: map[string][]string{"AWS:SecureTransport": {"false"}, "s3:prefix": {"a/"}}},
			want:   map[string]string{"AWS:SecureTransport": "false", "s3:prefix": "a/", "aws:ResourceAccount": acctB},
			absent: []string{"aws:SecureTransport"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := buildContext(info(tc.caller), tc.caller, tc.tags, tc.check)
			for k, v := range tc.want {
				if got, ok := ctx[k]; !ok || !reflect.DeepEqual(got, []string{v}) {
					t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range tc.absent {
				if v, ok := ctx[k]; ok {
					t.Errorf("%s present (%q), want absent", k, v)
				}
			}
		})
	}
}

func TestPrincipalCache(t *testing.T) {
	src := newSource()
	var gen atomic.Uint64
	e := New(Config{Policies: src, Generation: gen.Load})
	ctx := ctxFor(bob)
	c := Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k"}
	for i := 0; i < 3; i++ {
		if err := e.Authorize(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("PrincipalPolicies called %d times for a warm principal, want 1", n)
	}
	// IAM changes bob's policies: the next request must see the change.
	src.principals[acctA+"/user/bob"] = PrincipalPolicies{Identity: []NamedDocument{{Name: "user/bob/inline/none", Document: doc(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`)}}}
	gen.Add(1)
	err := e.Authorize(ctx, c)
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != "AccessDenied" {
		t.Fatalf("after the change: %v, want AccessDenied", err)
	}
	if n := src.calls.Load(); n != 2 {
		t.Fatalf("PrincipalPolicies called %d times after a generation change, want 2", n)
	}
}

func TestAuthorizeSourceFailure(t *testing.T) {
	src := newSource()
	src.err = errors.New("disk on fire")
	err := New(Config{Policies: src}).Authorize(ctxFor(bob), Check{Action: "s3:GetObject", Resource: "*"})
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.Code != "InternalFailure" {
		t.Fatalf("Authorize = %v, want InternalFailure", err)
	}
}

func TestDecideTrace(t *testing.T) {
	e := New(Config{Policies: newSource()})
	d, err := e.Decide(ctxFor(bob), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Trace) != 1 || d.Trace[0].Policy != "user/bob/inline/s3" || !d.Trace[0].Matched {
		t.Fatalf("trace = %+v", d.Trace)
	}
}

func BenchmarkAuthorizeWarm(b *testing.B) {
	var gen atomic.Uint64
	e := New(Config{Policies: newSource(), Generation: gen.Load})
	ctx := ctxFor(devMFA)
	c := Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k", ResourceAccount: acctA, Context: map[string][]string{"s3:ResourceAccount": {acctA}}}
	if err := e.Authorize(ctx, c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := e.Authorize(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentAuthorize shares one Engine between goroutines while the
// generation moves; run with -race.
func TestConcurrentAuthorize(t *testing.T) {
	var gen atomic.Uint64
	e := New(Config{Policies: newSource(), Generation: gen.Load})
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func(g int) {
			var err error
			for i := 0; i < 200 && err == nil; i++ {
				if g == 0 && i%10 == 0 {
					gen.Add(1)
				}
				caller := bob
				if g%2 == 1 {
					caller = devMFA
				}
				err = e.Authorize(ctxFor(caller), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k"})
			}
			done <- err
		}(g)
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
