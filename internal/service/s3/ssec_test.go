package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/request"
)

func secure(ctx context.Context) context.Context {
	info := *request.From(ctx)
	info.Secure = true
	return request.With(ctx, &info)
}

func TestSSEC(t *testing.T) {
	h, plain := newBucketHarness(t, "")
	tls := secure(plain)
	key := strings.Repeat("k", 32)
	b64 := base64.StdEncoding.EncodeToString([]byte(key))
	sum := md5.Sum([]byte(key))
	keyMD5 := base64.StdEncoding.EncodeToString(sum[:])
	other := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("o", 32)))
	aes := api.String("AES256")

	tests := []struct {
		name string
		ctx  context.Context
		in   s3api.PutObjectInput
		code string
	}{
		{"over plain HTTP", plain, s3api.PutObjectInput{SSECustomerAlgorithm: aes, SSECustomerKey: &b64, SSECustomerKeyMD5: &keyMD5}, "InvalidRequest"},
		{"wrong algorithm", tls, s3api.PutObjectInput{SSECustomerAlgorithm: api.String("DES"), SSECustomerKey: &b64}, "InvalidEncryptionAlgorithmError"},
		{"short key", tls, s3api.PutObjectInput{SSECustomerAlgorithm: aes, SSECustomerKey: api.String("c2hvcnQ=")}, "InvalidArgument"},
		{"key MD5 mismatch", tls, s3api.PutObjectInput{SSECustomerAlgorithm: aes, SSECustomerKey: &b64, SSECustomerKeyMD5: api.String("AAAAAAAAAAAAAAAAAAAAAA==")}, "InvalidArgument"},
		{"valid", tls, s3api.PutObjectInput{SSECustomerAlgorithm: aes, SSECustomerKey: &b64, SSECustomerKeyMD5: &keyMD5}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket, in.Key, in.Body = "bkt", "secret", body("data")
			out, err := h.svc.PutObject(tc.ctx, &in)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if err == nil && api.ToString(out.SSECustomerKeyMD5) != keyMD5 {
				t.Errorf("key MD5 echoed %q", api.ToString(out.SSECustomerKeyMD5))
			}
		})
	}
	reads := []struct {
		name string
		in   s3api.GetObjectInput
		code string
	}{
		{"without the key", s3api.GetObjectInput{}, "InvalidRequest"},
		{"with another key", s3api.GetObjectInput{SSECustomerAlgorithm: aes, SSECustomerKey: &other}, "AccessDenied"},
		{"with the key", s3api.GetObjectInput{SSECustomerAlgorithm: aes, SSECustomerKey: &b64}, ""},
	}
	for _, tc := range reads {
		t.Run("read "+tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket, in.Key = "bkt", "secret"
			out, err := h.svc.GetObject(tls, &in)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if err == nil {
				if got := readAll(t, out.Body); got != "data" || api.ToString(out.SSECustomerKeyMD5) != keyMD5 {
					t.Errorf("read %q, key MD5 %q", got, api.ToString(out.SSECustomerKeyMD5))
				}
			}
		})
	}
}
