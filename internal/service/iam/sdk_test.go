package iam_test

// Tests through aws-sdk-go-v2's IAM client: real SigV4 signing and
// verification, keys resolved by identity.Authority, the query codec, the
// real Authorizer (internal/authz over the policy engine) and this service.
// The gateway is stood in for by the small handler below.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/protocol/query"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/service/iam"
	"github.com/doppel-aws/doppel/internal/sigv4"
	"github.com/doppel-aws/doppel/internal/store"
)

const account = "111111111111"

type server struct {
	url       string
	authority *identity.Authority
	verifier  *sigv4.Verifier
	iam       *iam.Service
	rootKey   string
	rootSK    string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { _ = query.WriteError(w, iamapi.Service, awserr.From(err), "req-1") }
	res, err := s.verifier.Verify(r, "iam")
	if err != nil {
		fail(err)
		return
	}
	p, _, err := s.authority.Resolve(r.Context(), res.AccessKeyID, res.SessionToken, time.Now())
	if err != nil {
		fail(err)
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(err)
		return
	}
	op, in, err := query.Decode(iamapi.Service, r.PostForm)
	if err != nil {
		fail(err)
		return
	}
	ctx := request.With(r.Context(), &request.Info{ID: "req-1", Service: "iam", Operation: op.Name, Region: res.Region, Time: time.Now(), Principal: p})
	out, err := op.Invoke(ctx, s.iam, in)
	if err != nil {
		fail(err)
		return
	}
	_ = query.WriteResponse(w, iamapi.Service, op, out, "req-1")
}

func newServer(t *testing.T) *server {
	t.Helper()
	st := store.NewMemory()
	t.Cleanup(func() { st.Close() })
	auth, err := identity.NewAuthority(t.Context(), st, identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { auth.Close(context.Background()) })
	s := &server{authority: auth}
	s.iam = iam.New(st, authz.New(authz.Config{Policies: s.iamSource(), Generation: st.Generation}))
	s.verifier = &sigv4.Verifier{Lookup: func(ctx context.Context, id, token string) (string, error) {
		_, secret, err := auth.Resolve(ctx, id, token, time.Now())
		// identity and sigv4 name the same failures separately; the
		// gateway maps them so, too.
		switch {
		case errors.Is(err, identity.ErrUnknownAccessKey):
			err = sigv4.ErrUnknownAccessKey
		case errors.Is(err, identity.ErrInvalidToken):
			err = sigv4.ErrInvalidToken
		case errors.Is(err, identity.ErrExpiredToken):
			err = sigv4.ErrExpiredToken
		}
		return secret, err
	}}
	s.rootKey, s.rootSK = identity.NewAccessKeyID(), identity.NewSecretAccessKey()
	err = st.Update(t.Context(), func(tx store.Tx) error {
		return identity.PutAccessKey(tx, identity.AccessKey{AccessKeyID: s.rootKey, Secret: s.rootSK, Account: account, Kind: identity.Root, Status: identity.KeyActive, CreateDate: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// iamSource defers to s.iam, which is built after the Authorizer needs it.
func (s *server) iamSource() authz.PolicySource { return sourceOf{s} }

type sourceOf struct{ s *server }

func (o sourceOf) PrincipalPolicies(ctx context.Context, account, kind, name string) (authz.PrincipalPolicies, error) {
	return o.s.iam.PrincipalPolicies(ctx, account, kind, name)
}

func (o sourceOf) ManagedPolicyDocument(ctx context.Context, arn string) (string, error) {
	return o.s.iam.ManagedPolicyDocument(ctx, arn)
}

func (s *server) client(key, secret string) *awsiam.Client {
	return awsiam.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(s.url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	})
}

// apiError checks err's code and, when message is not empty, its message.
func apiError(t *testing.T, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Fatalf("err = %s %q, want %s %q", ae.ErrorCode(), ae.ErrorMessage(), code, message)
	}
}

func TestSDKRoundTrips(t *testing.T) {
	s := newServer(t)
	c := s.client(s.rootKey, s.rootSK)
	ctx := t.Context()
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"],"Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}]}`

	u, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("ci"), Path: aws.String("/ci/"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a b+c")}}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(u.User.Arn) != "arn:aws:iam::"+account+":user/ci/ci" || u.User.CreateDate == nil || u.User.Tags[0].Value == nil || *u.User.Tags[0].Value != "a b+c" {
		t.Fatalf("CreateUser = %+v", u.User)
	}
	p, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v1")})
	if err != nil {
		t.Fatal(err)
	}
	// The document arrives URL-encoded, as from AWS; clients decode it.
	raw := aws.ToString(v.PolicyVersion.Document)
	if strings.Contains(raw, `"`) {
		t.Errorf("document not URL-encoded: %s", raw)
	}
	if got, _ := url.QueryUnescape(raw); got != doc {
		t.Errorf("document = %s, want %s", got, doc)
	}
	if _, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("ci"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	d, err := c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	seed := string(d.VirtualMFADevice.Base32StringSeed)
	if len(seed) != 64 || len(d.VirtualMFADevice.QRCodePNG) < 100 || string(d.VirtualMFADevice.QRCodePNG[1:4]) != "PNG" {
		t.Fatalf("seed %q, QR code %d bytes", seed, len(d.VirtualMFADevice.QRCodePNG))
	}
	step := mfa.Step(time.Now())
	c1, _ := mfa.Code(seed, step-1)
	c2, _ := mfa.Code(seed, step)
	if _, err := c.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("ci"), SerialNumber: d.VirtualMFADevice.SerialNumber, AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}); err != nil {
		t.Fatal(err)
	}
	devices, err := c.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("ci")})
	if err != nil || len(devices.MFADevices) != 1 {
		t.Fatalf("ListMFADevices = %+v, %v", devices, err)
	}

	for _, name := range []string{"a", "b", "c", "d", "e"} {
		if _, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	pages := awsiam.NewListRolesPaginator(c, &awsiam.ListRolesInput{MaxItems: aws.Int32(2)})
	for pages.HasMorePages() {
		pg, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pg.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if strings.Join(names, ",") != "a,b,c,d,e" {
		t.Fatalf("paginated roles = %v", names)
	}

	summary, err := c.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
	if err != nil || summary.SummaryMap["Users"] != 1 || summary.SummaryMap["MFADevicesInUse"] != 1 {
		t.Fatalf("GetAccountSummary = %v, %v", summary, err)
	}
}

func TestSDKErrors(t *testing.T) {
	s := newServer(t)
	c := s.client(s.rootKey, s.rootSK)
	ctx := t.Context()
	_, err := c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetUser missing: %T %v, want NoSuchEntityException", err, err)
	}
	apiError(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")

	if _, err := c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("G")})
	var eae *types.EntityAlreadyExistsException
	if !errors.As(err, &eae) {
		t.Fatalf("CreateGroup duplicate: %v", err)
	}
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":{"AWS":"*"}}]}`)})
	var mpd *types.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) {
		t.Fatalf("CreateRole malformed trust: %v", err)
	}
	apiError(t, err, "MalformedPolicyDocument", "Has prohibited field Resource")
	_, err = c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(60), AssumeRolePolicyDocument: aws.String(`{}`)})
	apiError(t, err, "ValidationError", "")
}

