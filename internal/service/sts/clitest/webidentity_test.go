package clitest

// Web identity federation with real clients and no code of doppel's in the
// loop: the AWS CLI and Terraform get only a role ARN and a token file, as a
// CI runner or an HCP Terraform agent hands them over, and create a bucket
// in account B.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/testclients"
)

// federatedWorld: account B trusts GitHub Actions for octo-org/app's main
// branch and HCP Terraform for acme's prod workspace in the apply phase, as
// their docs lay it out; each role may use S3. It returns the token file of
// each issuer, minted by doppel as `doppel oidc token` does.
func federatedWorld(t *testing.T) (srv *doppeltest.Server, ghToken, tfToken string) {
	t.Helper()
	ctx := context.Background()
	srv = doppeltest.NewServer(t)
	b := srv.Account("account-b").ID
	c := iam.NewFromConfig(srv.AWSConfig("account-b"))
	for _, p := range []struct{ url, aud, role, cond string }{
		{"https://token.actions.githubusercontent.com", "sts.amazonaws.com", "github-deploy",
			`"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:octo-org/app:ref:refs/heads/main"}`},
		{"https://app.terraform.io", "aws.workload.identity", "tfc-apply",
			`"StringEquals":{"app.terraform.io:aud":"aws.workload.identity"},"StringLike":{"app.terraform.io:sub":"organization:acme:project:*:workspace:prod:run_phase:apply"}`},
	} {
		if _, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(p.url), ClientIDList: []string{p.aud}}); err != nil {
			t.Fatal(err)
		}
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + b +
			`:oidc-provider/` + strings.TrimPrefix(p.url, "https://") + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{` + p.cond + `}}]}`
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(p.role), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(p.role), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	ghToken = filepath.Join(dir, "github-token")
	tfToken = filepath.Join(dir, "tfc-token")
	for file, q := range map[string][2]string{
		ghToken: {"github", "repo:octo-org/app:ref:refs/heads/main"},
		tfToken: {"terraform", "organization:acme:project:infra:workspace:prod:run_phase:apply"},
	} {
		if err := os.WriteFile(file, []byte(mint(t, srv, q[0], q[1])), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return srv, ghToken, tfToken
}

// mint asks doppel for a token as account A's root, with an hour's life so
// slow clients never see it expire.
func mint(t *testing.T, srv *doppeltest.Server, issuer, sub string) string {
	t.Helper()
	a := srv.Account("account-a")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/oidc/"+issuer+"/token?"+url.Values{"sub": {sub}, "ttl": {"1h"}}.Encode(), nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct{ Value string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("mint: %d %s", resp.StatusCode, body)
	}
	return out.Value
}

func headBucketB(t *testing.T, srv *doppeltest.Server, bucket string) {
	t.Helper()
	rootB := s3.NewFromConfig(srv.AWSConfig("account-b"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := rootB.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("account B does not have bucket %s: %v", bucket, err)
	}
}

// The AWS CLI with only AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: the
// default credential chain calls AssumeRoleWithWebIdentity, unsigned.
func TestCLIWebIdentityTokenFile(t *testing.T) {
	cli := testclients.AWSCLI(t)
	srv, ghToken, _ := federatedWorld(t)
	b := srv.Account("account-b").ID
	run := func(role string, args ...string) (string, error) {
		home := t.TempDir()
		cmd := exec.Command(cli, args...)
		cmd.Env = []string{
			"PATH=" + os.Getenv("PATH"),
			"HOME=" + home,
			"AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
			"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
			"AWS_ENDPOINT_URL=" + srv.URL,
			"AWS_DEFAULT_REGION=us-east-1",
			"AWS_ROLE_ARN=arn:aws:iam::" + b + ":role/" + role,
			"AWS_WEB_IDENTITY_TOKEN_FILE=" + ghToken,
			"AWS_ROLE_SESSION_NAME=ci-run",
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	out, err := run("github-deploy", "sts", "get-caller-identity", "--output", "json")
	if err != nil || !strings.Contains(out, `"arn:aws:sts::`+b+`:assumed-role/github-deploy/ci-run"`) {
		t.Fatalf("get-caller-identity: %v\n%s", err, out)
	}
	if out, err := run("github-deploy", "s3api", "create-bucket", "--bucket", "from-the-cli"); err != nil {
		t.Fatalf("create-bucket: %v\n%s", err, out)
	}
	headBucketB(t, srv, "from-the-cli")
	// The GitHub token on the HCP Terraform role: the trust policy refuses.
	if out, err := run("tfc-apply", "sts", "get-caller-identity"); err == nil || !strings.Contains(out, "AccessDenied") {
		t.Fatalf("GitHub token on the Terraform role: %v\n%s", err, out)
	}
}

// Terraform's AWS provider, with its assume_role_with_web_identity block
// (web_identity_token_file) and with only the environment variables.
func TestTerraformWebIdentity(t *testing.T) {
	tf := testclients.Terraform(t)
	plugins := testclients.ProviderMirror(t)
	srv, _, tfToken := federatedWorld(t)
	roleARN := "arn:aws:iam::" + srv.Account("account-b").ID + ":role/tfc-apply"
	for _, tc := range []struct {
		name, block, bucket string
		env                 []string
	}{
		{"assume_role_with_web_identity", fmt.Sprintf(`
  assume_role_with_web_identity {
    role_arn                = %q
    web_identity_token_file = %q
    session_name            = "tfc-run"
  }`, roleARN, tfToken), "from-terraform-block", nil},
		// The provider (5.100.0) builds the default chain's web identity
		// STS client without AWS_ENDPOINT_URL, so it would call the real
		// STS; the service-specific AWS_ENDPOINT_URL_STS reaches it.
		{"environment", "", "from-terraform-env", []string{"AWS_ROLE_ARN=" + roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE=" + tfToken, "AWS_ENDPOINT_URL_STS=" + srv.URL}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			main := fmt.Sprintf(`terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

