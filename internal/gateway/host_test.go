package gateway

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestVirtualHostBucket(t *testing.T) {
	cases := []struct {
		name, host string
		extra      []string
		want       string
	}{
		{"loopback ip", "127.0.0.1:4566", nil, ""},
		{"ipv6", "[::1]:4566", nil, ""},
		{"plain localhost", "localhost:4566", nil, ""},
		{"s3 endpoint", "s3.localhost:4566", nil, ""},
		{"aws global endpoint", "s3.amazonaws.com", nil, ""},
		{"bucket on localhost", "my-bucket.localhost:4566", nil, "my-bucket"},
		{"dotted bucket on localhost", "my.dotted.bucket.localhost", nil, "my.dotted.bucket"},
		{"bucket on s3.localhost", "b1.s3.localhost:4566", nil, "b1"},
		{"bucket on aws", "b1.s3.amazonaws.com", nil, "b1"},
		{"bucket on regional aws", "b1.s3.eu-west-1.amazonaws.com", nil, "b1"},
		{"legacy dash region", "b1.s3-us-west-2.amazonaws.com", nil, "b1"},
		{"custom hostname", "b1.aws.test:80", []string{"aws.test"}, "b1"},
		{"upper case", "B1.LOCALHOST", nil, "b1"},
		{"localhost not last", "localhost.example.com", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := virtualHostBucket(c.host, c.extra); got != c.want {
				t.Fatalf("virtualHostBucket(%q) = %q, want %q", c.host, got, c.want)
			}
		})
	}
}

func TestRequestIDShape(t *testing.T) {
	id := newRequestID()
	if len(id.uuid) != 36 || id.uuid[14] != '4' {
		t.Fatalf("uuid %q is not a version 4 UUID", id.uuid)
	}
	if len(id.s3) != 16 || strings.ToUpper(id.s3) != id.s3 || !strings.HasPrefix(strings.ToUpper(strings.ReplaceAll(id.uuid, "-", "")), id.s3) {
		t.Fatalf("s3 request id %q: want the uuid's first 16 hex digits, upper case (uuid %q)", id.s3, id.uuid)
	}
	if raw, err := base64.StdEncoding.DecodeString(id.id2); err != nil || len(raw) != 32 {
		t.Fatalf("x-amz-id-2 %q: want base64 of 32 bytes (%v)", id.id2, err)
	}
	if other := newRequestID(); other.uuid == id.uuid {
		t.Fatal("two request IDs are equal")
	}
}
