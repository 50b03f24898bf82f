package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

func init() {
	register("mfa", command{summary: "print the current code of a virtual MFA device (tests and demos)", run: runMFA})
}

const mfaUsage = `Usage: doppel mfa code [--data DIR] [--account NAME] SERIAL

Prints the current one-time code of the virtual MFA device SERIAL
(arn:aws:iam::ACCOUNT:mfa/NAME), so that the MFA steps of a walkthrough or a
test run without a phone:

  aws sts get-session-token --serial-number "$SERIAL" \
      --token-code "$(doppel mfa code "$SERIAL")"

It asks the running doppel, signed as the root user of the device's account
(the credentials doppel wrote into its data directory): nobody else may read
a device's codes. A code is good once; asked again within the same 30
seconds, doppel gives the next step's code.

Flags:`

func runMFA(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "code" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, strings.TrimSuffix(mfaUsage, "\n\nFlags:"))
			return 0
		}
		fmt.Fprintln(stderr, strings.TrimSuffix(mfaUsage, "\n\nFlags:"))
		return 2
	}
	fs := flag.NewFlagSet("doppel mfa code", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", ".doppel", "the data `DIR`ectory of the running doppel")
	account := fs.String("account", "", "the account (`NAME` or ID) whose root asks; default: the account in SERIAL")
	fs.Usage = func() {
		fmt.Fprintln(stderr, mfaUsage)
		printFlags(fs.Output(), fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	serial := fs.Arg(0)
	acct, ok := mfaSerialAccount(serial)
	if !ok {
		fmt.Fprintf(stderr, "doppel mfa code: %q is not a virtual MFA device's serial number (arn:aws:iam::ACCOUNT:mfa/NAME)\n", serial)
		return 2
	}
	if *account != "" {
		acct = *account
	}
	p, err := clientconfig.ReadProfile(*dataDir, acct)
	if err != nil {
		fmt.Fprintln(stderr, "doppel mfa code:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := fetchMFACode(ctx, http.DefaultClient, p, serial, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "doppel mfa code:", err)
		return 1
	}
	fmt.Fprintln(stdout, code)
	return 0
}

// mfaSerialAccount returns ACCOUNT of arn:aws:iam::ACCOUNT:mfa/NAME.
func mfaSerialAccount(serial string) (string, bool) {
	rest, ok := strings.CutPrefix(serial, "arn:aws:iam::")
	if !ok {
		return "", false
	}
	account, resource, ok := strings.Cut(rest, ":")
	if !ok || len(account) != 12 || strings.Trim(account, "0123456789") != "" || !strings.HasPrefix(resource, "mfa/") || len(resource) == len("mfa/") {
		return "", false
	}
	return account, true
}

// emptyPayloadHash is the SHA-256 of an empty body, which a GET signs.
var emptyPayloadHash = func() string { s := sha256.Sum256(nil); return hex.EncodeToString(s[:]) }()

// fetchMFACode asks doppel's GET /_doppel/mfa/code for the device's current
// code, signed with SigV4 for iam in us-east-1 as p's user, like any IAM
// call.
func fetchMFACode(ctx context.Context, client *http.Client, p clientconfig.Profile, serial string, now time.Time) (string, error) {
	if p.EndpointURL == "" {
		return "", fmt.Errorf("profile %s has no endpoint_url", p.Name)
	}
	u := strings.TrimSuffix(p.EndpointURL, "/") + "/_doppel/mfa/code?serial=" + url.QueryEscape(serial)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	creds := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptyPayloadHash, "iam", "us-east-1", now); err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		// AWS's query protocol error envelope.
		var e struct {
			Error struct{ Code, Message string }
		}
		if xml.Unmarshal(body, &e) == nil && e.Error.Code != "" {
			return "", fmt.Errorf("%s: %s", e.Error.Code, e.Error.Message)
		}
		return "", fmt.Errorf("%s from %s: %.200s", resp.Status, p.EndpointURL, body)
	}
	var out struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Code == "" {
		return "", fmt.Errorf("unexpected answer from %s: %.200s", p.EndpointURL, body)
	}
	return out.Code, nil
}
