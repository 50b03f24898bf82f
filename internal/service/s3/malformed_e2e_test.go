package s3_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/doppel-aws/doppel/doppeltest"
)

// signedS3 sends body to path (path-style, query included) signed by the
// account's root with aws-sdk-go-v2's signer: SDK clients cannot send a
// document other than the operation's, so the tests write the bytes.
// headers are name, value pairs to sign with the request.
func signedS3(t *testing.T, srv *doppeltest.Server, account, method, path, body string, headers ...string) (int, string) {
	t.Helper()
	a := srv.Account(account)
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	sum := sha256.Sum256([]byte(body))
	md := md5.Sum([]byte(body))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(md[:]))
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMalformedBodiesChangeNothing sends every S3 operation with an XML
// body a well-formed document that is not its own, and documents missing
// required members: each is MalformedXML (400), and the bucket's state is
// as it was.
func TestMalformedBodiesChangeNothing(t *testing.T) {
	srv := doppeltest.NewServer(t)
	c := client(srv, "account-a")
	ctx := context.Background()
	b := aws.String("mx-bucket")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}))
	off := &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}
	must(c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: off}))
	must(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("team"), Value: aws.String("red")}}}}))
	must(c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	must(c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}}))
	must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("obj"), Body: strings.NewReader("data"), Tagging: aws.String("k=v")}))
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	uploadID := aws.ToString(up.UploadId)

	const foo = `<Foo xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`
	for _, tc := range []struct{ name, method, path, body string }{
		{"PutBucketTagging", "PUT", "/mx-bucket?tagging", foo},
		{"PutBucketTagging without TagSet", "PUT", "/mx-bucket?tagging", `<Tagging/>`},
		{"PutBucketTagging, tag without Value", "PUT", "/mx-bucket?tagging", `<Tagging><TagSet><Tag><Key>team</Key></Tag></TagSet></Tagging>`},
		{"PutBucketTagging, tag under another name", "PUT", "/mx-bucket?tagging", `<Tagging><TagSet><Foo><Key>a</Key><Value>b</Value></Foo></TagSet></Tagging>`},
		{"PutBucketTagging, a second document", "PUT", "/mx-bucket?tagging", `<Tagging><TagSet/></Tagging><Tagging/>`},
		{"PutObjectTagging", "PUT", "/mx-bucket/obj?tagging", foo},
		{"PutObjectTagging without TagSet", "PUT", "/mx-bucket/obj?tagging", `<Tagging/>`},
		{"PutBucketVersioning", "PUT", "/mx-bucket?versioning", `<Foo><Status>Suspended</Status></Foo>`},
		{"PutBucketCors", "PUT", "/mx-bucket?cors", foo},
		{"PutBucketCors without rules", "PUT", "/mx-bucket?cors", `<CORSConfiguration/>`},
		{"PutBucketLifecycleConfiguration", "PUT", "/mx-bucket?lifecycle", foo},
		{"PutBucketLifecycleConfiguration, rule without Status", "PUT", "/mx-bucket?lifecycle", `<LifecycleConfiguration><Rule><ID>r</ID><Filter/><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`},
		{"PutBucketEncryption", "PUT", "/mx-bucket?encryption", foo},
		{"PutBucketEncryption without rules", "PUT", "/mx-bucket?encryption", `<ServerSideEncryptionConfiguration/>`},
		{"PutPublicAccessBlock", "PUT", "/mx-bucket?publicAccessBlock", `<Foo><BlockPublicAcls>true</BlockPublicAcls></Foo>`},
		{"PutBucketOwnershipControls", "PUT", "/mx-bucket?ownershipControls", foo},
		{"PutBucketOwnershipControls without rules", "PUT", "/mx-bucket?ownershipControls", `<OwnershipControls/>`},
		{"DeleteObjects", "POST", "/mx-bucket?delete", `<Foo><Object><Key>obj</Key></Object></Foo>`},
		{"DeleteObjects without objects", "POST", "/mx-bucket?delete", `<Delete><Quiet>true</Quiet></Delete>`},
		{"CompleteMultipartUpload", "POST", "/mx-bucket/mp?uploadId=" + uploadID, `<Foo><Part><PartNumber>1</PartNumber><ETag>` + aws.ToString(part.ETag) + `</ETag></Part></Foo>`},
		{"PutBucketLogging", "PUT", "/mx-bucket?logging", foo},
		{"PutBucketWebsite", "PUT", "/mx-bucket?website", foo},
		{"PutBucketAcl", "PUT", "/mx-bucket?acl", foo},
		{"PutObjectAcl", "PUT", "/mx-bucket/obj?acl", foo},
		{"PutBucketNotificationConfiguration", "PUT", "/mx-bucket?notification", foo},
		{"PutBucketRequestPayment", "PUT", "/mx-bucket?requestPayment", foo},
		{"PutBucketRequestPayment without Payer", "PUT", "/mx-bucket?requestPayment", `<RequestPaymentConfiguration/>`},
		{"PutBucketAccelerateConfiguration", "PUT", "/mx-bucket?accelerate", foo},
		{"PutObjectLockConfiguration", "PUT", "/mx-bucket?object-lock", foo},
		{"PutObjectRetention", "PUT", "/mx-bucket/obj?retention", foo},
		{"PutObjectLegalHold", "PUT", "/mx-bucket/obj?legal-hold", foo},
		{"PutBucketReplication", "PUT", "/mx-bucket?replication", foo},
		{"PutBucketReplication without Role", "PUT", "/mx-bucket?replication", `<ReplicationConfiguration><Rule><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::x</Bucket></Destination></Rule></ReplicationConfiguration>`},
		{"RestoreObject", "POST", "/mx-bucket/obj?restore", foo},
		{"CreateBucket", "PUT", "/mx-new-bucket", `<Foo><LocationConstraint>eu-west-1</LocationConstraint></Foo>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := signedS3(t, srv, "account-a", tc.method, tc.path, tc.body)
			if status != 400 || !strings.Contains(body, "<Code>MalformedXML</Code>") ||
				!strings.Contains(body, "<Message>The XML you provided was not well-formed or did not validate against our published schema</Message>") {
				t.Fatalf("got %d %s", status, body)
			}
		})
	}

	// Nothing changed.
	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "team" || aws.ToString(tags.TagSet[0].Value) != "red" {
		t.Errorf("bucket tags = %+v, %v", tags, err)
	}
	otags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("obj")})
	if err != nil || len(otags.TagSet) != 1 || aws.ToString(otags.TagSet[0].Key) != "k" {
		t.Errorf("object tags = %+v, %v", otags, err)
	}
	ver, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	if err != nil || ver.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning = %+v, %v", ver, err)
	}
	cors, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	if err != nil || len(cors.CORSRules) != 1 {
		t.Errorf("CORS = %+v, %v", cors, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("obj")}); err != nil {
		t.Errorf("object gone: %v", err)
	}
	ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
	if err != nil || len(ups.Uploads) != 1 {
		t.Errorf("uploads = %+v, %v", ups, err)
	}
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("mx-new-bucket")}); errCode(err) != "NotFound" {
		t.Errorf("CreateBucket with another document created the bucket: %v", err)
	}
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil || aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Errorf("public access block = %+v, %v", pab, err)
	}

	// The same requests with their own documents work: the refusals are
	// about the documents, not about signedS3. No body is no payload.
	for _, tc := range []struct{ name, method, path, body string }{
		{"PutBucketTagging", "PUT", "/mx-bucket?tagging", `<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag></TagSet><Newer>ignored</Newer></Tagging>`},
		{"PutBucketVersioning", "PUT", "/mx-bucket?versioning", `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>`},
		{"CreateBucket without a body", "PUT", "/mx-plain-bucket", ``},
		{"CreateBucket with a configuration", "PUT", "/mx-config-bucket", `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`},
	} {
		t.Run("control "+tc.name, func(t *testing.T) {
			if status, body := signedS3(t, srv, "account-a", tc.method, tc.path, tc.body); status != 200 {
				t.Fatalf("got %d %s", status, body)
			}
		})
	}
	tags, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "blue" {
		t.Errorf("bucket tags after a good document = %+v, %v", tags, err)
	}
}
