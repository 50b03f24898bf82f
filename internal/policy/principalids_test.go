package policy

import (
	"slices"
	"strings"
	"testing"
)

const trustOf = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:role/ci","111111111111"]},"Action":"sts:AssumeRole"},` +
	`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:role/ci"},"Action":"sts:AssumeRole"}]}`

func TestRenamePrincipal(t *testing.T) {
	const ci, id = "arn:aws:iam::222222222222:role/ci", "AROAEXAMPLEEXAMPLE234"
	p, err := ParseStored(trustOf, Trust)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.AWSPrincipals(); !slices.Equal(got, []string{ci, "111111111111"}) {
		t.Fatalf("AWSPrincipals = %v", got)
	}
	doc, err := RenamePrincipal(trustOf, Trust, ci, id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc, ci) || strings.Count(doc, id) != 2 || !strings.Contains(doc, "111111111111") {
		t.Fatalf("renamed: %s", doc)
	}
	// A stored document may name a unique ID, which matches nobody; a
	// submitted one may not, as on AWS.
	if _, err := ParseStored(doc, Trust); err != nil {
		t.Fatalf("ParseStored of the renamed document: %v", err)
	}
	if _, err := Parse(doc, Trust); err == nil || !strings.Contains(err.Error(), "Invalid principal in policy") {
		t.Fatalf("Parse accepted a unique ID principal: %v", err)
	}
	// Evaluated, the unique ID matches no session of a role of that name.
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ci + `"},"Action":"sts:AssumeRole"}]}`
	role := &Request{PrincipalARN: "arn:aws:sts::222222222222:assumed-role/ci/s", PrincipalAccount: "222222222222",
		PrincipalKind: KindAssumedRole, RoleARN: ci, Action: "sts:AssumeRole", Resource: "arn:aws:iam::222222222222:role/deploy",
		ResourceAccount: "222222222222"}
	for _, tc := range []struct {
		from string
		want Effect
	}{{ci, Allow}, {id, ImplicitDeny}} {
		doc, err := RenamePrincipal(allow, Trust, ci, tc.from)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseStored(doc, Trust)
		if err != nil {
			t.Fatal(err)
		}
		if d := Evaluate(role, &Set{Resource: q}); d.Effect != tc.want {
			t.Fatalf("trusting %s: %v, want %v", tc.from, d.Effect, tc.want)
		}
	}
	if same, err := RenamePrincipal(trustOf, Trust, "arn:aws:iam::222222222222:role/other", id); err != nil || same != trustOf {
		t.Fatalf("renaming a principal the document does not name: %q, %v", same, err)
	}
}
