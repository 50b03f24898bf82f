package bootstrap

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

const orgYAML = `accounts:
  - {id: "111111111111", name: mgmt}
  - {id: "222222222222", name: dev}
  - {id: "333333333333", name: prod}
organization:
  management: mgmt
  accounts: [dev]
  units:
    - name: workloads
      units:
        - name: prod
          accounts: ["333333333333"]
  policies:
    - name: no-leaving
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}'
      targets: [workloads/prod, dev]
    - name: org-only
      type: RESOURCE_CONTROL_POLICY
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-x"}}}]}'
      targets: [root]
`

func TestApplyOrganization(t *testing.T) {
	cfg, err := Parse("t.yaml", []byte(orgYAML))
	if err != nil {
		t.Fatal(err)
	}
	st := store.NewMemory()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	changes, err := Apply(context.Background(), st, cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(changes, "\n")
	for _, want := range []string{"created organization", "enabled SERVICE_CONTROL_POLICY", "enabled RESOURCE_CONTROL_POLICY",
		"account 222222222222 joined", "created OU workloads/prod", "attached policy no-leaving to workloads/prod", "attached policy org-only to root"} {
		if !strings.Contains(all, want) {
			t.Errorf("changes lack %q:\n%s", want, all)
		}
	}
	again, err := Apply(context.Background(), st, cfg, now)
	if err != nil || len(again) != 0 {
		t.Fatalf("second apply: %v %v", again, err)
	}
	// Moving an account in the file moves it.
	moved, err := Parse("t.yaml", []byte(strings.Replace(orgYAML, `accounts: ["333333333333"]`, `accounts: []`, 1)+"    \n"))
	if err != nil {
		t.Fatal(err)
	}
	moved.Organization.Accounts = append(moved.Organization.Accounts, "prod")
	changes, err = Apply(context.Background(), st, moved, now)
	if err != nil || len(changes) != 1 || !strings.Contains(changes[0], "moved account 333333333333") {
		t.Fatalf("move: %v %v", changes, err)
	}
}

func TestParseOrganizationErrors(t *testing.T) {
	for name, tc := range map[string]struct{ from, to, want string }{
		"unknown management": {"management: mgmt", "management: nobody", `management account "nobody" is not an account of this file`},
		"unknown member":     {"accounts: [dev]", "accounts: [ghost]", `member account "ghost"`},
		"placed twice":       {"accounts: [dev]", "accounts: [dev, prod]", `account "333333333333" is placed twice`},
		"bad policy":         {`"Effect":"Deny","Action":"organizations`, `"Effect":"Deny","Principal":"*","Action":"organizations`, "policy no-leaving"},
		"bad target":         {"targets: [root]", "targets: [nowhere]", `target "nowhere"`},
		"bad type":           {"type: RESOURCE_CONTROL_POLICY", "type: NOPE", `type "NOPE"`},
	} {
		t.Run(name, func(t *testing.T) {
			y := strings.Replace(orgYAML, tc.from, tc.to, 1)
			if y == orgYAML {
				t.Fatal("case changes nothing")
			}
			_, err := Parse("t.yaml", []byte(y))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
