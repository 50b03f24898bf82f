package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Every API answer a browser might render, an object above all, is a
// sandboxed document with an opaque origin, whatever Content-Type its owner
// chose; the browser test in internal/console shows what that prevents.
func TestObjectsAreSandboxed(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	client := s3.NewFromConfig(srv.AWSConfig("account-b"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pages")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pages"), Key: aws.String("p.html"),
		Body: strings.NewReader("<script>alert(1)</script>"), ContentType: aws.String("text/html")}); err != nil {
		t.Fatal(err)
	}
	presign := s3.NewPresignClient(client)
	get, err := presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("pages"), Key: aws.String("p.html"),
		ResponseContentType: aws.String("text/html")})
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]string{
		"object":        get.URL,
		"anonymous 403": srv.URL + "/pages/p.html",
		"IAM error":     srv.URL + "/?Action=ListUsers",
	} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "sandbox" {
			t.Errorf("%s (%d): Content-Security-Policy %q, want sandbox", name, resp.StatusCode, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", name)
		}
	}
}
