package iam

import (
	"fmt"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// TestPagination walks ListUsers, ListRoles, ListGroups and ListPolicies with
// small pages and a PathPrefix, and checks that every page is in order and
// nothing is lost or repeated.
func TestPagination(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	for i := 0; i < 7; i++ {
		path := "/a/"
		if i%2 == 1 {
			path = "/b/"
		}
		name := fmt.Sprintf("E%d", i)
		must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: name, Path: api.String(path)}))
		must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: name, Path: api.String(path), AssumeRolePolicyDocument: trustAccount}))
		must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: name, Path: api.String(path)}))
		must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: name, Path: api.String(path), PolicyDocument: allowAll}))
	}
	type listFn func(marker *string, max *int32, prefix *string) (names []string, truncated bool, next *string)
	lists := map[string]listFn{
		"ListUsers": func(m *string, n *int32, p *string) ([]string, bool, *string) {
			o := must(s.ListUsers(ctx, &iamapi.ListUsersInput{Marker: m, MaxItems: n, PathPrefix: p}))
			var out []string
			for _, u := range o.Users {
				out = append(out, u.UserName)
			}
			return out, *o.IsTruncated, o.Marker
		},
		"ListRoles": func(m *string, n *int32, p *string) ([]string, bool, *string) {
			o := must(s.ListRoles(ctx, &iamapi.ListRolesInput{Marker: m, MaxItems: n, PathPrefix: p}))
			var out []string
			for _, r := range o.Roles {
				out = append(out, r.RoleName)
			}
			return out, *o.IsTruncated, o.Marker
		},
		"ListGroups": func(m *string, n *int32, p *string) ([]string, bool, *string) {
			o := must(s.ListGroups(ctx, &iamapi.ListGroupsInput{Marker: m, MaxItems: n, PathPrefix: p}))
			var out []string
			for _, g := range o.Groups {
				out = append(out, g.GroupName)
			}
			return out, *o.IsTruncated, o.Marker
		},
		"ListPolicies Local": func(m *string, n *int32, p *string) ([]string, bool, *string) {
			o := must(s.ListPolicies(ctx, &iamapi.ListPoliciesInput{Scope: ptr(iamapi.PolicyScopeTypeLocal), Marker: m, MaxItems: n, PathPrefix: p}))
			var out []string
			for _, p := range o.Policies {
				out = append(out, *p.PolicyName)
			}
			return out, *o.IsTruncated, o.Marker
		},
	}
	tests := []struct {
		name   string
		prefix *string
		want   []string
	}{
		{"all", nil, []string{"E0", "E1", "E2", "E3", "E4", "E5", "E6"}},
		{"path /a/", api.String("/a/"), []string{"E0", "E2", "E4", "E6"}},
		{"path /b", api.String("/b"), []string{"E1", "E3", "E5"}},
		{"path /c/", api.String("/c/"), nil},
	}
	for op, list := range lists {
		for _, tc := range tests {
			t.Run(op+" "+tc.name, func(t *testing.T) {
				var got []string
				var marker *string
				for pages := 0; ; pages++ {
					if pages > 10 {
						t.Fatal("pagination does not end")
					}
					names, truncated, next := list(marker, api.Int32(2), tc.prefix)
					if len(names) > 2 {
						t.Fatalf("page of %d items, MaxItems 2", len(names))
					}
					got = append(got, names...)
					if !truncated {
						if next != nil {
							t.Fatal("Marker on the last page")
						}
						break
					}
					marker = next
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			})
		}
	}
}

func TestListPoliciesScopes(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "mine", PolicyDocument: allowAll}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}))
	tests := []struct {
		name         string
		in           iamapi.ListPoliciesInput
		wantAtLeast  int
		wantExactly  []string
		wantIncludes string
	}{
		{"AWS scope is the catalogue", iamapi.ListPoliciesInput{Scope: ptr(iamapi.PolicyScopeType("AWS")), MaxItems: api.Int32(1000)}, 1000, nil, "AdministratorAccess"},
		{"Local scope", iamapi.ListPoliciesInput{Scope: ptr(iamapi.PolicyScopeTypeLocal)}, 1, []string{"mine"}, ""},
		{"only attached", iamapi.ListPoliciesInput{OnlyAttached: api.Bool(true)}, 1, []string{"ViewOnlyAccess"}, ""},
		{"AWS path prefix", iamapi.ListPoliciesInput{Scope: ptr(iamapi.PolicyScopeType("AWS")), PathPrefix: api.String("/job-function/")}, 5, nil, "ViewOnlyAccess"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := must(s.ListPolicies(ctx, &tc.in))
			var names []string
			for _, p := range o.Policies {
				names = append(names, *p.PolicyName)
			}
			if len(names) < tc.wantAtLeast {
				t.Fatalf("%d policies, want at least %d", len(names), tc.wantAtLeast)
			}
			if tc.wantExactly != nil && fmt.Sprint(names) != fmt.Sprint(tc.wantExactly) {
				t.Fatalf("got %v, want %v", names, tc.wantExactly)
			}
			if tc.wantIncludes != "" && !containsFold(names, tc.wantIncludes) {
				t.Fatalf("%s missing from %d policies", tc.wantIncludes, len(names))
			}
		})
	}
}
