package s3

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/store"
)

// TestActionsPerOperation asserts the IAM action(s) and resource each
// operation asks the Authorizer about (Service Authorization Reference for
// S3, and the S3 API Reference's "Permissions" section of each operation).
func TestActionsPerOperation(t *testing.T) {
	h, a := newBucketHarness(t, "Enabled")
	v1 := api.ToString(put(h, a, "obj", "x").VersionId)
	cu := must(h.svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "mp"}))
	one := int32(1)
	bkt, obj := "arn:aws:s3:::bkt", "arn:aws:s3:::bkt/obj"
	tests := []struct {
		name string
		call func() error
		want []string // "action resource"
	}{
		{"HeadBucket", func() error { _, err := h.svc.HeadBucket(a, &s3api.HeadBucketInput{Bucket: "bkt"}); return err }, []string{"s3:ListBucket " + bkt}},
		{"ListBuckets", func() error { _, err := h.svc.ListBuckets(a, &s3api.ListBucketsInput{}); return err }, []string{"s3:ListAllMyBuckets *"}},
		{"GetBucketLocation", func() error {
			_, err := h.svc.GetBucketLocation(a, &s3api.GetBucketLocationInput{Bucket: "bkt"})
			return err
		}, []string{"s3:GetBucketLocation " + bkt}},
		{"GetBucketEncryption", func() error {
			_, err := h.svc.GetBucketEncryption(a, &s3api.GetBucketEncryptionInput{Bucket: "bkt"})
			return err
		}, []string{"s3:GetEncryptionConfiguration " + bkt}},
		{"DeleteBucketEncryption", func() error {
			_, err := h.svc.DeleteBucketEncryption(a, &s3api.DeleteBucketEncryptionInput{Bucket: "bkt"})
			return err
		}, []string{"s3:PutEncryptionConfiguration " + bkt}},
		{"GetPublicAccessBlock", func() error {
			_, err := h.svc.GetPublicAccessBlock(a, &s3api.GetPublicAccessBlockInput{Bucket: "bkt"})
			return err
		}, []string{"s3:GetBucketPublicAccessBlock " + bkt}},
		{"GetBucketCors", func() error {
			_, err := h.svc.GetBucketCors(a, &s3api.GetBucketCorsInput{Bucket: "bkt"})
			return ignore(err, "NoSuchCORSConfiguration")
		}, []string{"s3:GetBucketCORS " + bkt}},
		{"GetBucketLifecycleConfiguration", func() error {
			_, err := h.svc.GetBucketLifecycleConfiguration(a, &s3api.GetBucketLifecycleConfigurationInput{Bucket: "bkt"})
			return ignore(err, "NoSuchLifecycleConfiguration")
		}, []string{"s3:GetLifecycleConfiguration " + bkt}},
		{"GetBucketReplication", func() error {
			_, err := h.svc.GetBucketReplication(a, &s3api.GetBucketReplicationInput{Bucket: "bkt"})
			return ignore(err, "ReplicationConfigurationNotFoundError")
		}, []string{"s3:GetReplicationConfiguration " + bkt}},
		{"GetObjectLockConfiguration", func() error {
			_, err := h.svc.GetObjectLockConfiguration(a, &s3api.GetObjectLockConfigurationInput{Bucket: "bkt"})
			return ignore(err, "ObjectLockConfigurationNotFoundError")
		}, []string{"s3:GetBucketObjectLockConfiguration " + bkt}},
		{"GetBucketAccelerateConfiguration", func() error {
			_, err := h.svc.GetBucketAccelerateConfiguration(a, &s3api.GetBucketAccelerateConfigurationInput{Bucket: "bkt"})
			return err
		}, []string{"s3:GetAccelerateConfiguration " + bkt}},
		{"GetObject", func() error {
			_, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "obj"})
			return err
		}, []string{"s3:GetObject " + obj}},
		{"GetObject version", func() error {
			_, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "obj", VersionId: &v1})
			return err
		}, []string{"s3:GetObjectVersion " + obj}},
		{"GetObject missing key checks ListBucket", func() error {
			_, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "none"})
			return ignore(err, "NoSuchKey")
		}, []string{"s3:GetObject arn:aws:s3:::bkt/none", "s3:ListBucket " + bkt}},
		{"HeadObject", func() error {
			_, err := h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: "obj"})
			return err
		}, []string{"s3:GetObject " + obj}},
		{"PutObject with tags", func() error {
			_, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "obj", Body: body("y"), Tagging: api.String("k=v")})
			return err
		}, []string{"s3:PutObject " + obj, "s3:PutObjectTagging " + obj}},
		{"DeleteObject", func() error {
			_, err := h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "other"})
			return err
		}, []string{"s3:DeleteObject arn:aws:s3:::bkt/other"}},
		{"DeleteObject version", func() error {
			_, err := h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "other", VersionId: api.String("null")})
			return err
		}, []string{"s3:DeleteObjectVersion arn:aws:s3:::bkt/other"}},
		{"ListObjectsV2", func() error { _, err := h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt"}); return err }, []string{"s3:ListBucket " + bkt}},
		{"ListObjectVersions", func() error {
			_, err := h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt"})
			return err
		}, []string{"s3:ListBucketVersions " + bkt}},
		{"GetObjectTagging", func() error {
			_, err := h.svc.GetObjectTagging(a, &s3api.GetObjectTaggingInput{Bucket: "bkt", Key: "obj"})
			return err
		}, []string{"s3:GetObjectTagging " + obj}},
		{"CopyObject", func() error {
			_, err := h.svc.CopyObject(a, &s3api.CopyObjectInput{Bucket: "bkt", Key: "copy", CopySource: api.String("bkt/obj")})
			return err
		}, []string{"s3:GetObject " + obj, "s3:PutObject arn:aws:s3:::bkt/copy"}},
		{"UploadPart", func() error {
			_, err := h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "mp", UploadId: cu.UploadId, PartNumber: &one, Body: body("p")})
			return err
		}, []string{"s3:PutObject arn:aws:s3:::bkt/mp"}},
		{"ListParts", func() error {
			_, err := h.svc.ListParts(a, &s3api.ListPartsInput{Bucket: "bkt", Key: "mp", UploadId: cu.UploadId})
			return err
		}, []string{"s3:ListMultipartUploadParts arn:aws:s3:::bkt/mp"}},
		{"ListMultipartUploads", func() error {
			_, err := h.svc.ListMultipartUploads(a, &s3api.ListMultipartUploadsInput{Bucket: "bkt"})
			return err
		}, []string{"s3:ListBucketMultipartUploads " + bkt}},
		{"AbortMultipartUpload", func() error {
			_, err := h.svc.AbortMultipartUpload(a, &s3api.AbortMultipartUploadInput{Bucket: "bkt", Key: "mp", UploadId: cu.UploadId})
			return err
		}, []string{"s3:AbortMultipartUpload arn:aws:s3:::bkt/mp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.authz.reset()
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			checks := h.authz.reset()
			var got []string
			for _, c := range checks {
				got = append(got, c.Action+" "+c.Resource)
				if c.Resource != "*" && (c.ResourceAccount != accountA || c.Context["s3:ResourceAccount"][0] != accountA) {
					t.Errorf("%s: ResourceAccount %q, context %v", c.Action, c.ResourceAccount, c.Context["s3:ResourceAccount"])
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("checks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func ignore(err error, c string) error {
	if code(err) == c {
		return nil
	}
	return err
}

func TestConditionKeys(t *testing.T) {
	h, a := newBucketHarness(t, "")
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "tagged", Body: body("x"), Tagging: api.String("team=red")}))
	h.authz.reset()
	must(h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt", Prefix: api.String("home/"), Delimiter: api.String("/"), MaxKeys: api.Int32(10)}))
	c := h.authz.reset()[0]
	if c.Context["s3:prefix"][0] != "home/" || c.Context["s3:delimiter"][0] != "/" || c.Context["s3:max-keys"][0] != "10" {
		t.Errorf("list context = %v", c.Context)
	}
	must(h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "tagged"}))
	c = h.authz.reset()[0]
	if c.Context["s3:ExistingObjectTag/team"][0] != "red" {
		t.Errorf("get context = %v", c.Context)
	}
	sse := s3api.ServerSideEncryptionAES256
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "enc", Body: body("x"), ServerSideEncryption: &sse, ACL: ptr(s3api.ObjectCannedACLBucketOwnerFullControl)}))
	c = h.authz.reset()[0]
	if c.Context["s3:x-amz-server-side-encryption"][0] != "AES256" || c.Context["s3:x-amz-acl"][0] != "bucket-owner-full-control" {
		t.Errorf("put context = %v", c.Context)
	}
}

