package clitest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/testclients"
)

const bucket = "my-test-bucket-for-assume-role-verification"

func (w *world) sts(id, secret, token string) *sts.Client {
	return sts.NewFromConfig(w.srv.ConfigFor(id, secret, token))
}

func s3For(w *world, id, secret, token string) *s3.Client {
	return s3.NewFromConfig(w.srv.ConfigFor(id, secret, token), func(o *s3.Options) { o.UsePathStyle = true })
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

// The seed procedure with aws-sdk-go-v2: alice assumes the role in B with
// the external ID and her MFA code, and creates a bucket there; what she
// cannot do herself, the role's session can, as far as a session policy
// lets it.
func TestSeedProcedureSDK(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	alice := w.sts(w.aliceID, w.aliceSK, "")
	roleARN := aws.String("arn:aws:iam::" + w.b.ID + ":role/deploy")
	step := mfa.Step(time.Now())

	if _, err := s3For(w, w.aliceID, w.aliceSK, "").CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); errorCode(err) != "AccessDenied" {
		t.Fatalf("alice's own CreateBucket: %v, want AccessDenied", err)
	}
	out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("terraform"),
		ExternalId: aws.String("my_external_id"), SerialNumber: aws.String(w.serial), TokenCode: aws.String(w.code(t, step))})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	role := s3For(w, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := role.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("the role's CreateBucket: %v", err)
	}
	rootB := s3.NewFromConfig(w.srv.AWSConfig("account-b"), func(o *s3.Options) { o.UsePathStyle = true })
	list, err := rootB.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list.Buckets, func(b s3types.Bucket) bool { return aws.ToString(b.Name) == bucket }) {
		t.Errorf("account B's buckets %v lack %s", list.Buckets, bucket)
	}

	// A session policy narrows the session: listing yes, creating no.
	narrow, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: roleARN, RoleSessionName: aws.String("narrow"),
		ExternalId: aws.String("my_external_id"), SerialNumber: aws.String(w.serial), TokenCode: aws.String(w.code(t, step+1)),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	nc := narrow.Credentials
	narrowS3 := s3For(w, aws.ToString(nc.AccessKeyId), aws.ToString(nc.SecretAccessKey), aws.ToString(nc.SessionToken))
	if _, err := narrowS3.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Errorf("ListBuckets under the session policy: %v", err)
	}
	if _, err := narrowS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket + "-2")}); errorCode(err) != "AccessDenied" {
		t.Errorf("CreateBucket outside the session policy: %v, want AccessDenied", err)
	}
}

// The seed's Terraform configuration: the provider signs with a session
// token from GetSessionToken (obtained with MFA) and assumes the role in B
// with the external ID; `terraform apply` creates the bucket in B.
func TestSeedProcedureTerraform(t *testing.T) {
	tf := testclients.Terraform(t)
	plugins := testclients.ProviderMirror(t)
	w := newWorld(t)
	ctx := context.Background()
	st, err := w.sts(w.aliceID, w.aliceSK, "").GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(w.serial), TokenCode: aws.String(w.code(t, mfa.Step(time.Now())))})
	if err != nil {
		t.Fatal(err)
	}
	c := st.Credentials
	dir := t.TempDir()
	main := fmt.Sprintf(`terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  access_key        = %q
  secret_key        = %q
  token             = %q
  region            = "us-east-1"
  s3_use_path_style = true

  assume_role {
    role_arn    = "arn:aws:iam::%s:role/deploy"
    external_id = "my_external_id"
  }
}

resource "aws_s3_bucket" "test_bucket" {
  bucket = %q
}
`, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken), w.b.ID, bucket)
	cliConfig := testclients.TerraformCLIConfig(plugins)
	for name, text := range map[string]string{"main.tf": main, "cli.tfrc": cliConfig} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(tf, args...)
		cmd.Dir = dir
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + dir,
			"TF_CLI_CONFIG_FILE=" + filepath.Join(dir, "cli.tfrc"),
			"TF_IN_AUTOMATION=1",
			"CHECKPOINT_DISABLE=1",
			"AWS_ENDPOINT_URL=" + w.srv.URL,
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("init", "-input=false", "-no-color")
	run("apply", "-input=false", "-no-color", "-auto-approve")

	rootB := s3.NewFromConfig(w.srv.AWSConfig("account-b"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := rootB.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("account B cannot see the bucket Terraform created: %v", err)
	}
}

// BenchmarkAssumeRole is AssumeRole end to end on a warm server, as a
// client sees it: the SDK signs, doppel verifies the signature, resolves
// alice's key, decodes, authorizes both sides (alice's identity policy and
// the role's trust policy), issues and seals the session, encodes; the SDK
// parses the answer. Role "plain" needs no MFA code, so every iteration is
// alike.
func BenchmarkAssumeRole(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	_, err := iam.NewFromConfig(w.srv.AWSConfig("account-b")).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("plain"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.a.ID + `:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		b.Fatal(err)
	}
	alice := w.sts(w.aliceID, w.aliceSK, "")
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + w.b.ID + ":role/plain"), RoleSessionName: aws.String("bench")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := alice.AssumeRole(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// What GetSessionToken credentials may call, through the real gateway: IAM
// only when they carry MFA, STS only AssumeRole and GetCallerIdentity
// (STS API reference, GetSessionToken).
func TestSessionTokenLimits(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a := iam.NewFromConfig(w.srv.AWSConfig("account-a"))
	if _, err := a.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:GetAccessKeyInfo"],"Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	alice := w.sts(w.aliceID, w.aliceSK, "")
	plain, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	withMFA, err := alice.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(w.serial), TokenCode: aws.String(w.code(t, mfa.Step(time.Now())))})
	if err != nil {
		t.Fatal(err)
	}
	clients := func(out *sts.GetSessionTokenOutput) (*iam.Client, *sts.Client) {
		c := out.Credentials
		cfg := w.srv.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		return iam.NewFromConfig(cfg), sts.NewFromConfig(cfg)
	}
	plainIAM, plainSTS := clients(plain)
	mfaIAM, mfaSTS := clients(withMFA)

	if _, err := plainIAM.ListUsers(ctx, &iam.ListUsersInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Errorf("IAM without MFA: %v, want InvalidClientTokenId", err)
	}
	if _, err := mfaIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Errorf("IAM with MFA: %v", err)
	}
	for _, c := range []*sts.Client{plainSTS, mfaSTS} {
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
			t.Errorf("GetCallerIdentity: %v", err)
		}
		if _, err := c.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(w.aliceID)}); errorCode(err) != "AccessDenied" {
			t.Errorf("GetAccessKeyInfo: %v, want AccessDenied", err)
		}
		if _, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); errorCode(err) != "AccessDenied" {
			t.Errorf("GetSessionToken: %v, want AccessDenied", err)
		}
	}
}
