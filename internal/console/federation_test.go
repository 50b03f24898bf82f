package console

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/policy"
)

func TestFederatedTrustSpecs(t *testing.T) {
	const gh = "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"
	const tfc = "arn:aws:iam::222222222222:oidc-provider/app.terraform.io"
	const sp = "arn:aws:iam::222222222222:saml-provider/corp"
	for _, tc := range []struct {
		name    string
		spec    trustSpec
		wantErr string
		want    map[string]map[string]string // the Condition
		action  string
	}{
		{"GitHub org, repository and branch", trustSpec{Type: "web", OIDCProvider: gh, Audience: "sts.amazonaws.com", GitHubOrg: "octo-org", GitHubRepo: "app", GitHubBranch: "main"}, "",
			map[string]map[string]string{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"}}, "sts:AssumeRoleWithWebIdentity"},
		{"GitHub org only", trustSpec{Type: "web", OIDCProvider: gh, Audience: "sts.amazonaws.com", GitHubOrg: "octo-org"}, "",
			map[string]map[string]string{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}, "StringLike": {"token.actions.githubusercontent.com:sub": "repo:octo-org/*:*"}}, "sts:AssumeRoleWithWebIdentity"},
		{"GitHub without an organization", trustSpec{Type: "web", OIDCProvider: gh, Audience: "sts.amazonaws.com"}, "GitHub organization", nil, ""},
		{"GitHub with a quote in the branch", trustSpec{Type: "web", OIDCProvider: gh, Audience: "sts.amazonaws.com", GitHubOrg: "o", GitHubBranch: `a"b`}, "branch", nil, ""},
		{"HCP Terraform: the audience only", trustSpec{Type: "web", OIDCProvider: tfc, Audience: "aws.workload.identity"}, "",
			map[string]map[string]string{"StringEquals": {"app.terraform.io:aud": "aws.workload.identity"}}, "sts:AssumeRoleWithWebIdentity"},
		{"no provider", trustSpec{Type: "web", Audience: "x"}, "identity provider", nil, ""},
		{"no audience", trustSpec{Type: "web", OIDCProvider: tfc}, "audience", nil, ""},
		{"SAML", trustSpec{Type: "saml", SAMLProvider: sp}, "",
			map[string]map[string]string{"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}, "sts:AssumeRoleWithSAML"},
		{"SAML without a provider", trustSpec{Type: "saml"}, "SAML provider", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.validate()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("validate: %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			doc, err := tc.spec.document("222222222222")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := policy.Parse(doc, policy.Trust); err != nil {
				t.Fatalf("the policy engine refuses it: %v\n%s", err, doc)
			}
			var got struct{ Statement []federatedStatement }
			if err := json.Unmarshal([]byte(doc), &got); err != nil || len(got.Statement) != 1 {
				t.Fatalf("%v\n%s", err, doc)
			}
			st := got.Statement[0]
			if st.Action != tc.action || (st.Principal.Federated != tc.spec.OIDCProvider && st.Principal.Federated != tc.spec.SAMLProvider) {
				t.Errorf("statement %+v", st)
			}
			gotCond, _ := json.Marshal(st.Condition)
			wantCond, _ := json.Marshal(tc.want)
			if string(gotCond) != string(wantCond) {
				t.Errorf("condition %s, want %s", gotCond, wantCond)
			}
		})
	}
}
