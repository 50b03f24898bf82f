package s3_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Wire details that clients depend on (issue 19), end to end through the
// whole server.

// rawResponse sends req over a fresh connection and returns the status and
// the header lines exactly as the server wrote them: net/http's client
// canonicalizes header names, which hides their case.
func rawResponse(t *testing.T, req *http.Request) (int, []string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", req.URL.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req.Close = true
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var code int
	if f := strings.Fields(status); len(f) > 1 {
		code, _ = strconv.Atoi(f[1])
	}
	var lines []string
	for {
		l, err := br.ReadString('\n')
		if err != nil || strings.TrimSpace(l) == "" {
			break
		}
		lines = append(lines, strings.TrimRight(l, "\r\n"))
	}
	return code, lines
}

func newBucket(t *testing.T, c *s3.Client, name string) *string {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	return aws.String(name)
}

// TestE2EMetadataCase: S3 keeps user metadata names in lower case and
// answers them so (x-amz-meta-meta1); boto3 shows the name after the
// prefix as it comes.
func TestE2EMetadataCase(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "meta-case")
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x"),
		Metadata: map[string]string{"meta1": "v1", "Other-Name": "v2"}}); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(a)
	for _, method := range []string{"GET", "HEAD"} {
		var u string
		if method == "GET" {
			p, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			u = p.URL
		} else {
			p, err := ps.PresignHeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			u = p.URL
		}
		pu, _ := url.Parse(u)
		req := &http.Request{Method: method, URL: pu, Host: pu.Host, Header: http.Header{}}
		code, lines := rawResponse(t, req)
		if code != 200 {
			t.Fatalf("%s: %d", method, code)
		}
		want := map[string]bool{"x-amz-meta-meta1: v1": false, "x-amz-meta-other-name: v2": false}
		for _, l := range lines {
			if _, ok := want[l]; ok {
				want[l] = true
			}
		}
		for l, seen := range want {
			if !seen {
				t.Errorf("%s: no header line %q in %q", method, l, lines)
			}
		}
	}
	h, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || h.Metadata["meta1"] != "v1" || h.Metadata["other-name"] != "v2" {
		t.Errorf("HeadObject metadata %v, %v", h.Metadata, err)
	}
}

// TestE2EListingDetails: encoding-type=url encodes as S3 does (a space is
// %20, "+" is %2B, "/" stays), max-keys=0 lists nothing untruncated, and
// an empty continuation token lists from the start.
func TestE2EListingDetails(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "listing-details")
	for _, k := range []string{"foo+1/bar", "foo/bar/xyzzy", "quux ab/thud", "asdf+b", "a~b.c_d-e"} {
		if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, Delimiter: aws.String("/"), EncodingType: s3types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	var keys, prefixes []string
	for _, o := range l.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	for _, p := range l.CommonPrefixes {
		prefixes = append(prefixes, aws.ToString(p.Prefix))
	}
	if strings.Join(keys, ",") != "asdf%2Bb,a~b.c_d-e" || strings.Join(prefixes, ",") != "foo%2B1/,foo/,quux%20ab/" {
		t.Errorf("encoded listing: keys %q prefixes %q", keys, prefixes)
	}
	for _, in := range []*s3.ListObjectsV2Input{{Bucket: b, MaxKeys: aws.Int32(0)}} {
		l, err := a.ListObjectsV2(ctx, in)
		if err != nil || len(l.Contents) != 0 || aws.ToBool(l.IsTruncated) || aws.ToInt32(l.KeyCount) != 0 || aws.ToInt32(l.MaxKeys) != 0 {
			t.Errorf("max-keys 0: %+v, %v", l, err)
		}
	}
	v1, err := a.ListObjects(ctx, &s3.ListObjectsInput{Bucket: b, MaxKeys: aws.Int32(0)})
	if err != nil || len(v1.Contents) != 0 || aws.ToBool(v1.IsTruncated) {
		t.Errorf("ListObjects max-keys 0: %+v, %v", v1, err)
	}
	l, err = a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, ContinuationToken: aws.String("")})
	if err != nil || len(l.Contents) != 5 || l.ContinuationToken == nil || *l.ContinuationToken != "" || aws.ToBool(l.IsTruncated) {
		t.Errorf("empty continuation token: %+v, %v", l, err)
	}
	if _, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b, ContinuationToken: aws.String("!!")}); errCode(err) != "InvalidArgument" {
		t.Errorf("bad continuation token: %v", err)
	}
}

