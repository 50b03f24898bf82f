// Package clitest drives real clients against an in-process doppel
// (doppeltest, which builds the server as `doppel serve` does) through the
// seed procedure: the AWS CLI v1 with a role profile (role_arn,
// source_profile, external_id, mfa_serial), aws-sdk-go-v2, and Terraform's
// AWS provider with an assume_role block. The clients are found by
// internal/testclients.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/testclients"
)

// world is a running doppel with the seed procedure's setup: alice in
// account-a with an access key, an MFA device and permission to assume
// roles; role "deploy" in account-b that trusts account-a with an external
// ID and MFA required, with AmazonS3FullAccess attached.
type world struct {
	srv              *doppeltest.Server
	a, b             doppeltest.Account
	aliceID, aliceSK string
	serial, seed     string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	srv := doppeltest.NewServer(t)
	w := &world{srv: srv, a: srv.Account("account-a"), b: srv.Account("account-b")}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := iam.NewFromConfig(srv.AWSConfig("account-a")), iam.NewFromConfig(srv.AWSConfig("account-b"))
	must(a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
	must(a.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + w.b.ID + `:role/*"}]}`)}))
	key, err := a.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	w.aliceID, w.aliceSK = aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
	dev, err := a.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	w.serial, w.seed = aws.ToString(dev.VirtualMFADevice.SerialNumber), string(dev.VirtualMFADevice.Base32StringSeed)
	// Two past steps enable the device, leaving the current one and the
	// next for the tests.
	step := mfa.Step(time.Now())
	must(a.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(w.serial),
		AuthenticationCode1: aws.String(w.code(t, step-2)), AuthenticationCode2: aws.String(w.code(t, step-1))}))
	must(b.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + w.a.ID + `:root"},"Action":"sts:AssumeRole",` +
			`"Condition":{"StringEquals":{"sts:ExternalId":"my_external_id"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	must(b.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("deploy"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}))
	return w
}

func (w *world) code(t testing.TB, step int64) string {
	t.Helper()
	c, err := mfa.Code(w.seed, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// aws runs the CLI with a config whose "deploy" profile assumes the role
// with externalID, answering the MFA prompt with code.
func (w *world) aws(t *testing.T, cli, externalID, code string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	dir := t.TempDir()
	config := `[profile alice]
region = us-east-1

[profile deploy]
region = us-east-1
role_arn = arn:aws:iam::` + w.b.ID + `:role/deploy
source_profile = alice
external_id = ` + externalID + `
mfa_serial = ` + w.serial + `
`
	creds := "[alice]\naws_access_key_id = " + w.aliceID + "\naws_secret_access_key = " + w.aliceSK + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cli, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir, // the CLI caches assumed-role credentials under ~/.aws/cli/cache
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL=" + w.srv.URL,
		"AWS_PROFILE=deploy",
	}
	// No controlling terminal: the CLI's MFA prompt (getpass) reads stdin.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin = strings.NewReader(code + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

func TestCLIRoleProfile(t *testing.T) {
	cli := testclients.AWSCLI(t)
	w := newWorld(t)
	now := mfa.Step(time.Now())

	// The right external ID and the current code: the CLI assumes the role.
	out, stderr, err := w.aws(t, cli, "my_external_id", w.code(t, now), "sts", "get-caller-identity", "--output", "json")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, stderr)
	}
	var who struct{ Account, Arn, UserId string }
	if err := json.Unmarshal([]byte(out), &who); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if who.Account != w.b.ID || !strings.HasPrefix(who.Arn, "arn:aws:sts::"+w.b.ID+":assumed-role/deploy/") || !strings.HasPrefix(who.UserId, "AROA") {
		t.Errorf("caller = %+v", who)
	}

	tests := []struct {
		name, externalID, code, want string
	}{
		{"wrong external ID", "guess", w.code(t, now+1), "is not authorized to perform: sts:AssumeRole"},
		{"reused MFA code", "my_external_id", w.code(t, now), "MultiFactorAuthentication failed with invalid MFA one time pass code."},
		{"wrong MFA code", "my_external_id", "000000", "MultiFactorAuthentication failed with invalid MFA one time pass code."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := w.aws(t, cli, tt.externalID, tt.code, "sts", "get-caller-identity")
			if err == nil || !strings.Contains(stderr, "AccessDenied") || !strings.Contains(stderr, tt.want) {
				t.Errorf("err = %v, stderr:\n%s", err, stderr)
			}
		})
	}
}