func TestDenials(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "k", "x")
	h.authz.deny = func(c authz.Check, p *identity.Principal) bool {
		return p.Account != accountA || c.Action == "s3:ListBucket"
	}
	// Same account: the Authorizer's explanation goes to the client.
	if _, err := h.svc.HeadBucket(a, &s3api.HeadBucketInput{Bucket: "bkt"}); code(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: s3:ListBucket") {
		t.Errorf("same-account denial: %v", err)
	}
	// Without s3:ListBucket a missing key is 403, not 404.
	if _, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "missing"}); code(err) != "AccessDenied" {
		t.Errorf("missing key without ListBucket: %v", err)
	}
	// Another account and anonymous callers get the bare "Access Denied".
	for _, ctx := range []context.Context{as(accountB, "us-east-1"), as("", "us-east-1")} {
		_, err := h.svc.GetObject(ctx, &s3api.GetObjectInput{Bucket: "bkt", Key: "k"})
		if code(err) != "AccessDenied" || !strings.HasSuffix(err.Error(), ": Access Denied") {
			t.Errorf("cross-account denial: %v", err)
		}
	}
	// A missing bucket is NoSuchBucket whoever asks.
	if _, err := h.svc.GetObject(as(accountB, "us-east-1"), &s3api.GetObjectInput{Bucket: "nobucket", Key: "k"}); code(err) != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
}