// TestE2EListBucketsPagination: max-buckets, continuation-token, prefix
// and bucket-region (S3 API Reference, ListBuckets).
func TestE2EListBucketsPagination(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	for _, n := range []string{"pg-c", "pg-a", "pg-b", "other-x"} {
		newBucket(t, a, n)
	}
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pg-west"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}},
		func(o *s3.Options) { o.Region = "eu-west-1" }); err != nil {
		t.Fatal(err)
	}
	// Account B's buckets never show.
	newBucket(t, client(srv, "account-b"), "pg-b-of-b")
	var names []string
	var token *string
	pages := 0
	for {
		out, err := a.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2), Prefix: aws.String("pg-"), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if aws.ToString(out.Prefix) != "pg-" {
			t.Errorf("Prefix %q not echoed", aws.ToString(out.Prefix))
		}
		for _, bk := range out.Buckets {
			names = append(names, aws.ToString(bk.Name)+"@"+aws.ToString(bk.BucketRegion))
		}
		if token = out.ContinuationToken; token == nil {
			break
		}
		if pages > 5 {
			t.Fatal("no end to the pages")
		}
	}
	if got := strings.Join(names, ","); got != "pg-a@us-east-1,pg-b@us-east-1,pg-c@us-east-1,pg-west@eu-west-1" || pages != 2 {
		t.Errorf("pages %d: %s", pages, got)
	}
	out, err := a.ListBuckets(ctx, &s3.ListBucketsInput{BucketRegion: aws.String("eu-west-1")})
	if err != nil || len(out.Buckets) != 1 || aws.ToString(out.Buckets[0].Name) != "pg-west" {
		t.Errorf("bucket-region: %+v %v", out, err)
	}
	all, err := a.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(all.Buckets) != 5 || all.ContinuationToken != nil || all.Buckets[0].BucketRegion != nil {
		t.Errorf("unpaged: %+v %v", all, err)
	}
	if _, err := a.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2), ContinuationToken: aws.String("!")}); errCode(err) != "InvalidArgument" {
		t.Errorf("bad token: %v", err)
	}
	// The SDK's paginator walks it.
	p := s3.NewListBucketsPaginator(a, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Buckets)
	}
	if n != 5 {
		t.Errorf("paginator saw %d buckets", n)
	}
}

func getBody(t *testing.T, c *s3.Client, bucket *string, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return string(b)
}

// TestE2EConditionalWrites: If-Match on PutObject and
// CompleteMultipartUpload (S3 User Guide, "Conditional writes"): a
// matching ETag writes, another is 412 PreconditionFailed, a missing key
// is 404 NoSuchKey; refused writes change nothing.
func TestE2EConditionalWrites(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "cond-writes")
	first, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("one")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("bad"), IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}); errCode(err) != "PreconditionFailed" || httpStatus(err) != 412 {
		t.Errorf("If-Match with another ETag: %v", err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("none"), Body: strings.NewReader("bad"), IfMatch: first.ETag}); errCode(err) != "NoSuchKey" || httpStatus(err) != 404 {
		t.Errorf("If-Match on a missing key: %v", err)
	}
	if got := getBody(t, a, b, "k"); got != "one" {
		t.Errorf("after refused writes: %q", got)
	}
	if _, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("none")}); errCode(err) != "NotFound" {
		t.Errorf("a refused write created the key: %v", err)
	}
	second, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("two"), IfMatch: first.ETag})
	if err != nil || getBody(t, a, b, "k") != "two" {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}

	complete := func(key string, ifMatch *string) (*s3.CompleteMultipartUploadOutput, error) {
		cr, err := a.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		up, err := a.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String(key), UploadId: cr.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("multi")})
		if err != nil {
			t.Fatal(err)
		}
		return a.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String(key), UploadId: cr.UploadId, IfMatch: ifMatch,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}}})
	}
	if _, err := complete("k", first.ETag); errCode(err) != "PreconditionFailed" || httpStatus(err) != 412 {
		t.Errorf("complete with a stale If-Match: %v", err)
	}
	if _, err := complete("none", second.ETag); errCode(err) != "NoSuchKey" || httpStatus(err) != 404 {
		t.Errorf("complete with If-Match on a missing key: %v", err)
	}
	if got := getBody(t, a, b, "k"); got != "two" {
		t.Errorf("after refused completes: %q", got)
	}
	if _, err := complete("k", second.ETag); err != nil || getBody(t, a, b, "k") != "multi" {
		t.Errorf("complete with the current ETag: %v", err)
	}
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestE2EExpiredPresignedPut: a presigned PUT used after its expiry is 403
// AccessDenied "Request has expired" and stores nothing.
func TestE2EExpiredPresignedPut(t *testing.T) {
	now := time.Now().UTC()
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	srv := doppeltest.NewServer(t, doppeltest.WithClock(func() time.Time { return *clock.Load() }))
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "expired-put")
	put, err := s3.NewPresignClient(a).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("up.txt")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(2 * time.Minute)
	clock.Store(&later)
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("uploaded"))
	for k, v := range put.SignedHeader {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>AccessDenied</Code><Message>Request has expired</Message>") ||
		!strings.Contains(string(body), "<X-Amz-Expires>60</X-Amz-Expires>") {
		t.Errorf("expired presigned PUT: %s %s", resp.Status, body)
	}
	clock.Store(&now)
	if _, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("up.txt")}); errCode(err) != "NotFound" {
		t.Errorf("the expired PUT stored an object: %v", err)
	}
}

