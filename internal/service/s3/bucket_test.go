package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
)

func TestValidBucketName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"my-bucket", true},
		{"a.b-c.1", true},
		{"abc", true},
		{"ab", false},
		{string(make([]byte, 64)), false},
		{"My-Bucket", false},
		{"-bucket", false},
		{"bucket-", false},
		{"my..bucket", false},
		{"my_bucket", false},
		{"192.168.5.4", false},
		{"xn--bucket", false},
		{"sthree-bucket", false},
		{"amzn-s3-demo-bucket", false},
		{"bucket-s3alias", false},
		{"bucket--ol-s3", false},
		{"bucket.mrap", false},
		{"bucket--x-s3", false},
		{"bucket--table-s3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := validBucketName(tc.name); got != tc.ok {
				t.Errorf("validBucketName(%q) = %v, want %v", tc.name, got, tc.ok)
			}
		})
	}
}

func TestBucketRegion(t *testing.T) {
	tests := []struct {
		name, endpoint, constraint, want, code string
	}{
		{"us-east-1 without constraint", "us-east-1", "", "us-east-1", ""},
		{"us-east-1 spelled out", "us-east-1", "us-east-1", "", "InvalidLocationConstraint"},
		{"us-east-1 endpoint, other region", "us-east-1", "eu-west-2", "eu-west-2", ""},
		{"EU alias", "us-east-1", "EU", "eu-west-1", ""},
		{"unknown region", "us-east-1", "mars-1", "", "InvalidLocationConstraint"},
		{"regional endpoint, matching", "eu-west-2", "eu-west-2", "eu-west-2", ""},
		{"regional endpoint, unspecified", "eu-west-2", "", "", "IllegalLocationConstraintException"},
		{"regional endpoint, other region", "eu-west-2", "us-west-2", "", "IllegalLocationConstraintException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bucketRegion(tc.endpoint, tc.constraint)
			if code(err) != tc.code || got != tc.want {
				t.Errorf("bucketRegion(%q, %q) = %q, %v; want %q, %s", tc.endpoint, tc.constraint, got, err, tc.want, tc.code)
			}
		})
	}
	_, err := bucketRegion("eu-west-2", "")
	if got := err.Error(); got != "IllegalLocationConstraintException: The unspecified location constraint is incompatible for the region specific endpoint this request was sent to." {
		t.Errorf("message: %s", got)
	}
}

func createBucket(t *testing.T, h *harness, ctx context.Context, name string) {
	t.Helper()
	if _, err := h.svc.CreateBucket(ctx, &s3api.CreateBucketInput{Bucket: name}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", name, err)
	}
}

