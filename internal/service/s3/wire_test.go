package s3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/protocol/restxml"
	"github.com/doppel-aws/doppel/internal/request"
)

// The wire tests drive the Service with aws-sdk-go-v2's S3 client through
// the rest-xml codec, the way the gateway will (path-style, no SigV4
// verification: the signing access key only picks the caller's account).

var wireAccounts = map[string]string{"AKIAAAAAAAAAAAAAAAAA": accountA, "AKIABBBBBBBBBBBBBBBB": accountB}

func wireServer(t *testing.T, h *harness) *httptest.Server {
	t.Helper()
	router := restxml.NewRouter(s3api.Service)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &identity.Principal{Kind: identity.Anonymous}
		if _, cred, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
			akid, _, _ := strings.Cut(cred, "/")
			acct := wireAccounts[akid]
			p = &identity.Principal{Kind: identity.Root, Account: acct, ARN: "arn:aws:iam::" + acct + ":root", AccessKeyID: akid}
		}
		ctx := request.With(r.Context(), &request.Info{ID: "req", Service: "s3", Region: "us-east-1", Principal: p})
		bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
		labels, _ := restxml.Labels("/{Bucket}/{Key+}", "/"+bucket+"/"+key)
		if key == "" {
			labels, _ = restxml.Labels("/{Bucket}", "/"+bucket)
		}
		op, err := router.Route(r.Method, labels["Bucket"], labels["Key"], r.URL.Query(), r.Header)
		var in, out any
		if err == nil {
			in, err = restxml.Decode(op, r, labels)
		}
		if err == nil {
			out, err = op.Invoke(ctx, h.svc, in)
		}
		if err != nil {
			e := awserr.From(err)
			if e.Status == http.StatusNotModified {
				w.WriteHeader(e.Status)
				return
			}
			restxml.WriteError(w, r.Method, e, "req", "host")
			return
		}
		if err := restxml.WriteResponse(w, r.Method, op, out); err != nil {
			t.Errorf("WriteResponse(%s): %v", op.Name, err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func wireClient(url, akid string) *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		// aws-chunked bodies are the SigV4 layer's to unwrap; without it,
		// send plain bodies with checksum headers, as Terraform does over HTTP.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(url)
		o.UsePathStyle = true
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "no API error: " + err.Error()
	}
	return ""
}

// TestWireTerraformBucketRead replays the calls the Terraform AWS provider
// makes to read an aws_s3_bucket, and checks each answer it expects.
func TestWireTerraformBucketRead(t *testing.T) {
	h := newHarness(t)
	c := wireClient(wireServer(t, h).URL, "AKIAAAAAAAAAAAAAAAAA")
	ctx := context.Background()
	b := aws.String("tf-bucket")
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b}); apiCode(err) != "NotFound" {
		t.Fatalf("HeadBucket before create: %v", err)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("Name"), Value: aws.String("x")}}}}); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		call func() error
		code string
	}{
		{"GetBucketPolicy", func() error { _, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b}); return err }, "NoSuchBucketPolicy"},
		{"GetBucketAcl", func() error { _, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b}); return err }, ""},
		{"GetBucketCors", func() error { _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); return err }, "NoSuchCORSConfiguration"},
		{"GetBucketWebsite", func() error { _, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b}); return err }, "NoSuchWebsiteConfiguration"},
		{"GetBucketVersioning", func() error {
			_, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
			return err
		}, ""},
		{"GetBucketAccelerateConfiguration", func() error {
			_, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: b})
			return err
		}, ""},
		{"GetBucketRequestPayment", func() error {
			_, err := c.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: b})
			return err
		}, ""},
		{"GetBucketLogging", func() error { _, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b}); return err }, ""},
		{"GetBucketLifecycleConfiguration", func() error {
			_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
			return err
		}, "NoSuchLifecycleConfiguration"},
		{"GetBucketReplication", func() error {
			_, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b})
			return err
		}, "ReplicationConfigurationNotFoundError"},
		{"GetBucketEncryption", func() error {
			_, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
			return err
		}, ""},
		{"GetObjectLockConfiguration", func() error {
			_, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b})
			return err
		}, "ObjectLockConfigurationNotFoundError"},
		{"GetBucketTagging", func() error { _, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}); return err }, ""},
		{"GetPublicAccessBlock", func() error {
			_, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
			return err
		}, ""},
		{"GetBucketOwnershipControls", func() error {
			_, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
			return err
		}, ""},
	}
	for _, tc := range calls {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); apiCode(err) != tc.code {
				t.Errorf("err = %v, want %q", err, tc.code)
			}
		})
	}
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
		t.Errorf("encryption = %+v, %v", enc, err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Errorf("public access block = %+v, %v", pab, err)
	}
	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "Name" {
		t.Errorf("tags = %+v, %v", tags, err)
	}
	// Another account sees the name as taken.
	other := wireClient(aws.ToString(c.Options().BaseEndpoint), "AKIABBBBBBBBBBBBBBBB")
	var taken *s3types.BucketAlreadyExists
	if _, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); !errors.As(err, &taken) {
		t.Errorf("other account CreateBucket: %v", err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: b}); apiCode(err) != "NotFound" {
		t.Errorf("HeadBucket after delete: %v", err)
	}
}