func TestPolicyIsPublic(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		public bool
	}{
		{"wildcard principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, true},
		{"AWS wildcard", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, true},
		{"account principal", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, false},
		{"deny to everyone", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, false},
		{"wildcard fixed by source account", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}}]}`, false},
		{"wildcard fixed by org", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}}]}`, false},
		{"wildcard with a wildcard condition", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-*"}}}]}`, true},
		{"narrow IP range", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/16"}}}]}`, false},
		{"broad IP range", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}}]}`, true},
		{"unrelated condition key", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`, true},
		{"NotPrincipal allow", `{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := policy.Parse(tc.policy, policy.Resource)
			if err != nil {
				t.Fatal(err)
			}
			if got := policyIsPublic(p); got != tc.public {
				t.Errorf("policyIsPublic = %v, want %v", got, tc.public)
			}
		})
	}
}

func TestBucketPolicy(t *testing.T) {
	h, a := newBucketHarness(t, "")
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	crossAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"]}]}`
	tests := []struct {
		name, policy, code, message string
	}{
		{"not JSON", "nope", "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'"},
		{"broken JSON", "{", "MalformedPolicy", "This policy contains invalid Json"},
		{"no statement", `{"Version":"2012-10-17"}`, "MalformedPolicy", "Missing required field Statement"},
		{"no principal", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bkt"}]}`, "MalformedPolicy", "Missing required field Principal"},
		{"other service's action", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"iam:*","Resource":"arn:aws:s3:::bkt"}]}`, "MalformedPolicy", "Policy has invalid action"},
		{"other bucket", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}]}`, "MalformedPolicy", "Policy has invalid resource"},
		{"public while BlockPublicPolicy", public, "AccessDenied", "because public policies are blocked by the BlockPublicPolicy block public access setting."},
		{"cross-account grant", crossAccount, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.PutBucketPolicy(a, &s3api.PutBucketPolicyInput{Bucket: "bkt", Policy: tc.policy})
			if code(err) != tc.code || tc.message != "" && !strings.Contains(err.Error(), tc.message) {
				t.Errorf("err = %v, want %s %q", err, tc.code, tc.message)
			}
		})
	}
	got := must(h.svc.GetBucketPolicy(a, &s3api.GetBucketPolicyInput{Bucket: "bkt"}))
	if *got.Policy != crossAccount {
		t.Errorf("stored policy = %s", *got.Policy)
	}
	st := must(h.svc.GetBucketPolicyStatus(a, &s3api.GetBucketPolicyStatusInput{Bucket: "bkt"}))
	if api.ToBool(st.PolicyStatus.IsPublic) {
		t.Errorf("cross-account policy reported public")
	}
	// The bucket policy reaches the Authorizer as the resource policy.
	h.authz.reset()
	put(h, a, "k", "x")
	if c := h.authz.reset()[0]; policyText(c.ResourcePolicy) != canonical(t, crossAccount) {
		t.Errorf("ResourcePolicy = %v", c.ResourcePolicy)
	}

	// With Block Public Access off the public policy is accepted; then
	// RestrictPublicBuckets withholds it from other accounts only.
	must(h.svc.PutPublicAccessBlock(a, &s3api.PutPublicAccessBlockInput{Bucket: "bkt", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{RestrictPublicBuckets: api.Bool(true)}}))
	must(h.svc.PutBucketPolicy(a, &s3api.PutBucketPolicyInput{Bucket: "bkt", Policy: public}))
	st = must(h.svc.GetBucketPolicyStatus(a, &s3api.GetBucketPolicyStatusInput{Bucket: "bkt"}))
	if !api.ToBool(st.PolicyStatus.IsPublic) {
		t.Errorf("public policy reported private")
	}
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		policy string
	}{
		{"owner account keeps the policy", a, public},
		{"other account loses it", as(accountB, "us-east-1"), ""},
		{"anonymous loses it", as("", "us-east-1"), ""},
	} {
		t.Run("RestrictPublicBuckets: "+tc.name, func(t *testing.T) {
			h.authz.reset()
			h.svc.GetObject(tc.ctx, &s3api.GetObjectInput{Bucket: "bkt", Key: "k"})
			if c := h.authz.reset()[0]; policyText(c.ResourcePolicy) != canonical(t, tc.policy) {
				t.Errorf("ResourcePolicy = %v, want %q", c.ResourcePolicy, tc.policy)
			}
		})
	}
	must(h.svc.DeleteBucketPolicy(a, &s3api.DeleteBucketPolicyInput{Bucket: "bkt"}))
	if _, err := h.svc.GetBucketPolicy(a, &s3api.GetBucketPolicyInput{Bucket: "bkt"}); code(err) != "NoSuchBucketPolicy" {
		t.Errorf("after delete: %v", err)
	}
}

