package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/mfa"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// AssumeRole's TokenCode cannot be guessed at hundreds a second: after five
// wrong codes the device refuses codes, even the right one, until its block
// ends (then it accepts the right one once).
func TestAssumeRoleMFAGuessingIsThrottled(t *testing.T) {
	clk := &testClock{t: time.Now().UTC().Truncate(time.Second)}
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clk.now))
	ctx := context.Background()
	a := srv.Account("account-a")
	admin := iam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("needs-mfa"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a.ID + `:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	dev, err := admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	seed, serial := string(dev.VirtualMFADevice.Base32StringSeed), aws.ToString(dev.VirtualMFADevice.SerialNumber)
	step := mfa.Step(clk.now())
	c1, _ := mfa.Code(seed, step-1)
	c2, _ := mfa.Code(seed, step)
	if _, err := admin.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String("dev"), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	clk.advance(30 * time.Second) // the enabling codes are used
	assume := func(code string) error {
		_, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + a.ID + ":role/needs-mfa"),
			RoleSessionName: aws.String("guess"), SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
		return err
	}
	wantDenied := func(err error, msg string) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.HasPrefix(ae.ErrorMessage(), msg) {
			t.Fatalf("got %v, want AccessDenied %q", err, msg)
		}
	}
	good, _ := mfa.Code(seed, mfa.Step(clk.now()))
	// A code of no step near now (five steps have at most five codes).
	near := map[string]bool{}
	for s := mfa.Step(clk.now()) - 2; s <= mfa.Step(clk.now())+2; s++ {
		c, _ := mfa.Code(seed, s)
		near[c] = true
	}
	wrong := "000000"
	for i := 1; near[wrong]; i++ {
		wrong = fmt.Sprintf("%06d", i)
	}
	for range 5 {
		wantDenied(assume(wrong), "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	wantDenied(assume(good), "MultiFactorAuthentication failed: too many invalid MFA codes for this device.")
	clk.advance(31 * time.Second)
	good, _ = mfa.Code(seed, mfa.Step(clk.now()))
	if err := assume(good); err != nil {
		t.Fatalf("the right code after the block: %v", err)
	}
	// And only once (no replay).
	wantDenied(assume(good), "MultiFactorAuthentication failed with invalid MFA one time pass code.")
}
