package iam

import (
	"fmt"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// TestErrors checks AWS's error code, message and status for each refusal.
// Every case runs against the same small account: user alice (one access
// key, in group devs, with policy p attached), role r (with inline policy
// and instance profile ip), group devs, customer policy p.
func TestErrors(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	pArn := "arn:aws:iam::" + acct + ":policy/p"
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "alice"}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "bob"}))
	must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("alice")}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "devs"}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "devs", UserName: "bob"}))
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "p", PolicyDocument: allowAll}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: pArn}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount}))
	must(s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "r", PolicyName: "inline", PolicyDocument: allowAll}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "withprofile", AssumeRolePolicyDocument: trustAccount}))
	must(s.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: "ip"}))
	must(s.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: "ip", RoleName: "withprofile"}))
	must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "attached", AssumeRolePolicyDocument: trustAccount}))
	must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "attached", PolicyArn: pArn}))
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "full"}))
	for i := 0; i < maxAttached; i++ {
		name := fmt.Sprintf("full%d", i)
		must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: name, PolicyDocument: allowAll}))
		must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "full", PolicyArn: "arn:aws:iam::" + acct + ":policy/" + name}))
	}
	must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "versions", PolicyDocument: allowAll}))
	for i := 0; i < 4; i++ {
		must(s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: "arn:aws:iam::" + acct + ":policy/versions", PolicyDocument: allowAll}))
	}
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 7000) + `"}]}`

	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
		status  int
	}{
		{"CreateUser duplicate, other case", func() error {
			_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "ALICE"})
			return err
		}, "EntityAlreadyExists", "User with name ALICE already exists.", 409},
		{"CreateUser bad name", func() error {
			_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "a/b"})
			return err
		}, "ValidationError", `1 validation error detected: Value 'a/b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`, 400},
		{"CreateUser name too long", func() error {
			_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: strings.Repeat("a", 65)})
			return err
		}, "ValidationError", "1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64", 400},
		{"CreateUser bad path", func() error {
			_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "x", Path: api.String("nopath")})
			return err
		}, "ValidationError", "", 400},
		{"CreateUser duplicate tag keys", func() error {
			_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "x", Tags: []iamapi.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}})
			return err
		}, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400},
		{"CreateUser boundary missing", func() error {
			_, err := s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "x", PermissionsBoundary: api.String("arn:aws:iam::" + acct + ":policy/none")})
			return err
		}, "NoSuchEntity", "Scope ARN: arn:aws:iam::" + acct + ":policy/none does not exist or is not attachable.", 404},
		{"GetUser missing", func() error {
			_, err := s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("nobody")})
			return err
		}, "NoSuchEntity", "The user with name nobody cannot be found.", 404},
		{"DeleteUser with access keys", func() error {
			_, err := s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "alice"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must delete access keys first.", 409},
		{"DeleteUser in a group", func() error {
			_, err := s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "bob"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must remove user from all groups first.", 409},
		{"DeleteUser with attached policies", func() error {
			_, err := s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "full"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must detach all policies first.", 409},
		{"third access key", func() error {
			must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("bob")}))
			must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("bob")}))
			_, err := s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("bob")})
			return err
		}, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409},
		{"DeleteAccessKey of another user", func() error {
			l := must(s.ListAccessKeys(ctx, &iamapi.ListAccessKeysInput{UserName: api.String("alice")}))
			_, err := s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: api.String("bob"), AccessKeyId: *l.AccessKeyMetadata[0].AccessKeyId})
			return err
		}, "NoSuchEntity", "", 404},
		{"DeleteAccessKey unknown", func() error {
			_, err := s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: api.String("alice"), AccessKeyId: "AKIAAAAAAAAAAAAAAAAA"})
			return err
		}, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.", 404},
		{"DeleteGroup with members", func() error {
			_, err := s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "devs"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must remove users from group first.", 409},
		{"GetGroup missing", func() error {
			_, err := s.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: "nogroup"})
			return err
		}, "NoSuchEntity", "The group with name nogroup cannot be found.", 404},
		{"AddUserToGroup missing user", func() error {
			_, err := s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "devs", UserName: "nobody"})
			return err
		}, "NoSuchEntity", "The user with name nobody cannot be found.", 404},
		{"RemoveUserFromGroup not a member", func() error {
			_, err := s.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: "devs", UserName: "alice"})
			return err
		}, "NoSuchEntity", "User alice is not in group devs.", 404},
		{"CreateGroup duplicate", func() error {
			_, err := s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "Devs"})
			return err
		}, "EntityAlreadyExists", "Group with name Devs already exists.", 409},
		{"CreateRole duplicate", func() error {
			_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: trustAccount})
			return err
		}, "EntityAlreadyExists", "Role with name r already exists.", 409},
		{"CreateRole session too short", func() error {
			_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trustAccount, MaxSessionDuration: api.Int32(3599)})
			return err
		}, "ValidationError", "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", 400},
		{"CreateRole session too long", func() error {
			_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: trustAccount, MaxSessionDuration: api.Int32(43201)})
			return err
		}, "ValidationError", "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", 400},
		{"CreateRole trust policy not JSON", func() error {
			_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: "{not json"})
			return err
		}, "MalformedPolicyDocument", "", 400},
		{"CreateRole trust policy with Resource", func() error {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}`
			_, err := s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: doc})
			return err
		}, "MalformedPolicyDocument", "Has prohibited field Resource", 400},
		{"CreatePolicy with a Principal", func() error {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`
			_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "x", PolicyDocument: doc})
			return err
		}, "MalformedPolicyDocument", "Policy document should not specify a principal.", 400},
		{"PutUserPolicy without actions", func() error {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`
			_, err := s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "alice", PolicyName: "x", PolicyDocument: doc})
			return err
		}, "MalformedPolicyDocument", "Policy statement must contain actions.", 400},
		{"DeleteRole with instance profile", func() error {
			_, err := s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "withprofile"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409},
		{"DeleteRole with attached policy", func() error {
			_, err := s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "attached"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must detach all policies first.", 409},
		{"DeleteRole with inline policy", func() error {
			_, err := s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "r"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must delete policies first.", 409},
		{"GetRolePolicy missing", func() error {
			_, err := s.GetRolePolicy(ctx, &iamapi.GetRolePolicyInput{RoleName: "r", PolicyName: "none"})
			return err
		}, "NoSuchEntity", "The role policy with name none cannot be found.", 404},
		{"DeleteUserPolicy missing", func() error {
			_, err := s.DeleteUserPolicy(ctx, &iamapi.DeleteUserPolicyInput{UserName: "alice", PolicyName: "none"})
			return err
		}, "NoSuchEntity", "The user policy with name none cannot be found.", 404},
		{"PutUserPolicy over the inline quota", func() error {
			_, err := s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "alice", PolicyName: "big", PolicyDocument: big})
			return err
		}, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user alice", 409},
		{"PutRolePolicy not JSON", func() error {
			_, err := s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "r", PolicyName: "bad", PolicyDocument: "nope"})
			return err
		}, "MalformedPolicyDocument", "", 400},
		{"CreatePolicy duplicate", func() error {
			_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "P", PolicyDocument: allowAll})
			return err
		}, "EntityAlreadyExists", "A policy called P already exists. Duplicate names are not allowed.", 409},
		{"CreatePolicy too big", func() error {
			_, err := s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "big", PolicyDocument: big})
			return err
		}, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409},
		{"GetPolicy bad ARN", func() error {
			_, err := s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "not-an-arn"})
			return err
		}, "InvalidInput", "ARN not-an-arn is not valid.", 400},
		{"GetPolicy of another account", func() error {
			_, err := s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::222222222222:policy/p"})
			return err
		}, "NoSuchEntity", "Policy arn:aws:iam::222222222222:policy/p was not found.", 404},
		{"GetPolicy wrong path", func() error {
			_, err := s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::" + acct + ":policy/other/p"})
			return err
		}, "NoSuchEntity", "", 404},
		{"DeletePolicy attached", func() error {
			_, err := s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: pArn})
			return err
		}, "DeleteConflict", "Cannot delete a policy attached to entities.", 409},
		{"DeletePolicy with versions", func() error {
			_, err := s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: "arn:aws:iam::" + acct + ":policy/versions"})
			return err
		}, "DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.", 409},
		{"sixth policy version", func() error {
			_, err := s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: "arn:aws:iam::" + acct + ":policy/versions", PolicyDocument: allowAll})
			return err
		}, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.", 409},
		{"DeletePolicyVersion default", func() error {
			_, err := s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: pArn, VersionId: "v1"})
			return err
		}, "DeleteConflict", "Cannot delete the default version of a policy.", 409},
		{"GetPolicyVersion missing", func() error {
			_, err := s.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: pArn, VersionId: "v9"})
			return err
		}, "NoSuchEntity", "Policy " + pArn + " version v9 does not exist or is not attachable.", 404},
		{"AttachUserPolicy missing policy", func() error {
			_, err := s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/NoSuchPolicy"})
			return err
		}, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.", 404},
		{"AttachUserPolicy eleventh", func() error {
			_, err := s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "full", PolicyArn: pArn})
			return err
		}, "LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10", 409},
		{"DetachRolePolicy not attached", func() error {
			_, err := s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "r", PolicyArn: pArn})
			return err
		}, "NoSuchEntity", "Policy " + pArn + " was not found.", 404},
		{"AttachRolePolicy missing role", func() error {
			_, err := s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "none", PolicyArn: pArn})
			return err
		}, "NoSuchEntity", "The role with name none cannot be found.", 404},
		{"CreatePolicyVersion on an AWS managed policy", func() error {
			_, err := s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", PolicyDocument: allowAll})
			return err
		}, "AccessDenied", "", 403},
		// AWS managed policies cannot be deleted, given versions or changed
		// (IAM User Guide, "AWS managed policies").
		{"DeletePolicy on an AWS managed policy", func() error {
			_, err := s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			return err
		}, "AccessDenied", "", 403},
		{"SetDefaultPolicyVersion on an AWS managed policy", func() error {
			_, err := s.SetDefaultPolicyVersion(ctx, &iamapi.SetDefaultPolicyVersionInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", VersionId: "v1"})
			return err
		}, "AccessDenied", "", 403},
		{"DeletePolicyVersion on an AWS managed policy", func() error {
			_, err := s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", VersionId: "v1"})
			return err
		}, "AccessDenied", "", 403},
		{"TagPolicy on an AWS managed policy", func() error {
			_, err := s.TagPolicy(ctx, &iamapi.TagPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", Tags: []iamapi.Tag{{Key: "k", Value: "v"}}})
			return err
		}, "AccessDenied", "", 403},
		{"AddRoleToInstanceProfile second role", func() error {
			_, err := s.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: "ip", RoleName: "r"})
			return err
		}, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1", 409},
		{"DeleteInstanceProfile with role", func() error {
			_, err := s.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: "ip"})
			return err
		}, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.", 409},
		{"GetInstanceProfile missing", func() error {
			_, err := s.GetInstanceProfile(ctx, &iamapi.GetInstanceProfileInput{InstanceProfileName: "none"})
			return err
		}, "NoSuchEntity", "Instance Profile none cannot be found.", 404},
		{"DeleteVirtualMFADevice missing", func() error {
			_, err := s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: "arn:aws:iam::" + acct + ":mfa/none"})
			return err
		}, "NoSuchEntity", "VirtualMFADevice with serial number arn:aws:iam::" + acct + ":mfa/none doesn't exist.", 404},
		{"ListUsers MaxItems zero", func() error {
			_, err := s.ListUsers(ctx, &iamapi.ListUsersInput{MaxItems: api.Int32(0)})
			return err
		}, "ValidationError", "", 400},
		{"ListUsers bad marker", func() error {
			_, err := s.ListUsers(ctx, &iamapi.ListUsersInput{Marker: api.String("!!not base64!!")})
			return err
		}, "InvalidInput", "", 400},
		{"GetLoginProfile missing", func() error {
			_, err := s.GetLoginProfile(ctx, &iamapi.GetLoginProfileInput{UserName: "alice"})
			return err
		}, "NoSuchEntity", "Login Profile for User alice cannot be found.", 404},
		{"CreateLoginProfile weak password", func() error {
			_, err := s.CreateLoginProfile(ctx, &iamapi.CreateLoginProfileInput{UserName: "alice", Password: "short"})
			return err
		}, "PasswordPolicyViolation", "Password does not conform to the account password policy.", 400},
		{"GetAccountPasswordPolicy none", func() error {
			_, err := s.GetAccountPasswordPolicy(ctx, &iamapi.GetAccountPasswordPolicyInput{})
			return err
		}, "NoSuchEntity", "The Password Policy with domain name " + acct + " cannot be found.", 404},
		{"CreateAccountAlias bad", func() error {
			_, err := s.CreateAccountAlias(ctx, &iamapi.CreateAccountAliasInput{AccountAlias: "Bad--Alias"})
			return err
		}, "ValidationError", "", 400},
		{"DeleteAccountAlias not the alias", func() error {
			_, err := s.DeleteAccountAlias(ctx, &iamapi.DeleteAccountAliasInput{AccountAlias: "other"})
			return err
		}, "NoSuchEntity", "The account alias other does not exist.", 404},
		{"GetOpenIDConnectProvider missing", func() error {
			_, err := s.GetOpenIDConnectProvider(ctx, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: "arn:aws:iam::" + acct + ":oidc-provider/example.com"})
			return err
		}, "NoSuchEntity", "OpenIDConnect Provider not found for arn arn:aws:iam::" + acct + ":oidc-provider/example.com", 404},
		{"CreateOpenIDConnectProvider http URL", func() error {
			_, err := s.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{Url: "http://example.com"})
			return err
		}, "ValidationError", "", 400},
		{"unsigned caller", func() error {
			_, err := s.ListUsers(t.Context(), &iamapi.ListUsersInput{})
			return err
		}, "MissingAuthenticationToken", "", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), tc.code, tc.message, tc.status)
		})
	}
}
