package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestSAMLCommands: `doppel saml metadata` makes an IAM SAML provider and
// `doppel saml response` an assertion AssumeRoleWithSAML takes.
func TestSAMLCommands(t *testing.T) {
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
	doppel := func(args ...string) (string, string, int) {
		var stdout, stderr bytes.Buffer
		exit := run(args, strings.NewReader(""), &stdout, &stderr)
		return strings.TrimSpace(stdout.String()), stderr.String(), exit
	}
	metadata, errOut, exit := doppel("saml", "metadata", "--data", dataDir)
	if exit != 0 {
		t.Fatalf("saml metadata: %d %s", exit, errOut)
	}
	ctx := context.Background()
	c := iam.NewFromConfig(srv.AWSConfig("account-b"))
	p, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("doppel"), SAMLMetadataDocument: aws.String(metadata)})
	if err != nil {
		t.Fatal(err)
	}
	provider := aws.ToString(p.SAMLProviderArn)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
	r, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sso"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	role := aws.ToString(r.Role.Arn)
	assertion, errOut, exit := doppel("saml", "response", "--data", dataDir, "--role", role+","+provider, "--subject", "alice", "--ttl", "10m")
	if exit != 0 {
		t.Fatalf("saml response: %d %s", exit, errOut)
	}
	cfg := srv.AWSConfig("account-a")
	cfg.Credentials = aws.AnonymousCredentials{}
	out, err := sts.NewFromConfig(cfg).AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(role), PrincipalArn: aws.String(provider), SAMLAssertion: aws.String(assertion)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::222222222222:assumed-role/sso/alice" {
		t.Errorf("AssumedRoleUser %s", aws.ToString(out.AssumedRoleUser.Arn))
	}
	for _, tc := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"saml"}, 2, "Usage: doppel saml metadata"},
		{[]string{"saml", "response", "--data", dataDir, "--subject", "alice"}, 2, "Usage: doppel saml"},
		{[]string{"saml", "response", "--data", dataDir, "--role", role + "," + provider, "--subject", "alice", "--ttl", "100h"}, 1, "ValidationError"},
		{[]string{"saml", "metadata", "--data", t.TempDir()}, 1, "doppel saml metadata: "},
	} {
		if _, errOut, exit := doppel(tc.args...); exit != tc.exit || !strings.Contains(errOut, tc.want) {
			t.Errorf("doppel %v: %d %q; want %d %q", tc.args, exit, errOut, tc.exit, tc.want)
		}
	}
}