func TestCreateBucketWithACL(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	own := s3api.ObjectOwnershipObjectWriter
	public := s3api.BucketCannedACLAuthenticatedRead
	if _, err := h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "with-acl", ObjectOwnership: &own, ACL: &public}); code(err) != "InvalidBucketAclWithBlockPublicAccessError" {
		t.Errorf("public ACL at creation: %v", err)
	}
	if _, err := h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "with-acl", ObjectOwnership: &own, GrantRead: api.String("uri=" + groupAllUsers)}); code(err) != "InvalidBucketAclWithBlockPublicAccessError" {
		t.Errorf("public grant header at creation: %v", err)
	}
	private := s3api.BucketCannedACLPrivate
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "with-acl", ObjectOwnership: &own, ACL: &private}))
	got := must(h.svc.GetBucketAcl(a, &s3api.GetBucketAclInput{Bucket: "with-acl"}))
	if len(got.Grants) != 1 || api.ToString(got.Grants[0].Grantee.ID) != canonicalID(accountA) {
		t.Errorf("grants = %+v", got.Grants)
	}
}

func TestBucketPolicyCrossAccount(t *testing.T) {
	h, a := newBucketHarness(t, "")
	b := as(accountB, "us-east-1")
	// Allowed, but not the owner's account: 405.
	_, err := h.svc.GetBucketPolicy(b, &s3api.GetBucketPolicyInput{Bucket: "bkt"})
	if code(err) != "MethodNotAllowed" || status(err) != 405 {
		t.Errorf("cross-account GetBucketPolicy: %v", err)
	}
	h.authz.deny = func(c authz.Check, p *identity.Principal) bool { return p.Account == accountB }
	if _, err := h.svc.PutBucketPolicy(b, &s3api.PutBucketPolicyInput{Bucket: "bkt", Policy: "{}"}); code(err) != "AccessDenied" {
		t.Errorf("denied cross-account PutBucketPolicy: %v", err)
	}
	// The owner's root is not even asked about.
	h.authz.deny = func(authz.Check, *identity.Principal) bool { return true }
	h.authz.reset()
	if _, err := h.svc.DeleteBucketPolicy(a, &s3api.DeleteBucketPolicyInput{Bucket: "bkt"}); err != nil {
		t.Errorf("root DeleteBucketPolicy: %v", err)
	}
	if n := len(h.authz.reset()); n != 0 {
		t.Errorf("root DeleteBucketPolicy asked the Authorizer %d times", n)
	}
}

