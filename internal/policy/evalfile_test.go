package policy

import (
	"strings"
	"testing"
)

func TestDecodeEvalFile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr string
		check   func(t *testing.T, cs []EvalCase)
	}{
		{name: "issue example", input: `{
		  "request": {"principal_arn": "arn:aws:iam::111122223333:user/alice", "principal_account": "111122223333",
		    "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key", "resource_account": "444455556666",
		    "context": {"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ["team", "env"], "aws:MultiFactorAuthAge": 30, "aws:SecureTransport": true, "aws:Gone": null}},
		  "identity_policies": [{"Version": "2012-10-17", "Statement": []}],
		  "resource_policy": null, "permissions_boundary": null, "session_policies": null, "scps": null, "rcps": null}`,
			check: func(t *testing.T, cs []EvalCase) {
				c := cs[0]
				if len(cs) != 1 || c.Request.ResourceAccount != "444455556666" || len(c.Set.Identity) != 1 || c.Set.Resource != nil || c.Set.SCPs != nil {
					t.Fatalf("decoded %+v", cs)
				}
				ctx := c.Request.Context
				if strings.Join(ctx["aws:TagKeys"], ",") != "team,env" || ctx["aws:MultiFactorAuthAge"][0] != "30" || ctx["aws:SecureTransport"][0] != "true" {
					t.Errorf("context %v", ctx)
				}
				if _, ok := ctx["aws:Gone"]; ok {
					t.Errorf("null context value should be absent")
				}
				if d := Evaluate(&c.Request, &c.Set); d.Effect != ImplicitDeny || d.DeniedBy != TypeIdentity {
					t.Errorf("decision %v by %v", d.Effect, d.DeniedBy)
				}
			}},
		{name: "trust policy for sts:AssumeRole, policy given as a string", input: `{"request":{"principal_arn":"arn:aws:iam::111122223333:user/a","action":"sts:AssumeRole","resource":"arn:aws:iam::111122223333:role/r"},
		  "resource_policy":"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:user/a\"},\"Action\":\"sts:AssumeRole\"}}"}`,
			check: func(t *testing.T, cs []EvalCase) {
				if cs[0].Set.Resource == nil || cs[0].Set.Resource.Kind != Trust || cs[0].Set.Resource.Name != "resource_policy" {
					t.Fatalf("resource policy %+v", cs[0].Set.Resource)
				}
				if d := cs[0].Run(false); d.Decision != "Allow" {
					t.Errorf("decision %+v", d)
				}
			}},
		{name: "array of requests with kinds", input: `[{"request":{"principal_arn":"ec2.amazonaws.com","principal_kind":"service","action":"sts:AssumeRole"}},
		  {"request":{"principal_arn":"arn:aws:sts::111122223333:federated-user/f","federated_from":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject"},"scps":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}]}]`,
			check: func(t *testing.T, cs []EvalCase) {
				if len(cs) != 2 || cs[0].Request.PrincipalKind != KindService || cs[1].Request.FederatedFrom == "" || len(cs[1].Set.SCPs) != 1 || cs[1].Set.SCPs[0].Name != "scps[0]" {
					t.Fatalf("decoded %+v", cs)
				}
				if cs[0].Request.Resource != "*" {
					t.Errorf("default resource %q", cs[0].Request.Resource)
				}
			}},
		{name: "sts:GetCallerIdentity cannot be denied, offline too", input: `{"request":{"principal_arn":"arn:aws:iam::111122223333:user/a","action":"sts:GetCallerIdentity"},
		  "identity_policies":[{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}]}`,
			check: func(t *testing.T, cs []EvalCase) {
				if d := cs[0].Run(false); d.Decision != "Allow" {
					t.Errorf("decision %+v", d)
				}
			}},
		{name: "resource_policy_kind says the kind", input: `{"request":{"principal_arn":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"},
		  "resource_policy":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}},"resource_policy_kind":"trust"}`,
			check: func(t *testing.T, cs []EvalCase) {
				if cs[0].Set.Resource == nil || cs[0].Set.Resource.Kind != Trust {
					t.Fatalf("resource policy %+v", cs[0].Set.Resource)
				}
			}},
		{name: "unknown resource_policy_kind", input: `{"request":{"action":"s3:GetObject"},"resource_policy_kind":"scp"}`, wantErr: `resource_policy_kind "scp"`},
		{name: "unknown field", input: `{"request":{"action":"s3:GetObject"},"identity_policy":[]}`, wantErr: `unknown field "identity_policy"`},
		{name: "unknown principal kind", input: `{"request":{"action":"s3:GetObject","principal_kind":"robot"}}`, wantErr: `unknown principal_kind "robot"`},
		{name: "bad context value", input: `{"request":{"action":"s3:GetObject","context":{"k":{"a":1}}}}`, wantErr: `context "k"`},
		{name: "error in the second request", input: `[{"request":{"action":"s3:GetObject"}},{"request":{"action":"s3:GetObject"},"scps":[{"Statement":{"Effect":"Allow","Action":"*"}}]}]`,
			wantErr: "request 1: scps[0]: MalformedPolicyDocument: Policy statement must contain resources."},
		{name: "principal in a session policy", input: `{"request":{"action":"s3:GetObject"},"session_policies":[{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}]}`,
			wantErr: "session_policies[0]: MalformedPolicyDocument: Policy document should not specify a principal."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := DecodeEvalFile([]byte(tc.input))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cs)
		})
	}
}

func TestValidate(t *testing.T) {
	const checks = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
	tests := []struct {
		name  string
		doc   string
		kind  Kind
		codes []string // issue codes expected, in order
	}{
		{"clean policy", stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), Identity, nil},
		{"parse error", stmt(`{"Effect":"Allow","Action":"s3:GetObject"}`), Identity, []string{"MALFORMED_POLICY_DOCUMENT"}},
		{"too large", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 7000) + `"}}`, Identity, []string{"POLICY_SIZE_EXCEEDED"}},
		{"missing version", `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, Identity, []string{"MISSING_VERSION"}},
		{"variables in an old version", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}}`, Identity, []string{"POLICY_VARIABLE_REQUIRES_VERSION"}},
		{"allow with NotPrincipal", stmt(`{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}`), Resource, []string{"ALLOW_WITH_NOT_PRINCIPAL"}},
		{"pass role with star", stmt(`{"Effect":"Allow","Action":"iam:Pass*","Resource":"*"}`), Identity, []string{"PASS_ROLE_WITH_STAR_IN_RESOURCE"}},
		{"public bucket policy", stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), Resource, []string{"PUBLIC_ACCESS"}},
		{"bad values", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"},"DateGreaterThan":{"aws:CurrentTime":"yesterday"},"Bool":{"aws:SecureTransport":"yes"}}}`), Identity,
			[]string{"DATA_TYPE_MISMATCH", "DATA_TYPE_MISMATCH", "DATA_TYPE_MISMATCH"}},
		{"unknown global key", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTeam":"x"}}}`), Identity, []string{"INVALID_GLOBAL_CONDITION_KEY"}},
		{"tag keys are known", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"x","aws:RequestTag/env":"y"}}}`), Identity, nil},
		{"ForAllValues on a single-valued key", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:username":"x"}}}`), Identity, []string{"FORALLVALUES_WITH_SINGLE_VALUED_KEY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := Validate(tc.doc, tc.kind)
			var got []string
			for _, f := range fs {
				got = append(got, f.Code)
				if f.Message == "" || f.Severity == "" {
					t.Errorf("finding without severity or message: %+v", f)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.codes, ",") {
				t.Errorf("findings %v, want %v (per %s)", fs, tc.codes, checks)
			}
		})
	}
}