func TestCreateBucket(t *testing.T) {
	h := newHarness(t)
	a, b := as(accountA, "us-east-1"), as(accountB, "us-east-1")
	createBucket(t, h, a, "shared-name")
	eu := as(accountA, "eu-west-1")
	constraint := s3api.BucketLocationConstraint("eu-west-1")
	must(h.svc.CreateBucket(eu, &s3api.CreateBucketInput{Bucket: "eu-bucket", CreateBucketConfiguration: &s3api.CreateBucketConfiguration{LocationConstraint: &constraint}}))

	tests := []struct {
		name   string
		ctx    context.Context
		bucket string
		code   string
	}{
		{"another account's name", b, "shared-name", "BucketAlreadyExists"},
		{"own bucket again in us-east-1 succeeds", a, "shared-name", ""},
		{"own bucket again elsewhere", eu, "eu-bucket", "BucketAlreadyOwnedByYou"},
		{"invalid name", a, "Bad_Name", "InvalidBucketName"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &s3api.CreateBucketInput{Bucket: tc.bucket}
			if tc.ctx == eu {
				in.CreateBucketConfiguration = &s3api.CreateBucketConfiguration{LocationConstraint: &constraint}
			}
			_, err := h.svc.CreateBucket(tc.ctx, in)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if tc.code != "" && field(err, "BucketName") != tc.bucket {
				t.Errorf("BucketName field = %q", field(err, "BucketName"))
			}
		})
	}

	// ListBuckets is per account.
	la := must(h.svc.ListBuckets(a, &s3api.ListBucketsInput{}))
	lb := must(h.svc.ListBuckets(b, &s3api.ListBucketsInput{}))
	if len(la.Buckets) != 2 || *la.Buckets[0].Name != "eu-bucket" || *la.Buckets[1].Name != "shared-name" {
		t.Errorf("account A buckets = %+v", la.Buckets)
	}
	if len(lb.Buckets) != 0 {
		t.Errorf("account B sees %d buckets", len(lb.Buckets))
	}
	loc := must(h.svc.GetBucketLocation(a, &s3api.GetBucketLocationInput{Bucket: "eu-bucket"}))
	if loc.LocationConstraint == nil || *loc.LocationConstraint != "eu-west-1" {
		t.Errorf("location = %v", loc.LocationConstraint)
	}
	loc = must(h.svc.GetBucketLocation(a, &s3api.GetBucketLocationInput{Bucket: "shared-name"}))
	if loc.LocationConstraint != nil {
		t.Errorf("us-east-1 location = %v, want empty", *loc.LocationConstraint)
	}
	head := must(h.svc.HeadBucket(a, &s3api.HeadBucketInput{Bucket: "eu-bucket"}))
	if api.ToString(head.BucketRegion) != "eu-west-1" {
		t.Errorf("HeadBucket region = %v", api.ToString(head.BucketRegion))
	}
	if _, err := h.svc.HeadBucket(a, &s3api.HeadBucketInput{Bucket: "nope-bucket"}); code(err) != "NoSuchBucket" || status(err) != 404 {
		t.Errorf("HeadBucket missing: %v", err)
	}
}

