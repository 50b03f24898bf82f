// Package clitest drives the real AWS CLI (v1) against an in-process doppel:
// a profile with role_arn, source_profile, external_id and mfa_serial must
// assume the role when used, as on AWS. The tests skip when `aws` is not
// installed.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/mfa"
	"github.com/doppel-aws/doppel/internal/server"
	"github.com/doppel-aws/doppel/internal/store"
)

const (
	accountA = "111111111111"
	accountB = "222222222222"
)

// world is a running doppel with the seed procedure's setup: alice in A
// with an MFA device, role "deploy" in B that trusts A with an external ID
// and MFA required.
type world struct {
	url              string
	aliceID, aliceSK string
	serial, seed     string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Options{InMemory: true, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	w := &world{url: "http://" + ln.Addr().String()}

	rootKeys := map[string][2]string{}
	err = srv.Store.Update(ctx, func(tx store.Tx) error {
		for _, acct := range []string{accountA, accountB} {
			id, secret := identity.NewAccessKeyID(), identity.NewSecretAccessKey()
			if err := identity.CreateAccount(tx, identity.Account{ID: acct, Name: "account-" + acct[:1], CreatedAt: time.Now(), RootAccessKeyID: id}); err != nil {
				return err
			}
			if err := identity.PutAccessKey(tx, identity.AccessKey{AccessKeyID: id, Secret: secret, Account: acct, Kind: identity.Root,
				UserARN: identity.RootARN(acct), UserID: acct, Status: identity.KeyActive, CreateDate: time.Now()}); err != nil {
				return err
			}
			rootKeys[acct] = [2]string{id, secret}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	iamAs := func(acct string) *iam.Client {
		k := rootKeys[acct]
		return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.url),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: k[0], SecretAccessKey: k[1]}, nil
			})})
	}
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := iamAs(accountA), iamAs(accountB)
	must(a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))
	must(a.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}))
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
	// Two past steps enable the device, leaving the current one for the CLI.
	step := mfa.Step(time.Now())
	must(a.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("alice"), SerialNumber: aws.String(w.serial),
		AuthenticationCode1: aws.String(w.code(t, step-2)), AuthenticationCode2: aws.String(w.code(t, step-1))}))
	must(b.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountA + `:root"},"Action":"sts:AssumeRole",` +
			`"Condition":{"StringEquals":{"sts:ExternalId":"my_external_id"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	must(b.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("deploy"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}))
	return w
}

func (w *world) code(t *testing.T, step int64) string {
	t.Helper()
	c, err := mfa.Code(w.seed, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// aws runs the CLI with a config whose "deploy" profile assumes the role
// with externalID, answering the MFA prompt with code.
func (w *world) aws(t *testing.T, externalID, code string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	dir := t.TempDir()
	config := `[profile alice]
region = us-east-1

[profile deploy]
region = us-east-1
role_arn = arn:aws:iam::` + accountB + `:role/deploy
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
	cmd := exec.Command("aws", args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir, // the CLI caches assumed-role credentials under ~/.aws/cli/cache
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL=" + w.url,
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
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed")
	}
	w := newWorld(t)
	now := mfa.Step(time.Now())

	// The right external ID and the current code: the CLI assumes the role.
	out, stderr, err := w.aws(t, "my_external_id", w.code(t, now), "sts", "get-caller-identity", "--output", "json")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, stderr)
	}
	var who struct{ Account, Arn, UserId string }
	if err := json.Unmarshal([]byte(out), &who); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if who.Account != accountB || !strings.HasPrefix(who.Arn, "arn:aws:sts::"+accountB+":assumed-role/deploy/") || !strings.HasPrefix(who.UserId, "AROA") {
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
			_, stderr, err := w.aws(t, tt.externalID, tt.code, "sts", "get-caller-identity")
			if err == nil || !strings.Contains(stderr, "AccessDenied") || !strings.Contains(stderr, tt.want) {
				t.Errorf("err = %v, stderr:\n%s", err, stderr)
			}
		})
	}
}
