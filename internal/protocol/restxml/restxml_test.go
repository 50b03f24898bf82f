package restxml

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

func TestWriteError(t *testing.T) {
	e := awserr.New(404, "NoSuchKey", "The specified key does not exist.").With("Key", "a<b")
	marker := e.WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", "v1")
	notModified := awserr.New(304, "NotModified", "Not Modified").WithHeader("ETag", `"abc"`).WithHeader("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT")
	noSuchKey := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&lt;b</Key><RequestId>rid</RequestId><HostId>hid</HostId></Error>`
	tests := []struct {
		name, method string
		err          *awserr.Error
		status       int
		headers      map[string]string
		want         string
	}{
		{"get", "GET", e, 404, map[string]string{"Content-Type": "application/xml", "x-amz-delete-marker": ""}, noSuchKey},
		{"head has no body", "HEAD", e, 404, nil, ""},
		{"error headers on get", "GET", marker, 404, map[string]string{"x-amz-delete-marker": "true", "x-amz-version-id": "v1"}, noSuchKey},
		{"error headers on head", "HEAD", marker, 404, map[string]string{"x-amz-delete-marker": "true", "x-amz-version-id": "v1"}, ""},
		{"304 has headers only", "GET", notModified, 304, map[string]string{"ETag": `"abc"`, "Last-Modified": "Tue, 02 Jan 2024 03:04:05 GMT", "Content-Type": "", "Content-Length": ""}, ""},
		{"no status is 500", "GET", &awserr.Error{Code: "InternalError", Message: "m"}, 500, nil,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Error><Code>InternalError</Code><Message>m</Message><RequestId>rid</RequestId><HostId>hid</HostId></Error>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := WriteError(rec, tc.method, tc.err, "rid", "hid"); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status || rec.Body.String() != tc.want {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tc.status, tc.want)
			}
			for k, v := range tc.headers {
				got := rec.Header().Get(k)
				if vs, ok := rec.Header()[k]; ok { // a key kept as written (x-amz-meta-)
					got = vs[0]
				}
				if got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestWriteResponse(t *testing.T) {
	svc := s3api.Service
	modified := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name, method, op string
		out              any
		status           int
		headers          map[string]string
		body             string
	}{
		{"operation status code", "DELETE", "DeleteObject", &s3api.DeleteObjectOutput{VersionId: api.String("v")}, 204, map[string]string{"x-amz-version-id": "v"}, ""},
		{"nil output", "DELETE", "DeleteBucket", nil, 204, nil, ""},
		{"head keeps headers, drops body", "HEAD", "HeadObject", &s3api.HeadObjectOutput{ContentLength: api.Int64(5), LastModified: api.Time(modified), Metadata: map[string]string{"k": "v"}},
			200, map[string]string{"Content-Length": "5", "Last-Modified": "Tue, 02 Jan 2024 03:04:05 GMT", "x-amz-meta-k": "v"}, ""},
		{"content range is 206", "GET", "GetObject", &s3api.GetObjectOutput{Body: io.NopCloser(strings.NewReader("at")), ContentRange: api.String("bytes 1-2/4"), ContentLength: api.Int64(2)},
			206, map[string]string{"Content-Range": "bytes 1-2/4", "Content-Length": "2"}, "at"},
		{"head with content range is 206 without body", "HEAD", "HeadObject", &s3api.HeadObjectOutput{ContentRange: api.String("bytes 1-2/4"), ContentLength: api.Int64(2)},
			206, map[string]string{"Content-Range": "bytes 1-2/4", "Content-Length": "2"}, ""},
		{"lifecycle minimum size header", "PUT", "PutBucketLifecycleConfiguration", &s3api.PutBucketLifecycleConfigurationOutput{TransitionDefaultMinimumObjectSize: api.Ptr(s3api.TransitionDefaultMinimumObjectSizeAllStorageClasses128K)},
			200, map[string]string{"x-amz-transition-default-minimum-object-size": "all_storage_classes_128K"}, ""},
		{"streaming body", "GET", "GetObject", &s3api.GetObjectOutput{Body: io.NopCloser(strings.NewReader("data")), ContentType: api.String("text/plain")}, 200, map[string]string{"Content-Type": "text/plain"}, "data"},
		{"text body element", "GET", "GetBucketLocation", &s3api.GetBucketLocationOutput{}, 200, nil,
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`},
		{"root element and namespace", "GET", "GetBucketTagging", &s3api.GetBucketTaggingOutput{TagSet: []s3api.Tag{{Key: "k", Value: "v"}}}, 200, map[string]string{"Content-Type": "application/xml"},
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`},
		{"structure payload", "PUT", "CopyObject", &s3api.CopyObjectOutput{CopyObjectResult: &s3api.CopyObjectResult{ETag: api.String(`"e"`)}, VersionId: api.String("v")}, 200, map[string]string{"x-amz-version-id": "v"},
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><ETag>&quot;e&quot;</ETag></CopyObjectResult>`},
		{"string payload", "GET", "GetBucketPolicy", &s3api.GetBucketPolicyOutput{Policy: api.String(`{"a":1}`)}, 200, nil, `{"a":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := WriteResponse(rec, tc.method, svc.Operation(tc.op), tc.out); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d", rec.Code, tc.status)
			}
			for k, v := range tc.headers {
				got := rec.Header().Get(k)
				if vs, ok := rec.Header()[k]; ok { // a key kept as written (x-amz-meta-)
					got = vs[0]
				}
				if got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if rec.Body.String() != tc.body {
				t.Errorf("body %q\nwant %q", rec.Body.String(), tc.body)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	svc := s3api.Service
	tests := []struct {
		name, op, body string
		header         map[string]string
		code           string
	}{
		{"malformed XML", "PutBucketTagging", "<Tagging><TagSet>", nil, "MalformedXML"},
		{"bad value in XML", "PutBucketVersioning", "<VersioningConfiguration><Status>Enabled</Status><MfaDelete><x/></MfaDelete></VersioningConfiguration>", nil, "MalformedXML"},
		{"bad integer header", "PutObject", "", map[string]string{"Content-Length": "x"}, "InvalidArgument"},
		{"bad date header", "PutObject", "", map[string]string{"x-amz-object-lock-retain-until-date": "someday"}, "InvalidArgument"},
		{"body too big", "PutBucketPolicy", strings.Repeat("x", MaxXMLBody+1), nil, "MaxMessageLengthExceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := svc.Operation(tc.op)
			r := httptest.NewRequest(op.Method, "http://s3/b/k", strings.NewReader(tc.body))
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			_, err := Decode(op, r, map[string]string{"Bucket": "b", "Key": "k"})
			e, ok := err.(*awserr.Error)
			if !ok || e.Code != tc.code || e.Status != 400 {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestDecodeLenientExpires(t *testing.T) {
	op := s3api.Service.Operation("PutObject")
	tests := []struct {
		name, header string
		want         *time.Time
	}{
		{"http date", "Tue, 02 Jan 2024 03:04:05 GMT", api.Time(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))},
		{"not a date is accepted", "2023-11-01", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "http://s3/b/k", strings.NewReader(""))
			r.Header.Set("Expires", tc.header)
			in, err := Decode(op, r, map[string]string{"Bucket": "b", "Key": "k"})
			if err != nil {
				t.Fatal(err)
			}
			got := in.(*s3api.PutObjectInput).Expires
			if (got == nil) != (tc.want == nil) || got != nil && !got.Equal(*tc.want) {
				t.Errorf("Expires = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecodeStreamingBodyIsNotRead(t *testing.T) {
	op := s3api.Service.Operation("PutObject")
	body := &countingReader{r: strings.NewReader("0123456789")}
	r := httptest.NewRequest("PUT", "http://s3/b/k", nil)
	r.Body = io.NopCloser(body)
	in, err := Decode(op, r, map[string]string{"Bucket": "b", "Key": "k"})
	if err != nil {
		t.Fatal(err)
	}
	if body.n != 0 {
		t.Errorf("Decode read %d bytes of a streaming body", body.n)
	}
	b, _ := io.ReadAll(in.(*s3api.PutObjectInput).Body)
	if string(b) != "0123456789" {
		t.Errorf("body %q", b)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzDecode: arbitrary bodies, headers and query strings bind to S3 inputs
// or fail with an *awserr.Error, never panic.
func FuzzDecode(f *testing.F) {
	f.Add("PutBucketTagging", "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>", "x-amz-meta-a", "b", "versionId=1")
	f.Add("DeleteObjects", "<Delete><Object><Key>a</Key></Object></Delete>", "Content-MD5", "xx", "delete")
	f.Add("PutObject", "data", "x-amz-object-lock-retain-until-date", "2024-01-01T00:00:00Z", "")
	f.Add("CompleteMultipartUpload", "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>", "x-amz-mp-object-size", "-1", "uploadId=u")
	f.Add("ListObjectsV2", "", "x-amz-optional-object-attributes", "RestoreStatus,,", "list-type=2&max-keys=abc")
	f.Fuzz(func(t *testing.T, opName, body, hk, hv, query string) {
		op := s3api.Service.Operation(opName)
		if op == nil {
			op = s3api.Service.Operation("PutBucketLifecycleConfiguration")
		}
		r := httptest.NewRequest(op.Method, "http://s3/b/k", bytes.NewReader([]byte(body)))
		r.URL.RawQuery = query
		if hk != "" && !strings.ContainsAny(hk, " \r\n:") {
			r.Header[http.CanonicalHeaderKey(hk)] = []string{hv}
		}
		_, err := Decode(op, r, map[string]string{"Bucket": "b", "Key": "k"})
		if err != nil {
			if _, ok := err.(*awserr.Error); !ok {
				t.Fatalf("error %T is not *awserr.Error: %v", err, err)
			}
		}
	})
}