func TestCreateBucketAuthorization(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	lock := true
	own := s3api.ObjectOwnershipBucketOwnerPreferred
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "locked", ObjectLockEnabledForBucket: &lock, ObjectOwnership: &own}))
	var got []string
	for _, c := range h.authz.reset() {
		got = append(got, c.Action+" "+c.Resource+" "+c.ResourceAccount)
	}
	want := []string{
		"s3:CreateBucket arn:aws:s3:::locked 111111111111",
		"s3:PutBucketObjectLockConfiguration arn:aws:s3:::locked 111111111111",
		"s3:PutBucketVersioning arn:aws:s3:::locked 111111111111",
		"s3:PutBucketOwnershipControls arn:aws:s3:::locked 111111111111",
	}
	if len(got) != len(want) {
		t.Fatalf("checks = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("check %d = %q, want %q", i, got[i], want[i])
		}
	}
	v := must(h.svc.GetBucketVersioning(a, &s3api.GetBucketVersioningInput{Bucket: "locked"}))
	if v.Status == nil || *v.Status != "Enabled" {
		t.Errorf("object lock bucket versioning = %v", v.Status)
	}
	if _, err := h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: "locked", VersioningConfiguration: &s3api.VersioningConfiguration{Status: ptr(s3api.BucketVersioningStatusSuspended)}}); code(err) != "InvalidBucketState" {
		t.Errorf("suspending an object lock bucket: %v", err)
	}
	lc := must(h.svc.GetObjectLockConfiguration(a, &s3api.GetObjectLockConfigurationInput{Bucket: "locked"}))
	if lc.ObjectLockConfiguration == nil || *lc.ObjectLockConfiguration.ObjectLockEnabled != "Enabled" {
		t.Errorf("object lock configuration = %+v", lc.ObjectLockConfiguration)
	}
	oc := must(h.svc.GetBucketOwnershipControls(a, &s3api.GetBucketOwnershipControlsInput{Bucket: "locked"}))
	if oc.OwnershipControls.Rules[0].ObjectOwnership != own {
		t.Errorf("ownership = %v", oc.OwnershipControls.Rules[0].ObjectOwnership)
	}

	// A denial of CreateBucket names nothing to a caller of the same
	// account beyond what the Authorizer said, and creates nothing.
	h.authz.deny = func(c authz.Check, _ *identity.Principal) bool { return c.Action == "s3:CreateBucket" }
	if _, err := h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "denied"}); code(err) != "AccessDenied" {
		t.Fatalf("denied CreateBucket: %v", err)
	}
	h.authz.deny = nil
	if _, err := h.svc.HeadBucket(a, &s3api.HeadBucketInput{Bucket: "denied"}); code(err) != "NoSuchBucket" {
		t.Errorf("denied bucket exists: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestNewBucketDefaults(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	createBucket(t, h, a, "defaults")
	pab := must(h.svc.GetPublicAccessBlock(a, &s3api.GetPublicAccessBlockInput{Bucket: "defaults"}))
	c := pab.PublicAccessBlockConfiguration
	if !on(c.BlockPublicAcls) || !on(c.IgnorePublicAcls) || !on(c.BlockPublicPolicy) || !on(c.RestrictPublicBuckets) {
		t.Errorf("public access block = %+v, want all on", c)
	}
	oc := must(h.svc.GetBucketOwnershipControls(a, &s3api.GetBucketOwnershipControlsInput{Bucket: "defaults"}))
	if oc.OwnershipControls.Rules[0].ObjectOwnership != s3api.ObjectOwnershipBucketOwnerEnforced {
		t.Errorf("ownership = %v", oc.OwnershipControls.Rules[0].ObjectOwnership)
	}
	enc := must(h.svc.GetBucketEncryption(a, &s3api.GetBucketEncryptionInput{Bucket: "defaults"}))
	if r := enc.ServerSideEncryptionConfiguration.Rules[0]; r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" || api.ToBool(r.BucketKeyEnabled) {
		t.Errorf("encryption = %+v", r)
	}
	v := must(h.svc.GetBucketVersioning(a, &s3api.GetBucketVersioningInput{Bucket: "defaults"}))
	if v.Status != nil {
		t.Errorf("new bucket versioning = %v, want absent", *v.Status)
	}
	rp := must(h.svc.GetBucketRequestPayment(a, &s3api.GetBucketRequestPaymentInput{Bucket: "defaults"}))
	if *rp.Payer != "BucketOwner" {
		t.Errorf("payer = %v", *rp.Payer)
	}
	acc := must(h.svc.GetBucketAccelerateConfiguration(a, &s3api.GetBucketAccelerateConfigurationInput{Bucket: "defaults"}))
	if acc.Status != nil {
		t.Errorf("accelerate = %v", *acc.Status)
	}
	lg := must(h.svc.GetBucketLogging(a, &s3api.GetBucketLoggingInput{Bucket: "defaults"}))
	if lg.LoggingEnabled != nil {
		t.Errorf("logging = %+v", lg.LoggingEnabled)
	}
	// An ACL other than private is refused on an ACL-less bucket.
	acl := s3api.BucketCannedACLPublicRead
	if _, err := h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "with-acl", ACL: &acl}); code(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("public-read on a new bucket: %v", err)
	}
}

