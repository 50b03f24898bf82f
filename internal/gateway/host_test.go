package gateway

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/s3controlapi"
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
		{"s3 control", "111111111111.s3-control.us-east-1.amazonaws.com", nil, ""},
		{"s3 control fips", "111111111111.s3-control-fips.us-east-1.amazonaws.com", nil, ""},
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

func TestIsS3Control(t *testing.T) {
	cases := []struct {
		name, host, path, accountHeader string
		want                            bool
	}{
		{"aws host", "111111111111.s3-control.us-east-1.amazonaws.com", "/v20180820/tags/arn:aws:s3:::b", "111111111111", true},
		{"custom endpoint with account prefix", "111111111111.127.0.0.1:4566", "/v20180820/tags/arn:aws:s3:::b", "111111111111", true},
		{"header alone", "127.0.0.1:4566", "/v20180820/configuration/publicAccessBlock", "111111111111", true},
		{"account host, header missing", "111111111111.localhost:4566", "/v20180820/configuration/publicAccessBlock", "", true},
		{"bucket named v20180820, path style", "127.0.0.1:4566", "/v20180820/tags/key", "", false},
		{"bucket named v20180820, virtual host", "v20180820.localhost:4566", "/v20180820/x", "", false},
		{"other path with the header", "111111111111.s3-control.us-east-1.amazonaws.com", "/bucket/key", "111111111111", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://"+c.host+c.path, nil)
			if c.accountHeader != "" {
				r.Header.Set("X-Amz-Account-Id", c.accountHeader)
			}
			if got := isS3Control(r); got != c.want {
				t.Fatalf("isS3Control(%s %s) = %v, want %v", c.host, c.path, got, c.want)
			}
		})
	}
}

func TestRouteTemplateS3Control(t *testing.T) {
	cases := []struct {
		method, path, op, code string
	}{
		{"GET", "/v20180820/tags/arn:aws:s3:::b", "ListTagsForResource", ""},
		{"POST", "/v20180820/tags/arn%3Aaws%3As3%3A%3A%3Ab", "TagResource", ""},
		{"DELETE", "/v20180820/tags/arn:aws:s3:::b", "UntagResource", ""},
		{"PUT", "/v20180820/tags/arn:aws:s3:::b", "", "MethodNotAllowed"},
		{"GET", "/v20180820/jobs", "", "NotImplemented"},
	}
	for _, c := range cases {
		op, labels, err := routeTemplate(s3controlapi.Service, c.method, c.path)
		switch {
		case c.code != "":
			if asAWS(err).Code != c.code {
				t.Errorf("%s %s: %v, want %s", c.method, c.path, err, c.code)
			}
		case err != nil || op.Name != c.op || labels["resourceArn"] != "arn:aws:s3:::b":
			t.Errorf("%s %s = %v %v %v, want %s", c.method, c.path, op, labels, err, c.op)
		}
	}
}
