package iamlink

// End-to-end tests of the seed procedure through aws-sdk-go-v2's STS
// client: real SigV4 verification, the real query codec, the real IAM
// service and the real Authorizer (internal/authz over the policy engine).
// The gateway is stood in for by the small testServer below, which does
// only what these tests need.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/protocol/query"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/service/sts"
	"github.com/doppel-aws/doppel/internal/sigv4"
	"github.com/doppel-aws/doppel/internal/store"
)

const (
	accountA = "111111111111"
	accountB = "222222222222"
)

// clock is the test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testServer is the smallest gateway that can serve STS: SigV4 with keys
// from IAM and sessions from its own table, the query codec, the Service.
type testServer struct {
	clock     *clock
	iam       *iam.Service
	sts       *sts.Service
	verifier  *sigv4.Verifier
	authority *identity.Authority
}

// resolve turns an access key (and token) into the principal and secret,
// with identity's Authority as the server does.
func (ts *testServer) resolve(ctx context.Context, id, token string) (*identity.Principal, string, error) {
	p, secret, err := ts.authority.Resolve(ctx, id, token, ts.clock.Now())
	switch {
	case errors.Is(err, identity.ErrUnknownAccessKey):
		return nil, "", sigv4.ErrUnknownAccessKey
	case errors.Is(err, identity.ErrInvalidToken):
		return nil, "", sigv4.ErrInvalidToken
	case errors.Is(err, identity.ErrExpiredToken):
		return nil, "", sigv4.ErrExpiredToken
	}
	return p, secret, err
}

func (ts *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { _ = query.WriteError(w, stsapi.Service, awserr.From(err), "req-1") }
	res, err := ts.verifier.Verify(r, "sts")
	if err != nil {
		fail(err)
		return
	}
	p, _, err := ts.resolve(r.Context(), res.AccessKeyID, res.SessionToken)
	if err != nil {
		fail(err)
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(err)
		return
	}
	op, in, err := query.Decode(stsapi.Service, r.PostForm)
	if err != nil {
		fail(err)
		return
	}
	if err := sts.CheckCredentialUse(p, "sts", op.Name); err != nil {
		fail(err)
		return
	}
	ctx := request.With(r.Context(), &request.Info{ID: "req-1", Service: "sts", Operation: op.Name, Region: res.Region, Time: ts.clock.Now(), Principal: p})
	out, err := op.Invoke(ctx, ts.sts, in)
	if err != nil {
		fail(err)
		return
	}
	_ = query.WriteResponse(w, stsapi.Service, op, out, "req-1")
}

// seed is the seed procedure's world: alice in A with an access key, an MFA
// device and permission to assume roles; role "deploy" in B trusting A with
// an external ID and MFA required, AmazonS3FullAccess attached; role
// "plain" in B trusting A with nothing more; role "second" in B trusting
// the deploy role, for chains.
type seed struct {
	ts                *testServer
	url               string
	aliceKey, aliceSK string
	serial, seed      string
	builderKey        string // a long-term key of a user in B
}

