package iam

import (
	"fmt"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func TestSimulatePrincipalPolicy(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	denyDelete := `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess"}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u", PolicyName: "nodelete", PolicyDocument: denyDelete}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount, PermissionsBoundary: api.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}))
	must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}))

	tests := []struct {
		name      string
		source    string
		action    string
		want      iamapi.PolicyEvaluationDecisionType
		matched   string // a SourcePolicyId among the matched statements
		boundary  *bool
		extraDocs []string
	}{
		{"allowed by an AWS managed policy", "user/u", "s3:GetObject", "allowed", "arn:aws:iam::aws:policy/AmazonS3FullAccess", nil, nil},
		{"explicit deny in an inline policy", "user/u", "s3:DeleteObject", "explicitDeny", "user/u/inline/nodelete", nil, nil},
		{"implicit deny", "user/u", "ec2:RunInstances", "implicitDeny", "", nil, nil},
		{"PolicyInputList adds a policy", "user/u", "ec2:RunInstances", "allowed", "PolicyInputList.1", nil, []string{allowAll}},
		{"role within its boundary", "role/r", "s3:GetObject", "allowed", "", api.Bool(true), nil},
		{"role outside its boundary", "role/r", "iam:CreateUser", "implicitDeny", "", api.Bool(false), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := must(s.SimulatePrincipalPolicy(ctx, &iamapi.SimulatePrincipalPolicyInput{
				PolicySourceArn: "arn:aws:iam::" + acct + ":" + tc.source, ActionNames: []string{tc.action}, PolicyInputList: tc.extraDocs,
			}))
			if len(out.EvaluationResults) != 1 {
				t.Fatalf("%d results", len(out.EvaluationResults))
			}
			r := out.EvaluationResults[0]
			if r.EvalDecision != tc.want || *r.EvalResourceName != "*" {
				t.Fatalf("decision = %s on %s, want %s", r.EvalDecision, *r.EvalResourceName, tc.want)
			}
			if tc.matched != "" {
				found := false
				for _, m := range r.MatchedStatements {
					found = found || *m.SourcePolicyId == tc.matched
				}
				if !found {
					t.Errorf("matched statements %+v lack %s", r.MatchedStatements, tc.matched)
				}
			}
			if tc.boundary != nil && (r.PermissionsBoundaryDecisionDetail == nil || *r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary != *tc.boundary) {
				t.Errorf("boundary detail = %+v, want %v", r.PermissionsBoundaryDecisionDetail, *tc.boundary)
			}
		})
	}
	t.Run("unknown source", func(t *testing.T) {
		_, err := s.SimulatePrincipalPolicy(ctx, &iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::" + acct + ":user/ghost", ActionNames: []string{"s3:GetObject"}})
		wantErr(t, err, "NoSuchEntity", "", 404)
	})
}

func TestSimulateCustomPolicy(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	readBucket := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`
	out := must(s.SimulateCustomPolicy(ctx, &iamapi.SimulateCustomPolicyInput{
		PolicyInputList: []string{readBucket},
		ActionNames:     []string{"s3:GetObject", "s3:PutObject"},
		ResourceArns:    []string{"arn:aws:s3:::data/a", "arn:aws:s3:::other/a"},
		ContextEntries:  []iamapi.ContextEntry{{ContextKeyName: api.String("aws:RequestedRegion"), ContextKeyValues: []string{"eu-west-1"}}},
	}))
	want := []iamapi.PolicyEvaluationDecisionType{"allowed", "implicitDeny", "implicitDeny", "implicitDeny"}
	if len(out.EvaluationResults) != len(want) {
		t.Fatalf("%d results, want %d", len(out.EvaluationResults), len(want))
	}
	for i, r := range out.EvaluationResults {
		if r.EvalDecision != want[i] {
			t.Errorf("result %d (%s on %s) = %s, want %s", i, r.EvalActionName, *r.EvalResourceName, r.EvalDecision, want[i])
		}
	}
	_, err := s.SimulateCustomPolicy(ctx, &iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{"{"}, ActionNames: []string{"s3:GetObject"}})
	wantErr(t, err, "MalformedPolicyDocument", "", 400)
}

func TestGetContextKeys(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	withKeys := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1","s3:prefix":"a"},"Bool":{"aws:SecureTransport":"true"}}}]}`
	mfaOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"},"StringEquals":{"AWS:RequestedRegion":"x"}}}]}`
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u", PolicyName: "mfa", PolicyDocument: mfaOnly}))
	tests := []struct {
		name string
		got  func() ([]string, error)
		want string
	}{
		{"custom", func() ([]string, error) {
			o, err := s.GetContextKeysForCustomPolicy(ctx, &iamapi.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{withKeys}})
			if err != nil {
				return nil, err
			}
			return o.ContextKeyNames, nil
		}, "[aws:RequestedRegion aws:SecureTransport s3:prefix]"},
		{"principal with extra policies, keys once", func() ([]string, error) {
			o, err := s.GetContextKeysForPrincipalPolicy(ctx, &iamapi.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: "arn:aws:iam::" + acct + ":user/u", PolicyInputList: []string{withKeys}})
			if err != nil {
				return nil, err
			}
			return o.ContextKeyNames, nil
		}, "[aws:MultiFactorAuthPresent AWS:RequestedRegion aws:SecureTransport s3:prefix]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Fatalf("keys = %v, want %s", got, tc.want)
			}
		})
	}
}
