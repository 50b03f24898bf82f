package iam

import (
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func TestLoginProfile(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	lp := must(s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: "u", Password: "Correct-Horse-1", PasswordResetRequired: api.Bool(true)})).LoginProfile
	if lp.UserName != "u" || !*lp.PasswordResetRequired {
		t.Fatalf("CreateLoginProfile = %+v", lp)
	}
	_, err := s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: "u", Password: "Correct-Horse-1"})
	wantErr(t, err, "EntityAlreadyExists", "Login Profile for user u already exists.", 409)
	if ok := must(s.CheckPassword(ctx, acct, "u", "Correct-Horse-1")); !ok {
		t.Fatal("right password refused")
	}
	if ok := must(s.CheckPassword(ctx, acct, "u", "wrong")); ok {
		t.Fatal("wrong password accepted")
	}
	if u := must(s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("u")})).User; u.PasswordLastUsed == nil {
		t.Error("PasswordLastUsed not set after a sign-in")
	}
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "u"})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete login profile first.", 409)

	uctx := asUser(acct, "u")
	_, err = s.ChangePassword(uctx, &iamapi.ChangePasswordInput{OldPassword: "wrong", NewPassword: "Another-Horse-2"})
	wantErr(t, err, "AccessDenied", "", 403)
	must(s.ChangePassword(uctx, &iamapi.ChangePasswordInput{OldPassword: "Correct-Horse-1", NewPassword: "Another-Horse-2"}))
	if ok := must(s.CheckPassword(ctx, acct, "u", "Another-Horse-2")); !ok {
		t.Fatal("changed password refused")
	}
	if !must(s.GetLoginProfile(ctx, &iamapi.GetLoginProfileInput{UserName: "u"})).LoginProfile.CreateDate.Equal(h.clock.t) {
		t.Error("CreateDate is not the creation time")
	}
	must(s.DeleteLoginProfile(ctx, &iamapi.DeleteLoginProfileInput{UserName: "u"}))
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "u"}))
}

func TestPasswordPolicyAndAlias(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.UpdateAccountPasswordPolicy(ctx, &iamapi.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: api.Int32(12), RequireSymbols: api.Bool(true), MaxPasswordAge: api.Int32(90)}))
	p := must(s.GetAccountPasswordPolicy(ctx, &iamapi.GetAccountPasswordPolicyInput{})).PasswordPolicy
	if *p.MinimumPasswordLength != 12 || !*p.RequireSymbols || *p.RequireNumbers || !*p.ExpirePasswords || *p.MaxPasswordAge != 90 {
		t.Fatalf("password policy = %+v", p)
	}
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	tests := []struct {
		name     string
		password string
		ok       bool
	}{
		{"too short", "Abc-12", false},
		{"no symbol", "Abcdefghijk12", false},
		{"conforms", "abcdefghijk-", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: "u", Password: tc.password})
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	must(s.DeleteAccountPasswordPolicy(ctx, &iamapi.DeleteAccountPasswordPolicyInput{}))
	_, err := s.DeleteAccountPasswordPolicy(ctx, &iamapi.DeleteAccountPasswordPolicyInput{})
	wantErr(t, err, "NoSuchEntity", "", 404)

	must(s.CreateAccountAlias(ctx, &iamapi.CreateAccountAliasInput{AccountAlias: "my-org"}))
	if a := must(s.ListAccountAliases(ctx, &iamapi.ListAccountAliasesInput{})).AccountAliases; len(a) != 1 || a[0] != "my-org" {
		t.Fatalf("aliases = %v", a)
	}
	_, err = s.CreateAccountAlias(asRoot("222222222222"), &iamapi.CreateAccountAliasInput{AccountAlias: "my-org"})
	wantErr(t, err, "EntityAlreadyExists", "The account alias my-org already exists.", 409)
	must(s.CreateAccountAlias(ctx, &iamapi.CreateAccountAliasInput{AccountAlias: "renamed"}))
	must(s.CreateAccountAlias(asRoot("222222222222"), &iamapi.CreateAccountAliasInput{AccountAlias: "my-org"}))
	must(s.DeleteAccountAlias(ctx, &iamapi.DeleteAccountAliasInput{AccountAlias: "renamed"}))
	if a := must(s.ListAccountAliases(ctx, &iamapi.ListAccountAliasesInput{})).AccountAliases; len(a) != 0 {
		t.Fatalf("aliases after delete = %v", a)
	}
}

