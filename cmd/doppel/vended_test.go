package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/server"
)

// The profiles written at start include accounts Organizations created,
// as credential_process profiles (their root has no keys).
func TestProfilesOfVendedAccounts(t *testing.T) {
	ctx := context.Background()
	srv, err := server.Open(ctx, server.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	dataDir := t.TempDir()
	if _, err := setUpAccounts(ctx, srv, "", dataDir, false, "http://127.0.0.1:4566", ""); err != nil {
		t.Fatal(err)
	}
	root := &identity.Principal{Kind: identity.Root, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root", UserID: "111111111111"}
	rctx := request.With(ctx, &request.Info{Service: "organizations", Principal: root, Time: time.Now()})
	if _, err := srv.Orgs.CreateOrganization(rctx, &organizationsapi.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Orgs.CreateAccount(rctx, &organizationsapi.CreateAccountInput{AccountName: "workload", Email: "w@example.com"}); err != nil {
		t.Fatal(err)
	}
	profiles, err := setUpAccounts(ctx, srv, "", dataDir, false, "http://127.0.0.1:4566", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(profiles) != 2 {
		t.Errorf("printed profiles %+v, want the two with keys", profiles)
	}
	config, err := os.ReadFile(filepath.Join(dataDir, "aws-config"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(config), "[profile workload]") || !strings.Contains(string(config), " env --data ") ||
		!strings.Contains(string(config), "--credential-process workload") {
		t.Errorf("config file:\n%s", config)
	}
	creds, err := os.ReadFile(filepath.Join(dataDir, "aws-credentials"))
	if err != nil || strings.Contains(string(creds), "[workload]") {
		t.Errorf("credentials file (%v):\n%s", err, creds)
	}
}
