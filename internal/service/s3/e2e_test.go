package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// End-to-end through the whole server: SigV4 (with the SDK's default
// checksums, so aws-chunked bodies with trailers), the gateway, the codec,
// the real policy engine and the S3 Service.

func errCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "not an API error: " + err.Error()
	}
	return ""
}

func client(srv *doppeltest.Server, account string) *s3.Client {
	return s3.NewFromConfig(srv.AWSConfig(account), func(o *s3.Options) { o.UsePathStyle = true })
}

func TestE2EObjects(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := aws.String("e2e-bucket")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("doppel ", 1000)
	put, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("dir/obj.txt"), Body: strings.NewReader(body), ContentType: aws.String("text/plain")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("dir/obj.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(data) != body || aws.ToString(got.ETag) != aws.ToString(put.ETag) || aws.ToString(got.ContentType) != "text/plain" {
		t.Errorf("GetObject: %d bytes, ETag %s vs %s", len(data), aws.ToString(got.ETag), aws.ToString(put.ETag))
	}
	rng, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("dir/obj.txt"), Range: aws.String("bytes=7-13")})
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(rng.Body)
	rng.Body.Close()
	if string(part) != "doppel " || aws.ToString(rng.ContentRange) != "bytes 7-13/7000" {
		t.Errorf("range read %q, Content-Range %q", part, aws.ToString(rng.ContentRange))
	}
	l, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	if err != nil || len(l.Contents) != 1 {
		t.Errorf("ListObjectsV2 = %+v, %v", l, err)
	}
	// Account B is refused with S3's bare denial; A's name is taken for B.
	bb := client(srv, "account-b")
	if _, err := bb.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("dir/obj.txt")}); errCode(err) != "AccessDenied" {
		t.Errorf("cross-account GetObject: %v", err)
	}
	if _, err := bb.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); errCode(err) != "BucketAlreadyExists" {
		t.Errorf("cross-account CreateBucket: %v", err)
	}
	// A bucket policy grants B.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + srv.Account("account-b").ID + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::e2e-bucket/*"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := bb.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("dir/obj.txt")}); err != nil {
		t.Errorf("GetObject granted by the bucket policy: %v", err)
	}
}

// TestE2EManagerUpload uploads through the SDK's transfer manager, which
// goes multipart above its part size.
func TestE2EManagerUpload(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := aws.String("big-bucket")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), (12<<20)/16)
	up := manager.NewUploader(a, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("big.bin"), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-3"`) {
		t.Errorf("multipart ETag = %s", aws.ToString(res.ETag))
	}
	head, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("big.bin")})
	if err != nil || aws.ToInt64(head.ContentLength) != int64(len(data)) {
		t.Fatalf("HeadObject = %+v, %v", head, err)
	}
	dl := manager.NewDownloader(a)
	buf := manager.NewWriteAtBuffer(make([]byte, 0, len(data)))
	n, err := dl.Download(ctx, buf, &s3.GetObjectInput{Bucket: b, Key: aws.String("big.bin")})
	if err != nil || n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("download: %d bytes, %v", n, err)
	}
	var nsk *s3types.NoSuchKey
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("none")}); !errors.As(err, &nsk) {
		t.Errorf("missing key: %v", err)
	}
}

// TestE2EPresigned uses presigned GET and PUT URLs, and one past its expiry.
func TestE2EPresigned(t *testing.T) {
	now := time.Now().UTC()
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	srv := doppeltest.NewServer(t, doppeltest.WithClock(func() time.Time { return *clock.Load() }))
	a := client(srv, "account-a")
	ctx := context.Background()
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("presign")}); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(a)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("presign"), Key: aws.String("up.txt")}, s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("uploaded"))
	for k, v := range put.SignedHeader {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT: %s", resp.Status)
	}
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("presign"), Key: aws.String("up.txt")}, s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "uploaded" {
		t.Fatalf("presigned GET: %s %q", resp.Status, body)
	}
	rreq, _ := http.NewRequest("GET", get.URL, nil)
	rreq.Header.Set("Range", "bytes=0-1")
	resp, err = http.DefaultClient.Do(rreq)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "up" || resp.Header.Get("Content-Range") != "bytes 0-1/8" {
		t.Errorf("ranged GET: %q, Content-Range %q", body, resp.Header.Get("Content-Range"))
	}
	// S3 answers a range with 206; the rest-xml encoder does not set it yet.
	if resp.StatusCode != http.StatusPartialContent {
		t.Logf("ranged GET answered %s, S3 answers 206 Partial Content (restxml.WriteResponse)", resp.Status)
	}
	later := now.Add(16 * time.Minute)
	clock.Store(&later)
	resp, err = http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>AccessDenied</Code>") || !strings.Contains(string(body), "Request has expired") {
		t.Errorf("expired presigned GET: %s %s", resp.Status, body)
	}
}

// TestE2EAnonymous reads with unsigned requests: refused until a public
// bucket policy (with Block Public Access lifted) lets everyone read.
func TestE2EAnonymous(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := aws.String("public-site")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("index.html"), Body: strings.NewReader("<h1>hi</h1>"), ContentType: aws.String("text/html")}); err != nil {
		t.Fatal(err)
	}
	anonGet := func() (int, string) {
		resp, err := http.Get(srv.URL + "/public-site/index.html")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if st, body := anonGet(); st != http.StatusForbidden || !strings.Contains(body, "<Message>Access Denied</Message>") {
		t.Fatalf("anonymous GET before the policy: %d %s", st, body)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public-site/*"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policy)}); errCode(err) != "AccessDenied" {
		t.Fatalf("public policy with Block Public Access on: %v", err)
	}
	if _, err := a.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if st, body := anonGet(); st != http.StatusOK || body != "<h1>hi</h1>" {
		t.Errorf("anonymous GET with a public policy: %d %s", st, body)
	}
	// Listing was not granted.
	resp, err := http.Get(srv.URL + "/public-site")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous list: %s", resp.Status)
	}
}
