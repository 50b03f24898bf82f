package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestMFACode runs `doppel mfa code` against a running doppel whose profile
// files are in a data directory, as `doppel serve` writes them.
func TestMFACode(t *testing.T) {
	srv := doppeltest.NewServer(t)
	dataDir := t.TempDir()
	var profiles []clientconfig.Profile
	for _, a := range srv.Accounts {
		profiles = append(profiles, clientconfig.Profile{Name: a.Name, Account: a.ID, AccessKeyID: a.AccessKeyID,
			SecretAccessKey: a.SecretAccessKey, Region: "us-east-1", EndpointURL: srv.URL})
	}
	if _, _, err := clientconfig.WriteFiles(dataDir, profiles); err != nil {
		t.Fatal(err)
	}
	dev, err := iam.NewFromConfig(srv.AWSConfig("account-a")).CreateVirtualMFADevice(context.Background(),
		&iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	if err != nil {
		t.Fatal(err)
	}
	serial, seed := aws.ToString(dev.VirtualMFADevice.SerialNumber), string(dev.VirtualMFADevice.Base32StringSeed)

	tests := []struct {
		name       string
		args       []string
		exit       int
		wantStderr string
	}{
		{name: "the device's account root", args: []string{"mfa", "code", "--data", dataDir, serial}},
		{name: "by account name", args: []string{"mfa", "code", "--data", dataDir, "--account", "account-a", serial}},
		{name: "another account's root", args: []string{"mfa", "code", "--data", dataDir, "--account", "account-b", serial},
			exit: 1, wantStderr: "AccessDenied: Only the root user of account 111111111111"},
		{name: "unknown device", args: []string{"mfa", "code", "--data", dataDir, "arn:aws:iam::111111111111:mfa/nobody"},
			exit: 1, wantStderr: "NoSuchEntity: VirtualMFADevice with serial number arn:aws:iam::111111111111:mfa/nobody doesn't exist."},
		{name: "not a serial", args: []string{"mfa", "code", "--data", dataDir, "123456"}, exit: 2, wantStderr: "is not a virtual MFA device's serial number"},
		{name: "a user ARN", args: []string{"mfa", "code", "--data", dataDir, "arn:aws:iam::111111111111:user/alice"}, exit: 2, wantStderr: "is not a virtual MFA device's serial number"},
		{name: "no data directory", args: []string{"mfa", "code", "--data", t.TempDir(), serial}, exit: 1, wantStderr: "doppel mfa code: "},
		{name: "no subcommand", args: []string{"mfa"}, exit: 2, wantStderr: "Usage: doppel mfa code"},
		{name: "no serial", args: []string{"mfa", "code", "--data", dataDir}, exit: 2, wantStderr: "Usage: doppel mfa code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			exit := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if exit != tt.exit {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", exit, tt.exit, stdout.String(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			if tt.exit != 0 {
				return
			}
			// The code is the device's TOTP (RFC 6238, 6 digits, 30 s) for
			// now or the next step, computed independently of doppel.
			code := strings.TrimSpace(stdout.String())
			now := time.Now()
			ok := false
			for _, at := range []time.Time{now.Add(-30 * time.Second), now, now.Add(30 * time.Second)} {
				want, err := totp.GenerateCodeCustom(seed, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
				if err != nil {
					t.Fatal(err)
				}
				ok = ok || want == code
			}
			if !ok {
				t.Errorf("code %q is not the device's code around now", code)
			}
		})
	}
}
