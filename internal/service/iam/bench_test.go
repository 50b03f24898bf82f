package iam

import (
	"fmt"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// BenchmarkPrincipalPolicies is the Authorizer's question when its cache is
// cold: a user with inline and attached policies in two groups.
func BenchmarkPrincipalPolicies(b *testing.B) {
	h := newHarness(b)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u", PolicyName: "i", PolicyDocument: allowAll}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	for _, g := range []string{"g1", "g2"} {
		must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: g}))
		must(s.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: g, PolicyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess"}))
		must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: g, UserName: "u"}))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.PrincipalPolicies(ctx, acct, "user", "u"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetRole(b *testing.B) {
	h := newHarness(b)
	s, ctx := h.svc, h.ctx
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "r"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateUser(b *testing.B) {
	h := newHarness(b)
	s, ctx := h.svc, h.ctx
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: fmt.Sprintf("u%d", i), Path: api.String("/bench/")}); err != nil {
			b.Fatal(err)
		}
		if i == usersQuota-1 {
			b.StopTimer()
			h = newHarness(b)
			s, ctx = h.svc, h.ctx
			i = 0
			b.StartTimer()
		}
	}
}

// BenchmarkLookupRole is GetRole's answer without the authorization.
func BenchmarkLookupRole(b *testing.B) {
	h := newHarness(b)
	s, ctx := h.svc, h.ctx
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount,
		Tags: []iamapi.Tag{{Key: "team", Value: "a"}}}))
	b.ReportAllocs()
	for b.Loop() {
		if r, err := s.LookupRole(ctx, acct, "r"); err != nil || r == nil {
			b.Fatal(r, err)
		}
	}
}

// BenchmarkListRoles lists the eleven roles of the bench harness's account.
func BenchmarkListRoles(b *testing.B) {
	h := newHarness(b)
	s, ctx := h.svc, h.ctx
	for i := range 11 {
		must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: fmt.Sprintf("role-%d", i), AssumeRolePolicyDocument: trustAccount}))
	}
	b.ReportAllocs()
	for b.Loop() {
		if o, err := s.ListRoles(ctx, &iamapi.ListRolesInput{}); err != nil || len(o.Roles) != 11 {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupAssumableRole is what iamlink reads for STS per AssumeRole.
func BenchmarkLookupAssumableRole(b *testing.B) {
	h := newHarness(b)
	s, ctx := h.svc, h.ctx
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount,
		Tags: []iamapi.Tag{{Key: "team", Value: "a"}}}))
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := s.LookupAssumableRole(ctx, acct, "r"); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}
