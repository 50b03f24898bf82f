package console

import (
	"reflect"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/policy"
)

func TestTrustSpecDocument(t *testing.T) {
	const self = "222222222222"
	head := "{\n\t\"Version\": \"2012-10-17\",\n\t\"Statement\": [\n\t\t{\n\t\t\t\"Effect\": \"Allow\",\n\t\t\t\"Principal\": {\n\t\t\t\t\"AWS\": \"arn:aws:iam::"
	tail := "\n\t\t}\n\t]\n}"
	cases := []struct {
		name string
		spec trustSpec
		want string
	}{
		{"this account, no options: an empty Condition as the console writes",
			trustSpec{Type: "account"},
			head + self + ":root\"\n\t\t\t},\n\t\t\t\"Action\": \"sts:AssumeRole\",\n\t\t\t\"Condition\": {}" + tail},
		{"another account with external ID",
			trustSpec{Type: "account", OtherAccount: true, AccountID: "111111111111", RequireExternalID: true, ExternalID: "ext-1"},
			head + "111111111111:root\"\n\t\t\t},\n\t\t\t\"Action\": \"sts:AssumeRole\",\n\t\t\t\"Condition\": {\n\t\t\t\t\"StringEquals\": {\n\t\t\t\t\t\"sts:ExternalId\": \"ext-1\"\n\t\t\t\t}\n\t\t\t}" + tail},
		{"MFA only",
			trustSpec{Type: "account", OtherAccount: true, AccountID: "111111111111", RequireMFA: true},
			head + "111111111111:root\"\n\t\t\t},\n\t\t\t\"Action\": \"sts:AssumeRole\",\n\t\t\t\"Condition\": {\n\t\t\t\t\"Bool\": {\n\t\t\t\t\t\"aws:MultiFactorAuthPresent\": \"true\"\n\t\t\t\t}\n\t\t\t}" + tail},
		{"external ID and MFA: StringEquals then Bool",
			trustSpec{Type: "account", OtherAccount: true, AccountID: "111111111111", RequireExternalID: true, ExternalID: "a<b&c", RequireMFA: true},
			head + "111111111111:root\"\n\t\t\t},\n\t\t\t\"Action\": \"sts:AssumeRole\",\n\t\t\t\"Condition\": {\n\t\t\t\t\"StringEquals\": {\n\t\t\t\t\t\"sts:ExternalId\": \"a<b&c\"\n\t\t\t\t},\n\t\t\t\t\"Bool\": {\n\t\t\t\t\t\"aws:MultiFactorAuthPresent\": \"true\"\n\t\t\t\t}\n\t\t\t}" + tail},
		{"the this-account choice ignores a typed account ID",
			trustSpec{Type: "account", AccountID: "111111111111"},
			head + self + ":root\"\n\t\t\t},\n\t\t\t\"Action\": \"sts:AssumeRole\",\n\t\t\t\"Condition\": {}" + tail},
		{"custom policy is used as written",
			trustSpec{Type: "custom", Custom: `{"Version":"2012-10-17"}`},
			`{"Version":"2012-10-17"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.spec.document(self)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if tc.spec.Type == "account" {
				if _, err := policy.Parse(got, policy.Trust); err != nil {
					t.Fatalf("the policy engine refuses it: %v", err)
				}
			}
		})
	}
}

func TestTrustSpecValidate(t *testing.T) {
	cases := []struct {
		name    string
		spec    trustSpec
		wantErr string
	}{
		{"this account", trustSpec{Type: "account"}, ""},
		{"other account", trustSpec{Type: "account", OtherAccount: true, AccountID: "111111111111"}, ""},
		{"other account, 11 digits", trustSpec{Type: "account", OtherAccount: true, AccountID: "11111111111"}, "12-digit"},
		{"other account, letters", trustSpec{Type: "account", OtherAccount: true, AccountID: "account-a"}, "12-digit"},
		{"external ID required but empty", trustSpec{Type: "account", RequireExternalID: true}, "External ID"},
		{"external ID of one character", trustSpec{Type: "account", RequireExternalID: true, ExternalID: "x"}, "External ID"},
		{"external ID with a space", trustSpec{Type: "account", RequireExternalID: true, ExternalID: "a b"}, "External ID"},
		{"external ID with every allowed symbol", trustSpec{Type: "account", RequireExternalID: true, ExternalID: "aZ0_+=,.@:/-"}, ""},
		{"external ID too long", trustSpec{Type: "account", RequireExternalID: true, ExternalID: strings.Repeat("a", 1225)}, "External ID"},
		{"custom but empty", trustSpec{Type: "custom", Custom: "  "}, "custom trust policy"},
		{"no type", trustSpec{}, "trusted entity type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestTrustEdges(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []trustEdge
	}{
		{"console's cross-account role",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
			[]trustEdge{{Kind: "AWS", Principal: "arn:aws:iam::111111111111:root", Account: "111111111111", Conditions: []string{"MFA required", "external ID x1"}}}},
		{"single statement object, service and user list",
			`{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":["123456789012","arn:aws:iam::333333333333:user/ci"]},"Action":["sts:AssumeRole","sts:TagSession"]}}`,
			[]trustEdge{
				{Kind: "AWS", Principal: "123456789012", Account: "123456789012"},
				{Kind: "AWS", Principal: "arn:aws:iam::333333333333:user/ci", Account: "333333333333"},
				{Kind: "Service", Principal: "ec2.amazonaws.com"},
			}},
		{"anyone, denied", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*"}]}`,
			[]trustEdge{{Kind: "*", Principal: "*", Deny: true}}},
		{"other actions are no way in", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:GetCallerIdentity"}]}`, nil},
		{"web identity", `{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:oidc-provider/token.actions.example.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.example.com:sub":["repo:a/*","repo:b/*"]}}}]}`,
			[]trustEdge{{Kind: "Federated", Principal: "arn:aws:iam::111111111111:oidc-provider/token.actions.example.com",
				Conditions: []string{"StringLike token.actions.example.com:sub repo:a/*, repo:b/*"}}}},
		{"not JSON", `{`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := trustEdges(tc.doc)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestTrustSummary(t *testing.T) {
	doc := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root","Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if got, want := trustSummary(doc), "Account: 111111111111, AWS Service: lambda"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestLayoutTrustMap(t *testing.T) {
	names := map[string]string{"111111111111": "account-a", "222222222222": "account-b"}
	roles := []mapRole{
		{Name: "b-role", ARN: "arn:aws:iam::222222222222:role/b-role", Edges: []trustEdge{
			{Kind: "AWS", Principal: "arn:aws:iam::111111111111:root", Account: "111111111111", Conditions: []string{"MFA required"}},
		}},
		{Name: "a-role", ARN: "arn:aws:iam::222222222222:role/a-role", Edges: []trustEdge{
			{Kind: "AWS", Principal: "arn:aws:iam::111111111111:root", Account: "111111111111"},
			{Kind: "Service", Principal: "ec2.amazonaws.com"},
		}},
	}
	m := layoutTrustMap("222222222222", names, roles)
	// One node per distinct principal (A's root is shared), one per role.
	if len(m.Nodes) != 4 || len(m.Edges) != 3 || len(m.Groups) != 3 {
		t.Fatalf("nodes %d, edges %d, groups %d", len(m.Nodes), len(m.Edges), len(m.Groups))
	}
	if m.Groups[0].Label != "Account account-a (111111111111)" || m.Groups[1].Label != "AWS services and others" {
		t.Fatalf("groups = %+v", m.Groups)
	}
	if m.Nodes[2].Label != "a-role" || m.Nodes[3].Label != "b-role" {
		t.Fatalf("roles not sorted: %+v", m.Nodes[2:])
	}
	if m.Edges[2].Label != "MFA required" || !m.Edges[2].Conditions {
		t.Fatalf("edge = %+v", m.Edges[2])
	}
	for _, n := range m.Nodes {
		if n.X+n.W > m.Width || n.Y+n.H > m.Height {
			t.Fatalf("node %+v outside %dx%d", n, m.Width, m.Height)
		}
	}
}

func TestCheckInput(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"good", &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: "{}"}, ""},
		{"pattern", &iamapi.CreateRoleInput{RoleName: "a b", AssumeRolePolicyDocument: "{}"},
			"1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"length and missing", &iamapi.CreateRoleInput{RoleName: strings.Repeat("r", 65)},
			"3 validation errors detected: Value 'rrrr"},
		{"list items", &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: "{}", Tags: []iamapi.Tag{{Key: ""}}},
			"at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkInput(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzTrustEdges: any stored trust policy, however odd, is drawn without a
// panic, and every edge names a principal.
func FuzzTrustEdges(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*","Action":["sts:*"],"Condition":{"Bool":{"aws:MultiFactorAuthPresent":false}}}}`)
	f.Add(`{"Statement":[{"Principal":{"AWS":[1,2]},"Action":7,"Condition":[]}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, doc string) {
		edges := trustEdges(doc)
		for _, e := range edges {
			if e.Kind == "" {
				t.Fatalf("edge without a kind: %+v", e)
			}
		}
		trustSummary(doc)
		var roles []mapRole
		if len(edges) > 0 {
			roles = []mapRole{{Name: "r", ARN: "arn:aws:iam::222222222222:role/r", Edges: edges}}
		}
		layoutTrustMap("222222222222", nil, roles)
	})
}