func TestACLs(t *testing.T) {
	h, a := newBucketHarness(t, "")
	acl := must(h.svc.GetBucketAcl(a, &s3api.GetBucketAclInput{Bucket: "bkt"}))
	if len(acl.Grants) != 1 || *acl.Grants[0].Permission != "FULL_CONTROL" || *acl.Grants[0].Grantee.ID != canonicalID(accountA) || *acl.Owner.ID != canonicalID(accountA) {
		t.Errorf("default ACL = %+v", acl)
	}
	if _, err := h.svc.PutBucketAcl(a, &s3api.PutBucketAclInput{Bucket: "bkt", ACL: ptr(s3api.BucketCannedACLPrivate)}); code(err) != "AccessControlListNotSupported" {
		t.Errorf("PutBucketAcl on an ACL-less bucket: %v", err)
	}
	must(h.svc.PutBucketOwnershipControls(a, &s3api.PutBucketOwnershipControlsInput{Bucket: "bkt", OwnershipControls: &s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: s3api.ObjectOwnershipObjectWriter}}}}))
	if _, err := h.svc.PutBucketAcl(a, &s3api.PutBucketAclInput{Bucket: "bkt", ACL: ptr(s3api.BucketCannedACLPublicRead)}); code(err) != "AccessDenied" {
		t.Errorf("public ACL under BlockPublicAcls: %v", err)
	}
	must(h.svc.DeletePublicAccessBlock(a, &s3api.DeletePublicAccessBlockInput{Bucket: "bkt"}))
	must(h.svc.PutBucketAcl(a, &s3api.PutBucketAclInput{Bucket: "bkt", ACL: ptr(s3api.BucketCannedACLPublicRead)}))
	acl = must(h.svc.GetBucketAcl(a, &s3api.GetBucketAclInput{Bucket: "bkt"}))
	if len(acl.Grants) != 2 || api.ToString(acl.Grants[1].Grantee.URI) != groupAllUsers {
		t.Errorf("public-read ACL = %+v", acl.Grants)
	}
	put(h, a, "k", "x")
	must(h.svc.PutObjectAcl(a, &s3api.PutObjectAclInput{Bucket: "bkt", Key: "k", GrantRead: api.String(`uri="` + groupAuthUsers + `"`)}))
	oacl := must(h.svc.GetObjectAcl(a, &s3api.GetObjectAclInput{Bucket: "bkt", Key: "k"}))
	if len(oacl.Grants) != 1 || api.ToString(oacl.Grants[0].Grantee.URI) != groupAuthUsers {
		t.Errorf("object ACL = %+v", oacl.Grants)
	}
}

// TestAuthorizeBeforeValidate: S3 answers NoSuchBucket and AccessDenied
// before it looks at a malformed configuration.
func TestAuthorizeBeforeValidate(t *testing.T) {
	h, a := newBucketHarness(t, "")
	bad := &s3api.VersioningConfiguration{Status: ptr(s3api.BucketVersioningStatus("On"))}
	if _, err := h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: "nobucket", VersioningConfiguration: bad}); code(err) != "NoSuchBucket" {
		t.Errorf("malformed request to a missing bucket: %v", err)
	}
	if _, err := h.svc.PutBucketCors(a, &s3api.PutBucketCorsInput{Bucket: "nobucket"}); code(err) != "NoSuchBucket" {
		t.Errorf("malformed CORS to a missing bucket: %v", err)
	}
	h.authz.deny = func(authz.Check, *identity.Principal) bool { return true }
	if _, err := h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: "bkt", VersioningConfiguration: bad}); code(err) != "AccessDenied" {
		t.Errorf("malformed request from a denied caller: %v", err)
	}
	if _, err := h.svc.PutBucketTagging(a, &s3api.PutBucketTaggingInput{Bucket: "bkt"}); code(err) != "AccessDenied" {
		t.Errorf("malformed tagging from a denied caller: %v", err)
	}
}

