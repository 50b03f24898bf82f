package iam

import (
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/authz"
)

func TestPrincipalPolicies(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	pArn := "arn:aws:iam::" + acct + ":policy/p"
	s3Read := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll}))
	must(s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: pArn, PolicyDocument: s3Read, SetAsDefault: api.Bool(true)}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u", PermissionsBoundary: api.String("arn:aws:iam::aws:policy/ReadOnlyAccess"), Tags: []iamapi.Tag{{Key: "team", Value: "x"}}}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u", PolicyName: "mine", PolicyDocument: allowAll}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: pArn}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g"}))
	must(s.PutGroupPolicy(ctx, &iamapi.PutGroupPolicyInput{GroupName: "g", PolicyName: "gp", PolicyDocument: allowAll}))
	must(s.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: "g", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "g", UserName: "u"}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "r", PolicyArn: pArn}))

	names := func(docs []authz.NamedDocument) []string {
		var out []string
		for _, d := range docs {
			out = append(out, d.Name)
		}
		return out
	}
	t.Run("user: inline, attached, groups', boundary, tags", func(t *testing.T) {
		pp := must(s.PrincipalPolicies(ctx, acct, "user", "u"))
		want := []string{"user/u/inline/mine", pArn, "group/g/inline/gp", "arn:aws:iam::aws:policy/AdministratorAccess"}
		if got := names(pp.Identity); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
			t.Fatalf("identity policies = %v, want %v", got, want)
		}
		if pp.Identity[1].Document != s3Read {
			t.Errorf("managed policy document = %s, want the default version", pp.Identity[1].Document)
		}
		if pp.Boundary == nil || pp.Boundary.Name != "arn:aws:iam::aws:policy/ReadOnlyAccess" || pp.Boundary.Document == "" {
			t.Errorf("boundary = %+v", pp.Boundary)
		}
		if pp.Tags["team"] != "x" {
			t.Errorf("tags = %v", pp.Tags)
		}
	})
	t.Run("role", func(t *testing.T) {
		pp := must(s.PrincipalPolicies(ctx, acct, "role", "r"))
		if got := names(pp.Identity); len(got) != 1 || got[0] != pArn || pp.Boundary != nil {
			t.Fatalf("role policies = %v, boundary %v", got, pp.Boundary)
		}
	})
	t.Run("changes take effect at once", func(t *testing.T) {
		must(s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "r", PolicyArn: pArn}))
		if pp := must(s.PrincipalPolicies(ctx, acct, "role", "r")); len(pp.Identity) != 0 {
			t.Fatalf("after detach: %v", names(pp.Identity))
		}
	})
	t.Run("missing principal", func(t *testing.T) {
		_, err := s.PrincipalPolicies(ctx, acct, "user", "ghost")
		wantErr(t, err, "NoSuchEntity", "", 404)
	})
	t.Run("ManagedPolicyDocument", func(t *testing.T) {
		if doc := must(s.ManagedPolicyDocument(ctx, pArn)); doc != s3Read {
			t.Errorf("customer policy document = %s", doc)
		}
		if doc := must(s.ManagedPolicyDocument(ctx, "arn:aws:iam::aws:policy/AdministratorAccess")); doc == "" {
			t.Error("AWS managed policy document is empty")
		}
		_, err := s.ManagedPolicyDocument(ctx, "arn:aws:iam::"+acct+":policy/none")
		wantErr(t, err, "NoSuchEntity", "", 404)
	})
	t.Run("boundary use counted on the policy", func(t *testing.T) {
		p := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})).Policy
		if *p.PermissionsBoundaryUsageCount != 1 {
			t.Fatalf("PermissionsBoundaryUsageCount = %d, want 1", *p.PermissionsBoundaryUsageCount)
		}
		must(s.DeleteUserPermissionsBoundary(ctx, &iamapi.DeleteUserPermissionsBoundaryInput{UserName: "u"}))
		p = must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})).Policy
		if *p.PermissionsBoundaryUsageCount != 0 {
			t.Fatalf("PermissionsBoundaryUsageCount after delete = %d, want 0", *p.PermissionsBoundaryUsageCount)
		}
	})
}
