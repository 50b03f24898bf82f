package sigv4

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The request shapes the gateway sees most, signed with the headers
// aws-sdk-go-v2 adds. Each benchmark verifies and reads the body to EOF, as
// the gateway's services do.

// sdkHeaders are the headers aws-sdk-go-v2 sends (and signs, except
// User-Agent) on every request.
var sdkHeaders = map[string]string{
	"Amz-Sdk-Invocation-Id": "0b7f7e5e-3a3c-4e0e-9a4d-9b9f3c7d2d11",
	"Amz-Sdk-Request":       "attempt=1; max=3",
	"User-Agent":            "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux api/s3#1.88.1 m/E",
	"Accept-Encoding":       "identity",
}

func withSDKHeaders(extra map[string]string) map[string]string {
	h := map[string]string{}
	for k, v := range sdkHeaders {
		h[k] = v
	}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func benchVerify(b *testing.B, r *http.Request, service, body string) {
	v := testVerifier()
	run := func() {
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
		if _, err := v.Verify(r, service); err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			b.Fatal(err)
		}
	}
	run()
	b.ReportAllocs()
	for b.Loop() {
		run()
	}
}

// BenchmarkVerifyGetObject is S3 GetObject as aws-sdk-go-v2 signs it: the
// empty payload's hash in x-amz-content-sha256.
func BenchmarkVerifyGetObject(b *testing.B) {
	r := signed(b, "s3", "GET", "http://localhost:4566/bucket/some/key.txt", "", testNow, longTerm, withSDKHeaders(nil))
	benchVerify(b, r, "s3", "")
}

// BenchmarkVerifyGetObjectUnsigned is GetObject with UNSIGNED-PAYLOAD, as the
// AWS CLI and boto3 send it over HTTPS.
func BenchmarkVerifyGetObjectUnsigned(b *testing.B) {
	r := signed(b, "s3", "GET", "http://localhost:4566/bucket/some/key.txt", "", testNow, longTerm,
		withSDKHeaders(map[string]string{"X-Amz-Content-Sha256": unsignedHash}))
	benchVerify(b, r, "s3", "")
}

// BenchmarkVerifyAssumeRole is an STS query POST: the form body is hashed.
func BenchmarkVerifyAssumeRole(b *testing.B) {
	const body = "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fbench&RoleSessionName=bench&Version=2011-06-15"
	r := signed(b, "sts", "POST", "http://localhost:4566/", body, testNow, longTerm,
		withSDKHeaders(map[string]string{"Content-Type": "application/x-www-form-urlencoded"}))
	benchVerify(b, r, "sts", body)
}

// BenchmarkVerifyPutObjectHashed is a 1 KiB PutObject whose body's SHA-256 is
// in x-amz-content-sha256, checked as the body streams.
func BenchmarkVerifyPutObjectHashed(b *testing.B) {
	body := strings.Repeat("x", 1024)
	r := signed(b, "s3", "PUT", "http://localhost:4566/bucket/some/key.txt", body, testNow, longTerm,
		withSDKHeaders(map[string]string{"Content-Type": "application/octet-stream"}))
	benchVerify(b, r, "s3", body)
}

// BenchmarkVerifyPutObjectTrailer is a 1 KiB PutObject as aws-sdk-go-v2 sends
// it over HTTPS: aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER, a CRC32
// trailer.
func BenchmarkVerifyPutObjectTrailer(b *testing.B) {
	data := strings.Repeat("x", 1024)
	body := (&chunkWriter{}).body(64<<10, data, "x-amz-checksum-crc32:"+crc32b64(data))
	r := httptest.NewRequest("PUT", "http://localhost:4566/bucket/some/key.txt", nil)
	for k, v := range withSDKHeaders(map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Content-Sha256":         streamUnsignT,
		"X-Amz-Decoded-Content-Length": strconv.Itoa(len(data)),
		"X-Amz-Trailer":                "x-amz-checksum-crc32",
		"X-Amz-Sdk-Checksum-Algorithm": "CRC32",
		"Content-Length":               strconv.Itoa(len(body)),
	}) {
		r.Header.Set(k, v)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), longTerm, r, streamUnsignT, "s3", "us-east-1", testNow,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		b.Fatal(err)
	}
	benchVerify(b, r, "s3", body)
}

// BenchmarkScope is the gateway's routing look at the credential.
func BenchmarkScope(b *testing.B) {
	r := signed(b, "s3", "GET", "http://localhost:4566/bucket/some/key.txt", "", testNow, longTerm, withSDKHeaders(nil))
	b.ReportAllocs()
	for b.Loop() {
		if svc, _, ok := Scope(r); !ok || svc != "s3" {
			b.Fatal(svc, ok)
		}
	}
}

// BenchmarkGatewayLookup compares two ways for a caller to learn more from
// its lookup than the secret: the gateway's present one (a slot carried in
// the request's context, so two request copies) and VerifyWith with a
// closure and a Result kept per request.
func BenchmarkGatewayLookup(b *testing.B) {
	type principal struct{ id string }
	type slotKey struct{}
	type slot struct{ p *principal }
	resolve := func(id string) *principal { return &principal{id} }
	r := signed(b, "s3", "GET", "http://localhost:4566/bucket/some/key.txt", "", testNow, longTerm, withSDKHeaders(nil))
	r.Body = http.NoBody

	b.Run("context slot", func(b *testing.B) {
		p := resolve(testAKID)
		v := &Verifier{Now: testVerifier().Now, Lookup: func(ctx context.Context, id, token string) (string, error) {
			if s, ok := ctx.Value(slotKey{}).(*slot); ok {
				s.p = p
			}
			return testLookup(ctx, id, token)
		}}
		b.ReportAllocs()
		for b.Loop() {
			s := &slot{}
			ctx := r.Context()
			r2 := r.WithContext(context.WithValue(ctx, slotKey{}, s))
			res, err := v.Verify(r2, "s3")
			r2 = r2.WithContext(ctx)
			if err != nil || s.p == nil || res.Anonymous || r2 == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("VerifyWith", func(b *testing.B) {
		p := resolve(testAKID)
		v := testVerifier()
		type call struct {
			res       Result
			principal *principal
		}
		c := &call{}
		b.ReportAllocs()
		for b.Loop() {
			err := v.VerifyWith(r, "s3", func(ctx context.Context, id, token string) (string, error) {
				c.principal = p
				return testLookup(ctx, id, token)
			}, &c.res)
			if err != nil || c.principal == nil || c.res.Anonymous {
				b.Fatal(err)
			}
		}
	})
}