// TestBucketAccessFollowsChanges: the decoded settings kept with a cached
// bucket record (ownership, Block Public Access, ACL statements, policy,
// default encryption) follow every change of the bucket, and equals what
// decoding the stored record afresh gives.
func TestBucketAccessFollowsChanges(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "k", "x")
	crossAccount := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`
	objectWriter := &s3api.OwnershipControls{Rules: []s3api.OwnershipControlsRule{{ObjectOwnership: s3api.ObjectOwnershipObjectWriter}}}
	steps := []struct {
		name   string
		change func()
		// The ResourcePolicy GetObject hands the Authorizer: exactly want,
		// or, when contains is set, a document holding each of them.
		want     string
		contains []string
	}{
		{"new bucket: ACLs disabled, no policy", func() {}, "", nil},
		{"ObjectWriter, public-read bucket ACL", func() {
			must(h.svc.PutBucketOwnershipControls(a, &s3api.PutBucketOwnershipControlsInput{Bucket: "bkt", OwnershipControls: objectWriter}))
			must(h.svc.DeletePublicAccessBlock(a, &s3api.DeletePublicAccessBlockInput{Bucket: "bkt"}))
			must(h.svc.PutBucketAcl(a, &s3api.PutBucketAclInput{Bucket: "bkt", ACL: ptr(s3api.BucketCannedACLPublicRead)}))
		}, "", []string{`"Action":["s3:ListBucket","s3:ListBucketVersions","s3:ListBucketMultipartUploads"]`, `"Resource":["arn:aws:s3:::bkt"]`}},
		{"bucket policy added", func() {
			must(h.svc.PutBucketPolicy(a, &s3api.PutBucketPolicyInput{Bucket: "bkt", Policy: crossAccount}))
		}, "", []string{`arn:aws:iam::222222222222:root`, `"s3:ListBucket"`}},
		{"object ACL for authenticated users", func() {
			must(h.svc.PutObjectAcl(a, &s3api.PutObjectAclInput{Bucket: "bkt", Key: "k", GrantRead: api.String(`uri="` + groupAuthUsers + `"`)}))
		}, "", []string{`arn:aws:iam::222222222222:root`, `"s3:ListBucket"`, `"Resource":["arn:aws:s3:::bkt/k"]`, `"aws:PrincipalAccount":["false"]`}},
		{"IgnorePublicAcls leaves the policy alone", func() {
			must(h.svc.PutPublicAccessBlock(a, &s3api.PutPublicAccessBlockInput{Bucket: "bkt", PublicAccessBlockConfiguration: &s3api.PublicAccessBlockConfiguration{IgnorePublicAcls: api.Bool(true)}}))
		}, crossAccount, nil},
		{"policy deleted", func() {
			must(h.svc.DeleteBucketPolicy(a, &s3api.DeleteBucketPolicyInput{Bucket: "bkt"}))
		}, "", nil},
		{"default encryption changed", func() {
			must(h.svc.PutBucketEncryption(a, &s3api.PutBucketEncryptionInput{Bucket: "bkt", ServerSideEncryptionConfiguration: &s3api.ServerSideEncryptionConfiguration{
				Rules: []s3api.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: api.String("alias/k")}}},
			}}))
		}, "", nil},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.change()
			h.authz.reset()
			if _, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k"}); err != nil {
				t.Fatal(err)
			}
			checks := h.authz.reset()
			if len(checks) != 1 {
				t.Fatalf("%d checks, want 1", len(checks))
			}
			got := policyText(checks[0].ResourcePolicy)
			if step.contains == nil && got != canonical(t, step.want) {
				t.Errorf("ResourcePolicy = %s, want %s", got, step.want)
			}
			for _, s := range step.contains {
				if !strings.Contains(got, s) {
					t.Errorf("ResourcePolicy = %s, want it to contain %s", got, s)
				}
			}
			cached := must(h.svc.loadBucket(a, "bkt"))
			if cached.cachedSettings == nil {
				t.Fatal("the cached record carries no decoded access configuration")
			}
			var fresh *bucketRecord
			if err := h.svc.view(a, func(tx store.Tx) (err error) { fresh, err = getBucket(tx, "bkt"); return err }); err != nil {
				t.Fatal(err)
			}
			if fresh.cachedSettings != nil {
				t.Fatal("getBucket returned a record with a cached access configuration")
			}
			if !reflect.DeepEqual(cached.settings(), fresh.settings()) {
				t.Errorf("cached access = %+v\nfresh = %+v", cached.settings(), fresh.settings())
			}
		})
	}
}

// TestConditionContextShared: checks without condition keys of their own
// share the bucket's read-only context; one with keys gets its own map, and
// the shared one keeps only s3:ResourceAccount.
func TestConditionContextShared(t *testing.T) {
	h, a := newBucketHarness(t, "")
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "tagged", Body: body("x"), Tagging: api.String("color=blue")}))
	put(h, a, "plain", "x")
	tests := []struct {
		name string
		key  string
		want map[string][]string
	}{
		{"tagged object", "tagged", map[string][]string{"s3:ResourceAccount": {accountA}, "s3:ExistingObjectTag/color": {"blue"}}},
		{"untagged object", "plain", map[string][]string{"s3:ResourceAccount": {accountA}}},
		{"tagged again", "tagged", map[string][]string{"s3:ResourceAccount": {accountA}, "s3:ExistingObjectTag/color": {"blue"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.authz.reset()
			if _, err := h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: tc.key}); err != nil {
				t.Fatal(err)
			}
			if got := h.authz.reset()[0].Context; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Context = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDefaultEncryptionFollowsBucket: a new object gets the bucket's
// default encryption as it is at the time of the write (S3 User Guide,
// "Setting default server-side encryption behavior for Amazon S3 buckets").
func TestDefaultEncryptionFollowsBucket(t *testing.T) {
	h, a := newBucketHarness(t, "")
	kms := &s3api.ServerSideEncryptionConfiguration{Rules: []s3api.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: api.String("alias/k")},
		BucketKeyEnabled:                   api.Bool(true),
	}}}
	steps := []struct {
		name      string
		change    func()
		sse       s3api.ServerSideEncryption
		kmsKey    string
		bucketKey bool
	}{
		{"SSE-S3 by default", func() {}, "AES256", "", false},
		{"SSE-KMS with a bucket key", func() {
			must(h.svc.PutBucketEncryption(a, &s3api.PutBucketEncryptionInput{Bucket: "bkt", ServerSideEncryptionConfiguration: kms}))
		}, "aws:kms", "alias/k", true},
		{"deleted: SSE-S3 again", func() {
			must(h.svc.DeleteBucketEncryption(a, &s3api.DeleteBucketEncryptionInput{Bucket: "bkt"}))
		}, "AES256", "", false},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.change()
			out := put(h, a, "k", "x")
			if got := api.ToString((*string)(out.ServerSideEncryption)); got != string(step.sse) {
				t.Errorf("PutObject SSE = %q, want %q", got, step.sse)
			}
			head := must(h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: "k"}))
			if head.ServerSideEncryption == nil || *head.ServerSideEncryption != step.sse || api.ToString(head.SSEKMSKeyId) != step.kmsKey || api.ToBool(head.BucketKeyEnabled) != step.bucketKey {
				t.Errorf("HeadObject SSE = %v, key %q, bucket key %v; want %s, %q, %v",
					head.ServerSideEncryption, api.ToString(head.SSEKMSKeyId), api.ToBool(head.BucketKeyEnabled), step.sse, step.kmsKey, step.bucketKey)
			}
		})
	}
}

// policyText prints a resource policy as the engine holds it; "" for none.
func policyText(p *policy.Policy) string {
	if p == nil {
		return ""
	}
	return p.String()
}

// canonical is doc as policyText prints it once parsed; "" for "".
func canonical(t *testing.T, doc string) string {
	t.Helper()
	if doc == "" {
		return ""
	}
	p, err := policy.Parse(doc, policy.Resource)
	if err != nil {
		t.Fatal(err)
	}
	return p.String()
}