// TestE2EDeletePublicAccessBlockStatus: S3 answers 204 No Content.
func TestE2EDeletePublicAccessBlockStatus(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "dpab-status")
	var status int
	_, err := a.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}, func(o *s3.Options) {
		o.HTTPClient = statusRecorder{o.HTTPClient, &status}
	})
	if err != nil || status != http.StatusNoContent {
		t.Errorf("DeletePublicAccessBlock: %d, %v", status, err)
	}
	if _, err := a.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("after delete: %v", err)
	}
}

type statusRecorder struct {
	next   s3.HTTPClient
	status *int
}

func (s statusRecorder) Do(r *http.Request) (*http.Response, error) {
	resp, err := s.next.Do(r)
	if resp != nil {
		*s.status = resp.StatusCode
	}
	return resp, err
}

// TestE2ESSEHeadersOnRead: SSE-S3 and SSE-KMS headers belong to writes; on
// GetObject and HeadObject S3 answers 400 InvalidArgument (S3 API
// Reference, GetObject).
func TestE2ESSEHeadersOnRead(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "sse-read")
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"} {
		withHeader := func(o *s3.Options) { o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(h, "aws:kms")) }
		_, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}, withHeader)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgument" || ae.ErrorMessage() != h+" header is not supported for this operation." || httpStatus(err) != 400 {
			t.Errorf("GetObject with %s: %v", h, err)
		}
		if _, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")}, withHeader); httpStatus(err) != 400 {
			t.Errorf("HeadObject with %s: %v", h, err)
		}
	}
	if got := getBody(t, a, b, "k"); got != "x" {
		t.Errorf("plain GET: %q", got)
	}
}

// TestE2EUploadPartCopyEncryption: UploadPartCopy names the upload's
// server-side encryption, as UploadPart does.
func TestE2EUploadPartCopyEncryption(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "upc-sse")
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("src"), Body: strings.NewReader("source")}); err != nil {
		t.Fatal(err)
	}
	for _, sse := range []s3types.ServerSideEncryption{"", s3types.ServerSideEncryptionAwsKms} {
		cr, err := a.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("dst"), ServerSideEncryption: sse})
		if err != nil {
			t.Fatal(err)
		}
		out, err := a.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: b, Key: aws.String("dst"), UploadId: cr.UploadId, PartNumber: aws.Int32(1), CopySource: aws.String("upc-sse/src")})
		if err != nil {
			t.Fatal(err)
		}
		want := sse
		if want == "" {
			want = s3types.ServerSideEncryptionAes256
		}
		if out.ServerSideEncryption != want {
			t.Errorf("UploadPartCopy under %q: ServerSideEncryption %q", sse, out.ServerSideEncryption)
		}
	}
}