// TestNotConfiguredErrors checks the answers Terraform's provider expects
// from a new bucket's configuration getters, and after each Delete.
func TestNotConfiguredErrors(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	createBucket(t, h, a, "cfg1")
	bk := "cfg1"
	tests := []struct {
		name string
		get  func() error
		code string
	}{
		{"cors", func() error { _, err := h.svc.GetBucketCors(a, &s3api.GetBucketCorsInput{Bucket: bk}); return err }, "NoSuchCORSConfiguration"},
		{"policy", func() error { _, err := h.svc.GetBucketPolicy(a, &s3api.GetBucketPolicyInput{Bucket: bk}); return err }, "NoSuchBucketPolicy"},
		{"policy status", func() error {
			_, err := h.svc.GetBucketPolicyStatus(a, &s3api.GetBucketPolicyStatusInput{Bucket: bk})
			return err
		}, "NoSuchBucketPolicy"},
		{"tagging", func() error {
			_, err := h.svc.GetBucketTagging(a, &s3api.GetBucketTaggingInput{Bucket: bk})
			return err
		}, "NoSuchTagSet"},
		{"lifecycle", func() error {
			_, err := h.svc.GetBucketLifecycleConfiguration(a, &s3api.GetBucketLifecycleConfigurationInput{Bucket: bk})
			return err
		}, "NoSuchLifecycleConfiguration"},
		{"replication", func() error {
			_, err := h.svc.GetBucketReplication(a, &s3api.GetBucketReplicationInput{Bucket: bk})
			return err
		}, "ReplicationConfigurationNotFoundError"},
		{"website", func() error {
			_, err := h.svc.GetBucketWebsite(a, &s3api.GetBucketWebsiteInput{Bucket: bk})
			return err
		}, "NoSuchWebsiteConfiguration"},
		{"object lock", func() error {
			_, err := h.svc.GetObjectLockConfiguration(a, &s3api.GetObjectLockConfigurationInput{Bucket: bk})
			return err
		}, "ObjectLockConfigurationNotFoundError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.get()
			if code(err) != tc.code || status(err) != 404 || field(err, "BucketName") != bk {
				t.Errorf("err = %v (status %d, BucketName %q), want 404 %s", err, status(err), field(err, "BucketName"), tc.code)
			}
		})
	}
	for _, tc := range []struct {
		name string
		del  func() error
		get  func() error
		code string
	}{
		{"public access block", func() error {
			_, err := h.svc.DeletePublicAccessBlock(a, &s3api.DeletePublicAccessBlockInput{Bucket: bk})
			return err
		}, func() error {
			_, err := h.svc.GetPublicAccessBlock(a, &s3api.GetPublicAccessBlockInput{Bucket: bk})
			return err
		}, "NoSuchPublicAccessBlockConfiguration"},
		{"ownership controls", func() error {
			_, err := h.svc.DeleteBucketOwnershipControls(a, &s3api.DeleteBucketOwnershipControlsInput{Bucket: bk})
			return err
		}, func() error {
			_, err := h.svc.GetBucketOwnershipControls(a, &s3api.GetBucketOwnershipControlsInput{Bucket: bk})
			return err
		}, "OwnershipControlsNotFoundError"},
	} {
		t.Run("after delete: "+tc.name, func(t *testing.T) {
			if err := tc.del(); err != nil {
				t.Fatal(err)
			}
			if err := tc.get(); code(err) != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
	// Encryption cannot be removed: delete restores SSE-S3.
	must(h.svc.PutBucketEncryption(a, &s3api.PutBucketEncryptionInput{Bucket: bk, ServerSideEncryptionConfiguration: &s3api.ServerSideEncryptionConfiguration{
		Rules: []s3api.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3api.ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: api.String("alias/k")}, BucketKeyEnabled: api.Bool(true)}},
	}}))
	enc := must(h.svc.GetBucketEncryption(a, &s3api.GetBucketEncryptionInput{Bucket: bk}))
	if d := enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault; d.SSEAlgorithm != "aws:kms" || api.ToString(d.KMSMasterKeyID) != "alias/k" {
		t.Errorf("kms encryption = %+v", d)
	}
	must(h.svc.DeleteBucketEncryption(a, &s3api.DeleteBucketEncryptionInput{Bucket: bk}))
	enc = must(h.svc.GetBucketEncryption(a, &s3api.GetBucketEncryptionInput{Bucket: bk}))
	if enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
		t.Errorf("after delete: %+v", enc.ServerSideEncryptionConfiguration.Rules[0])
	}
}