func TestAccountSummaryAndDetails(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g"}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "g", UserName: "u"}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	must(s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "r", PolicyName: "i", PolicyDocument: allowAll}))
	must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll}))
	must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "d"}))
	must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{})) // the root user's own key

	m := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap
	for key, want := range map[iamapi.SummaryKeyType]int32{
		"Users": 1, "Groups": 1, "Roles": 1, "Policies": 1, "MFADevices": 1, "MFADevicesInUse": 0,
		"PolicyVersionsInUse": 1, "AccountAccessKeysPresent": 1, "UsersQuota": 5000, "AccessKeysPerUserQuota": 2,
	} {
		if m[key] != want {
			t.Errorf("%s = %d, want %d", key, m[key], want)
		}
	}

	d := must(s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{}))
	if len(d.UserDetailList) != 1 || d.UserDetailList[0].GroupList[0] != "g" {
		t.Errorf("users = %+v", d.UserDetailList)
	}
	if len(d.RoleDetailList) != 1 || len(d.RoleDetailList[0].RolePolicyList) != 1 || len(d.RoleDetailList[0].AttachedManagedPolicies) != 1 {
		t.Errorf("roles = %+v", d.RoleDetailList)
	}
	if len(d.GroupDetailList) != 1 {
		t.Errorf("groups = %+v", d.GroupDetailList)
	}
	// the customer policy and the one AWS managed policy in use
	if len(d.Policies) != 2 || len(d.Policies[0].PolicyVersionList) != 1 {
		t.Errorf("policies = %+v", d.Policies)
	}
	only := must(s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{Filter: []iamapi.EntityType{iamapi.EntityTypeRole}}))
	if len(only.RoleDetailList) != 1 || len(only.UserDetailList)+len(only.GroupDetailList)+len(only.Policies) != 0 {
		t.Errorf("Filter Role = %+v", only)
	}
	paged := must(s.GetAccountAuthorizationDetails(ctx, &iamapi.GetAccountAuthorizationDetailsInput{MaxItems: api.Int32(2)}))
	if !*paged.IsTruncated || len(paged.UserDetailList) != 1 || len(paged.GroupDetailList) != 1 {
		t.Errorf("first page of 2 = %+v", paged)
	}

	e := must(s.ListEntitiesForPolicy(ctx, &iamapi.ListEntitiesForPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	if len(e.PolicyRoles) != 1 || *e.PolicyRoles[0].RoleName != "r" || len(e.PolicyUsers) != 0 {
		t.Errorf("ListEntitiesForPolicy = %+v", e)
	}
}

func TestOpenIDConnectProvider(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	thumb := "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	arn := *must(s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{
		Url: "https://token.actions.githubusercontent.com", ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{thumb},
	})).OpenIDConnectProviderArn
	if arn != "arn:aws:iam::"+acct+":oidc-provider/token.actions.githubusercontent.com" {
		t.Fatalf("ARN = %s", arn)
	}
	_, err := s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{Url: "https://token.actions.githubusercontent.com"})
	wantErr(t, err, "EntityAlreadyExists", "", 409)
	must(s.AddClientIDToOpenIDConnectProvider(ctx, &iamapi.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: "other"}))
	must(s.RemoveClientIDFromOpenIDConnectProvider(ctx, &iamapi.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: "sts.amazonaws.com"}))
	_, err = s.UpdateOpenIDConnectProviderThumbprint(ctx, &iamapi.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn, ThumbprintList: []string{"nothex"}})
	wantErr(t, err, "ValidationError", "", 400)
	// Only the length counts, as on AWS.
	must(s.UpdateOpenIDConnectProviderThumbprint(ctx, &iamapi.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn, ThumbprintList: []string{"thumbprint-that-is-not-hex-but-40-chars!"}}))
	must(s.UpdateOpenIDConnectProviderThumbprint(ctx, &iamapi.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn, ThumbprintList: []string{thumb}}))
	must(s.TagOpenIDConnectProvider(ctx, &iamapi.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, Tags: []iamapi.Tag{{Key: "k", Value: "v"}}}))
	g := must(s.GetOpenIDConnectProvider(ctx, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	if *g.Url != "token.actions.githubusercontent.com" || len(g.ClientIDList) != 1 || g.ClientIDList[0] != "other" || len(g.Tags) != 1 {
		t.Fatalf("GetOpenIDConnectProvider = %+v", g)
	}
	ids, thumbs, found := mustOIDC(t, s, "https://token.actions.githubusercontent.com")
	if !found || len(ids) != 1 || thumbs[0] != thumb {
		t.Fatalf("OIDCProvider = %v %v %v", ids, thumbs, found)
	}
	if l := must(s.ListOpenIDConnectProviders(ctx, &iamapi.ListOpenIDConnectProvidersInput{})); len(l.OpenIDConnectProviderList) != 1 {
		t.Fatalf("list = %+v", l)
	}
	// Without a thumbprint, one is filled in (AWS fetches the IdP's).
	tf := *must(s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{Url: "https://app.terraform.io", ClientIDList: []string{"aws.workload.identity"}})).OpenIDConnectProviderArn
	if g := must(s.GetOpenIDConnectProvider(ctx, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: tf})); len(g.ThumbprintList) != 1 || len(g.ThumbprintList[0]) != 40 {
		t.Fatalf("thumbprints filled in: %v", g.ThumbprintList)
	}
	must(s.DeleteOpenIDConnectProvider(ctx, &iamapi.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: tf}))
	must(s.DeleteOpenIDConnectProvider(ctx, &iamapi.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	_, err = s.DeleteOpenIDConnectProvider(ctx, &iamapi.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn})
	wantErr(t, err, "NoSuchEntity", "", 404)
}

