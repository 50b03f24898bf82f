package organizations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func (w *world) policy(typ types.PolicyType, name, content string) string {
	w.t.Helper()
	out, err := w.orgs.CreatePolicy(context.Background(), &organizations.CreatePolicyInput{Name: aws.String(name), Description: aws.String(""), Type: typ, Content: aws.String(content)})
	if err != nil {
		w.t.Fatal(err)
	}
	return aws.ToString(out.Policy.PolicySummary.Id)
}

// An SCP that denies s3:CreateBucket stops a member account's role, not the
// management account, and stops applying when the account leaves its OU.
func TestSCPEnforced(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	member := w.vend("member", "member@example.com")
	ou, err := w.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("fenced")})
	if err != nil {
		t.Fatal(err)
	}
	ouID := aws.ToString(ou.OrganizationalUnit.Id)
	must(t)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy}))
	deny := w.policy(types.PolicyTypeServiceControlPolicy, "no-buckets",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:CreateBucket","Resource":"*"}]}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(ouID)}))
	// On the root too: the management account is never restricted.
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(root)}))
	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(root)}))

	role := s3Client(w.accessRole(member))
	must(t)(role.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("member-before")}))

	must(t)(w.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(member), SourceParentId: aws.String(root), DestinationParentId: aws.String(ouID)}))
	_, err = role.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("member-fenced")})
	wantDenied(t, err, "with an explicit deny in a service control policy")
	// Other actions stay allowed by FullAWSAccess at every level.
	must(t)(role.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("member-before"), Key: aws.String("k"), Body: strings.NewReader("x")}))

	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(root)}))
	must(t)(s3Client(w.admin).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mgmt-bucket")}))
	must(t)(s3Client(w.srv.AWSConfig("mgmt")).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mgmt-root-bucket")}))
	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(root)}))

	// Out of the OU, its SCP no longer applies: on the next request.
	must(t)(w.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(member), SourceParentId: aws.String(ouID), DestinationParentId: aws.String(root)}))
	must(t)(role.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("member-after")}))

	// An SCP that allows only S3 leaves IAM implicitly denied, naming the
	// SCP, for every principal of the account, the role included.
	s3only := w.policy(types.PolicyTypeServiceControlPolicy, "s3-only",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(s3only), TargetId: aws.String(member)}))
	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: aws.String(member)}))
	_, err = iam.NewFromConfig(w.accessRole(member)).ListRoles(ctx, &iam.ListRolesInput{})
	wantDenied(t, err, "because no service control policy allows the iam:ListRoles action")
	must(t)(role.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("member-s3-only")}))

	// Disabling SCPs lifts them all.
	must(t)(w.orgs.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy}))
	must(t)(iam.NewFromConfig(w.accessRole(member)).ListRoles(ctx, &iam.ListRolesInput{}))
}

// An RCP that denies access from outside the organization stops an
// outside account that the bucket policy allows; principals of the
// organization, which a bucket policy can name by aws:PrincipalOrgID, keep
// their access.
func TestRCPEnforced(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	member := w.vend("member", "member@example.com")
	role := s3Client(w.accessRole(member))
	const bucket = "shared-data"
	must(t)(role.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	must(t)(role.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("x")}))
	must(t)(role.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Outsider","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + outsiderID + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"},
		{"Sid":"Org","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + w.orgID + `"}}}]}`)}))

	outsider := s3Client(w.srv.AWSConfig("outsider"))
	get := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")}
	must(t)(outsider.GetObject(ctx, get))
	// The management account's user reaches it through aws:PrincipalOrgID.
	must(t)(s3Client(w.admin).GetObject(ctx, get))

	must(t)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeResourceControlPolicy}))
	must(t)(outsider.GetObject(ctx, get)) // RCPFullAWSAccess changes nothing
	rcp := w.policy(types.PolicyTypeResourceControlPolicy, "org-only", `{"Version":"2012-10-17","Statement":[{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
		"Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"`+w.orgID+`"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(rcp), TargetId: aws.String(root)}))

	// S3 tells callers of other accounts only "Access Denied".
	_, err := outsider.GetObject(ctx, get)
	wantDenied(t, err, "Access Denied")
	must(t)(s3Client(w.admin).GetObject(ctx, get))
	must(t)(role.GetObject(ctx, get))

	// The bucket's own account hears which policy type denied; several RCPs
	// on one level (RCPFullAWSAccess, org-only, no-deletes) add up.
	noDelete := w.policy(types.PolicyTypeResourceControlPolicy, "no-deletes", `{"Version":"2012-10-17","Statement":[{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"*"}]}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(noDelete), TargetId: aws.String(root)}))
	_, err = role.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	wantDenied(t, err, "with an explicit deny in a resource control policy")
	// RCPs do not apply to IAM.
	must(t)(iam.NewFromConfig(w.accessRole(member)).ListRoles(ctx, &iam.ListRolesInput{}))
	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(noDelete), TargetId: aws.String(root)}))

	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(rcp), TargetId: aws.String(root)}))
	must(t)(outsider.GetObject(ctx, get))
}
