package iam

import (
	"net/url"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// TestTerraformSequences replays, operation by operation, the calls the
// Terraform AWS provider makes for each IAM resource (create, read, update,
// delete), as listed in the reference trace, and checks what it reads back.
func TestTerraformSequences(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	tags := []iamapi.Tag{{Key: "Revision", Value: "1"}}

	t.Run("aws_iam_user", func(t *testing.T) {
		u := must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "ci", Path: api.String("/ci/"), Tags: tags})).User
		if u.Arn != "arn:aws:iam::"+acct+":user/ci/ci" || len(u.UserId) != 21 || u.UserId[:4] != "AIDA" {
			t.Fatalf("created user = %+v", u)
		}
		got := must(s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("ci")})).User
		if got.UserId != u.UserId || len(got.Tags) != 1 {
			t.Fatalf("GetUser = %+v", got)
		}
		must(s.TagUser(ctx, &iamapi.TagUserInput{UserName: "ci", Tags: []iamapi.Tag{{Key: "Revision", Value: "2"}}}))
		got = must(s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("ci")})).User
		if len(got.Tags) != 1 || got.Tags[0].Value != "2" {
			t.Fatalf("tags after TagUser = %+v", got.Tags)
		}
	})

	var keyID string
	t.Run("aws_iam_access_key", func(t *testing.T) {
		k := must(s.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: api.String("ci")})).AccessKey
		if len(k.AccessKeyId) != 20 || k.AccessKeyId[:4] != "AKIA" || len(k.SecretAccessKey) != 40 || k.Status != iamapi.StatusTypeActive {
			t.Fatalf("access key = %+v", k)
		}
		keyID = k.AccessKeyId
		l := must(s.ListAccessKeys(ctx, &iamapi.ListAccessKeysInput{UserName: api.String("ci")}))
		if len(l.AccessKeyMetadata) != 1 || *l.AccessKeyMetadata[0].AccessKeyId != keyID {
			t.Fatalf("ListAccessKeys = %+v", l)
		}
		owner := must(s.LookupAccessKey(ctx, keyID))
		if owner == nil || owner.Principal.ARN != "arn:aws:iam::"+acct+":user/ci/ci" || owner.Secret != k.SecretAccessKey {
			t.Fatalf("LookupAccessKey = %+v", owner)
		}
	})

	policyArn := "arn:aws:iam::" + acct + ":policy/ci"
	t.Run("aws_iam_policy", func(t *testing.T) {
		p := must(s.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: "ci", PolicyDocument: allowAll, Tags: tags})).Policy
		if *p.Arn != policyArn || *p.DefaultVersionId != "v1" || (*p.PolicyId)[:4] != "ANPA" {
			t.Fatalf("CreatePolicy = %+v", p)
		}
		gp := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: policyArn})).Policy
		v := must(s.GetPolicyVersion(ctx, &iamapi.GetPolicyVersionInput{PolicyArn: policyArn, VersionId: *gp.DefaultVersionId})).PolicyVersion
		doc, err := url.QueryUnescape(*v.Document)
		if err != nil || doc != allowAll || !*v.IsDefaultVersion {
			t.Fatalf("GetPolicyVersion = %q (%v)", *v.Document, err)
		}
		// update: tag, list versions, new default version
		must(s.TagPolicy(ctx, &iamapi.TagPolicyInput{PolicyArn: policyArn, Tags: []iamapi.Tag{{Key: "Revision", Value: "2"}}}))
		must(s.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: policyArn}))
		newDoc := `{"Version":"2012-10-17","Statement":[{"Sid":"Two","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
		nv := must(s.CreatePolicyVersion(ctx, &iamapi.CreatePolicyVersionInput{PolicyArn: policyArn, PolicyDocument: newDoc, SetAsDefault: api.Bool(true)})).PolicyVersion
		if *nv.VersionId != "v2" || !*nv.IsDefaultVersion {
			t.Fatalf("CreatePolicyVersion = %+v", nv)
		}
		gp = must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: policyArn})).Policy
		if *gp.DefaultVersionId != "v2" || len(gp.Tags) != 1 || gp.Tags[0].Value != "2" {
			t.Fatalf("GetPolicy after update = %+v", gp)
		}
		vs := must(s.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: policyArn})).Versions
		if len(vs) != 2 || *vs[0].VersionId != "v2" || *vs[1].IsDefaultVersion {
			t.Fatalf("ListPolicyVersions = %+v", vs)
		}
	})

	t.Run("aws_iam_user_policy_attachment", func(t *testing.T) {
		must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "ci", PolicyArn: policyArn}))
		l := must(s.ListAttachedUserPolicies(ctx, &iamapi.ListAttachedUserPoliciesInput{UserName: "ci"}))
		if len(l.AttachedPolicies) != 1 || *l.AttachedPolicies[0].PolicyName != "ci" {
			t.Fatalf("ListAttachedUserPolicies = %+v", l.AttachedPolicies)
		}
		if n := *must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: policyArn})).Policy.AttachmentCount; n != 1 {
			t.Fatalf("AttachmentCount = %d, want 1", n)
		}
	})

	t.Run("aws_iam_group and memberships", func(t *testing.T) {
		for _, g := range []string{"devs", "ops"} {
			must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: g}))
			must(s.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: g}))
		}
		must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "devs", UserName: "ci"}))
		gg := must(s.GetGroup(ctx, &iamapi.GetGroupInput{GroupName: "devs"}))
		if len(gg.Users) != 1 || gg.Users[0].UserName != "ci" || gg.Group.GroupId[:4] != "AGPA" {
			t.Fatalf("GetGroup = %+v", gg)
		}
		must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "ops", UserName: "ci"}))
		lg := must(s.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: "ci"}))
		if len(lg.Groups) != 2 || lg.Groups[0].GroupName != "devs" || lg.Groups[1].GroupName != "ops" {
			t.Fatalf("ListGroupsForUser = %+v", lg.Groups)
		}
	})

	var serial string
	t.Run("aws_iam_virtual_mfa_device", func(t *testing.T) {
		d := must(s.CreateVirtualMFADevice(ctx, &iamapi.CreateVirtualMFADeviceInput{VirtualMFADeviceName: "ci", Tags: tags})).VirtualMFADevice
		serial = d.SerialNumber
		if serial != "arn:aws:iam::"+acct+":mfa/ci" || len(d.Base32StringSeed) != 64 || len(d.QRCodePNG) == 0 {
			t.Fatalf("CreateVirtualMFADevice = serial %s, seed %d bytes, png %d bytes", serial, len(d.Base32StringSeed), len(d.QRCodePNG))
		}
		l := must(s.ListVirtualMFADevices(ctx, &iamapi.ListVirtualMFADevicesInput{}))
		if len(l.VirtualMFADevices) != 1 || l.VirtualMFADevices[0].SerialNumber != serial {
			t.Fatalf("ListVirtualMFADevices = %+v", l)
		}
		must(s.TagMFADevice(ctx, &iamapi.TagMFADeviceInput{SerialNumber: serial, Tags: []iamapi.Tag{{Key: "Revision", Value: "2"}}}))
		lt := must(s.ListMFADeviceTags(ctx, &iamapi.ListMFADeviceTagsInput{SerialNumber: serial}))
		if len(lt.Tags) != 1 || lt.Tags[0].Value != "2" {
			t.Fatalf("ListMFADeviceTags = %+v", lt.Tags)
		}
	})

	roleInline := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`
	t.Run("aws_iam_role with inline and managed policies", func(t *testing.T) {
		r := must(s.CreateRole(ctx, &iamapi.CreateRoleInput{RoleName: "cross", AssumeRolePolicyDocument: trustAccount, Description: api.String("one"), Tags: tags})).Role
		if r.RoleId[:4] != "AROA" || *r.MaxSessionDuration != 3600 {
			t.Fatalf("CreateRole = %+v", r)
		}
		gr := must(s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "cross"})).Role
		trust, _ := url.QueryUnescape(*gr.AssumeRolePolicyDocument)
		if trust != trustAccount || *gr.Description != "one" || gr.RoleLastUsed == nil {
			t.Fatalf("GetRole = %+v", gr)
		}
		if l := must(s.ListRolePolicies(ctx, &iamapi.ListRolePoliciesInput{RoleName: "cross"})); len(l.PolicyNames) != 0 || *l.IsTruncated {
			t.Fatalf("ListRolePolicies = %+v", l)
		}
		must(s.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: "cross", PolicyName: "list", PolicyDocument: roleInline}))
		rp := must(s.GetRolePolicy(ctx, &iamapi.GetRolePolicyInput{RoleName: "cross", PolicyName: "list"}))
		if d, _ := url.QueryUnescape(rp.PolicyDocument); d != roleInline || rp.RoleName != "cross" {
			t.Fatalf("GetRolePolicy = %+v", rp)
		}
		must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "cross", PolicyArn: policyArn}))
		must(s.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: "cross", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
		ap := must(s.ListAttachedRolePolicies(ctx, &iamapi.ListAttachedRolePoliciesInput{RoleName: "cross"})).AttachedPolicies
		if len(ap) != 2 || *ap[1].PolicyName != "ReadOnlyAccess" {
			t.Fatalf("ListAttachedRolePolicies = %+v", ap)
		}
		aws := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})).Policy
		if *aws.AttachmentCount != 1 {
			t.Fatalf("ReadOnlyAccess AttachmentCount = %d, want 1", *aws.AttachmentCount)
		}
		// update
		must(s.TagRole(ctx, &iamapi.TagRoleInput{RoleName: "cross", Tags: []iamapi.Tag{{Key: "Revision", Value: "2"}}}))
		ud := must(s.UpdateRoleDescription(ctx, &iamapi.UpdateRoleDescriptionInput{RoleName: "cross", Description: "two"})).Role
		if *ud.Description != "two" || ud.Tags[0].Value != "2" {
			t.Fatalf("UpdateRoleDescription = %+v", ud)
		}
	})

	t.Run("destroy", func(t *testing.T) {
		// role: Terraform lists instance profiles and policies, then deletes
		// what depends on the role before DeleteRole.
		if l := must(s.ListInstanceProfilesForRole(ctx, &iamapi.ListInstanceProfilesForRoleInput{RoleName: "cross"})); len(l.InstanceProfiles) != 0 {
			t.Fatalf("ListInstanceProfilesForRole = %+v", l)
		}
		must(s.DeleteRolePolicy(ctx, &iamapi.DeleteRolePolicyInput{RoleName: "cross", PolicyName: "list"}))
		must(s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "cross", PolicyArn: policyArn}))
		must(s.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: "cross", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
		must(s.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: "cross"}))

		must(s.DeleteVirtualMFADevice(ctx, &iamapi.DeleteVirtualMFADeviceInput{SerialNumber: serial}))
		must(s.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: "devs", UserName: "ci"}))
		must(s.RemoveUserFromGroup(ctx, &iamapi.RemoveUserFromGroupInput{GroupName: "ops", UserName: "ci"}))
		must(s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "devs"}))
		must(s.DeleteGroup(ctx, &iamapi.DeleteGroupInput{GroupName: "ops"}))
		must(s.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: "ci", PolicyArn: policyArn}))

		vs := must(s.ListPolicyVersions(ctx, &iamapi.ListPolicyVersionsInput{PolicyArn: policyArn})).Versions
		for _, v := range vs {
			if !*v.IsDefaultVersion {
				must(s.DeletePolicyVersion(ctx, &iamapi.DeletePolicyVersionInput{PolicyArn: policyArn, VersionId: *v.VersionId}))
			}
		}
		must(s.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: policyArn}))
		must(s.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: api.String("ci"), AccessKeyId: keyID}))
		if l := must(s.ListGroupsForUser(ctx, &iamapi.ListGroupsForUserInput{UserName: "ci"})); len(l.Groups) != 0 {
			t.Fatalf("ListGroupsForUser before delete = %+v", l.Groups)
		}
		must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "ci"}))

		_, err := s.GetUser(ctx, &iamapi.GetUserInput{UserName: api.String("ci")})
		wantErr(t, err, "NoSuchEntity", "The user with name ci cannot be found.", 404)
		_, err = s.GetRole(ctx, &iamapi.GetRoleInput{RoleName: "cross"})
		wantErr(t, err, "NoSuchEntity", "The role with name cross cannot be found.", 404)
		_, err = s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: policyArn})
		wantErr(t, err, "NoSuchEntity", "Policy "+policyArn+" was not found.", 404)
		aws := must(s.GetPolicy(ctx, &iamapi.GetPolicyInput{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})).Policy
		if *aws.AttachmentCount != 0 {
			t.Fatalf("ReadOnlyAccess AttachmentCount after detach = %d", *aws.AttachmentCount)
		}
		if owner := must(s.LookupAccessKey(ctx, keyID)); owner != nil {
			t.Fatalf("deleted key still resolves: %+v", owner)
		}
	})
}
