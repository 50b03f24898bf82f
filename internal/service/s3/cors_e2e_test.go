package s3_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/doppel-aws/doppel/doppeltest"
)

const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

func corsRules() *s3types.CORSConfiguration {
	return &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{
		{AllowedOrigins: []string{"http://*.example.com"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"x-amz-*", "Content-Type"},
			ExposeHeaders: []string{"ETag", "x-amz-request-id"}, MaxAgeSeconds: aws.Int32(3000)},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}}
}

func preflight(t *testing.T, url, origin, method, headers string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, url, nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method != "" {
		req.Header.Set("Access-Control-Request-Method", method)
	}
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestE2ECORSPreflight: OPTIONS requests are answered unauthenticated from
// the bucket's CORS configuration, with S3's headers and errors.
func TestE2ECORSPreflight(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "cors-pre")
	newBucket(t, a, "cors-none")
	if _, err := a.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: corsRules()}); err != nil {
		t.Fatal(err)
	}
	obj := srv.URL + "/cors-pre/dir/file.txt"

	resp, body := preflight(t, obj, "http://app.example.com", "PUT", "Content-Type, X-Amz-Meta-Note")
	want := map[string]string{
		"Access-Control-Allow-Origin": "http://app.example.com", "Access-Control-Allow-Methods": "GET, PUT",
		"Access-Control-Allow-Headers": "content-type, x-amz-meta-note", "Access-Control-Expose-Headers": "ETag, x-amz-request-id",
		"Access-Control-Max-Age": "3000", "Access-Control-Allow-Credentials": "true", "Vary": corsVary,
		"Content-Security-Policy": "sandbox",
	}
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("allowed preflight: %s %q", resp.Status, body)
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("allowed preflight: %s = %q, want %q", k, got, v)
		}
	}
	// The wildcard origin rule allows GET from anywhere, without credentials.
	resp, _ = preflight(t, obj, "http://elsewhere.test", "GET", "")
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("wildcard preflight: %s %v", resp.Status, resp.Header)
	}

	notAllowed := "<Code>AccessForbidden</Code><Message>CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource&apos;s CORS spec.</Message>"
	for _, tc := range []struct{ name, url, origin, method, headers, status, code, contains string }{
		{"origin not allowed for PUT", obj, "http://elsewhere.test", "PUT", "", "403", "AccessForbidden", notAllowed + "<Method>PUT</Method><ResourceType>OBJECT</ResourceType>"},
		{"header not allowed", obj, "http://app.example.com", "PUT", "authorization", "403", "AccessForbidden", notAllowed},
		{"method not allowed", srv.URL + "/cors-pre", "http://app.example.com", "DELETE", "", "403", "AccessForbidden", "<Method>DELETE</Method><ResourceType>BUCKET</ResourceType>"},
		{"wildcard needs a dot", obj, "http://example.com", "PUT", "", "403", "AccessForbidden", notAllowed},
		{"no CORS configuration", srv.URL + "/cors-none/k", "http://app.example.com", "GET", "", "403", "AccessForbidden", "<Message>CORSResponse: CORS is not enabled for this bucket.</Message>"},
		{"no origin", obj, "", "GET", "", "400", "BadRequest", "<Message>Insufficient information. Origin request header needed.</Message>"},
		{"no method", obj, "http://app.example.com", "", "", "400", "BadRequest", "<Message>Invalid Access-Control-Request-Method: null</Message>"},
		{"no bucket", srv.URL + "/cors-absent/k", "http://app.example.com", "GET", "", "404", "NoSuchBucket", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := preflight(t, tc.url, tc.origin, tc.method, tc.headers)
			if resp.Status[:3] != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") || !strings.Contains(body, tc.contains) {
				t.Errorf("%s %s", resp.Status, body)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("refused preflight allows an origin: %v", resp.Header)
			}
		})
	}
	// Preflights change nothing: the bucket still lists nothing.
	l, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	if err != nil || len(l.Contents) != 0 {
		t.Errorf("after preflights: %+v %v", l, err)
	}
	// Validation: one wildcard per origin.
	bad := &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{{AllowedOrigins: []string{"http://*.*.com"}, AllowedMethods: []string{"GET"}}}}
	if _, err := a.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: bad}); errCode(err) != "InvalidRequest" {
		t.Errorf("two wildcards: %v", err)
	}
	if out, err := a.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b}); err != nil || len(out.CORSRules) != 2 {
		t.Errorf("a refused PutBucketCors changed the rules: %+v %v", out, err)
	}
}

// TestE2ECORSActualRequests: signed requests that carry an Origin get the
// matching rule's headers, errors included; without a match only Vary.
func TestE2ECORSActualRequests(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "cors-actual")
	if _, err := a.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: corsRules()}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	var got http.Header
	capture := func(origin string) func(*s3.Options) {
		return func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("Origin", origin))
			o.HTTPClient = headerRecorder{o.HTTPClient, &got}
		}
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}, capture("http://app.example.com")); err != nil {
		t.Fatal(err)
	}
	if got.Get("Access-Control-Allow-Origin") != "http://app.example.com" || got.Get("Access-Control-Expose-Headers") != "ETag, x-amz-request-id" ||
		got.Get("Vary") != corsVary || got.Get("Access-Control-Allow-Methods") != "GET, PUT" || got.Get("Access-Control-Max-Age") != "3000" {
		t.Errorf("GET with Origin: %v", got)
	}
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("missing")}, capture("http://app.example.com")); errCode(err) != "NoSuchKey" || got.Get("Access-Control-Allow-Origin") != "http://app.example.com" {
		t.Errorf("error with Origin: %v %v", err, got)
	}
	// DELETE is in no rule: only Vary.
	if _, err := a.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("other")}, capture("http://app.example.com")); err != nil {
		t.Fatal(err)
	}
	if got.Get("Access-Control-Allow-Origin") != "" || got.Get("Vary") != corsVary {
		t.Errorf("DELETE with Origin: %v", got)
	}
	// Without Origin, nothing.
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}, func(o *s3.Options) { o.HTTPClient = headerRecorder{o.HTTPClient, &got} }); err != nil {
		t.Fatal(err)
	}
	if got.Get("Access-Control-Allow-Origin") != "" || got.Get("Vary") != "" {
		t.Errorf("GET without Origin: %v", got)
	}
}

type headerRecorder struct {
	next s3.HTTPClient
	h    *http.Header
}

func (r headerRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	if resp != nil {
		*r.h = resp.Header
	}
	return resp, err
}
