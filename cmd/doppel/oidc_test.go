package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestOIDCToken runs `doppel oidc token` against a running doppel and
// exchanges what it prints with AssumeRoleWithWebIdentity.
func TestOIDCToken(t *testing.T) {
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
	ctx := context.Background()
	c := iam.NewFromConfig(srv.AWSConfig("account-b"))
	if _, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://oidc.doppel.local/ci"), ClientIDList: []string{"my-app"}}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::222222222222:oidc-provider/oidc.doppel.local/ci"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.doppel.local/ci:sub":"builder","oidc.doppel.local/ci:aud":"my-app"}}}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if exit := run([]string{"oidc", "token", "--data", dataDir, "--issuer", "ci", "--sub", "builder", "--aud", "my-app", "--ttl", "10m", "--claim", "team=ops"}, strings.NewReader(""), &stdout, &stderr); exit != 0 {
		t.Fatalf("exit %d: %s", exit, stderr.String())
	}
	cfg := srv.AWSConfig("account-a")
	cfg.Credentials = aws.AnonymousCredentials{}
	out, err := sts.NewFromConfig(cfg).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/ci"), RoleSessionName: aws.String("build"),
		WebIdentityToken: aws.String(strings.TrimSpace(stdout.String())),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != "builder" || aws.ToString(out.Provider) != "https://oidc.doppel.local/ci" {
		t.Errorf("answer %+v", out)
	}

	for _, tc := range []struct {
		name string
		args []string
		exit int
		want string
	}{
		{"no issuer", []string{"oidc", "token", "--data", dataDir}, 2, "Usage: doppel oidc token"},
		{"no subcommand", []string{"oidc"}, 2, "Usage: doppel oidc token"},
		{"bad issuer name", []string{"oidc", "token", "--data", dataDir, "--issuer", "Bad_Name"}, 1, "is not an issuer doppel runs"},
		{"bad GitHub subject", []string{"oidc", "token", "--data", dataDir, "--issuer", "github", "--sub", "octo/repo"}, 1, "ValidationError: a GitHub subject is"},
		{"bad claim", []string{"oidc", "token", "--data", dataDir, "--issuer", "github", "--claim", "novalue"}, 1, "ValidationError"},
		{"no data directory", []string{"oidc", "token", "--data", t.TempDir(), "--issuer", "github"}, 1, "doppel oidc token: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if exit := run(tc.args, strings.NewReader(""), &stdout, &stderr); exit != tc.exit || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", exit, stderr.String(), tc.exit, tc.want)
			}
		})
	}
}

// TestOIDCRunnerEnv: the exports work as GitHub's do for a job.
func TestOIDCRunnerEnv(t *testing.T) {
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
	var stdout, stderr bytes.Buffer
	if exit := run([]string{"oidc", "runner-env", "--data", dataDir, "--issuer", "github", "--sub", "repo:o/r:ref:refs/heads/main", "--life", "5m"}, strings.NewReader(""), &stdout, &stderr); exit != 0 {
		t.Fatalf("exit %d: %s", exit, stderr.String())
	}
	// Run the exports in a shell and ask as actions/core does.
	script := stdout.String() + `curl -sf -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com"`
	out, err := exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"value":"ey`) {
		t.Fatalf("getIDToken with the exports: %v\n%s", err, out)
	}
}
