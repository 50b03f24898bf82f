// Package clitest drives the real AWS CLI's `aws organizations` commands
// against an in-process doppel: an organization, an OU, a vended account
// moved into it, an SCP attached there. The CLI is found by
// internal/testclients.
package clitest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/testclients"
)

// aws runs the CLI as account-a's root and decodes its JSON output into
// out (when not nil).
func aws(t *testing.T, srv *doppeltest.Server, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testclients.AWSCLI(t), append(args, "--output", "json")...)
	home := t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, srv.Env("account-a")...)
	cmd.Env = append(cmd.Env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stdout.String())
		}
	}
}

func TestCLIOrganization(t *testing.T) {
	testclients.AWSCLI(t)
	srv := doppeltest.NewServer(t)

	var org struct {
		Organization struct{ Id, MasterAccountId string }
	}
	aws(t, srv, &org, "organizations", "create-organization", "--feature-set", "ALL")
	if org.Organization.MasterAccountId != srv.Account("account-a").ID {
		t.Fatalf("organization %+v", org)
	}
	var roots struct{ Roots []struct{ Id string } }
	aws(t, srv, &roots, "organizations", "list-roots")
	root := roots.Roots[0].Id

	var ou struct{ OrganizationalUnit struct{ Id string } }
	aws(t, srv, &ou, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "workloads")

	var created struct{ CreateAccountStatus struct{ Id, State string } }
	aws(t, srv, &created, "organizations", "create-account", "--account-name", "Workload One", "--email", "one@example.com")
	var status struct {
		CreateAccountStatus struct{ State, AccountId string }
	}
	aws(t, srv, &status, "organizations", "describe-create-account-status", "--create-account-request-id", created.CreateAccountStatus.Id)
	if status.CreateAccountStatus.State != "SUCCEEDED" || len(status.CreateAccountStatus.AccountId) != 12 {
		t.Fatalf("create account: %+v", status)
	}
	account := status.CreateAccountStatus.AccountId
	aws(t, srv, nil, "organizations", "move-account", "--account-id", account, "--source-parent-id", root, "--destination-parent-id", ou.OrganizationalUnit.Id)

	aws(t, srv, nil, "organizations", "enable-policy-type", "--root-id", root, "--policy-type", "SERVICE_CONTROL_POLICY")
	var pol struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	aws(t, srv, &pol, "organizations", "create-policy", "--name", "no-buckets", "--description", "no buckets", "--type", "SERVICE_CONTROL_POLICY",
		"--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:CreateBucket","Resource":"*"}]}`)
	aws(t, srv, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", ou.OrganizationalUnit.Id)

	var targets struct {
		Targets []struct{ TargetId, Type string }
	}
	aws(t, srv, &targets, "organizations", "list-targets-for-policy", "--policy-id", pol.Policy.PolicySummary.Id)
	if len(targets.Targets) != 1 || targets.Targets[0].Type != "ORGANIZATIONAL_UNIT" {
		t.Fatalf("targets %+v", targets)
	}
	// The CLI pages through every account (two per request here).
	var accounts struct{ Accounts []struct{ Id, Name string } }
	aws(t, srv, &accounts, "organizations", "list-accounts", "--page-size", "1")
	if len(accounts.Accounts) != 2 {
		t.Fatalf("accounts %+v", accounts)
	}
	var parents struct{ Parents []struct{ Id, Type string } }
	aws(t, srv, &parents, "organizations", "list-parents", "--child-id", account)
	if len(parents.Parents) != 1 || parents.Parents[0].Id != ou.OrganizationalUnit.Id {
		t.Fatalf("parents %+v", parents)
	}
}