func mustOIDC(t *testing.T, s *Service, url string) ([]string, []string, bool) {
	t.Helper()
	ids, thumbs, found, err := s.OIDCProvider(t.Context(), acct, url)
	if err != nil {
		t.Fatal(err)
	}
	return ids, thumbs, found
}

func TestRenames(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "old"}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "team"}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "team", UserName: "old"}))
	key := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("old")})).AccessKey.AccessKeyId
	must(s.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: "old", NewUserName: api.String("new"), NewPath: api.String("/moved/")}))
	u := must(s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("new")})).User
	if u.Arn != "arn:aws:iam::"+acct+":user/moved/new" {
		t.Fatalf("renamed user ARN = %s", u.Arn)
	}
	if g := must(s.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: "team"})); len(g.Users) != 1 || g.Users[0].UserName != "new" {
		t.Fatalf("group members after rename = %+v", g.Users)
	}
	if o := must(s.LookupAccessKey(ctx, key)); o == nil || o.Principal.Name != "new" || o.Principal.ARN != u.Arn {
		t.Fatalf("key owner after rename = %+v", o)
	}
	must(s.UpdateGroup(ctx, &iamapi.UpdateGroupInput{GroupName: "team", NewGroupName: api.String("crew")}))
	if l := must(s.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: "new"})); len(l.Groups) != 1 || l.Groups[0].GroupName != "crew" {
		t.Fatalf("groups after group rename = %+v", l.Groups)
	}
	_, err := s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("old")})
	wantErr(t, err, "NoSuchEntity", "", 404)

	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	must(s.UpdateRole(ctx, &iamapi.UpdateRoleInput{RoleName: "r", MaxSessionDuration: api.Int32(7200), Description: api.String("d")}))
	r := must(s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "r"})).Role
	if *r.MaxSessionDuration != 7200 || *r.Description != "d" {
		t.Fatalf("UpdateRole = %+v", r)
	}
	if err := s.RecordRoleUse(ctx, acct, "r", "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	if r := must(s.LookupRole(ctx, acct, "r")); r.RoleLastUsed.LastUsedDate == nil || *r.RoleLastUsed.Region != "eu-west-1" {
		t.Fatalf("RoleLastUsed = %+v", r.RoleLastUsed)
	}
	if r := must(s.LookupRole(ctx, acct, "none")); r != nil {
		t.Fatalf("LookupRole of a missing role = %+v", r)
	}
}

func TestGetUserWithoutName(t *testing.T) {
	h := newHarness(t)
	s := h.svc
	must(s.CreateUser(h.ctx, &iamapi.CreateUserInput{UserName: "me"}))
	if u := must(s.GetUser(asUser(acct, "me"), &iamapi.GetUserInput{})).User; u.UserName != "me" {
		t.Fatalf("GetUser as me = %+v", u)
	}
	if u := must(s.GetUser(h.ctx, &iamapi.GetUserInput{})).User; u.Arn != "arn:aws:iam::"+acct+":root" || u.UserId != acct {
		t.Fatalf("GetUser as root = %+v", u)
	}
}

func TestSecurityTokenServicePreferences(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	version := func() int32 {
		return must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap["GlobalEndpointTokenVersion"]
	}
	if v := version(); v != 1 {
		t.Fatalf("default token version = %d", v)
	}
	must(s.SetSecurityTokenServicePreferences(ctx, &iamapi.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: iamapi.GlobalEndpointTokenVersionV2Token}))
	if v := version(); v != 2 {
		t.Fatalf("token version after v2Token = %d", v)
	}
	_, err := s.SetSecurityTokenServicePreferences(ctx, &iamapi.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: "v3Token"})
	wantErr(t, err, "ValidationError", "", 400)
}