func TestBucketConfigRoundTrips(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	createBucket(t, h, a, "rt1")
	bk := "rt1"
	must(h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: bk, VersioningConfiguration: &s3api.VersioningConfiguration{Status: ptr(s3api.BucketVersioningStatusEnabled)}}))
	if v := must(h.svc.GetBucketVersioning(a, &s3api.GetBucketVersioningInput{Bucket: bk})); *v.Status != "Enabled" {
		t.Errorf("versioning = %v", *v.Status)
	}
	cors := &s3api.CORSConfiguration{CORSRules: []s3api.CORSRule{{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"*"}, MaxAgeSeconds: api.Int32(300)}}}
	must(h.svc.PutBucketCors(a, &s3api.PutBucketCorsInput{Bucket: bk, CORSConfiguration: cors}))
	gc := must(h.svc.GetBucketCors(a, &s3api.GetBucketCorsInput{Bucket: bk}))
	if len(gc.CORSRules) != 1 || gc.CORSRules[0].AllowedMethods[1] != "PUT" || *gc.CORSRules[0].MaxAgeSeconds != 300 {
		t.Errorf("cors = %+v", gc.CORSRules)
	}
	if _, err := h.svc.PutBucketCors(a, &s3api.PutBucketCorsInput{Bucket: bk, CORSConfiguration: &s3api.CORSConfiguration{CORSRules: []s3api.CORSRule{{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}}); code(err) != "InvalidRequest" {
		t.Errorf("PATCH in CORS: %v", err)
	}
	tags := &s3api.Tagging{TagSet: []s3api.Tag{{Key: "env", Value: "test"}, {Key: "team", Value: "s3"}}}
	must(h.svc.PutBucketTagging(a, &s3api.PutBucketTaggingInput{Bucket: bk, Tagging: tags}))
	gt := must(h.svc.GetBucketTagging(a, &s3api.GetBucketTaggingInput{Bucket: bk}))
	if len(gt.TagSet) != 2 || gt.TagSet[1].Key != "team" {
		t.Errorf("tags = %+v", gt.TagSet)
	}
	dup := &s3api.Tagging{TagSet: []s3api.Tag{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}}
	if _, err := h.svc.PutBucketTagging(a, &s3api.PutBucketTaggingInput{Bucket: bk, Tagging: dup}); code(err) != "InvalidTag" {
		t.Errorf("duplicate tag keys: %v", err)
	}
	must(h.svc.DeleteBucketTagging(a, &s3api.DeleteBucketTaggingInput{Bucket: bk}))
	if _, err := h.svc.GetBucketTagging(a, &s3api.GetBucketTaggingInput{Bucket: bk}); code(err) != "NoSuchTagSet" {
		t.Errorf("after delete: %v", err)
	}
	lc := &s3api.BucketLifecycleConfiguration{Rules: []s3api.LifecycleRule{{ID: api.String("expire"), Status: "Enabled", Filter: &s3api.LifecycleRuleFilter{Prefix: api.String("logs/")}, Expiration: &s3api.LifecycleExpiration{Days: api.Int32(30)}}}}
	must(h.svc.PutBucketLifecycleConfiguration(a, &s3api.PutBucketLifecycleConfigurationInput{Bucket: bk, LifecycleConfiguration: lc}))
	gl := must(h.svc.GetBucketLifecycleConfiguration(a, &s3api.GetBucketLifecycleConfigurationInput{Bucket: bk}))
	if len(gl.Rules) != 1 || *gl.Rules[0].Expiration.Days != 30 || *gl.Rules[0].Filter.Prefix != "logs/" {
		t.Errorf("lifecycle = %+v", gl.Rules)
	}
	must(h.svc.DeleteBucketLifecycle(a, &s3api.DeleteBucketLifecycleInput{Bucket: bk}))
	web := &s3api.WebsiteConfiguration{IndexDocument: &s3api.IndexDocument{Suffix: "index.html"}, ErrorDocument: &s3api.ErrorDocument{Key: "error.html"}}
	must(h.svc.PutBucketWebsite(a, &s3api.PutBucketWebsiteInput{Bucket: bk, WebsiteConfiguration: web}))
	gw := must(h.svc.GetBucketWebsite(a, &s3api.GetBucketWebsiteInput{Bucket: bk}))
	if gw.IndexDocument.Suffix != "index.html" || gw.ErrorDocument.Key != "error.html" {
		t.Errorf("website = %+v", gw)
	}
	rep := &s3api.ReplicationConfiguration{Role: "arn:aws:iam::111111111111:role/r", Rules: []s3api.ReplicationRule{{Status: "Enabled", Destination: &s3api.Destination{Bucket: "arn:aws:s3:::dest"}}}}
	must(h.svc.PutBucketReplication(a, &s3api.PutBucketReplicationInput{Bucket: bk, ReplicationConfiguration: rep}))
	gr := must(h.svc.GetBucketReplication(a, &s3api.GetBucketReplicationInput{Bucket: bk}))
	if gr.ReplicationConfiguration.Role != rep.Role {
		t.Errorf("replication = %+v", gr.ReplicationConfiguration)
	}
	createBucket(t, h, a, "unversioned")
	if _, err := h.svc.PutBucketReplication(a, &s3api.PutBucketReplicationInput{Bucket: "unversioned", ReplicationConfiguration: rep}); code(err) != "InvalidRequest" {
		t.Errorf("replication without versioning: %v", err)
	}
	if _, err := h.svc.PutObjectLockConfiguration(a, &s3api.PutObjectLockConfigurationInput{Bucket: "unversioned", ObjectLockConfiguration: &s3api.ObjectLockConfiguration{ObjectLockEnabled: ptr(s3api.ObjectLockEnabledEnabled)}}); code(err) != "InvalidBucketState" {
		t.Errorf("object lock without versioning: %v", err)
	}
	if _, err := h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: bk, VersioningConfiguration: &s3api.VersioningConfiguration{Status: ptr(s3api.BucketVersioningStatus("On"))}}); code(err) != "MalformedXML" {
		t.Errorf("bad versioning status: %v", err)
	}
}

