package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// totpCode is the device's code at t, computed from its Base32 seed with
// github.com/pquerna/otp (RFC 6238: SHA-1, 6 digits, 30 s), independently of
// doppel's own implementation.
func totpCode(t testing.TB, seed string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mfaDevice gives user (in account) a virtual MFA device, enabled with two
// consecutive codes as the console does; it returns the device's serial and
// seed. The codes of the previous and the current step enable it, leaving
// the next step's for the test (AWS accepts each code once, and one step
// either side of now): both stay valid if a step ends on the way.
func (w *world) mfaDevice(account, user string) (serial, seed string) {
	w.t.Helper()
	ctx := context.Background()
	c := w.iam(account)
	dev, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user)})
	if err != nil {
		w.t.Fatal(err)
	}
	serial, seed = aws.ToString(dev.VirtualMFADevice.SerialNumber), string(dev.VirtualMFADevice.Base32StringSeed)
	now := time.Now()
	w.must(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(totpCode(w.t, seed, now.Add(-30*time.Second))),
		AuthenticationCode2: aws.String(totpCode(w.t, seed, now))}))
	return serial, seed
}

// TestSeedWithMFA is the seed's MFA variant: the role in B requires MFA
// (the console's "Require MFA" box) besides the external ID; alice gets a
// session with `aws sts get-session-token --serial-number --token-code`
// and Terraform assumes the role with that session in AWS_SESSION_TOKEN.
// With her long-term keys alone the same apply is refused.
func TestSeedWithMFA(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	roleARN := w.role(w.b.Name, "role_requiring_mfa", trustAccount(w.a.ID, map[string]any{
		"StringEquals": map[string]any{"sts:ExternalId": seedExternalID},
		"Bool":         map[string]any{"aws:MultiFactorAuthPresent": "true"},
	}), s3FullAccess)
	alice := w.user(w.a.Name, "alice", allowAssume(roleARN))
	serial, seed := w.mfaDevice(w.a.Name, "alice")
	vars := `{"role_arn": "` + roleARN + `", "bucket": "mfa-bucket"}`

	t.Run("without MFA", func(t *testing.T) {
		tf := newWorkdir(t, seedExample, w.env(alice, "")...)
		tf.writeFile("case.auto.tfvars.json", vars)
		out, code := tf.run("apply", "-auto-approve", "-input=false")
		want := "User: arn:aws:iam::" + w.a.ID + ":user/alice is not authorized to perform: sts:AssumeRole on resource: " + roleARN
		if code == 0 || !strings.Contains(flat(out), "AccessDenied") || !strings.Contains(flat(out), want) {
			t.Errorf("apply exited %d, want a failure naming AccessDenied and %q:\n%s", code, want, out)
		}
	})

	t.Run("with a GetSessionToken session", func(t *testing.T) {
		out := mustCLI(t, t.TempDir(), w.env(alice, ""), "sts", "get-session-token", "--output", "json",
			"--serial-number", serial, "--token-code", totpCode(t, seed, time.Now().Add(30*time.Second)))
		var session struct {
			Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		}
		if err := json.Unmarshal([]byte(out), &session); err != nil {
			t.Fatalf("get-session-token printed %q: %v", out, err)
		}
		c := session.Credentials
		if !strings.HasPrefix(c.AccessKeyId, "ASIA") || c.SessionToken == "" {
			t.Fatalf("session credentials = %+v", c)
		}
		tf := newWorkdir(t, seedExample, w.env(key{c.AccessKeyId, c.SecretAccessKey}, c.SessionToken)...)
		tf.writeFile("case.auto.tfvars.json", vars)
		tf.must("apply", "-auto-approve", "-input=false")
		if got := w.bucketsOf(w.b.Name); !slices.Contains(got, "mfa-bucket") {
			t.Errorf("account B's buckets = %v, want mfa-bucket", got)
		}
		tf.must("destroy", "-auto-approve", "-input=false")
	})
}