// TestE2ECompleteMultipartUploadRetry: completing an upload again after it
// succeeded answers as the first completion did, while its object is
// current; an upload never made, or one whose object was replaced, is
// NoSuchUpload.
func TestE2ECompleteMultipartUploadRetry(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "mpu-retry")
	if _, err := a.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	cr, err := a.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("m"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	up, err := a.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("m"), UploadId: cr.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part one"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	in := &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("m"), UploadId: cr.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32}}}}
	first, err := a.CompleteMultipartUpload(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.CompleteMultipartUpload(ctx, in)
	if err != nil {
		t.Fatalf("repeated complete: %v", err)
	}
	if aws.ToString(again.ETag) != aws.ToString(first.ETag) || aws.ToString(again.VersionId) != aws.ToString(first.VersionId) ||
		aws.ToString(again.ChecksumCRC32) != aws.ToString(first.ChecksumCRC32) || aws.ToString(again.Location) != aws.ToString(first.Location) || again.ServerSideEncryption != first.ServerSideEncryption {
		t.Errorf("repeated complete answered %+v, first %+v", again, first)
	}
	vs, err := a.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b})
	if err != nil || len(vs.Versions) != 1 {
		t.Errorf("the repeat made another version: %+v %v", vs, err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("m"), Body: strings.NewReader("newer")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CompleteMultipartUpload(ctx, in); errCode(err) != "NoSuchUpload" {
		t.Errorf("complete after the object was replaced: %v", err)
	}
	in.UploadId = aws.String("never-made")
	if _, err := a.CompleteMultipartUpload(ctx, in); errCode(err) != "NoSuchUpload" {
		t.Errorf("complete of an unknown upload: %v", err)
	}
	// Another account learns nothing: denied before the upload is looked at.
	in.UploadId = cr.UploadId
	if _, err := client(srv, "account-b").CompleteMultipartUpload(ctx, in); errCode(err) != "AccessDenied" {
		t.Errorf("other account: %v", err)
	}
}

// TestE2EGetObjectAttributesParts: the parts of an object uploaded with a
// checksum algorithm, paged; without one, only the count.
func TestE2EGetObjectAttributesParts(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "attr-parts")
	upload := func(key string, alg s3types.ChecksumAlgorithm) {
		cr, err := a.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String(key), ChecksumAlgorithm: alg})
		if err != nil {
			t.Fatal(err)
		}
		var parts []s3types.CompletedPart
		for i, body := range []string{strings.Repeat("a", 5<<20), strings.Repeat("b", 5<<20), "tail"} {
			n := aws.Int32(int32(i + 1))
			up, err := a.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String(key), UploadId: cr.UploadId, PartNumber: n, Body: strings.NewReader(body), ChecksumAlgorithm: alg})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, s3types.CompletedPart{PartNumber: n, ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32})
		}
		if _, err := a.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String(key), UploadId: cr.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
			t.Fatal(err)
		}
	}
	upload("with-crc", s3types.ChecksumAlgorithmCrc32)
	out, err := a.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: aws.String("with-crc"),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectParts}, MaxParts: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	op := out.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || len(op.Parts) != 2 || !aws.ToBool(op.IsTruncated) || aws.ToString(op.NextPartNumberMarker) != "2" ||
		aws.ToInt64(op.Parts[1].Size) != 5<<20 || aws.ToString(op.Parts[0].ChecksumCRC32) == "" {
		t.Fatalf("first page: %+v", op)
	}
	out, err = a.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: aws.String("with-crc"),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectParts}, PartNumberMarker: op.NextPartNumberMarker})
	if err != nil {
		t.Fatal(err)
	}
	if op := out.ObjectParts; len(op.Parts) != 1 || aws.ToInt32(op.Parts[0].PartNumber) != 3 || aws.ToInt64(op.Parts[0].Size) != 4 || aws.ToBool(op.IsTruncated) {
		t.Errorf("second page: %+v", op)
	}
	upload("plain", "")
	out, err = a.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: b, Key: aws.String("plain"),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectParts}})
	if err != nil || out.ObjectParts == nil || aws.ToInt32(out.ObjectParts.TotalPartsCount) != 3 || len(out.ObjectParts.Parts) != 0 {
		t.Errorf("without a checksum: %+v %v", out.ObjectParts, err)
	}
}

// TestE2ELifecycleValidation: a rule without an ID gets one; a Date not at
// midnight UTC and non-positive expiration Days are InvalidArgument and
// change nothing.
func TestE2ELifecycleValidation(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "lifecycle-valid")
	rule := func(id *string, exp *s3types.LifecycleExpiration) *s3types.BucketLifecycleConfiguration {
		return &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{ID: id, Status: s3types.ExpirationStatusEnabled,
			Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")}, Expiration: exp}}}
	}
	if _, err := a.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: rule(nil, &s3types.LifecycleExpiration{Days: aws.Int32(30)})}); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(got.Rules) != 1 || aws.ToString(got.Rules[0].ID) == "" {
		t.Fatalf("generated ID: %+v %v", got, err)
	}
	id := aws.ToString(got.Rules[0].ID)
	noon := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	for name, exp := range map[string]*s3types.LifecycleExpiration{
		"date not at midnight": {Date: &noon},
		"zero days":            {Days: aws.Int32(0)},
	} {
		if _, err := a.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: rule(aws.String("r"), exp)}); errCode(err) != "InvalidArgument" {
			t.Errorf("%s: %v", name, err)
		}
	}
	got, err = a.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(got.Rules) != 1 || aws.ToString(got.Rules[0].ID) != id {
		t.Errorf("a refused configuration changed the rules: %+v %v", got, err)
	}
}

