package iam

import (
	"context"
	"reflect"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// TestAuthorization checks that each operation asks the Authorizer the
// question the Service Authorization Reference gives for it: the action, the
// resource ARN (with the entity's real path) and the condition keys.
func TestAuthorization(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	a := "arn:aws:iam::" + acct + ":"
	pArn := a + "policy/pol/p"
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u", Path: api.String("/team/"), Tags: []iamapi.Tag{{Key: "team", Value: "blue"}}}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g", Path: api.String("/grp/")}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", Path: api.String("/svc/"), AssumeRolePolicyDocument: trustAccount}))
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p", Path: api.String("/pol/"), PolicyDocument: allowAll, Tags: []iamapi.Tag{{Key: "owner", Value: "sec"}}}))
	must(s.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: "ip", Path: api.String("/ip/")}))
	serial := must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "d"})).VirtualMFADevice.SerialNumber
	oidc := *must(s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{Url: "https://token.example.com"})).OpenIDConnectProviderArn

	tests := []struct {
		name     string
		call     func(context.Context) error
		action   string
		resource string
		keys     map[string][]string // keys that must be present with these values
	}{
		{"CreateUser", func(c context.Context) error {
			_, err := s.CreateUser(c, &iamapi.CreateUserInput{UserName: "new", Path: api.String("/p/"), Tags: []iamapi.Tag{{Key: "k", Value: "v"}}, PermissionsBoundary: api.String(pArn)})
			return err
		}, "iam:CreateUser", a + "user/p/new", map[string][]string{"aws:RequestTag/k": {"v"}, "aws:TagKeys": {"k"}, "iam:PermissionsBoundary": {pArn}}},
		{"GetUser", func(c context.Context) error {
			_, err := s.GetUser(c, &iamapi.GetUserInput{UserName: api.String("u")})
			return err
		}, "iam:GetUser", a + "user/team/u", map[string][]string{"aws:ResourceTag/team": {"blue"}, "iam:ResourceTag/team": {"blue"}}},
		{"GetUser of a missing user", func(c context.Context) error {
			_, err := s.GetUser(c, &iamapi.GetUserInput{UserName: api.String("ghost")})
			return err
		}, "iam:GetUser", a + "user/ghost", nil},
		{"ListUsers", func(c context.Context) error {
			_, err := s.ListUsers(c, &iamapi.ListUsersInput{})
			return err
		}, "iam:ListUsers", "*", nil},
		{"TagUser", func(c context.Context) error {
			_, err := s.TagUser(c, &iamapi.TagUserInput{UserName: "u", Tags: []iamapi.Tag{{Key: "x", Value: "y"}}})
			return err
		}, "iam:TagUser", a + "user/team/u", map[string][]string{"aws:RequestTag/x": {"y"}, "aws:TagKeys": {"x"}}},
		{"UntagUser", func(c context.Context) error {
			_, err := s.UntagUser(c, &iamapi.UntagUserInput{UserName: "u", TagKeys: []string{"x"}})
			return err
		}, "iam:UntagUser", a + "user/team/u", map[string][]string{"aws:TagKeys": {"x"}}},
		{"CreateAccessKey", func(c context.Context) error {
			_, err := s.CreateAccessKey(c, &iamapi.CreateAccessKeyInput{UserName: api.String("u")})
			return err
		}, "iam:CreateAccessKey", a + "user/team/u", nil},
		{"CreateAccessKey for the calling user", func(c context.Context) error {
			_, err := s.CreateAccessKey(asUser(acct, "u"), &iamapi.CreateAccessKeyInput{})
			return err
		}, "iam:CreateAccessKey", a + "user/team/u", nil},
		{"ListAccessKeys", func(c context.Context) error {
			_, err := s.ListAccessKeys(c, &iamapi.ListAccessKeysInput{UserName: api.String("u")})
			return err
		}, "iam:ListAccessKeys", a + "user/team/u", nil},
		{"AttachUserPolicy", func(c context.Context) error {
			_, err := s.AttachUserPolicy(c, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: pArn})
			return err
		}, "iam:AttachUserPolicy", a + "user/team/u", map[string][]string{"iam:PolicyARN": {pArn}}},
		{"ListAttachedUserPolicies", func(c context.Context) error {
			_, err := s.ListAttachedUserPolicies(c, &iamapi.ListAttachedUserPoliciesInput{UserName: "u"})
			return err
		}, "iam:ListAttachedUserPolicies", a + "user/team/u", nil},
		{"CreateGroup", func(c context.Context) error {
			_, err := s.CreateGroup(c, &iamapi.CreateGroupInput{GroupName: "g2"})
			return err
		}, "iam:CreateGroup", a + "group/g2", nil},
		{"GetGroup", func(c context.Context) error {
			_, err := s.GetGroup(c, &iamapi.GetGroupInput{GroupName: "g"})
			return err
		}, "iam:GetGroup", a + "group/grp/g", nil},
		{"AddUserToGroup", func(c context.Context) error {
			_, err := s.AddUserToGroup(c, &iamapi.AddUserToGroupInput{GroupName: "g", UserName: "u"})
			return err
		}, "iam:AddUserToGroup", a + "group/grp/g", nil},
		{"ListGroupsForUser", func(c context.Context) error {
			_, err := s.ListGroupsForUser(c, &iamapi.ListGroupsForUserInput{UserName: "u"})
			return err
		}, "iam:ListGroupsForUser", a + "user/team/u", nil},
		{"RemoveUserFromGroup", func(c context.Context) error {
			_, err := s.RemoveUserFromGroup(c, &iamapi.RemoveUserFromGroupInput{GroupName: "g", UserName: "u"})
			return err
		}, "iam:RemoveUserFromGroup", a + "group/grp/g", nil},
		{"CreateRole", func(c context.Context) error {
			_, err := s.CreateRole(c, &iamapi.CreateRoleInput{RoleName: "r2", AssumeRolePolicyDocument: trustAccount})
			return err
		}, "iam:CreateRole", a + "role/r2", nil},
		{"GetRole", func(c context.Context) error {
			_, err := s.GetRole(c, &iamapi.GetRoleInput{RoleName: "r"})
			return err
		}, "iam:GetRole", a + "role/svc/r", nil},
		{"PutRolePolicy", func(c context.Context) error {
			_, err := s.PutRolePolicy(c, &iamapi.PutRolePolicyInput{RoleName: "r", PolicyName: "i", PolicyDocument: allowAll})
			return err
		}, "iam:PutRolePolicy", a + "role/svc/r", nil},
		{"GetRolePolicy", func(c context.Context) error {
			_, err := s.GetRolePolicy(c, &iamapi.GetRolePolicyInput{RoleName: "r", PolicyName: "i"})
			return err
		}, "iam:GetRolePolicy", a + "role/svc/r", nil},
		{"ListRolePolicies", func(c context.Context) error {
			_, err := s.ListRolePolicies(c, &iamapi.ListRolePoliciesInput{RoleName: "r"})
			return err
		}, "iam:ListRolePolicies", a + "role/svc/r", nil},
		{"DeleteRolePolicy", func(c context.Context) error {
			_, err := s.DeleteRolePolicy(c, &iamapi.DeleteRolePolicyInput{RoleName: "r", PolicyName: "i"})
			return err
		}, "iam:DeleteRolePolicy", a + "role/svc/r", nil},
		{"AttachRolePolicy", func(c context.Context) error {
			_, err := s.AttachRolePolicy(c, &iamapi.AttachRolePolicyInput{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			return err
		}, "iam:AttachRolePolicy", a + "role/svc/r", map[string][]string{"iam:PolicyARN": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}}},
		{"ListAttachedRolePolicies", func(c context.Context) error {
			_, err := s.ListAttachedRolePolicies(c, &iamapi.ListAttachedRolePoliciesInput{RoleName: "r"})
			return err
		}, "iam:ListAttachedRolePolicies", a + "role/svc/r", nil},
		{"DetachRolePolicy", func(c context.Context) error {
			_, err := s.DetachRolePolicy(c, &iamapi.DetachRolePolicyInput{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			return err
		}, "iam:DetachRolePolicy", a + "role/svc/r", nil},
		{"TagRole", func(c context.Context) error {
			_, err := s.TagRole(c, &iamapi.TagRoleInput{RoleName: "r", Tags: []iamapi.Tag{{Key: "k", Value: "v"}}})
			return err
		}, "iam:TagRole", a + "role/svc/r", map[string][]string{"aws:TagKeys": {"k"}}},
		{"UpdateRoleDescription", func(c context.Context) error {
			_, err := s.UpdateRoleDescription(c, &iamapi.UpdateRoleDescriptionInput{RoleName: "r", Description: "d"})
			return err
		}, "iam:UpdateRoleDescription", a + "role/svc/r", map[string][]string{"aws:ResourceTag/k": {"v"}}},
		{"ListInstanceProfilesForRole", func(c context.Context) error {
			_, err := s.ListInstanceProfilesForRole(c, &iamapi.ListInstanceProfilesForRoleInput{RoleName: "r"})
			return err
		}, "iam:ListInstanceProfilesForRole", a + "role/svc/r", nil},
		{"CreatePolicy", func(c context.Context) error {
			_, err := s.CreatePolicy(c, &iamapi.CreatePolicyInput{PolicyName: "p2", PolicyDocument: allowAll})
			return err
		}, "iam:CreatePolicy", a + "policy/p2", nil},
		{"GetPolicy", func(c context.Context) error {
			_, err := s.GetPolicy(c, &iamapi.GetPolicyInput{PolicyArn: pArn})
			return err
		}, "iam:GetPolicy", pArn, map[string][]string{"aws:ResourceTag/owner": {"sec"}}},
		{"GetPolicy AWS managed", func(c context.Context) error {
			_, err := s.GetPolicy(c, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"})
			return err
		}, "iam:GetPolicy", "arn:aws:iam::aws:policy/AdministratorAccess", nil},
		{"GetPolicyVersion", func(c context.Context) error {
			_, err := s.GetPolicyVersion(c, &iamapi.GetPolicyVersionInput{PolicyArn: pArn, VersionId: "v1"})
			return err
		}, "iam:GetPolicyVersion", pArn, nil},
		{"CreatePolicyVersion", func(c context.Context) error {
			_, err := s.CreatePolicyVersion(c, &iamapi.CreatePolicyVersionInput{PolicyArn: pArn, PolicyDocument: allowAll})
			return err
		}, "iam:CreatePolicyVersion", pArn, nil},
		{"ListPolicyVersions", func(c context.Context) error {
			_, err := s.ListPolicyVersions(c, &iamapi.ListPolicyVersionsInput{PolicyArn: pArn})
			return err
		}, "iam:ListPolicyVersions", pArn, nil},
		{"DeletePolicyVersion", func(c context.Context) error {
			_, err := s.DeletePolicyVersion(c, &iamapi.DeletePolicyVersionInput{PolicyArn: pArn, VersionId: "v2"})
			return err
		}, "iam:DeletePolicyVersion", pArn, nil},
		{"TagPolicy", func(c context.Context) error {
			_, err := s.TagPolicy(c, &iamapi.TagPolicyInput{PolicyArn: pArn, Tags: []iamapi.Tag{{Key: "a", Value: "b"}}})
			return err
		}, "iam:TagPolicy", pArn, nil},
		{"ListPolicies", func(c context.Context) error {
			_, err := s.ListPolicies(c, &iamapi.ListPoliciesInput{Scope: ptr(iamapi.PolicyScopeTypeLocal)})
			return err
		}, "iam:ListPolicies", "*", nil},
		{"CreateVirtualMFADevice", func(c context.Context) error {
			_, err := s.CreateVirtualMFADevice(c, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "d2", Path: api.String("/m/")})
			return err
		}, "iam:CreateVirtualMFADevice", a + "mfa/m/d2", nil},
		{"ListVirtualMFADevices", func(c context.Context) error {
			_, err := s.ListVirtualMFADevices(c, &iamapi.ListVirtualMFADevicesInput{})
			return err
		}, "iam:ListVirtualMFADevices", "*", nil},
		{"TagMFADevice", func(c context.Context) error {
			_, err := s.TagMFADevice(c, &iamapi.TagMFADeviceInput{SerialNumber: serial, Tags: []iamapi.Tag{{Key: "a", Value: "b"}}})
			return err
		}, "iam:TagMFADevice", serial, map[string][]string{"aws:RequestTag/a": {"b"}}},
		{"ListMFADeviceTags", func(c context.Context) error {
			_, err := s.ListMFADeviceTags(c, &iamapi.ListMFADeviceTagsInput{SerialNumber: serial})
			return err
		}, "iam:ListMFADeviceTags", serial, map[string][]string{"aws:ResourceTag/a": {"b"}}},
		{"DeleteVirtualMFADevice", func(c context.Context) error {
			_, err := s.DeleteVirtualMFADevice(c, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: serial})
			return err
		}, "iam:DeleteVirtualMFADevice", serial, nil},
		{"EnableMFADevice", func(c context.Context) error {
			_, err := s.EnableMFADevice(c, &iamapi.EnableMFADeviceInput{UserName: "u", SerialNumber: serial, AuthenticationCode1: "000000", AuthenticationCode2: "000000"})
			return err
		}, "iam:EnableMFADevice", a + "user/team/u", nil},
		{"GetInstanceProfile", func(c context.Context) error {
			_, err := s.GetInstanceProfile(c, &iamapi.GetInstanceProfileInput{InstanceProfileName: "ip"})
			return err
		}, "iam:GetInstanceProfile", a + "instance-profile/ip/ip", nil},
		{"AddRoleToInstanceProfile", func(c context.Context) error {
			_, err := s.AddRoleToInstanceProfile(c, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: "ip", RoleName: "r"})
			return err
		}, "iam:AddRoleToInstanceProfile", a + "instance-profile/ip/ip", nil},
		{"GetOpenIDConnectProvider", func(c context.Context) error {
			_, err := s.GetOpenIDConnectProvider(c, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: oidc})
			return err
		}, "iam:GetOpenIDConnectProvider", a + "oidc-provider/token.example.com", nil},
		{"GetAccountSummary", func(c context.Context) error {
			_, err := s.GetAccountSummary(c, &iamapi.GetAccountSummaryInput{})
			return err
		}, "iam:GetAccountSummary", "*", nil},
		{"GetAccountAuthorizationDetails", func(c context.Context) error {
			_, err := s.GetAccountAuthorizationDetails(c, &iamapi.GetAccountAuthorizationDetailsInput{})
			return err
		}, "iam:GetAccountAuthorizationDetails", "*", nil},
		{"SimulatePrincipalPolicy", func(c context.Context) error {
			_, err := s.SimulatePrincipalPolicy(c, &iamapi.SimulatePrincipalPolicyInput{PolicySourceArn: a + "role/svc/r", ActionNames: []string{"s3:GetObject"}})
			return err
		}, "iam:SimulatePrincipalPolicy", a + "role/svc/r", nil},
		{"GetContextKeysForPrincipalPolicy", func(c context.Context) error {
			_, err := s.GetContextKeysForPrincipalPolicy(c, &iamapi.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: a + "user/team/u"})
			return err
		}, "iam:GetContextKeysForPrincipalPolicy", a + "user/team/u", nil},
		{"SimulateCustomPolicy", func(c context.Context) error {
			_, err := s.SimulateCustomPolicy(c, &iamapi.SimulateCustomPolicyInput{PolicyInputList: []string{allowAll}, ActionNames: []string{"s3:GetObject"}})
			return err
		}, "iam:SimulateCustomPolicy", "*", nil},
		{"ListMFADevices of the root user", func(c context.Context) error {
			_, err := s.ListMFADevices(c, &iamapi.ListMFADevicesInput{})
			return err
		}, "iam:ListMFADevices", a + "root", nil},
		{"CreateSAMLProvider", func(c context.Context) error {
			_, err := s.CreateSAMLProvider(c, &iamapi.CreateSAMLProviderInput{Name: "corp", SAMLMetadataDocument: samlMetadata("")})
			return err
		}, "iam:CreateSAMLProvider", a + "saml-provider/corp", nil},
		{"GenerateCredentialReport", func(c context.Context) error {
			_, err := s.GenerateCredentialReport(c, &iamapi.GenerateCredentialReportInput{})
			return err
		}, "iam:GenerateCredentialReport", "*", nil},
		{"CreateAccountAlias", func(c context.Context) error {
			_, err := s.CreateAccountAlias(c, &iamapi.CreateAccountAliasInput{AccountAlias: "my-org"})
			return err
		}, "iam:CreateAccountAlias", "*", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.authz.reset()
			_ = tc.call(ctx) // the outcome is tested elsewhere; here, the question asked
			c := h.authz.last()
			if c.Action != tc.action || c.Resource != tc.resource {
				t.Fatalf("asked %s on %s, want %s on %s", c.Action, c.Resource, tc.action, tc.resource)
			}
			wantAccount := acct
			if tc.resource == "*" {
				wantAccount = ""
			}
			if c.ResourceAccount != wantAccount {
				t.Errorf("ResourceAccount = %q, want %q", c.ResourceAccount, wantAccount)
			}
			for k, v := range tc.keys {
				if !reflect.DeepEqual(c.Context[k], v) {
					t.Errorf("condition key %s = %v, want %v (context %v)", k, c.Context[k], v, c.Context)
				}
			}
		})
	}
}

