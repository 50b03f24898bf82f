package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/mfa"
)

func getMFACode(t *testing.T, srv *doppeltest.Server, account, serial string) (int, string) {
	t.Helper()
	a := srv.Account(account)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/mfa/code?serial="+url.QueryEscape(serial), nil)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMFACodeEndpoint(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	out, err := iam.NewFromConfig(srv.AWSConfig("account-a")).CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("phone")})
	if err != nil {
		t.Fatal(err)
	}
	serial := aws.ToString(out.VirtualMFADevice.SerialNumber)
	seed := string(out.VirtualMFADevice.Base32StringSeed)

	status, body := getMFACode(t, srv, "account-a", serial)
	if status != 200 {
		t.Fatalf("root of the device's account: %d %s", status, body)
	}
	var got struct{ Serial, Code string }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if _, err := mfa.Verify(seed, got.Code, time.Now(), 0); err != nil {
		t.Fatalf("code %s does not verify against the device's seed: %v", got.Code, err)
	}

	cases := []struct {
		name, account, serial string
		status                int
		code                  string
	}{
		{"another account's root", "account-b", serial, 403, "AccessDenied"},
		{"unknown device", "account-a", "arn:aws:iam::111111111111:mfa/nothing", 404, "NoSuchEntity"},
		{"not a serial", "account-a", "phone", 400, "ValidationError"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := getMFACode(t, srv, c.account, c.serial)
			if status != c.status || !strings.Contains(body, "<Code>"+c.code+"</Code>") {
				t.Fatalf("%d %s; want %d %s", status, body, c.status, c.code)
			}
		})
	}

	resp, err := http.Get(srv.URL + "/_doppel/mfa/code?serial=" + url.QueryEscape(serial))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned request: %d, want 403", resp.StatusCode)
	}
}
