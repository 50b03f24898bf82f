package restxml

import (
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