func newSeed(t testing.TB) *seed {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)}
	st := store.NewMemory()
	iamSvc := iam.New(st, allowAll{}, iam.WithClock(clk.Now))
	authority, err := identity.NewAuthority(context.Background(), st, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{clock: clk, iam: iamSvc, authority: authority}
	// The SDK signs with the wall clock, so the verifier keeps it; sessions
	// and MFA codes follow the test's clock.
	ts.verifier = &sigv4.Verifier{Lookup: func(ctx context.Context, id, token string) (string, error) {
		_, secret, err := ts.resolve(ctx, id, token)
		return secret, err
	}}
	link := Link{IAM: iamSvc}
	svc, err := sts.New(sts.Config{Roles: link, MFA: link, AccessKeys: link, Issue: authority.IssueSession, Authorizer: authz.New(authz.Config{Policies: iamSvc, Generation: st.Generation}), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts.sts = svc

	rootOf := func(acct string) context.Context {
		return request.With(context.Background(), &request.Info{Time: clk.Now(), Principal: &identity.Principal{
			Kind: identity.Root, Account: acct, ARN: "arn:aws:iam::" + acct + ":root", UserID: acct}})
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := rootOf(accountA), rootOf(accountB)
	must(iamSvc.CreateUser(a, &iamapi.CreateUserInput{UserName: "alice"}))
	must(iamSvc.PutUserPolicy(a, &iamapi.PutUserPolicyInput{UserName: "alice", PolicyName: "assume",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/*"},` +
			`{"Effect":"Allow","Action":["sts:GetFederationToken","sts:GetAccessKeyInfo"],"Resource":"*"}]}`}))
	key, err := iamSvc.CreateAccessKey(a, &iamapi.CreateAccessKeyInput{UserName: api.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := iamSvc.CreateVirtualMFADevice(a, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	s := &seed{ts: ts, aliceKey: key.AccessKey.AccessKeyId, aliceSK: key.AccessKey.SecretAccessKey,
		serial: dev.VirtualMFADevice.SerialNumber, seed: string(dev.VirtualMFADevice.Base32StringSeed)}
	step := mfa.Step(clk.Now())
	must(iamSvc.EnableMFADevice(a, &iamapi.EnableMFADeviceInput{UserName: "alice", SerialNumber: s.serial,
		AuthenticationCode1: s.code(t, step-2), AuthenticationCode2: s.code(t, step-1)}))

	trust := func(principal, condition string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":["sts:AssumeRole","sts:TagSession"]` + condition + `}]}`
	}
	must(iamSvc.CreateRole(b, &iamapi.CreateRoleInput{RoleName: "deploy", MaxSessionDuration: api.Int32(7200),
		AssumeRolePolicyDocument: trust("arn:aws:iam::"+accountA+":root",
			`,"Condition":{"StringEquals":{"sts:ExternalId":"my_external_id"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}`)}))
	must(iamSvc.AttachRolePolicy(b, &iamapi.AttachRolePolicyInput{RoleName: "deploy", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess"}))
	must(iamSvc.PutRolePolicy(b, &iamapi.PutRolePolicyInput{RoleName: "deploy", PolicyName: "chain",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`}))
	must(iamSvc.CreateRole(b, &iamapi.CreateRoleInput{RoleName: "plain", AssumeRolePolicyDocument: trust("arn:aws:iam::"+accountA+":root", "")}))
	must(iamSvc.PutRolePolicy(b, &iamapi.PutRolePolicyInput{RoleName: "plain", PolicyName: "keys",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*"}]}`}))
	must(iamSvc.CreateUser(b, &iamapi.CreateUserInput{UserName: "builder"}))
	bKey, err := iamSvc.CreateAccessKey(b, &iamapi.CreateAccessKeyInput{UserName: api.String("builder")})
	if err != nil {
		t.Fatal(err)
	}
	s.builderKey = bKey.AccessKey.AccessKeyId
	must(iamSvc.CreateRole(b, &iamapi.CreateRoleInput{RoleName: "second", MaxSessionDuration: api.Int32(43200),
		AssumeRolePolicyDocument: trust("arn:aws:iam::"+accountB+":role/deploy", "")}))

	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// code is alice's one-time code for a TOTP step.
func (s *seed) code(t testing.TB, step int64) string {
	t.Helper()
	c, err := mfa.Code(s.seed, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// now is the current code.
func (s *seed) now(t testing.TB) string { return s.code(t, mfa.Step(s.ts.clock.Now())) }

func (s *seed) client(id, secret, token string) *awssts.Client {
	return awssts.New(awssts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}, nil
		}),
	}, func(o *awssts.Options) { o.RetryMaxAttempts = 1 })
}

func (s *seed) alice() *awssts.Client { return s.client(s.aliceKey, s.aliceSK, "") }

func roleARN(name string) *string { return aws.String("arn:aws:iam::" + accountB + ":role/" + name) }

// apiError checks an SDK error's code and message.
func apiError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("error = %s: %q, want %s: %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestSeedProcedure(t *testing.T) {
	s := newSeed(t)
	ctx := context.Background()
	denied := "User: arn:aws:iam::" + accountA + ":user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + accountB + ":role/deploy"

	// Terraform's assume_role block with external_id, by a user with MFA.
	out, err := s.alice().AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("deploy"), RoleSessionName: aws.String("terraform"),
		ExternalId: aws.String("my_external_id"), SerialNumber: aws.String(s.serial), TokenCode: aws.String(s.now(t))})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::"+accountB+":assumed-role/deploy/terraform" {
		t.Errorf("AssumedRoleUser.Arn = %s", got)
	}
	if id := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":terraform") {
		t.Errorf("AssumedRoleId = %s", id)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || !c.Expiration.Equal(s.ts.clock.Now().Add(time.Hour)) {
		t.Errorf("credentials = %+v", c)
	}
	// The role's credentials work, as the role in B.
	who, err := s.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)).GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != accountB || aws.ToString(who.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(who.Account), aws.ToString(who.Arn), aws.ToString(who.UserId))
	}

	s.ts.clock.Add(30 * time.Second) // a fresh code
	tests := []struct {
		name      string
		in        *awssts.AssumeRoleInput
		code, msg string
	}{
		{"wrong external ID", &awssts.AssumeRoleInput{ExternalId: aws.String("guess"), SerialNumber: aws.String(s.serial), TokenCode: aws.String(s.now(t))}, "AccessDenied", denied + "…"},
		{"missing external ID", &awssts.AssumeRoleInput{SerialNumber: aws.String(s.serial), TokenCode: aws.String(s.code(t, mfa.Step(s.ts.clock.Now())+1))}, "AccessDenied", denied + "…"},
		{"missing MFA", &awssts.AssumeRoleInput{ExternalId: aws.String("my_external_id")}, "AccessDenied", denied + "…"},
		{"wrong MFA code", &awssts.AssumeRoleInput{ExternalId: aws.String("my_external_id"), SerialNumber: aws.String(s.serial), TokenCode: aws.String("000000")},
			"AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. "},
		{"reused MFA code", &awssts.AssumeRoleInput{ExternalId: aws.String("my_external_id"), SerialNumber: aws.String(s.serial), TokenCode: aws.String(s.now(t))},
			"AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. "},
		{"role that does not exist", &awssts.AssumeRoleInput{RoleArn: roleARN("nope")}, "AccessDenied",
			"User: arn:aws:iam::" + accountA + ":user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + accountB + ":role/nope"},
		{"over the role's maximum", &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), DurationSeconds: aws.Int32(7200)},
			"ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"bad session name", &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), RoleSessionName: aws.String("a b")},
			"ValidationError", `1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"malformed session policy", &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), Policy: aws.String(`{"Statement":`)}, "MalformedPolicyDocument", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in.RoleArn == nil {
				in.RoleArn = roleARN("deploy")
			}
			if in.RoleSessionName == nil {
				in.RoleSessionName = aws.String("terraform")
			}
			_, err := s.alice().AssumeRole(ctx, in)
			if prefix, ok := strings.CutSuffix(tt.msg, "…"); ok {
				apiError(t, err, tt.code, "")
				var ae smithy.APIError
				errors.As(err, &ae)
				if !strings.HasPrefix(ae.ErrorMessage(), prefix) {
					t.Errorf("message = %q, want prefix %q", ae.ErrorMessage(), prefix)
				}
				return
			}
			apiError(t, err, tt.code, tt.msg)
		})
	}
}

// The seed's other path: a session token from GetSessionToken with MFA,
// then AssumeRole with it and no MFA parameters; and chaining from there.
func TestGetSessionTokenThenAssumeRole(t *testing.T) {
	s := newSeed(t)
	ctx := context.Background()
	// Without MFA the session token does not satisfy the trust policy.
	plain, err := s.alice().GetSessionToken(ctx, &awssts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	pc := plain.Credentials
	if !pc.Expiration.Equal(s.ts.clock.Now().Add(12 * time.Hour)) {
		t.Errorf("GetSessionToken expires %v", pc.Expiration)
	}
	noMFA := s.client(aws.ToString(pc.AccessKeyId), aws.ToString(pc.SecretAccessKey), aws.ToString(pc.SessionToken))
	_, err = noMFA.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("deploy"), RoleSessionName: aws.String("tf"), ExternalId: aws.String("my_external_id")})
	apiError(t, err, "AccessDenied", "")

	st, err := s.alice().GetSessionToken(ctx, &awssts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600), SerialNumber: aws.String(s.serial), TokenCode: aws.String(s.now(t))})
	if err != nil {
		t.Fatal(err)
	}
	sc := st.Credentials
	withMFA := s.client(aws.ToString(sc.AccessKeyId), aws.ToString(sc.SecretAccessKey), aws.ToString(sc.SessionToken))
	who, err := withMFA.GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::"+accountA+":user/alice" {
		t.Fatalf("GetCallerIdentity = %v, %v", who, err)
	}
	_, err = withMFA.GetSessionToken(ctx, nil)
	apiError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")

	// Session tokens count as a chain: at most an hour.
	_, err = withMFA.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("deploy"), RoleSessionName: aws.String("tf"), ExternalId: aws.String("my_external_id"), DurationSeconds: aws.Int32(7200)})
	apiError(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")

	s.ts.clock.Add(10 * time.Minute)
	out, err := withMFA.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("deploy"), RoleSessionName: aws.String("tf"), ExternalId: aws.String("my_external_id")})
	if err != nil {
		t.Fatal(err)
	}
	rc := out.Credentials
	role := s.client(aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken))

	// Role chaining to "second", which trusts the deploy role: one hour at most.
	_, err = role.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("second"), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(3601)})
	apiError(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	hop, err := role.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("second"), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(3600),
		Tags: []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("seed")}}, TransitiveTagKeys: []string{"Project"}, SourceIdentity: aws.String("alice")})
	if err == nil || !strings.Contains(err.Error(), "sts:SetSourceIdentity") {
		// The trust policy of "second" allows AssumeRole and TagSession but
		// not SetSourceIdentity.
		t.Fatalf("source identity without sts:SetSourceIdentity: %v, %v", hop, err)
	}
	hop, err = role.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("second"), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(3600),
		Tags: []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("seed")}}, TransitiveTagKeys: []string{"Project"}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(hop.PackedPolicySize) < 1 {
		t.Errorf("PackedPolicySize = %v", hop.PackedPolicySize)
	}

	// Credentials expire: an hour later the chained session is refused.
	hc := hop.Credentials
	second := s.client(aws.ToString(hc.AccessKeyId), aws.ToString(hc.SecretAccessKey), aws.ToString(hc.SessionToken))
	if _, err := second.GetCallerIdentity(ctx, nil); err != nil {
		t.Fatal(err)
	}
	s.ts.clock.Add(time.Hour)
	_, err = second.GetCallerIdentity(ctx, nil)
	apiError(t, err, "ExpiredToken", "")
}

// Role sessions follow IAM as it is now: a session policy narrows what the
// session may do, and a trust policy changed after a session began refuses
// new sessions while the old one lives on until it expires.
func TestSessionsFollowIAM(t *testing.T) {
	s := newSeed(t)
	ctx := context.Background()
	assumePlain := func(policy *string) (*awssts.Client, error) {
		out, err := s.alice().AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), RoleSessionName: aws.String("s1"), Policy: policy})
		if err != nil {
			return nil, err
		}
		c := out.Credentials
		return s.client(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), nil
	}
	full, err := assumePlain(nil)
	if err != nil {
		t.Fatal(err)
	}
	info, err := full.GetAccessKeyInfo(ctx, &awssts.GetAccessKeyInfoInput{AccessKeyId: aws.String(s.builderKey)})
	if err != nil || aws.ToString(info.Account) != accountB {
		t.Fatalf("GetAccessKeyInfo = %v, %v", info, err)
	}
	narrow, err := assumePlain(aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = narrow.GetAccessKeyInfo(ctx, &awssts.GetAccessKeyInfoInput{AccessKeyId: aws.String(s.builderKey)})
	apiError(t, err, "AccessDenied", "User: arn:aws:sts::"+accountB+":assumed-role/plain/s1 is not authorized to perform: sts:GetAccessKeyInfo because no session policy allows the sts:GetAccessKeyInfo action")

	b := request.With(context.Background(), &request.Info{Time: s.ts.clock.Now(), Principal: &identity.Principal{
		Kind: identity.Root, Account: accountB, ARN: "arn:aws:iam::" + accountB + ":root", UserID: accountB}})
	if _, err := s.ts.iam.UpdateAssumeRolePolicy(b, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "plain",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::333333333333:root"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	_, err = assumePlain(nil)
	apiError(t, err, "AccessDenied", "")
	if _, err := full.GetCallerIdentity(ctx, nil); err != nil {
		t.Errorf("a session from before the change stopped working: %v", err)
	}
}

func TestFederationAndKeys(t *testing.T) {
	s := newSeed(t)
	ctx := context.Background()
	info, err := s.alice().GetAccessKeyInfo(ctx, &awssts.GetAccessKeyInfoInput{AccessKeyId: aws.String(s.builderKey)})
	if err != nil || aws.ToString(info.Account) != accountB {
		t.Fatalf("GetAccessKeyInfo = %v, %v", info, err)
	}
	_, err = s.alice().GetAccessKeyInfo(ctx, &awssts.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIAUNKNOWNKEY000001")})
	apiError(t, err, "InvalidParameterValue", "")

	fed, err := s.alice().GetFederationToken(ctx, &awssts.GetFederationTokenInput{Name: aws.String("bob"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(fed.FederatedUser.Arn) != "arn:aws:sts::"+accountA+":federated-user/bob" || aws.ToString(fed.FederatedUser.FederatedUserId) != accountA+":bob" {
		t.Errorf("FederatedUser = %+v", fed.FederatedUser)
	}
	fc := fed.Credentials
	bob := s.client(aws.ToString(fc.AccessKeyId), aws.ToString(fc.SecretAccessKey), aws.ToString(fc.SessionToken))
	who, err := bob.GetCallerIdentity(ctx, nil)
	if err != nil || aws.ToString(who.Arn) != aws.ToString(fed.FederatedUser.Arn) || aws.ToString(who.UserId) != accountA+":bob" {
		t.Fatalf("GetCallerIdentity = %v, %v", who, err)
	}
	// Federated users may call no STS operation but GetCallerIdentity.
	_, err = bob.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), RoleSessionName: aws.String("xx")})
	apiError(t, err, "AccessDenied", "")
	_, err = bob.GetFederationToken(ctx, &awssts.GetFederationTokenInput{Name: aws.String("carol")})
	apiError(t, err, "AccessDenied", "Cannot call GetFederationToken with session credentials")
}

// BenchmarkAssumeRoleEndToEnd is AssumeRole through the SDK on a warm
// server: signing and verifying, decoding, both sides of the authorization
// (alice's identity policy and the role's trust policy, evaluated by the
// policy engine), issuing, encoding and the SDK parsing the answer.
func BenchmarkAssumeRoleEndToEnd(b *testing.B) {
	s := newSeed(b)
	client := s.alice()
	in := &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), RoleSessionName: aws.String("bench")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.AssumeRole(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// IAM keeps decoded roles between AssumeRole calls; a trust policy change
// must still count from the very next call, both ways.
func TestTrustPolicyChangeTakesEffectAtOnce(t *testing.T) {
	s := newSeed(t)
	ctx := context.Background()
	b := request.With(context.Background(), &request.Info{Principal: &identity.Principal{
		Kind: identity.Root, Account: accountB, ARN: "arn:aws:iam::" + accountB + ":root", UserID: accountB}})
	trusting := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
	}
	assume := func() error {
		_, err := s.alice().AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: roleARN("plain"), RoleSessionName: aws.String("cache")})
		return err
	}
	steps := []struct {
		name  string
		trust string // the trust policy set before the call; "" keeps it
		allow bool
	}{
		{"seeded trust of account A", "", true},
		{"trusting only account B", trusting("arn:aws:iam::" + accountB + ":root"), false},
		{"account A trusted again", trusting("arn:aws:iam::" + accountA + ":root"), true},
		{"trusting another user of A", trusting("arn:aws:iam::" + accountA + ":user/bob"), false},
		{"alice herself", trusting("arn:aws:iam::" + accountA + ":user/alice"), true},
	}
	for _, st := range steps {
		if st.trust != "" {
			if _, err := s.ts.iam.UpdateAssumeRolePolicy(b, &iamapi.UpdateAssumeRolePolicyInput{RoleName: "plain", PolicyDocument: st.trust}); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		err := assume()
		switch {
		case st.allow && err != nil:
			t.Errorf("%s: AssumeRole: %v", st.name, err)
		case !st.allow && err == nil:
			t.Errorf("%s: AssumeRole succeeded with a trust policy that no longer allows alice", st.name)
		case !st.allow:
			apiError(t, err, "AccessDenied", "User: arn:aws:iam::"+accountA+":user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::"+accountB+":role/plain because no resource-based policy allows the sts:AssumeRole action")
		}
	}
}