// TestSDKEnforcement: an IAM user may do what its policies allow and no
// more, with AWS's AccessDenied message, and a change to its permissions
// counts from the next request.
func TestSDKEnforcement(t *testing.T) {
	s := newServer(t)
	root := s.client(s.rootKey, s.rootSK)
	ctx := t.Context()
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := s.client(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey))

	if _, err := alice.ListUsers(ctx, &awsiam.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers with IAMReadOnlyAccess: %v", err)
	}
	me, err := alice.GetUser(ctx, &awsiam.GetUserInput{})
	if err != nil || aws.ToString(me.User.UserName) != "alice" {
		t.Fatalf("GetUser of the caller = %+v, %v", me, err)
	}
	_, err = alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("mallory")})
	apiError(t, err, "AccessDenied", "User: arn:aws:iam::"+account+":user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+account+":user/mallory because no identity-based policy allows the iam:CreateUser action")

	if _, err := root.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMFullAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("mallory")}); err != nil {
		t.Fatalf("CreateUser after IAMFullAccess was attached: %v", err)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}`
	if _, err := root.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("nodelete"), PolicyDocument: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("mallory")})
	apiError(t, err, "AccessDenied", "User: arn:aws:iam::"+account+":user/alice is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::"+account+":user/mallory with an explicit deny in an identity-based policy")

	// A deactivated key stops working at once.
	if _, err := root.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k.AccessKey.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	_, err = alice.ListUsers(ctx, &awsiam.ListUsersInput{})
	apiError(t, err, "InvalidClientTokenId", "")
}