provider "aws" {
  region            = "us-east-1"
  s3_use_path_style = true
%s
}

resource "aws_s3_bucket" "b" {
  bucket = %q
}
`, tc.block, tc.bucket)
			for name, text := range map[string]string{"main.tf": main, "cli.tfrc": testclients.TerraformCLIConfig(plugins)} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			run := func(args ...string) {
				t.Helper()
				cmd := exec.Command(tf, args...)
				cmd.Dir = dir
				cmd.Env = append([]string{
					"PATH=" + os.Getenv("PATH"),
					"HOME=" + dir,
					"TF_CLI_CONFIG_FILE=" + filepath.Join(dir, "cli.tfrc"),
					"TF_IN_AUTOMATION=1",
					"CHECKPOINT_DISABLE=1",
					"AWS_ENDPOINT_URL=" + srv.URL,
					"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
					"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
				}, tc.env...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			run("init", "-input=false", "-no-color")
			run("apply", "-input=false", "-no-color", "-auto-approve")
			headBucketB(t, srv, tc.bucket)
		})
	}
}

// The AWS CLI's assume-role-with-saml, unsigned, with a response from
// doppel's local IdP registered as an IAM SAML provider.
func TestCLIAssumeRoleWithSAML(t *testing.T) {
	cli := testclients.AWSCLI(t)
	ctx := context.Background()
	srv := doppeltest.NewServer(t)
	resp, err := http.Get(srv.URL + "/_doppel/saml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	metadata, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	c := iam.NewFromConfig(srv.AWSConfig("account-b"))
	p, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("doppel"), SAMLMetadataDocument: aws.String(string(metadata))})
	if err != nil {
		t.Fatal(err)
	}
	provider := aws.ToString(p.SAMLProviderArn)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
	r, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sso"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	role := aws.ToString(r.Role.Arn)

	a := srv.Account("account-a")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/saml/response?"+url.Values{"role": {role + "," + provider}, "subject": {"alice"}}.Encode(), nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var out struct{ SAMLResponse string }
	if res.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("saml response: %d %s", res.StatusCode, body)
	}

	home := t.TempDir()
	cmd := exec.Command(cli, "sts", "assume-role-with-saml", "--role-arn", role, "--principal-arn", provider, "--saml-assertion", out.SAMLResponse, "--output", "json")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"), "AWS_ENDPOINT_URL=" + srv.URL, "AWS_DEFAULT_REGION=us-east-1"}
	got, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(got), `"arn:aws:sts::`+srv.Account("account-b").ID+`:assumed-role/sso/alice"`) {
		t.Fatalf("assume-role-with-saml: %v\n%s", err, got)
	}
}
