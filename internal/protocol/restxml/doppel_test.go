package restxml_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Statuses and headers the codec derives from outputs and errors, checked
// through aws-sdk-go-v2 against a whole doppel (gateway, S3 service).

// lastResponse keeps the status, headers and body of the last response the
// SDK received, so tests see what went over the wire.
type lastResponse struct {
	mu     sync.Mutex
	status int
	header http.Header
	body   []byte
}

func (l *lastResponse) Do(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	l.mu.Lock()
	l.status, l.header, l.body = resp.StatusCode, resp.Header.Clone(), body
	l.mu.Unlock()
	return resp, nil
}

func TestDoppelS3Statuses(t *testing.T) {
	srv := doppeltest.NewServer(t)
	var last lastResponse
	cfg := srv.AWSConfig("account-a")
	cfg.HTTPClient = &last
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	b := aws.String("statuses")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("obj"), Body: bytes.NewReader([]byte("0123456789"))})
	if err != nil {
		t.Fatal(err)
	}
	etag := aws.ToString(put.ETag)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("gone"), Body: bytes.NewReader([]byte("x"))}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("gone")})
	if err != nil || !aws.ToBool(del.DeleteMarker) {
		t.Fatalf("delete: %v, marker %v", err, del != nil && aws.ToBool(del.DeleteMarker))
	}
	marker := aws.ToString(del.VersionId)

	tests := []struct {
		name    string
		call    func() error
		code    string // error code the SDK reports; "" for success
		status  int
		headers map[string]string // "" means absent
		body    string            // exact body when noBody
		noBody  bool
	}{
		{"whole object is 200", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("obj")})
			return err
		}, "", 200, map[string]string{"Content-Range": ""}, "", false},
		{"range is 206", func() error {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("obj"), Range: aws.String("bytes=2-4")})
			if err == nil && aws.ToString(out.ContentRange) != "bytes 2-4/10" {
				t.Errorf("ContentRange %q", aws.ToString(out.ContentRange))
			}
			return err
		}, "", 206, map[string]string{"Content-Range": "bytes 2-4/10", "Content-Length": "3"}, "234", true},
		{"head with range is 206", func() error {
			out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("obj"), Range: aws.String("bytes=2-4")})
			if err == nil && (aws.ToString(out.ContentRange) != "bytes 2-4/10" || aws.ToInt64(out.ContentLength) != 3) {
				t.Errorf("ContentRange %q, ContentLength %d", aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength))
			}
			return err
		}, "", 206, map[string]string{"Content-Range": "bytes 2-4/10", "Content-Length": "3"}, "", true},
		{"head without range is 200", func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("obj")})
			return err
		}, "", 200, map[string]string{"Content-Range": "", "Content-Length": "10"}, "", true},
		{"if-none-match is 304 without body", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("obj"), IfNoneMatch: aws.String(etag)})
			return err
		}, "NotModified", 304, map[string]string{"ETag": etag, "Content-Type": ""}, "", true},
		{"head if-none-match is 304", func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("obj"), IfNoneMatch: aws.String(etag)})
			return err
		}, "NotModified", 304, map[string]string{"ETag": etag}, "", true},
		{"current delete marker is 404 with marker headers", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("gone")})
			return err
		}, "NoSuchKey", 404, map[string]string{"x-amz-delete-marker": "true", "x-amz-version-id": marker}, "", false},
		{"head of current delete marker", func() error {
			_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("gone")})
			return err
		}, "NotFound", 404, map[string]string{"x-amz-delete-marker": "true", "x-amz-version-id": marker}, "", true},
		{"delete marker by version is 405", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("gone"), VersionId: aws.String(marker)})
			return err
		}, "MethodNotAllowed", 405, map[string]string{"x-amz-delete-marker": "true", "x-amz-version-id": marker}, "", false},
		{"missing key has no marker headers", func() error {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("never")})
			return err
		}, "NoSuchKey", 404, map[string]string{"x-amz-delete-marker": "", "x-amz-version-id": ""}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.code != "" && !errors.As(err, &ae):
				t.Fatalf("error %v, want %s", err, tc.code)
			case tc.code != "" && ae.ErrorCode() != tc.code:
				t.Errorf("code %s, want %s", ae.ErrorCode(), tc.code)
			}
			last.mu.Lock()
			defer last.mu.Unlock()
			if last.status != tc.status {
				t.Errorf("status %d, want %d", last.status, tc.status)
			}
			for k, v := range tc.headers {
				if got := last.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tc.noBody && string(last.body) != tc.body {
				t.Errorf("body %q, want %q", last.body, tc.body)
			}
		})
	}
	// The 405 for a delete marker named by version also carries its
	// Last-Modified (S3 API Reference, GetObject).
	c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("gone"), VersionId: aws.String(marker)})
	if last.header.Get("Last-Modified") == "" {
		t.Error("405 for a delete marker has no Last-Modified")
	}
}

func TestDoppelS3LifecycleMinimumSize(t *testing.T) {
	srv := doppeltest.NewServer(t)
	c := s3.NewFromConfig(srv.AWSConfig("account-a"), func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	b := aws.String("lifecycle")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	rules := &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{{
		ID: aws.String("r"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
		Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(30)},
	}}}
	tests := []struct {
		name string
		sent s3types.TransitionDefaultMinimumObjectSize
		want s3types.TransitionDefaultMinimumObjectSize
	}{
		{"explicit varies_by_storage_class", s3types.TransitionDefaultMinimumObjectSizeVariesByStorageClass, s3types.TransitionDefaultMinimumObjectSizeVariesByStorageClass},
		{"default is all_storage_classes_128K", "", s3types.TransitionDefaultMinimumObjectSizeAllStorageClasses128k},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			put, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
				Bucket: b, LifecycleConfiguration: rules, TransitionDefaultMinimumObjectSize: tc.sent})
			if err != nil {
				t.Fatal(err)
			}
			if put.TransitionDefaultMinimumObjectSize != tc.want {
				t.Errorf("put answered %q, want %q", put.TransitionDefaultMinimumObjectSize, tc.want)
			}
			got, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
			if err != nil {
				t.Fatal(err)
			}
			if got.TransitionDefaultMinimumObjectSize != tc.want || len(got.Rules) != 1 {
				t.Errorf("get answered %q with %d rules, want %q", got.TransitionDefaultMinimumObjectSize, len(got.Rules), tc.want)
			}
		})
	}
}
