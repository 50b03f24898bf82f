package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestEnvVendedAccount: `doppel env` for an account Organizations created
// (its root has no keys) gives the credentials of its access role, asked of
// the running doppel as the management account's root.
func TestEnvVendedAccount(t *testing.T) {
	ctx := context.Background()
	srv := doppeltest.NewServer(t)
	dataDir := t.TempDir()
	var profiles []clientconfig.Profile
	for _, a := range srv.Accounts {
		profiles = append(profiles, clientconfig.Profile{Name: a.Name, Account: a.ID, AccessKeyID: a.AccessKeyID,
			SecretAccessKey: a.SecretAccessKey, Region: "us-east-1", EndpointURL: srv.URL})
	}
	// account-b first: the command must move on to the management account.
	profiles[0], profiles[1] = profiles[1], profiles[0]
	if _, _, err := clientconfig.WriteFiles(dataDir, profiles); err != nil {
		t.Fatal(err)
	}
	orgs := organizations.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	created, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("Work Load"), Email: aws.String("w@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: created.CreateAccountStatus.Id})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(st.CreateAccountStatus.AccountId)

	for _, name := range []string{"Work-Load", "Work Load", id} {
		var stdout, stderr bytes.Buffer
		if exit := run([]string{"env", "--data", dataDir, "--credential-process", name}, strings.NewReader(""), &stdout, &stderr); exit != 0 {
			t.Fatalf("doppel env %s: exit %d: %s", name, exit, stderr.String())
		}
		var c struct{ AccessKeyId, SecretAccessKey, SessionToken string }
		if err := json.Unmarshal(stdout.Bytes(), &c); err != nil || c.SessionToken == "" {
			t.Fatalf("doppel env %s: %q %v", name, stdout.String(), err)
		}
		who, err := sts.NewFromConfig(srv.ConfigFor(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Account) != id || !strings.Contains(aws.ToString(who.Arn), ":assumed-role/OrganizationAccountAccessRole/") {
			t.Fatalf("doppel env %s: %+v %v", name, who, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if exit := run([]string{"env", "--data", dataDir, id}, strings.NewReader(""), &stdout, &stderr); exit != 0 || !strings.Contains(stdout.String(), "export AWS_SESSION_TOKEN=") {
		t.Fatalf("doppel env: exit %d: %s %s", exit, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if exit := run([]string{"env", "--data", dataDir, "nobody"}, strings.NewReader(""), &stdout, &stderr); exit != 1 || !strings.Contains(stderr.String(), `no account named "nobody"`) {
		t.Fatalf("doppel env nobody: exit %d: %s", exit, stderr.String())
	}

	// doppel accounts lists the vended account in the management account's
	// organization.
	stdout.Reset()
	stderr.Reset()
	if exit := run([]string{"accounts", "--data", dataDir}, strings.NewReader(""), &stdout, &stderr); exit != 0 {
		t.Fatalf("doppel accounts: exit %d: %s", exit, stderr.String())
	}
	out := stdout.String()
	t.Logf("doppel accounts:\n%s", out)
	for _, want := range []string{"Work Load", id, "Root", "account-b  ", "ACTIVE"} {
		if !strings.Contains(out, want) {
			t.Errorf("doppel accounts lacks %q:\n%s", want, out)
		}
	}
}
