package iam_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/doppel-aws/doppel/internal/mfa"
)

// TestSDKEveryOperation calls every operation the service implements through
// aws-sdk-go-v2, in an order that builds and then tears down an account, so
// that each operation's input and output cross the wire at least once. Each
// step checks what the SDK decoded.
func TestSDKEveryOperation(t *testing.T) {
	s := newServer(t)
	c := s.client(s.rootKey, s.rootSK)
	ctx := t.Context()
	a := "arn:aws:iam::" + account + ":"
	pArn := a + "policy/team/p"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	tags := []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	var serial, seed, keyID, taskID, sshKeyID, certID, credID string
	sshKey := sshRSAKey(t)
	certPEM, keyPEM := selfSignedPEM(t)
	samlDoc := `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"><!--` + strings.Repeat("x", 1000) + `--></md:EntityDescriptor>`

	steps := []struct {
		name string
		run  func(context.Context) error
		// check runs only when run succeeded; it returns a complaint or "".
	}{
		{"CreateUser", func(ctx context.Context) error {
			o, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("u"), Path: aws.String("/team/"), Tags: tags, PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/PowerUserAccess")})
			return want(err, o != nil && o.User.PermissionsBoundary != nil && aws.ToString(o.User.Arn) == a+"user/team/u")
		}},
		{"GetUser", func(ctx context.Context) error {
			o, err := c.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("u")})
			return want(err, o != nil && o.User.CreateDate != nil && len(o.User.Tags) == 1)
		}},
		{"UpdateUser", func(ctx context.Context) error {
			_, err := c.UpdateUser(ctx, &awsiam.UpdateUserInput{UserName: aws.String("u"), NewPath: aws.String("/people/")})
			return err
		}},
		{"ListUsers", func(ctx context.Context) error {
			o, err := c.ListUsers(ctx, &awsiam.ListUsersInput{PathPrefix: aws.String("/people/")})
			return want(err, o != nil && len(o.Users) == 1 && !o.IsTruncated)
		}},
		{"TagUser", func(ctx context.Context) error {
			_, err := c.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("u"), Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("")}}})
			return err
		}},
		{"ListUserTags", func(ctx context.Context) error {
			o, err := c.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.Tags) == 2)
		}},
		{"UntagUser", func(ctx context.Context) error {
			_, err := c.UntagUser(ctx, &awsiam.UntagUserInput{UserName: aws.String("u"), TagKeys: []string{"x"}})
			return err
		}},
		{"PutUserPermissionsBoundary", func(ctx context.Context) error {
			_, err := c.PutUserPermissionsBoundary(ctx, &awsiam.PutUserPermissionsBoundaryInput{UserName: aws.String("u"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")})
			return err
		}},
		{"DeleteUserPermissionsBoundary", func(ctx context.Context) error {
			_, err := c.DeleteUserPermissionsBoundary(ctx, &awsiam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("u")})
			return err
		}},
		{"CreateLoginProfile", func(ctx context.Context) error {
			o, err := c.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("u"), Password: aws.String("Very-Secret-1"), PasswordResetRequired: true})
			return want(err, o != nil && o.LoginProfile.PasswordResetRequired)
		}},
		{"GetLoginProfile", func(ctx context.Context) error {
			o, err := c.GetLoginProfile(ctx, &awsiam.GetLoginProfileInput{UserName: aws.String("u")})
			return want(err, o != nil && o.LoginProfile.CreateDate != nil)
		}},
		{"UpdateLoginProfile", func(ctx context.Context) error {
			_, err := c.UpdateLoginProfile(ctx, &awsiam.UpdateLoginProfileInput{UserName: aws.String("u"), PasswordResetRequired: aws.Bool(false)})
			return err
		}},
		{"CreateAccessKey", func(ctx context.Context) error {
			o, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("u")})
			if o != nil {
				keyID = aws.ToString(o.AccessKey.AccessKeyId)
			}
			return want(err, o != nil && o.AccessKey.Status == types.StatusTypeActive)
		}},
		{"ListAccessKeys", func(ctx context.Context) error {
			o, err := c.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.AccessKeyMetadata) == 1)
		}},
		{"UpdateAccessKey", func(ctx context.Context) error {
			_, err := c.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: aws.String("u"), AccessKeyId: aws.String(keyID), Status: types.StatusTypeInactive})
			return err
		}},
		{"GetAccessKeyLastUsed", func(ctx context.Context) error {
			o, err := c.GetAccessKeyLastUsed(ctx, &awsiam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(keyID)})
			return want(err, o != nil && aws.ToString(o.AccessKeyLastUsed.ServiceName) == "N/A" && aws.ToString(o.UserName) == "u")
		}},
		{"ListSSHPublicKeys", func(ctx context.Context) error {
			_, err := c.ListSSHPublicKeys(ctx, &awsiam.ListSSHPublicKeysInput{UserName: aws.String("u")})
			return err
		}},
		{"ListSigningCertificates", func(ctx context.Context) error {
			_, err := c.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{UserName: aws.String("u")})
			return err
		}},
		{"ListServiceSpecificCredentials", func(ctx context.Context) error {
			_, err := c.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: aws.String("u")})
			return err
		}},
		{"UploadSSHPublicKey", func(ctx context.Context) error {
			o, err := c.UploadSSHPublicKey(ctx, &awsiam.UploadSSHPublicKeyInput{UserName: aws.String("u"), SSHPublicKeyBody: aws.String(sshKey)})
			if o != nil {
				sshKeyID = aws.ToString(o.SSHPublicKey.SSHPublicKeyId)
			}
			return want(err, o != nil && len(aws.ToString(o.SSHPublicKey.Fingerprint)) == 47)
		}},
		{"GetSSHPublicKey", func(ctx context.Context) error {
			o, err := c.GetSSHPublicKey(ctx, &awsiam.GetSSHPublicKeyInput{UserName: aws.String("u"), SSHPublicKeyId: aws.String(sshKeyID), Encoding: types.EncodingTypePem})
			return want(err, o != nil && strings.HasPrefix(aws.ToString(o.SSHPublicKey.SSHPublicKeyBody), "-----BEGIN PUBLIC KEY-----"))
		}},
		{"UpdateSSHPublicKey", func(ctx context.Context) error {
			_, err := c.UpdateSSHPublicKey(ctx, &awsiam.UpdateSSHPublicKeyInput{UserName: aws.String("u"), SSHPublicKeyId: aws.String(sshKeyID), Status: types.StatusTypeInactive})
			return err
		}},
		{"ListSSHPublicKeys after upload", func(ctx context.Context) error {
			o, err := c.ListSSHPublicKeys(ctx, &awsiam.ListSSHPublicKeysInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.SSHPublicKeys) == 1 && o.SSHPublicKeys[0].Status == types.StatusTypeInactive)
		}},
		{"DeleteSSHPublicKey", func(ctx context.Context) error {
			_, err := c.DeleteSSHPublicKey(ctx, &awsiam.DeleteSSHPublicKeyInput{UserName: aws.String("u"), SSHPublicKeyId: aws.String(sshKeyID)})
			return err
		}},
		{"UploadSigningCertificate", func(ctx context.Context) error {
			o, err := c.UploadSigningCertificate(ctx, &awsiam.UploadSigningCertificateInput{UserName: aws.String("u"), CertificateBody: aws.String(certPEM)})
			if o != nil {
				certID = aws.ToString(o.Certificate.CertificateId)
			}
			return want(err, o != nil && o.Certificate.Status == types.StatusTypeActive)
		}},
		{"UpdateSigningCertificate", func(ctx context.Context) error {
			_, err := c.UpdateSigningCertificate(ctx, &awsiam.UpdateSigningCertificateInput{UserName: aws.String("u"), CertificateId: aws.String(certID), Status: types.StatusTypeInactive})
			return err
		}},
		{"ListSigningCertificates after upload", func(ctx context.Context) error {
			o, err := c.ListSigningCertificates(ctx, &awsiam.ListSigningCertificatesInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.Certificates) == 1)
		}},
		{"DeleteSigningCertificate", func(ctx context.Context) error {
			_, err := c.DeleteSigningCertificate(ctx, &awsiam.DeleteSigningCertificateInput{UserName: aws.String("u"), CertificateId: aws.String(certID)})
			return err
		}},
		{"CreateServiceSpecificCredential", func(ctx context.Context) error {
			o, err := c.CreateServiceSpecificCredential(ctx, &awsiam.CreateServiceSpecificCredentialInput{UserName: aws.String("u"), ServiceName: aws.String("codecommit.amazonaws.com")})
			if o != nil {
				credID = aws.ToString(o.ServiceSpecificCredential.ServiceSpecificCredentialId)
			}
			return want(err, o != nil && aws.ToString(o.ServiceSpecificCredential.ServicePassword) != "")
		}},
		{"ResetServiceSpecificCredential", func(ctx context.Context) error {
			o, err := c.ResetServiceSpecificCredential(ctx, &awsiam.ResetServiceSpecificCredentialInput{UserName: aws.String("u"), ServiceSpecificCredentialId: aws.String(credID)})
			return want(err, o != nil && aws.ToString(o.ServiceSpecificCredential.ServiceUserName) == "u-at-"+account)
		}},
		{"UpdateServiceSpecificCredential", func(ctx context.Context) error {
			_, err := c.UpdateServiceSpecificCredential(ctx, &awsiam.UpdateServiceSpecificCredentialInput{UserName: aws.String("u"), ServiceSpecificCredentialId: aws.String(credID), Status: types.StatusTypeInactive})
			return err
		}},
		{"ListServiceSpecificCredentials after create", func(ctx context.Context) error {
			o, err := c.ListServiceSpecificCredentials(ctx, &awsiam.ListServiceSpecificCredentialsInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.ServiceSpecificCredentials) == 1)
		}},
		{"DeleteServiceSpecificCredential", func(ctx context.Context) error {
			_, err := c.DeleteServiceSpecificCredential(ctx, &awsiam.DeleteServiceSpecificCredentialInput{UserName: aws.String("u"), ServiceSpecificCredentialId: aws.String(credID)})
			return err
		}},
		{"CreateGroup", func(ctx context.Context) error {
			o, err := c.CreateGroup(ctx, &awsiam.CreateGroupInput{GroupName: aws.String("g")})
			return want(err, o != nil && aws.ToString(o.Group.Arn) == a+"group/g")
		}},
		{"UpdateGroup", func(ctx context.Context) error {
			_, err := c.UpdateGroup(ctx, &awsiam.UpdateGroupInput{GroupName: aws.String("g"), NewGroupName: aws.String("team")})
			return err
		}},
		{"AddUserToGroup", func(ctx context.Context) error {
			_, err := c.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{GroupName: aws.String("team"), UserName: aws.String("u")})
			return err
		}},
		{"GetGroup", func(ctx context.Context) error {
			o, err := c.GetGroup(ctx, &awsiam.GetGroupInput{GroupName: aws.String("team")})
			return want(err, o != nil && len(o.Users) == 1)
		}},
		{"ListGroups", func(ctx context.Context) error {
			o, err := c.ListGroups(ctx, &awsiam.ListGroupsInput{})
			return want(err, o != nil && len(o.Groups) == 1)
		}},
		{"ListGroupsForUser", func(ctx context.Context) error {
			o, err := c.ListGroupsForUser(ctx, &awsiam.ListGroupsForUserInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.Groups) == 1)
		}},
		{"PutGroupPolicy", func(ctx context.Context) error {
			_, err := c.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String("team"), PolicyName: aws.String("gp"), PolicyDocument: aws.String(doc)})
			return err
		}},
		{"GetGroupPolicy", func(ctx context.Context) error {
			o, err := c.GetGroupPolicy(ctx, &awsiam.GetGroupPolicyInput{GroupName: aws.String("team"), PolicyName: aws.String("gp")})
			return want(err, o != nil && decoded(o.PolicyDocument) == doc)
		}},
		{"ListGroupPolicies", func(ctx context.Context) error {
			o, err := c.ListGroupPolicies(ctx, &awsiam.ListGroupPoliciesInput{GroupName: aws.String("team")})
			return want(err, o != nil && len(o.PolicyNames) == 1)
		}},
		{"PutUserPolicy", func(ctx context.Context) error {
			_, err := c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("up"), PolicyDocument: aws.String(doc)})
			return err
		}},
		{"GetUserPolicy", func(ctx context.Context) error {
			o, err := c.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("up")})
			return want(err, o != nil && decoded(o.PolicyDocument) == doc)
		}},
		{"ListUserPolicies", func(ctx context.Context) error {
			o, err := c.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.PolicyNames) == 1)
		}},
		{"CreatePolicy", func(ctx context.Context) error {
			o, err := c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), Path: aws.String("/team/"), PolicyDocument: aws.String(doc), Description: aws.String("d"), Tags: tags})
			return want(err, o != nil && aws.ToString(o.Policy.Arn) == pArn)
		}},
		{"GetPolicy", func(ctx context.Context) error {
			o, err := c.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(pArn)})
			return want(err, o != nil && aws.ToString(o.Policy.Description) == "d" && o.Policy.IsAttachable)
		}},
		{"CreatePolicyVersion", func(ctx context.Context) error {
			o, err := c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(pArn), PolicyDocument: aws.String(doc)})
			return want(err, o != nil && aws.ToString(o.PolicyVersion.VersionId) == "v2" && !o.PolicyVersion.IsDefaultVersion)
		}},
		{"SetDefaultPolicyVersion", func(ctx context.Context) error {
			_, err := c.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(pArn), VersionId: aws.String("v2")})
			return err
		}},
		{"ListPolicyVersions", func(ctx context.Context) error {
			o, err := c.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(pArn)})
			return want(err, o != nil && len(o.Versions) == 2 && o.Versions[0].IsDefaultVersion)
		}},
		{"GetPolicyVersion", func(ctx context.Context) error {
			o, err := c.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(pArn), VersionId: aws.String("v1")})
			return want(err, o != nil && decoded(o.PolicyVersion.Document) == doc)
		}},
		{"DeletePolicyVersion", func(ctx context.Context) error {
			_, err := c.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(pArn), VersionId: aws.String("v1")})
			return err
		}},
		{"TagPolicy", func(ctx context.Context) error {
			_, err := c.TagPolicy(ctx, &awsiam.TagPolicyInput{PolicyArn: aws.String(pArn), Tags: []types.Tag{{Key: aws.String("y"), Value: aws.String("z")}}})
			return err
		}},
		{"ListPolicyTags", func(ctx context.Context) error {
			o, err := c.ListPolicyTags(ctx, &awsiam.ListPolicyTagsInput{PolicyArn: aws.String(pArn)})
			return want(err, o != nil && len(o.Tags) == 2)
		}},
		{"UntagPolicy", func(ctx context.Context) error {
			_, err := c.UntagPolicy(ctx, &awsiam.UntagPolicyInput{PolicyArn: aws.String(pArn), TagKeys: []string{"y"}})
			return err
		}},
		{"AttachUserPolicy", func(ctx context.Context) error {
			_, err := c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(pArn)})
			return err
		}},
		{"ListAttachedUserPolicies", func(ctx context.Context) error {
			o, err := c.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.AttachedPolicies) == 1)
		}},
		{"AttachGroupPolicy", func(ctx context.Context) error {
			_, err := c.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String("team"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
			return err
		}},
		{"ListAttachedGroupPolicies", func(ctx context.Context) error {
			o, err := c.ListAttachedGroupPolicies(ctx, &awsiam.ListAttachedGroupPoliciesInput{GroupName: aws.String("team")})
			return want(err, o != nil && len(o.AttachedPolicies) == 1)
		}},
		{"ListPolicies", func(ctx context.Context) error {
			o, err := c.ListPolicies(ctx, &awsiam.ListPoliciesInput{OnlyAttached: true})
			return want(err, o != nil && len(o.Policies) == 2)
		}},
		{"ListEntitiesForPolicy", func(ctx context.Context) error {
			o, err := c.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(pArn)})
			return want(err, o != nil && len(o.PolicyUsers) == 1)
		}},
		{"CreateRole", func(ctx context.Context) error {
			o, err := c.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(7200), Tags: tags})
			return want(err, o != nil && aws.ToInt32(o.Role.MaxSessionDuration) == 7200)
		}},
		{"GetRole", func(ctx context.Context) error {
			o, err := c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("r")})
			return want(err, o != nil && decoded(o.Role.AssumeRolePolicyDocument) == trust && o.Role.RoleLastUsed != nil)
		}},
		{"ListRoles", func(ctx context.Context) error {
			o, err := c.ListRoles(ctx, &awsiam.ListRolesInput{})
			return want(err, o != nil && len(o.Roles) == 1)
		}},
		{"UpdateRole", func(ctx context.Context) error {
			_, err := c.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("r"), MaxSessionDuration: aws.Int32(3600)})
			return err
		}},
		{"UpdateRoleDescription", func(ctx context.Context) error {
			o, err := c.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: aws.String("r"), Description: aws.String("desc")})
			return want(err, o != nil && aws.ToString(o.Role.Description) == "desc")
		}},
		{"UpdateAssumeRolePolicy", func(ctx context.Context) error {
			_, err := c.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("r"), PolicyDocument: aws.String(trust)})
			return err
		}},
		{"TagRole", func(ctx context.Context) error {
			_, err := c.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("r"), Tags: []types.Tag{{Key: aws.String("y"), Value: aws.String("z")}}})
			return err
		}},
		{"ListRoleTags", func(ctx context.Context) error {
			o, err := c.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("r")})
			return want(err, o != nil && len(o.Tags) == 2)
		}},
		{"UntagRole", func(ctx context.Context) error {
			_, err := c.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("r"), TagKeys: []string{"y"}})
			return err
		}},
		{"PutRolePermissionsBoundary", func(ctx context.Context) error {
			_, err := c.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: aws.String(pArn)})
			return err
		}},
		{"DeleteRolePermissionsBoundary", func(ctx context.Context) error {
			_, err := c.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("r")})
			return err
		}},
		{"PutRolePolicy", func(ctx context.Context) error {
			_, err := c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("rp"), PolicyDocument: aws.String(doc)})
			return err
		}},
		{"GetRolePolicy", func(ctx context.Context) error {
			o, err := c.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("rp")})
			return want(err, o != nil && decoded(o.PolicyDocument) == doc)
		}},
		{"ListRolePolicies", func(ctx context.Context) error {
			o, err := c.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("r")})
			return want(err, o != nil && len(o.PolicyNames) == 1)
		}},
		{"AttachRolePolicy", func(ctx context.Context) error {
			_, err := c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(pArn)})
			return err
		}},
		{"ListAttachedRolePolicies", func(ctx context.Context) error {
			o, err := c.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("r")})
			return want(err, o != nil && len(o.AttachedPolicies) == 1)
		}},
		{"CreateInstanceProfile", func(ctx context.Context) error {
			o, err := c.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip"), Tags: tags})
			return want(err, o != nil && len(o.InstanceProfile.Roles) == 0)
		}},
		{"AddRoleToInstanceProfile", func(ctx context.Context) error {
			_, err := c.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("r")})
			return err
		}},
		{"GetInstanceProfile", func(ctx context.Context) error {
			o, err := c.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: aws.String("ip")})
			return want(err, o != nil && len(o.InstanceProfile.Roles) == 1)
		}},
		{"ListInstanceProfiles", func(ctx context.Context) error {
			o, err := c.ListInstanceProfiles(ctx, &awsiam.ListInstanceProfilesInput{})
			return want(err, o != nil && len(o.InstanceProfiles) == 1)
		}},
		{"ListInstanceProfilesForRole", func(ctx context.Context) error {
			o, err := c.ListInstanceProfilesForRole(ctx, &awsiam.ListInstanceProfilesForRoleInput{RoleName: aws.String("r")})
			return want(err, o != nil && len(o.InstanceProfiles) == 1)
		}},
		{"TagInstanceProfile", func(ctx context.Context) error {
			_, err := c.TagInstanceProfile(ctx, &awsiam.TagInstanceProfileInput{InstanceProfileName: aws.String("ip"), Tags: []types.Tag{{Key: aws.String("y"), Value: aws.String("z")}}})
			return err
		}},
		{"ListInstanceProfileTags", func(ctx context.Context) error {
			o, err := c.ListInstanceProfileTags(ctx, &awsiam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("ip")})
			return want(err, o != nil && len(o.Tags) == 2)
		}},
		{"UntagInstanceProfile", func(ctx context.Context) error {
			_, err := c.UntagInstanceProfile(ctx, &awsiam.UntagInstanceProfileInput{InstanceProfileName: aws.String("ip"), TagKeys: []string{"y"}})
			return err
		}},
		{"CreateVirtualMFADevice", func(ctx context.Context) error {
			o, err := c.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("u"), Tags: tags})
			if o != nil {
				serial, seed = aws.ToString(o.VirtualMFADevice.SerialNumber), string(o.VirtualMFADevice.Base32StringSeed)
			}
			return want(err, o != nil && len(o.VirtualMFADevice.QRCodePNG) > 0)
		}},
		{"EnableMFADevice", func(ctx context.Context) error {
			st := mfa.Step(time.Now())
			c1, _ := mfa.Code(seed, st-1)
			c2, _ := mfa.Code(seed, st)
			_, err := c.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("u"), SerialNumber: aws.String(serial), AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
			return err
		}},
		{"ResyncMFADevice", func(ctx context.Context) error {
			// Steps after the ones EnableMFADevice used: codes never count twice.
			st := mfa.Step(time.Now())
			c1, _ := mfa.Code(seed, st+2)
			c2, _ := mfa.Code(seed, st+3)
			_, err := c.ResyncMFADevice(ctx, &awsiam.ResyncMFADeviceInput{UserName: aws.String("u"), SerialNumber: aws.String(serial), AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
			return err
		}},
		{"GetMFADevice", func(ctx context.Context) error {
			o, err := c.GetMFADevice(ctx, &awsiam.GetMFADeviceInput{UserName: aws.String("u"), SerialNumber: aws.String(serial)})
			return want(err, o != nil && o.EnableDate != nil)
		}},
		{"ListMFADevices", func(ctx context.Context) error {
			o, err := c.ListMFADevices(ctx, &awsiam.ListMFADevicesInput{UserName: aws.String("u")})
			return want(err, o != nil && len(o.MFADevices) == 1)
		}},
		{"ListVirtualMFADevices", func(ctx context.Context) error {
			o, err := c.ListVirtualMFADevices(ctx, &awsiam.ListVirtualMFADevicesInput{AssignmentStatus: types.AssignmentStatusTypeAssigned})
			return want(err, o != nil && len(o.VirtualMFADevices) == 1 && o.VirtualMFADevices[0].User != nil)
		}},
		{"TagMFADevice", func(ctx context.Context) error {
			_, err := c.TagMFADevice(ctx, &awsiam.TagMFADeviceInput{SerialNumber: aws.String(serial), Tags: []types.Tag{{Key: aws.String("y"), Value: aws.String("z")}}})
			return err
		}},
		{"ListMFADeviceTags", func(ctx context.Context) error {
			o, err := c.ListMFADeviceTags(ctx, &awsiam.ListMFADeviceTagsInput{SerialNumber: aws.String(serial)})
			return want(err, o != nil && len(o.Tags) == 2)
		}},
		{"UntagMFADevice", func(ctx context.Context) error {
			_, err := c.UntagMFADevice(ctx, &awsiam.UntagMFADeviceInput{SerialNumber: aws.String(serial), TagKeys: []string{"y"}})
			return err
		}},
		{"CreateOpenIDConnectProvider", func(ctx context.Context) error {
			o, err := c.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com"), ClientIDList: []string{"a"}, ThumbprintList: []string{"0123456789abcdef0123456789abcdef01234567"}})
			return want(err, o != nil && aws.ToString(o.OpenIDConnectProviderArn) == a+"oidc-provider/idp.example.com")
		}},
		{"AddClientIDToOpenIDConnectProvider", func(ctx context.Context) error {
			_, err := c.AddClientIDToOpenIDConnectProvider(ctx, &awsiam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com"), ClientID: aws.String("b")})
			return err
		}},
		{"RemoveClientIDFromOpenIDConnectProvider", func(ctx context.Context) error {
			_, err := c.RemoveClientIDFromOpenIDConnectProvider(ctx, &awsiam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com"), ClientID: aws.String("a")})
			return err
		}},
		{"UpdateOpenIDConnectProviderThumbprint", func(ctx context.Context) error {
			_, err := c.UpdateOpenIDConnectProviderThumbprint(ctx, &awsiam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com"), ThumbprintList: []string{"ffffffffffffffffffffffffffffffffffffffff"}})
			return err
		}},
		{"TagOpenIDConnectProvider", func(ctx context.Context) error {
			_, err := c.TagOpenIDConnectProvider(ctx, &awsiam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com"), Tags: tags})
			return err
		}},
		{"ListOpenIDConnectProviderTags", func(ctx context.Context) error {
			o, err := c.ListOpenIDConnectProviderTags(ctx, &awsiam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com")})
			return want(err, o != nil && len(o.Tags) == 1)
		}},
		{"UntagOpenIDConnectProvider", func(ctx context.Context) error {
			_, err := c.UntagOpenIDConnectProvider(ctx, &awsiam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com"), TagKeys: []string{"k"}})
			return err
		}},
		{"GetOpenIDConnectProvider", func(ctx context.Context) error {
			o, err := c.GetOpenIDConnectProvider(ctx, &awsiam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com")})
			return want(err, o != nil && len(o.ClientIDList) == 1 && o.ClientIDList[0] == "b" && o.ThumbprintList[0] == "ffffffffffffffffffffffffffffffffffffffff")
		}},
		{"ListOpenIDConnectProviders", func(ctx context.Context) error {
			o, err := c.ListOpenIDConnectProviders(ctx, &awsiam.ListOpenIDConnectProvidersInput{})
			return want(err, o != nil && len(o.OpenIDConnectProviderList) == 1)
		}},
		{"CreateSAMLProvider", func(ctx context.Context) error {
			o, err := c.CreateSAMLProvider(ctx, &awsiam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(samlDoc)})
			return want(err, o != nil && aws.ToString(o.SAMLProviderArn) == a+"saml-provider/corp")
		}},
		{"UpdateSAMLProvider", func(ctx context.Context) error {
			_, err := c.UpdateSAMLProvider(ctx, &awsiam.UpdateSAMLProviderInput{SAMLProviderArn: aws.String(a + "saml-provider/corp"), SAMLMetadataDocument: aws.String(samlDoc)})
			return err
		}},
		{"GetSAMLProvider", func(ctx context.Context) error {
			o, err := c.GetSAMLProvider(ctx, &awsiam.GetSAMLProviderInput{SAMLProviderArn: aws.String(a + "saml-provider/corp")})
			return want(err, o != nil && o.ValidUntil != nil && aws.ToString(o.SAMLMetadataDocument) == samlDoc)
		}},
		{"TagSAMLProvider", func(ctx context.Context) error {
			_, err := c.TagSAMLProvider(ctx, &awsiam.TagSAMLProviderInput{SAMLProviderArn: aws.String(a + "saml-provider/corp"), Tags: tags})
			return err
		}},
		{"ListSAMLProviderTags", func(ctx context.Context) error {
			o, err := c.ListSAMLProviderTags(ctx, &awsiam.ListSAMLProviderTagsInput{SAMLProviderArn: aws.String(a + "saml-provider/corp")})
			return want(err, o != nil && len(o.Tags) == 1)
		}},
		{"UntagSAMLProvider", func(ctx context.Context) error {
			_, err := c.UntagSAMLProvider(ctx, &awsiam.UntagSAMLProviderInput{SAMLProviderArn: aws.String(a + "saml-provider/corp"), TagKeys: []string{"k"}})
			return err
		}},
		{"ListSAMLProviders", func(ctx context.Context) error {
			o, err := c.ListSAMLProviders(ctx, &awsiam.ListSAMLProvidersInput{})
			return want(err, o != nil && len(o.SAMLProviderList) == 1)
		}},
		{"DeleteSAMLProvider", func(ctx context.Context) error {
			_, err := c.DeleteSAMLProvider(ctx, &awsiam.DeleteSAMLProviderInput{SAMLProviderArn: aws.String(a + "saml-provider/corp")})
			return err
		}},
		{"UploadServerCertificate", func(ctx context.Context) error {
			o, err := c.UploadServerCertificate(ctx, &awsiam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"), CertificateBody: aws.String(certPEM), PrivateKey: aws.String(keyPEM)})
			return want(err, o != nil && o.ServerCertificateMetadata.Expiration != nil)
		}},
		{"GetServerCertificate", func(ctx context.Context) error {
			o, err := c.GetServerCertificate(ctx, &awsiam.GetServerCertificateInput{ServerCertificateName: aws.String("web")})
			return want(err, o != nil && aws.ToString(o.ServerCertificate.CertificateBody) == certPEM)
		}},
		{"ListServerCertificates", func(ctx context.Context) error {
			o, err := c.ListServerCertificates(ctx, &awsiam.ListServerCertificatesInput{})
			return want(err, o != nil && len(o.ServerCertificateMetadataList) == 1)
		}},
		{"UpdateServerCertificate", func(ctx context.Context) error {
			_, err := c.UpdateServerCertificate(ctx, &awsiam.UpdateServerCertificateInput{ServerCertificateName: aws.String("web"), NewPath: aws.String("/elb/")})
			return err
		}},
		{"TagServerCertificate", func(ctx context.Context) error {
			_, err := c.TagServerCertificate(ctx, &awsiam.TagServerCertificateInput{ServerCertificateName: aws.String("web"), Tags: tags})
			return err
		}},
		{"ListServerCertificateTags", func(ctx context.Context) error {
			o, err := c.ListServerCertificateTags(ctx, &awsiam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("web")})
			return want(err, o != nil && len(o.Tags) == 1)
		}},
		{"UntagServerCertificate", func(ctx context.Context) error {
			_, err := c.UntagServerCertificate(ctx, &awsiam.UntagServerCertificateInput{ServerCertificateName: aws.String("web"), TagKeys: []string{"k"}})
			return err
		}},
		{"DeleteServerCertificate", func(ctx context.Context) error {
			_, err := c.DeleteServerCertificate(ctx, &awsiam.DeleteServerCertificateInput{ServerCertificateName: aws.String("web")})
			return err
		}},
		{"CreateServiceLinkedRole", func(ctx context.Context) error {
			o, err := c.CreateServiceLinkedRole(ctx, &awsiam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("ecs.amazonaws.com")})
			return want(err, o != nil && aws.ToString(o.Role.RoleName) == "AWSServiceRoleForECS")
		}},
		{"DeleteServiceLinkedRole", func(ctx context.Context) error {
			o, err := c.DeleteServiceLinkedRole(ctx, &awsiam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForECS")})
			if o != nil {
				taskID = aws.ToString(o.DeletionTaskId)
			}
			return err
		}},
		{"GetServiceLinkedRoleDeletionStatus", func(ctx context.Context) error {
			o, err := c.GetServiceLinkedRoleDeletionStatus(ctx, &awsiam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(taskID)})
			return want(err, o != nil && o.Status == types.DeletionTaskStatusTypeSucceeded)
		}},
		{"SetSecurityTokenServicePreferences", func(ctx context.Context) error {
			_, err := c.SetSecurityTokenServicePreferences(ctx, &awsiam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: types.GlobalEndpointTokenVersionV2Token})
			return err
		}},
		{"CreateAccountAlias", func(ctx context.Context) error {
			_, err := c.CreateAccountAlias(ctx, &awsiam.CreateAccountAliasInput{AccountAlias: aws.String("my-org")})
			return err
		}},
		{"ListAccountAliases", func(ctx context.Context) error {
			o, err := c.ListAccountAliases(ctx, &awsiam.ListAccountAliasesInput{})
			return want(err, o != nil && len(o.AccountAliases) == 1)
		}},
		{"UpdateAccountPasswordPolicy", func(ctx context.Context) error {
			_, err := c.UpdateAccountPasswordPolicy(ctx, &awsiam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(10), RequireSymbols: true})
			return err
		}},
		{"GetAccountPasswordPolicy", func(ctx context.Context) error {
			o, err := c.GetAccountPasswordPolicy(ctx, &awsiam.GetAccountPasswordPolicyInput{})
			return want(err, o != nil && aws.ToInt32(o.PasswordPolicy.MinimumPasswordLength) == 10 && o.PasswordPolicy.RequireSymbols)
		}},
		{"GetAccountSummary", func(ctx context.Context) error {
			o, err := c.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
			return want(err, o != nil && o.SummaryMap["Users"] == 1 && o.SummaryMap["Roles"] == 1 && o.SummaryMap["Providers"] == 1)
		}},
		{"GetAccountAuthorizationDetails", func(ctx context.Context) error {
			o, err := c.GetAccountAuthorizationDetails(ctx, &awsiam.GetAccountAuthorizationDetailsInput{})
			return want(err, o != nil && len(o.UserDetailList) == 1 && len(o.RoleDetailList) == 1 && len(o.RoleDetailList[0].InstanceProfileList) == 1)
		}},
		{"SimulatePrincipalPolicy", func(ctx context.Context) error {
			o, err := c.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(a + "user/people/u"), ActionNames: []string{"s3:GetObject"},
				ContextEntries: []types.ContextEntry{{ContextKeyName: aws.String("aws:SecureTransport"), ContextKeyType: types.ContextKeyTypeEnumBoolean, ContextKeyValues: []string{"true"}}}})
			return want(err, o != nil && len(o.EvaluationResults) == 1 && o.EvaluationResults[0].EvalDecision == types.PolicyEvaluationDecisionTypeAllowed)
		}},
		{"SimulateCustomPolicy", func(ctx context.Context) error {
			o, err := c.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject"}})
			return want(err, o != nil && o.EvaluationResults[0].EvalDecision == types.PolicyEvaluationDecisionTypeImplicitDeny)
		}},
		{"GetContextKeysForCustomPolicy", func(ctx context.Context) error {
			o, err := c.GetContextKeysForCustomPolicy(ctx, &awsiam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{doc}})
			return want(err, o != nil && len(o.ContextKeyNames) == 1)
		}},
		{"GetContextKeysForPrincipalPolicy", func(ctx context.Context) error {
			o, err := c.GetContextKeysForPrincipalPolicy(ctx, &awsiam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String(a + "user/people/u")})
			return want(err, o != nil && len(o.ContextKeyNames) == 1)
		}},
		{"GenerateCredentialReport", func(ctx context.Context) error {
			o, err := c.GenerateCredentialReport(ctx, &awsiam.GenerateCredentialReportInput{})
			return want(err, o != nil && o.State == types.ReportStateTypeStarted)
		}},
		{"GetCredentialReport", func(ctx context.Context) error {
			o, err := c.GetCredentialReport(ctx, &awsiam.GetCredentialReportInput{})
			return want(err, o != nil && o.ReportFormat == types.ReportFormatTypeTextCsv && strings.HasPrefix(string(o.Content), "user,arn,"))
		}},
		{"ListPoliciesGrantingServiceAccess", func(ctx context.Context) error {
			o, err := c.ListPoliciesGrantingServiceAccess(ctx, &awsiam.ListPoliciesGrantingServiceAccessInput{Arn: aws.String(a + "user/people/u"), ServiceNamespaces: []string{"s3", "iam"}})
			return want(err, o != nil && len(o.PoliciesGrantingServiceAccess) == 2 && len(o.PoliciesGrantingServiceAccess[0].Policies) > 0)
		}},
		// Tear-down, in the order AWS requires.
		{"DeleteAccountPasswordPolicy", func(ctx context.Context) error {
			_, err := c.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
			return err
		}},
		{"DeleteAccountAlias", func(ctx context.Context) error {
			_, err := c.DeleteAccountAlias(ctx, &awsiam.DeleteAccountAliasInput{AccountAlias: aws.String("my-org")})
			return err
		}},
		{"DeleteOpenIDConnectProvider", func(ctx context.Context) error {
			_, err := c.DeleteOpenIDConnectProvider(ctx, &awsiam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a + "oidc-provider/idp.example.com")})
			return err
		}},
		{"DeactivateMFADevice", func(ctx context.Context) error {
			_, err := c.DeactivateMFADevice(ctx, &awsiam.DeactivateMFADeviceInput{UserName: aws.String("u"), SerialNumber: aws.String(serial)})
			return err
		}},
		{"DeleteVirtualMFADevice", func(ctx context.Context) error {
			_, err := c.DeleteVirtualMFADevice(ctx, &awsiam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
			return err
		}},
		{"RemoveRoleFromInstanceProfile", func(ctx context.Context) error {
			_, err := c.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("r")})
			return err
		}},
		{"DeleteInstanceProfile", func(ctx context.Context) error {
			_, err := c.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("ip")})
			return err
		}},
		{"DetachRolePolicy", func(ctx context.Context) error {
			_, err := c.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: aws.String(pArn)})
			return err
		}},
		{"DeleteRolePolicy", func(ctx context.Context) error {
			_, err := c.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("rp")})
			return err
		}},
		{"DeleteRole", func(ctx context.Context) error {
			_, err := c.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("r")})
			return err
		}},
		{"DetachGroupPolicy", func(ctx context.Context) error {
			_, err := c.DetachGroupPolicy(ctx, &awsiam.DetachGroupPolicyInput{GroupName: aws.String("team"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")})
			return err
		}},
		{"DeleteGroupPolicy", func(ctx context.Context) error {
			_, err := c.DeleteGroupPolicy(ctx, &awsiam.DeleteGroupPolicyInput{GroupName: aws.String("team"), PolicyName: aws.String("gp")})
			return err
		}},
		{"RemoveUserFromGroup", func(ctx context.Context) error {
			_, err := c.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{GroupName: aws.String("team"), UserName: aws.String("u")})
			return err
		}},
		{"DeleteGroup", func(ctx context.Context) error {
			_, err := c.DeleteGroup(ctx, &awsiam.DeleteGroupInput{GroupName: aws.String("team")})
			return err
		}},
		{"DetachUserPolicy", func(ctx context.Context) error {
			_, err := c.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(pArn)})
			return err
		}},
		{"DeletePolicy", func(ctx context.Context) error {
			_, err := c.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(pArn)})
			return err
		}},
		{"DeleteUserPolicy", func(ctx context.Context) error {
			_, err := c.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("up")})
			return err
		}},
		{"DeleteAccessKey", func(ctx context.Context) error {
			_, err := c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("u"), AccessKeyId: aws.String(keyID)})
			return err
		}},
		{"DeleteLoginProfile", func(ctx context.Context) error {
			_, err := c.DeleteLoginProfile(ctx, &awsiam.DeleteLoginProfileInput{UserName: aws.String("u")})
			return err
		}},
		{"DeleteUser", func(ctx context.Context) error {
			_, err := c.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("u")})
			return err
		}},
	}
	for _, st := range steps {
		if err := st.run(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	o, err := c.GetAccountSummary(ctx, &awsiam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Users", "Groups", "Roles", "Policies", "InstanceProfiles", "MFADevices", "Providers"} {
		if o.SummaryMap[k] != 0 {
			t.Errorf("%s left: %d", k, o.SummaryMap[k])
		}
	}
}

// errUnexpected reports an answer that decoded but is not what was sent.
type errUnexpected struct{}

func (errUnexpected) Error() string { return "the SDK decoded an unexpected answer" }

// want is err, or errUnexpected when the call succeeded but ok is false.
func want(err error, ok bool) error {
	if err != nil {
		return err
	}
	if !ok {
		return errUnexpected{}
	}
	return nil
}

func decoded(p *string) string {
	s, err := url.QueryUnescape(aws.ToString(p))
	if err != nil {
		return "undecodable: " + err.Error()
	}
	return s
}

// selfSignedPEM returns a self-signed certificate and its key, in PEM.
func selfSignedPEM(t *testing.T) (string, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "www.example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// sshRSAKey returns a new 2048-bit RSA public key in ssh-rsa form.
func sshRSAKey(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var blob []byte
	put := func(p []byte) {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(p)))
		blob = append(blob, p...)
	}
	put([]byte("ssh-rsa"))
	put(big.NewInt(int64(k.E)).Bytes())
	put(append([]byte{0}, k.N.Bytes()...))
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob) + " test"
}
