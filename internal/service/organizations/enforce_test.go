package organizations

import (
	"context"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
)

func TestMergeDocumentsRenamesSids(t *testing.T) {
	a := `{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"*"}}`
	b := `{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`
	doc := mergeDocuments([]string{a, b})
	p, err := policy.ParseStored(doc, policy.SCP)
	if err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	if len(p.Statements) != 2 || p.Statements[0].Sid != "S" || p.Statements[1].Sid != "S2" {
		t.Fatalf("merged %s", doc)
	}
	if _, err := policy.ParseStored(mergeDocuments(nil), policy.SCP); err != nil {
		t.Fatalf("empty level: %v", err)
	}
	if _, err := policy.ParseStored(rcpAllowsNothing, policy.RCP); err != nil {
		t.Fatalf("empty RCP level: %v", err)
	}
}

func TestMembership(t *testing.T) {
	o := newOrg("o-abcdefghij", "111111111111", "m@example.com", "ALL", time.Now())
	o.OUs["ou-a"] = &ouRec{ID: "ou-a", Parent: o.Root.ID}
	o.OUs["ou-b"] = &ouRec{ID: "ou-b", Parent: "ou-a"}
	o.Accounts["111111111111"] = &accountRec{ID: "111111111111", Parent: o.Root.ID}
	o.Accounts["333333333333"] = &accountRec{ID: "333333333333", Parent: "ou-b"}
	o.Root.PolicyTypes = []string{typeSCP}
	for _, t := range o.targets() {
		o.attach(t, fullAWSAccess)
	}
	m := o.membership("333333333333")
	if want := "o-abcdefghij/" + o.Root.ID + "/ou-a/ou-b/"; m.path != want {
		t.Errorf("path %q, want %q", m.path, want)
	}
	if len(m.scps) != 4 || m.rcps != nil {
		t.Errorf("levels: %d SCPs, RCPs %v", len(m.scps), m.rcps)
	}
	if mg := o.membership("111111111111"); mg.scps != nil || mg.path != "o-abcdefghij/"+o.Root.ID+"/" {
		t.Errorf("management account: %+v", mg)
	}
	if o.membership("444444444444") != nil {
		t.Error("an outsider has a membership")
	}
}

func TestServiceLinkedRolesExempt(t *testing.T) {
	linked := &identity.Principal{Kind: identity.AssumedRole, Account: "333333333333",
		Session: &identity.Session{RoleARN: "arn:aws:iam::333333333333:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps"}}
	plain := &identity.Principal{Kind: identity.AssumedRole, Account: "333333333333",
		Session: &identity.Session{RoleARN: "arn:aws:iam::333333333333:role/aws-service-role-not"}}
	if !exempt(request.With(context.Background(), &request.Info{Principal: linked})) {
		t.Error("service-linked role not exempt")
	}
	if exempt(request.With(context.Background(), &request.Info{Principal: plain})) || exempt(context.Background()) {
		t.Error("ordinary role exempt")
	}
}

// FuzzMergeDocuments: policies that parse as SCPs (or RCPs) still parse,
// as that kind, once merged into one level's document.
func FuzzMergeDocuments(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"},{"Sid":"A2","Effect":"Deny","Action":"iam:*","Resource":"*"}]}`, false)
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
		`{"Statement":[{"Sid":"X","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, true)
	f.Fuzz(func(t *testing.T, a, b string, rcp bool) {
		kind := policy.SCP
		if rcp {
			kind = policy.RCP
		}
		if _, err := policy.ParseStored(a, kind); err != nil {
			return
		}
		if _, err := policy.ParseStored(b, kind); err != nil {
			return
		}
		merged := mergeDocuments([]string{a, b, a})
		if _, err := policy.ParseStored(merged, kind); err != nil {
			t.Fatalf("merged %s and %s into %s: %v", a, b, merged, err)
		}
	})
}

func TestEffectivePolicy(t *testing.T) {
	root := `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["100","200"]}},
		"project":{"tag_key":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"Project"}}}}`
	ou := `{"tags":{"costcenter":{"tag_value":{"@@append":["300"]}},"project":{"tag_key":{"@@assign":"PROJECT"}}}}`
	account := `{"tags":{"costcenter":{"tag_value":{"@@remove":["100"]}}}}`
	got, ok := effectivePolicy([][]string{{root}, {ou}, {account}})
	want := `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["200","300"]},"project":{"tag_key":"Project"}}}`
	if !ok || got != want {
		t.Errorf("effective policy\n got %s\nwant %s", got, want)
	}
	if _, ok := effectivePolicy([][]string{nil, nil}); ok {
		t.Error("an effective policy with no policy attached")
	}
}
