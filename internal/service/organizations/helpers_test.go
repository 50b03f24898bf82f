package organizations_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
)

// Accounts of the test world: the management account, another account
// that will join nothing, and a third.
const (
	mgmtID     = "111111111111"
	outsiderID = "222222222222"
)

type world struct {
	t   testing.TB
	srv *doppeltest.Server
	// admin is an IAM user of the management account with
	// AdministratorAccess: roots cannot assume roles.
	admin aws.Config
	orgs  *organizations.Client // as the management account's root
	orgID string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	srv := doppeltest.NewServer(t, doppeltest.WithAccount(mgmtID, "mgmt"), doppeltest.WithAccount(outsiderID, "outsider"))
	w := &world{t: t, srv: srv, orgs: organizations.NewFromConfig(srv.AWSConfig("mgmt"))}
	w.admin = w.user(srv.AWSConfig("mgmt"), "admin")
	return w
}

// user creates an IAM user with AdministratorAccess and returns its
// configuration.
func (w *world) user(root aws.Config, name string) aws.Config {
	w.t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(root)
	must(w.t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	must(w.t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		w.t.Fatal(err)
	}
	return w.srv.ConfigFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
}

func (w *world) createOrg() {
	w.t.Helper()
	out, err := w.orgs.CreateOrganization(context.Background(), &organizations.CreateOrganizationInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.orgID = aws.ToString(out.Organization.Id)
}

func (w *world) rootID() string {
	w.t.Helper()
	out, err := w.orgs.ListRoots(context.Background(), &organizations.ListRootsInput{})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToString(out.Roots[0].Id)
}

// vend creates a member account and returns its ID.
func (w *world) vend(name, email string) string {
	w.t.Helper()
	ctx := context.Background()
	out, err := w.orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(email)})
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := w.orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
	if err != nil {
		w.t.Fatal(err)
	}
	if st.CreateAccountStatus.State != "SUCCEEDED" {
		w.t.Fatalf("create account %s: %s %s", name, st.CreateAccountStatus.State, st.CreateAccountStatus.FailureReason)
	}
	return aws.ToString(st.CreateAccountStatus.AccountId)
}

// accessRole assumes the member account's OrganizationAccountAccessRole as
// the management account's admin user.
func (w *world) accessRole(account string) aws.Config {
	w.t.Helper()
	out, err := sts.NewFromConfig(w.admin).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("test"),
	})
	if err != nil {
		w.t.Fatal(err)
	}
	c := out.Credentials
	return w.srv.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func must(t testing.TB) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// wantCode fails unless err is an API error with that code, and, for
// Organizations, one the model lists for the operation.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) && oe.ServiceID == "Organizations" {
		op := organizationsapi.Service.Operation(oe.OperationName)
		if op == nil || !slices.Contains(op.Errors, code) {
			t.Errorf("%s answered %s, which the model does not list for it", oe.OperationName, code)
		}
	}
}

func wantDenied(t testing.TB, err error, says string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), says) {
		t.Fatalf("got %v, want AccessDenied saying %q", err, says)
	}
}
