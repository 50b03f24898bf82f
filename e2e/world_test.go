package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// The seed's names.
const (
	seedRole       = "role_in_account_b"
	seedExternalID = "my_external_id"
	s3FullAccess   = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
)

// world is a doppel with the seed procedure's accounts: a and b are the
// roots of account A (111111111111) and B (222222222222).
type world struct {
	t    testing.TB
	srv  *doppeltest.Server
	a, b doppeltest.Account
}

func newWorld(t testing.TB) *world {
	t.Helper()
	needTools(t) // skip or fail before building anything
	srv := doppeltest.NewServer(t)
	return &world{t: t, srv: srv, a: srv.Account("account-a"), b: srv.Account("account-b")}
}

// key is an access key of an IAM user.
type key struct{ id, secret string }

func (w *world) iam(account string) *iam.Client {
	return iam.NewFromConfig(w.srv.AWSConfig(account))
}

func (w *world) s3(account string) *s3.Client {
	return s3.NewFromConfig(w.srv.AWSConfig(account), func(o *s3.Options) { o.UsePathStyle = true })
}

func (w *world) must(_ any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

// user creates an IAM user in account with an access key and, when policy
// is not empty, an inline policy.
func (w *world) user(account, name, policy string) key {
	w.t.Helper()
	ctx := context.Background()
	c := w.iam(account)
	w.must(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	if policy != "" {
		w.must(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("assume"), PolicyDocument: aws.String(policy)}))
	}
	out, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		w.t.Fatal(err)
	}
	return key{aws.ToString(out.AccessKey.AccessKeyId), aws.ToString(out.AccessKey.SecretAccessKey)}
}

// role creates a role in account with that trust policy and the managed
// policies attached; it returns the role's ARN.
func (w *world) role(account, name, trust string, managed ...string) string {
	w.t.Helper()
	ctx := context.Background()
	c := w.iam(account)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, arn := range managed {
		w.must(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)}))
	}
	return aws.ToString(out.Role.Arn)
}

// policy renders a policy document with one statement.
func policy(stmt map[string]any) string {
	if _, ok := stmt["Effect"]; !ok {
		stmt["Effect"] = "Allow"
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{stmt}})
	if err != nil {
		panic(err) // only literal maps reach here
	}
	return string(b)
}

// trustAccount is a trust policy letting principals of account (by its
// root ARN: the account delegates to its own IAM policies) assume the role
// under the given conditions (nil: none).
func trustAccount(account string, cond map[string]any) string {
	stmt := map[string]any{"Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}, "Action": "sts:AssumeRole"}
	if cond != nil {
		stmt["Condition"] = cond
	}
	return policy(stmt)
}

// allowAssume is an identity policy allowing sts:AssumeRole on roleARN.
func allowAssume(roleARN string) string {
	return policy(map[string]any{"Action": "sts:AssumeRole", "Resource": roleARN})
}

// bucketsOf lists the buckets account owns.
func (w *world) bucketsOf(account string) []string {
	w.t.Helper()
	out, err := w.s3(account).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil {
		w.t.Fatalf("ListBuckets as %s: %v", account, err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	return names
}

// env is the environment of a client acting with k, as the walkthrough
// sets it: the endpoint, the proxy, the keys, and the region for the AWS
// CLI (v1 reads only AWS_DEFAULT_REGION; Terraform's provider block names
// its own).
func (w *world) env(k key, sessionToken string) []string {
	e := []string{"AWS_ENDPOINT_URL=" + w.srv.URL, w.proxyEnv(), "AWS_ACCESS_KEY_ID=" + k.id, "AWS_SECRET_ACCESS_KEY=" + k.secret, "AWS_DEFAULT_REGION=us-east-1"}
	if sessionToken != "" {
		e = append(e, "AWS_SESSION_TOKEN="+sessionToken)
	}
	return e
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// rolePolicy puts an inline policy on a role.
func (w *world) rolePolicy(account, role, doc string) {
	w.t.Helper()
	w.must(w.iam(account).PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)}))
}

// bucketIn reports whether account owns bucket.
func (w *world) bucketIn(account, bucket string) bool {
	w.t.Helper()
	return slices.Contains(w.bucketsOf(account), bucket)
}

// proxyEnv makes doppel the HTTP proxy, as the README's set-up does: the
// SDKs send S3 Control to ACCOUNT.HOST (the provider 6.x reads every
// bucket's tags there), a name only doppel as the proxy can answer for;
// requests to the loopback endpoint itself never use the proxy.
func (w *world) proxyEnv() string { return "HTTP_PROXY=" + w.srv.URL }
