package restxml

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// TestDecodePathMatchesDecode binds the same requests with Decode (label
// map, query parsed inside) and DecodePath (bucket, key and the parsed
// query): inputs and errors must be identical.
func TestDecodePathMatchesDecode(t *testing.T) {
	tests := []struct {
		name, op, bucket, key, query, body string
		header                             map[string]string
		wantErr                            string
	}{
		{"get object", "GetObject", "b", "a/b//c", "", "", map[string]string{"Range": "bytes=0-1", "If-Match": `"e"`}, ""},
		{"get object with overrides and version", "GetObject", "b", "k", "versionId=v1&response-content-type=text/plain&partNumber=2", "",
			map[string]string{"x-amz-checksum-mode": "ENABLED", "If-Modified-Since": "Tue, 02 Jan 2024 03:04:05 GMT"}, ""},
		{"head object", "HeadObject", "b", "k", "", "", map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256"}, ""},
		{"put object with metadata", "PutObject", "b", "k", "", "data",
			map[string]string{"Content-Length": "4", "Content-Type": "text/plain", "x-amz-meta-Color": "blue", "X-Amz-Meta-size": "L", "x-amz-tagging": "a=b"}, ""},
		{"list objects v2", "ListObjectsV2", "b", "", "list-type=2&prefix=dir%2F&max-keys=10&fetch-owner=true", "",
			map[string]string{"x-amz-optional-object-attributes": "RestoreStatus"}, ""},
		{"list buckets", "ListBuckets", "", "", "max-buckets=5", "", nil, ""},
		{"xml body", "PutBucketTagging", "b", "", "tagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", nil, ""},
		{"bad integer query", "ListObjectsV2", "b", "", "list-type=2&max-keys=many", "", nil, "InvalidArgument"},
		{"bad integer header", "PutObject", "b", "k", "", "", map[string]string{"Content-Length": "x"}, "InvalidArgument"},
		{"first invalid member in field order wins", "GetObject", "b", "k", "partNumber=x", "", map[string]string{"If-Modified-Since": "never"}, "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := s3api.Service.Operation(tc.op)
			req := func() *http.Request {
				r := httptest.NewRequest(op.Method, "http://s3/x?"+tc.query, strings.NewReader(tc.body))
				for k, v := range tc.header {
					r.Header.Set(k, v)
				}
				return r
			}
			r1 := req()
			want, wantErr := Decode(op, r1, map[string]string{"Bucket": tc.bucket, "Key": tc.key})
			r2 := req()
			got, gotErr := DecodePath(op, r2, tc.bucket, tc.key, r2.URL.Query())
			if errCode(gotErr) != tc.wantErr || errCode(wantErr) != tc.wantErr {
				t.Fatalf("errors: DecodePath %v, Decode %v, want %q", gotErr, wantErr, tc.wantErr)
			}
			if gotErr != nil {
				if gotErr.Error() != wantErr.Error() {
					t.Errorf("DecodePath %v, Decode %v", gotErr, wantErr)
				}
				return
			}
			// Streaming bodies are each request's own reader.
			for _, v := range []any{got, want} {
				if f := reflect.ValueOf(v).Elem().FieldByName("Body"); f.IsValid() && f.Kind() == reflect.Interface {
					f.Set(reflect.Zero(f.Type()))
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("DecodePath\n%+v\nDecode\n%+v", got, want)
			}
			if b := reflect.Indirect(reflect.ValueOf(got).Elem().FieldByName("Bucket")); b.IsValid() && b.String() != tc.bucket {
				t.Errorf("Bucket = %q, want %q", b.String(), tc.bucket)
			}
		})
	}
}

func errCode(err error) string {
	if e, ok := err.(*awserr.Error); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// TestDecodeHeaderWalks: Decode walks the request's headers when they are
// fewer than the operation's header members, else looks each member up; a
// request padded with unrelated headers takes the second way and must bind
// the same input (metadata included) or fail the same way.
func TestDecodeHeaderWalks(t *testing.T) {
	tests := []struct {
		name, op string
		header   map[string]string
		wantErr  string
	}{
		{"put object with metadata", "PutObject", map[string]string{"Content-Type": "text/plain", "Content-Length": "4", "x-amz-meta-Color": "blue",
			"x-amz-storage-class": "STANDARD", "Expires": "Tue, 02 Jan 2024 03:04:05 GMT"}, ""},
		{"get object conditions", "GetObject", map[string]string{"If-Match": `"e"`, "If-Unmodified-Since": "Tue, 02 Jan 2024 03:04:05 GMT", "Range": "bytes=1-2"}, ""},
		{"list header", "GetObjectAttributes", map[string]string{"x-amz-object-attributes": "ETag, ObjectSize,,Checksum"}, ""},
		{"invalid header", "PutObject", map[string]string{"Content-Length": "x", "x-amz-meta-a": "b"}, "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := s3api.Service.Operation(tc.op)
			plan := inPlanOf(op)
			decodeWith := func(padding int) (any, error) {
				r := httptest.NewRequest(op.Method, "http://s3/b/k", strings.NewReader("data"))
				for k, v := range tc.header {
					r.Header.Set(k, v)
				}
				for i := range padding {
					r.Header.Set(fmt.Sprintf("X-Padding-%d", i), "p")
				}
				if walked := len(r.Header) < plan.headers; walked != (padding == 0) {
					t.Fatalf("padding %d: walked = %v with %d headers for %d members", padding, walked, len(r.Header), plan.headers)
				}
				return DecodePath(op, r, "b", "k", nil)
			}
			walked, err1 := decodeWith(0)
			looked, err2 := decodeWith(plan.headers)
			if errCode(err1) != tc.wantErr || errCode(err2) != tc.wantErr {
				t.Fatalf("errors %v / %v, want %q", err1, err2, tc.wantErr)
			}
			if err1 != nil {
				return
			}
			for _, v := range []any{walked, looked} {
				if f := reflect.ValueOf(v).Elem().FieldByName("Body"); f.IsValid() && f.Kind() == reflect.Interface {
					f.Set(reflect.Zero(f.Type()))
				}
			}
			if !reflect.DeepEqual(walked, looked) {
				t.Errorf("walked\n%+v\nlooked up\n%+v", walked, looked)
			}
			if reflect.ValueOf(walked).Elem().IsZero() {
				t.Error("nothing bound")
			}
		})
	}
}