// TestWireTerraformBackend replays the S3 backend's state and lock calls.
func TestWireTerraformBackend(t *testing.T) {
	h := newHarness(t)
	createBucket(t, h, as(accountA, "us-east-1"), "tfstate")
	c := wireClient(wireServer(t, h).URL, "AKIAAAAAAAAAAAAAAAAA")
	ctx := context.Background()
	b := aws.String("tfstate")
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, Prefix: aws.String("env:/"), MaxKeys: aws.Int32(1000)})
	if err != nil || len(l.Contents) != 0 {
		t.Fatalf("workspace discovery: %+v %v", l, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("tf/terraform.tfstate")}); apiCode(err) != "NotFound" {
		t.Errorf("HeadObject of no state: %v", err)
	}
	state := `{"version":4}`
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("tf/terraform.tfstate"), Body: strings.NewReader(state),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.ChecksumSHA256) == "" {
		t.Errorf("PutObject did not echo the SHA256 checksum")
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("tf/terraform.tfstate"), Range: aws.String("bytes=0-5242879"), ChecksumMode: s3types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(content) != state || aws.ToString(got.ContentRange) != "bytes 0-12/13" {
		t.Errorf("state read = %q, Content-Range %q", content, aws.ToString(got.ContentRange))
	}

	// The lock: If-None-Match: * and a refused second lock.
	lock := func() error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("tf/terraform.tfstate.tflock"), Body: strings.NewReader(`{"ID":"1"}`), IfNoneMatch: aws.String("*")})
		return err
	}
	if err := lock(); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if err := lock(); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("second lock: %v, want PreconditionFailed", err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("tf/terraform.tfstate.tflock")}); err != nil {
		t.Fatal(err)
	}
	if err := lock(); err != nil {
		t.Errorf("lock after unlock: %v", err)
	}
}

func TestWireObjects(t *testing.T) {
	h := newHarness(t)
	createBucket(t, h, as(accountA, "us-east-1"), "objs")
	c := wireClient(wireServer(t, h).URL, "AKIAAAAAAAAAAAAAAAAA")
	ctx := context.Background()
	b := aws.String("objs")
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	p, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("dir/a b+c.txt"), Body: strings.NewReader("hello"),
		Metadata: map[string]string{"k": "v"}, Tagging: aws.String("t=1"), ContentType: aws.String("text/plain")})
	if err != nil {
		t.Fatal(err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("dir/a b+c.txt")})
	if err != nil || aws.ToString(head.ETag) != aws.ToString(p.ETag) || head.Metadata["k"] != "v" || aws.ToString(head.VersionId) != aws.ToString(p.VersionId) || head.ServerSideEncryption != s3types.ServerSideEncryptionAes256 {
		t.Errorf("HeadObject = %+v, %v", head, err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObject missing: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("dir/a b+c.txt"), IfMatch: aws.String(`"nope"`)}); apiCode(err) != "PreconditionFailed" {
		t.Errorf("GetObject If-Match: %v", err)
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("dir/a b+c.txt"), IfNoneMatch: p.ETag}); apiCode(err) != "NotModified" {
		t.Errorf("GetObject If-None-Match: %v", err)
	}
	tg, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("dir/a b+c.txt")})
	if err != nil || len(tg.TagSet) != 1 {
		t.Errorf("GetObjectTagging = %+v, %v", tg, err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("objs/dir/a%20b%2Bc.txt")}); err != nil {
		t.Errorf("CopyObject: %v", err)
	}
	l, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, Delimiter: aws.String("/")})
	if err != nil || len(l.Contents) != 1 || aws.ToString(l.Contents[0].Key) != "copy" || len(l.CommonPrefixes) != 1 {
		t.Errorf("ListObjectsV2 = %+v, %v", l, err)
	}
	// Terraform's aws_s3_object delete: list versions, delete each.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("copy")}); err != nil {
		t.Fatal(err)
	}
	vs, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	if err != nil || len(vs.Versions) != 2 || len(vs.DeleteMarkers) != 1 {
		t.Fatalf("ListObjectVersions = %+v, %v", vs, err)
	}
	var ids []s3types.ObjectIdentifier
	for _, v := range vs.Versions {
		ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
	}
	for _, m := range vs.DeleteMarkers {
		ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
	}
	del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &s3types.Delete{Objects: ids}})
	if err != nil || len(del.Deleted) != 3 || len(del.Errors) != 0 {
		t.Errorf("DeleteObjects = %+v, %v", del, err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Errorf("DeleteBucket of the emptied bucket: %v", err)
	}
}

func TestWireMultipart(t *testing.T) {
	h := newHarness(t)
	createBucket(t, h, as(accountA, "us-east-1"), "mpu")
	c := wireClient(wireServer(t, h).URL, "AKIAAAAAAAAAAAAAAAAA")
	ctx := context.Background()
	b, k := aws.String("mpu"), aws.String("big.bin")
	cu, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: k})
	if err != nil {
		t.Fatal(err)
	}
	var parts []s3types.CompletedPart
	data := [][]byte{bytes.Repeat([]byte{1}, minPartSize), []byte("end")}
	for i, d := range data {
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: k, UploadId: cu.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(d)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: k, UploadId: cu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(done.ETag), `-2"`) {
		t.Errorf("ETag = %s", aws.ToString(done.ETag))
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: k})
	if err != nil || aws.ToInt64(head.ContentLength) != minPartSize+3 {
		t.Errorf("HeadObject = %+v, %v", head, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: k, UploadId: cu.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("abort of a completed upload: %v", err)
	}
}
