package main

import (
	"context"
	"encoding/json"
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
	register("env", command{summary: "print export lines that point AWS clients at an account", run: runEnv})
}

const envUsage = `Usage: doppel env [--data DIR] [--credential-process] ACCOUNT

Prints shell export lines (AWS_ENDPOINT_URL, HTTP_PROXY, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION) for ACCOUNT's root user, by name or ID:

  eval "$(doppel env account-b)"

An account that AWS Organizations created has a root user without keys: for
it, doppel env asks the running doppel, as the root user of the
organization's management account, for an hour's credentials of the
account's access role (OrganizationAccountAccessRole unless CreateAccount
named another), with AWS_SESSION_TOKEN. With --credential-process it prints
them in the AWS CLI's credential_process format instead, for a profile:

  [profile workload]
  credential_process = doppel env --data /path/to/.doppel --credential-process workload
  endpoint_url = http://127.0.0.1:4566

Flags:`

func runEnv(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doppel env", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", ".doppel", "the data `DIR`ectory of the running doppel")
	process := fs.Bool("credential-process", false, "print credentials as the AWS CLI's credential_process expects (JSON)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, envUsage)
		printFlags(fs.Output(), fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	name := fs.Arg(0)
	p, err := clientconfig.ReadProfile(*dataDir, name)
	if err != nil {
		// Perhaps a member account without root keys: ask the running doppel.
		profiles, rerr := clientconfig.ReadProfiles(*dataDir)
		if rerr != nil {
			fmt.Fprintln(stderr, "doppel env:", err)
			return 1
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var vended clientconfig.Profile
		vended, err = accessRoleProfile(ctx, http.DefaultClient, profiles, name, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "doppel env:", err)
			return 1
		}
		p = vended
	}
	if *process {
		out := map[string]any{"Version": 1, "AccessKeyId": p.AccessKeyID, "SecretAccessKey": p.SecretAccessKey}
		if p.SessionToken != "" {
			out["SessionToken"] = p.SessionToken
		}
		json.NewEncoder(stdout).Encode(out)
		return 0
	}
	fmt.Fprint(stdout, clientconfig.EnvLines(p))
	return 0
}

// accessRoleProfile asks doppel's GET /_doppel/organizations/access for
// credentials of account's access role, signed for sts as each root profile
// in turn until one is the management account of account's organization.
func accessRoleProfile(ctx context.Context, client *http.Client, roots []clientconfig.Profile, account string, now time.Time) (clientconfig.Profile, error) {
	var last error = fmt.Errorf("no account named %q, and no profile to ask doppel with", account)
	for _, root := range roots {
		if root.AccessKeyID == "" || root.EndpointURL == "" {
			continue
		}
		u := strings.TrimSuffix(root.EndpointURL, "/") + "/_doppel/organizations/access?account=" + url.QueryEscape(account)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return clientconfig.Profile{}, err
		}
		creds := aws.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptyPayloadHash, "sts", "us-east-1", now); err != nil {
			return clientconfig.Profile{}, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return clientconfig.Profile{}, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return clientconfig.Profile{}, err
		}
		if resp.StatusCode != http.StatusOK {
			last = fmt.Errorf("no account named %q among the profiles, nor a member account that %s manages (%s)", account, root.Name, strings.TrimSpace(errorText(body)))
			continue
		}
		var c struct{ AccessKeyId, SecretAccessKey, SessionToken, Account string }
		if err := json.Unmarshal(body, &c); err != nil {
			return clientconfig.Profile{}, fmt.Errorf("doppel's answer: %w", err)
		}
		return clientconfig.Profile{Name: account, Account: c.Account, AccessKeyID: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey,
			SessionToken: c.SessionToken, Region: root.Region, EndpointURL: root.EndpointURL}, nil
	}
	return clientconfig.Profile{}, last
}

// errorText is the Message of a query-protocol error body, or the body.
func errorText(body []byte) string {
	if i := strings.Index(string(body), "<Message>"); i >= 0 {
		rest := string(body[i+len("<Message>"):])
		if j := strings.Index(rest, "</Message>"); j >= 0 {
			return rest[:j]
		}
	}
	return string(body)
}
