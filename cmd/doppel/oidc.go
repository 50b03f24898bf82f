package main

import (
	"context"
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
	register("oidc", command{summary: "mint an OIDC token of a built-in issuer (GitHub Actions, HCP Terraform) or a local one", run: runOIDC})
}

const oidcUsage = `Usage: doppel oidc token [--data DIR] [--account NAME] --issuer github|terraform|NAME
                        [--sub SUB] [--aud AUD] [--ttl DURATION] [--claim KEY=VALUE ...]
       doppel oidc runner-env [same flags but --aud] [--life DURATION]

Prints a signed OpenID Connect ID token of one of the issuers doppel runs, for
AssumeRoleWithWebIdentity (AWS_WEB_IDENTITY_TOKEN_FILE, Terraform's
assume_role_with_web_identity, configure-aws-credentials):

  github     https://token.actions.githubusercontent.com; SUB like
             repo:OWNER/REPO:ref:refs/heads/BRANCH (default
             repo:octo-org/octo-repo:ref:refs/heads/main), audience
             sts.amazonaws.com, GitHub's claims (repository, ref, workflow,
             job_workflow_ref, ...) derived from SUB; lives 5 minutes
  terraform  https://app.terraform.io; SUB like
             organization:ORG:project:PROJECT:workspace:WS:run_phase:apply,
             audience aws.workload.identity, the terraform_* claims; 1 hour
  NAME       a local issuer, https://oidc.doppel.local/NAME (ES256); 1 hour

An IAM OIDC provider for the issuer's URL, in the role's account, makes
doppel trust its tokens, with no network. --claim sets any other claim (JSON
when VALUE starts with { or [, e.g. the https://aws.amazon.com/tags claim;
exp, nbf and iat in seconds since the epoch). Signed as the root user of an
account (the credentials doppel wrote into its data directory; the first
account unless --account): only doppel's own credentials can mint.

runner-env prints, as shell exports, what GitHub gives a job that may ask for
ID tokens: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN.
With them a job (actions/core's getIDToken, configure-aws-credentials) gets
tokens with the subject and claims given here, for any audience, during
--life (default 1h), without doppel's credentials.

Flags:`

// claimFlags collects repeated --claim flags.
type claimFlags []string

func (c *claimFlags) String() string     { return strings.Join(*c, ",") }
func (c *claimFlags) Set(v string) error { *c = append(*c, v); return nil }

func runOIDC(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "token" && args[0] != "runner-env") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, strings.TrimSuffix(oidcUsage, "\n\nFlags:"))
			return 0
		}
		fmt.Fprintln(stderr, strings.TrimSuffix(oidcUsage, "\n\nFlags:"))
		return 2
	}
	sub0 := args[0]
	fs := flag.NewFlagSet("doppel oidc "+sub0, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", ".doppel", "the data `DIR`ectory of the running doppel")
	account := fs.String("account", "", "the account (`NAME` or ID) whose root asks; default: the first")
	issuer := fs.String("issuer", "", "github, terraform or a local issuer's `NAME`")
	sub := fs.String("sub", "", "the token's subject (`SUB`); default: the issuer's example")
	aud := fs.String("aud", "", "the audience (`AUD`); default: the issuer's for AWS")
	ttl := fs.Duration("ttl", 0, "the token's life (`DURATION`, at most 24h); default: the issuer's")
	var claims claimFlags
	fs.Var(&claims, "claim", "another claim, `KEY=VALUE` (repeatable)")
	life := fs.Duration("life", 0, "runner-env: how long the job may ask for tokens (`DURATION`); default 1h")
	fs.Usage = func() {
		fmt.Fprintln(stderr, oidcUsage)
		printFlags(fs.Output(), fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 || *issuer == "" {
		fs.Usage()
		return 2
	}
	q := url.Values{}
	for k, v := range map[string]string{"sub": *sub, "aud": *aud} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if *ttl != 0 {
		q.Set("ttl", ttl.String())
	}
	for _, c := range claims {
		q.Add("claim", c)
	}
	p, err := clientconfig.ReadProfile(*dataDir, *account)
	if err != nil {
		fmt.Fprintln(stderr, "doppel oidc token:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if sub0 == "runner-env" {
		if *life != 0 {
			q.Set("life", life.String())
		}
		q.Del("aud")
		body, status, err := signedGet(ctx, http.DefaultClient, p, "/_doppel/oidc/"+url.PathEscape(*issuer)+"/request-token?"+q.Encode(), time.Now())
		var grant struct{ Value, URL string }
		if err == nil && (json.Unmarshal(body, &grant) != nil || grant.Value == "" || grant.URL == "") {
			err = fmt.Errorf("unexpected answer from %s: %.200s", p.EndpointURL, body)
		}
		if status == http.StatusNotFound {
			err = fmt.Errorf("%q is not an issuer doppel runs", *issuer)
		}
		if err != nil {
			fmt.Fprintln(stderr, "doppel oidc runner-env:", err)
			return 1
		}
		fmt.Fprintf(stdout, "export ACTIONS_ID_TOKEN_REQUEST_URL=%s\nexport ACTIONS_ID_TOKEN_REQUEST_TOKEN=%s\n",
			clientconfig.ShellQuote(grant.URL), clientconfig.ShellQuote(grant.Value))
		return 0
	}
	tok, err := fetchOIDCToken(ctx, http.DefaultClient, p, *issuer, q, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "doppel oidc token:", err)
		return 1
	}
	fmt.Fprintln(stdout, tok)
	return 0
}

// fetchOIDCToken asks doppel's GET /_doppel/oidc/ISSUER/token, signed with
// SigV4 for sts as p's root user.
func fetchOIDCToken(ctx context.Context, client *http.Client, p clientconfig.Profile, issuer string, q url.Values, now time.Time) (string, error) {
	body, status, err := signedGet(ctx, client, p, "/_doppel/oidc/"+url.PathEscape(issuer)+"/token?"+q.Encode(), now)
	if status == http.StatusNotFound {
		return "", fmt.Errorf("%q is not an issuer doppel runs (github, terraform, or a local name of lower-case letters, digits and hyphens)", issuer)
	}
	if err != nil {
		return "", err
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", fmt.Errorf("unexpected answer from %s: %.200s", p.EndpointURL, body)
	}
	return out.Value, nil
}

// signedGet sends GET pathAndQuery to the doppel of profile p, signed with
// SigV4 for sts as p's user, and returns the body of a 200 answer; any other
// status is an error (AWS's error envelope's code and message when it has
// one), with the status.
func signedGet(ctx context.Context, client *http.Client, p clientconfig.Profile, pathAndQuery string, now time.Time) ([]byte, int, error) {
	if p.EndpointURL == "" {
		return nil, 0, fmt.Errorf("profile %s has no endpoint_url", p.Name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.EndpointURL, "/")+pathAndQuery, nil)
	if err != nil {
		return nil, 0, err
	}
	creds := aws.Credentials{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptyPayloadHash, "sts", "us-east-1", now); err != nil {
		return nil, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string }
		}
		if xml.Unmarshal(body, &e) == nil && e.Error.Code != "" {
			return nil, resp.StatusCode, fmt.Errorf("%s: %s", e.Error.Code, e.Error.Message)
		}
		return nil, resp.StatusCode, fmt.Errorf("%s from %s: %.200s", resp.Status, p.EndpointURL, body)
	}
	return body, resp.StatusCode, nil
}