// TestE2EMetadataCaseBoto3: boto3 shows user metadata names as S3 sends
// them, so they must come back as they were sent ("meta1", not "Meta1").
func TestE2EMetadataCaseBoto3(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 with boto3 is needed")
	}
	srv := doppeltest.NewServer(t)
	newBucket(t, client(srv, "account-a"), "boto-meta")
	acct := srv.Account("account-a")
	script := `
import boto3, json, sys
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
s3.put_object(Bucket="boto-meta", Key="k", Body=b"x", Metadata={"meta1": "v1", "Mixed-Case": "v2"})
print(json.dumps(s3.head_object(Bucket="boto-meta", Key="k")["Metadata"], sort_keys=True))
`
	cmd := exec.Command(py, "-c", script, srv.URL, acct.AccessKeyID, acct.SecretAccessKey)
	cmd.Env = append(os.Environ(), "NO_PROXY=*", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != `{"meta1": "v1", "mixed-case": "v2"}` {
		t.Errorf("boto3 Metadata %s", got)
	}
}

// TestE2ESigV2: Signature Version 2 as S3 takes it in the regions that
// kept it: boto3 (signature_version "s3") signs headers and presigns URLs
// with it for a us-east-1 bucket; a bucket in eu-central-1 answers
// InvalidRequest; a changed URL or signature is SignatureDoesNotMatch, an
// expired URL AccessDenied.
func TestE2ESigV2(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 with boto3 is needed")
	}
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	newBucket(t, a, "sigv2")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("sigv2-frankfurt"), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-central-1"}},
		func(o *s3.Options) { o.Region = "eu-central-1" }); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sigv2-frankfurt"), Key: aws.String("k"), Body: strings.NewReader("x")}, func(o *s3.Options) { o.Region = "eu-central-1" }); err != nil {
		t.Fatal(err)
	}
	acct := srv.Account("account-a")
	script := `
import boto3, json, sys
from botocore.config import Config
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", config=Config(signature_version="s3"),
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
s3.put_object(Bucket="sigv2", Key="dir/a b.txt", Body=b"signed with v2", ContentType="text/plain", Metadata={"m": "1"})
got = s3.get_object(Bucket="sigv2", Key="dir/a b.txt", ResponseContentType="application/x-test")
tags = s3.put_object_tagging(Bucket="sigv2", Key="dir/a b.txt", Tagging={"TagSet": [{"Key": "t", "Value": "v"}]})
print(json.dumps({
  "body": got["Body"].read().decode(), "type": got["ContentType"],
  "tags": s3.get_object_tagging(Bucket="sigv2", Key="dir/a b.txt")["TagSet"],
  "get": s3.generate_presigned_url("get_object", Params={"Bucket": "sigv2", "Key": "dir/a b.txt"}),
  "expired": s3.generate_presigned_url("get_object", Params={"Bucket": "sigv2", "Key": "dir/a b.txt"}, ExpiresIn=-10),
  "frankfurt": s3.generate_presigned_url("get_object", Params={"Bucket": "sigv2-frankfurt", "Key": "k"}),
}))
`
	cmd := exec.Command(py, "-c", script, srv.URL, acct.AccessKeyID, acct.SecretAccessKey)
	cmd.Env = append(os.Environ(), "NO_PROXY=*", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var res struct {
		Body, Type, Get, Expired, Frankfurt string
		Tags                                []map[string]string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Body != "signed with v2" || res.Type != "application/x-test" || len(res.Tags) != 1 || res.Tags[0]["Key"] != "t" {
		t.Errorf("boto3 with SigV2: %+v", res)
	}
	if !strings.Contains(res.Get, "AWSAccessKeyId=") || !strings.Contains(res.Get, "Signature=") {
		t.Fatalf("not a SigV2 URL: %s", res.Get)
	}
	fetch := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	if st, body := fetch(res.Get); st != 200 || body != "signed with v2" {
		t.Errorf("SigV2 presigned GET: %d %s", st, body)
	}
	if st, body := fetch(strings.Replace(res.Get, "a%20b.txt", "a%20c.txt", 1)); st != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("SigV2 URL for another key: %d %s", st, body)
	}
	if st, body := fetch(res.Expired); st != 403 || !strings.Contains(body, "<Code>AccessDenied</Code><Message>Request has expired</Message>") {
		t.Errorf("expired SigV2 URL: %d %s", st, body)
	}
	want := "<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>"
	if st, body := fetch(res.Frankfurt); st != 400 || !strings.Contains(body, want) {
		t.Errorf("SigV2 URL for an eu-central-1 bucket: %d %s", st, body)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/sigv2/k", nil)
	req.Header.Set("Authorization", "AWS "+acct.AccessKeyID+":c2lnbmF0dXJl")
	req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("SigV2 header with a wrong signature: %s %s", resp.Status, body)
	}
}