func TestDeleteBucket(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	createBucket(t, h, a, "full")
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "full", Key: "k", Body: body("x")}))
	if _, err := h.svc.DeleteBucket(a, &s3api.DeleteBucketInput{Bucket: "full"}); code(err) != "BucketNotEmpty" || status(err) != 409 {
		t.Fatalf("deleting a full bucket: %v", err)
	}
	must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "full", Key: "k"}))
	must(h.svc.DeleteBucket(a, &s3api.DeleteBucketInput{Bucket: "full"}))
	if _, err := h.svc.HeadBucket(a, &s3api.HeadBucketInput{Bucket: "full"}); code(err) != "NoSuchBucket" {
		t.Errorf("after delete: %v", err)
	}
	if h.blobs.Len() != 0 {
		t.Errorf("%d blobs left", h.blobs.Len())
	}
	if _, err := h.svc.DeleteBucket(a, &s3api.DeleteBucketInput{Bucket: "full"}); code(err) != "NoSuchBucket" {
		t.Errorf("deleting twice: %v", err)
	}
}

func TestWrongRegion(t *testing.T) {
	h := newHarness(t)
	us, eu := as(accountA, "us-east-1"), as(accountA, "eu-west-1")
	createBucket(t, h, us, "us-bucket")
	constraint := s3api.BucketLocationConstraint("eu-west-1")
	must(h.svc.CreateBucket(us, &s3api.CreateBucketInput{Bucket: "eu-bucket", CreateBucketConfiguration: &s3api.CreateBucketConfiguration{LocationConstraint: &constraint}}))
	_, err := h.svc.PutObject(us, &s3api.PutObjectInput{Bucket: "eu-bucket", Key: "k", Body: body("x")})
	if code(err) != "AuthorizationHeaderMalformed" || field(err, "Region") != "eu-west-1" ||
		!strings.Contains(err.Error(), "the region 'us-east-1' is wrong; expecting 'eu-west-1'") {
		t.Fatalf("PUT signed for the wrong region: %v", err)
	}
	must(h.svc.PutObject(eu, &s3api.PutObjectInput{Bucket: "eu-bucket", Key: "k", Body: body("x")}))
	// Finding the region works from anywhere, and so does copying out.
	must(h.svc.GetBucketLocation(us, &s3api.GetBucketLocationInput{Bucket: "eu-bucket"}))
	must(h.svc.HeadBucket(us, &s3api.HeadBucketInput{Bucket: "eu-bucket"}))
	must(h.svc.CopyObject(us, &s3api.CopyObjectInput{Bucket: "us-bucket", Key: "copy", CopySource: api.String("eu-bucket/k")}))
	if _, err := h.svc.ListObjectsV2(us, &s3api.ListObjectsV2Input{Bucket: "eu-bucket"}); code(err) != "AuthorizationHeaderMalformed" {
		t.Errorf("list from the wrong region: %v", err)
	}
}