// TestDenied checks that a denial stops the operation before it changes
// anything, and that the Authorizer's error reaches the caller unchanged.
func TestDenied(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	h.authz.deny["iam:CreateUser"] = true
	_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "x"})
	wantErr(t, err, "AccessDenied", "User: arn:aws:iam::"+acct+":user/someone is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+acct+":user/x", 403)
	delete(h.authz.deny, "iam:CreateUser")
	// A denied caller learns nothing about existence: denial comes first.
	h.authz.deny["iam:GetUser"] = true
	_, err = s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("x")})
	wantErr(t, err, "AccessDenied", "", 403)
	delete(h.authz.deny, "iam:GetUser")
	_, err = s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("x")})
	wantErr(t, err, "NoSuchEntity", "The user with name x cannot be found.", 404)
}

func ptr[T any](v T) *T { return &v }

// TestBoundaryConditionKey: iam:PermissionsBoundary is the entity's boundary
// for the actions that list the key, the requested one for
// Put*PermissionsBoundary, and absent elsewhere.
func TestBoundaryConditionKey(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	ro := "arn:aws:iam::aws:policy/ReadOnlyAccess"
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount, PermissionsBoundary: api.String(ro)}))
	tests := []struct {
		name string
		call func() error
		want []string
	}{
		{"GetRole lists the key", func() error {
			_, err := s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "r"})
			return err
		}, []string{ro}},
		{"ListRoleTags does not", func() error {
			_, err := s.ListRoleTags(ctx, &iamapi.ListRoleTagsInput{RoleName: "r"})
			return err
		}, nil},
		{"PutRolePermissionsBoundary: the requested boundary", func() error {
			_, err := s.PutRolePermissionsBoundary(ctx, &iamapi.PutRolePermissionsBoundaryInput{RoleName: "r", PermissionsBoundary: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"})
			return err
		}, []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			if got := h.authz.last().Context["iam:PermissionsBoundary"]; !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("iam:PermissionsBoundary = %v, want %v", got, tc.want)
			}
		})
	}
}
