package restxml

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
)

func BenchmarkRoute(b *testing.B) {
	router := NewRouter(s3api.Service)
	q := url.Values{"partNumber": {"1"}, "uploadId": {"u"}}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		if op, err := router.Route("PUT", "bucket", "dir/key", q, h); err != nil || op.Name != "UploadPart" {
			b.Fatal(op, err)
		}
	}
}

func BenchmarkDecodePutObject(b *testing.B) {
	op := s3api.Service.Operation("PutObject")
	r := httptest.NewRequest("PUT", "http://s3/bucket/dir/key", strings.NewReader("x"))
	for k, v := range map[string]string{"Content-Type": "text/plain", "Content-Length": "1", "x-amz-meta-color": "blue", "x-amz-storage-class": "STANDARD",
		"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": "20240102T030405Z", "Authorization": "AWS4-HMAC-SHA256 ..."} {
		r.Header.Set(k, v)
	}
	labels := map[string]string{"Bucket": "bucket", "Key": "dir/key"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(op, r, labels); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func BenchmarkEncodeListObjectsV2(b *testing.B)     { benchListObjectsV2(b, 100) }
func BenchmarkEncodeListObjectsV2Page(b *testing.B) { benchListObjectsV2(b, 1000) }

func benchListObjectsV2(b *testing.B, keys int) {
	op := s3api.Service.Operation("ListObjectsV2")
	out := &s3api.ListObjectsV2Output{Name: api.String("bucket"), KeyCount: api.Int32(int32(keys)), MaxKeys: api.Int32(1000), IsTruncated: api.Bool(false)}
	for i := range keys {
		out.Contents = append(out.Contents, s3api.Object{Key: api.String(fmt.Sprintf("dir/key-%03d", i)), Size: api.Int64(int64(i)), ETag: api.String(`"d41d8cd98f00b204e9800998ecf8427e"`),
			LastModified: api.Time(time.Unix(1700000000, 0)), StorageClass: api.Ptr(s3api.ObjectStorageClassSTANDARD)})
	}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteResponse(w, "GET", op, out); err != nil {
			b.Fatal(err)
		}
	}
}

// signedHeaders are the headers aws-sdk-go-v2 sends on a signed GetObject:
// Decode must look past them cheaply.
func signedHeaders(r *http.Request) {
	for k, v := range map[string]string{"User-Agent": "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.26 md/GOOS#linux api/s3#1.58.0",
		"X-Amz-Content-Sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "X-Amz-Date": "20240102T030405Z",
		"Authorization":         "AWS4-HMAC-SHA256 Credential=AKIA/20240102/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=0",
		"Amz-Sdk-Invocation-Id": "b7f0e1c2-0000-4000-8000-000000000000", "Amz-Sdk-Request": "attempt=1; max=3", "Accept-Encoding": "identity"} {
		r.Header.Set(k, v)
	}
}

func benchDecode(b *testing.B, opName, method string, body string) {
	op := s3api.Service.Operation(opName)
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, "http://s3/bucket/dir/key", nil)
	} else {
		r = httptest.NewRequest(method, "http://s3/bucket/dir/key", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/octet-stream")
		r.Header.Set("Content-Length", fmt.Sprint(len(body)))
	}
	signedHeaders(r)
	labels := map[string]string{"Bucket": "bucket", "Key": "dir/key"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(op, r, labels); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGetObject(b *testing.B) { benchDecode(b, "GetObject", "GET", "") }

// BenchmarkDecodePathGetObject is the gateway's call: the query parsed once
// for Route and DecodePath, no label map.
func BenchmarkDecodePathGetObject(b *testing.B) {
	op := s3api.Service.Operation("GetObject")
	r := httptest.NewRequest("GET", "http://s3/bucket/dir/key", nil)
	signedHeaders(r)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodePath(op, r, "bucket", "dir/key", r.URL.Query()); err != nil {
			b.Fatal(err)
		}
	}
}
func BenchmarkDecodeHeadObject(b *testing.B) { benchDecode(b, "HeadObject", "HEAD", "") }
func BenchmarkDecodePutObject1KiB(b *testing.B) {
	benchDecode(b, "PutObject", "PUT", strings.Repeat("x", 1024))
}

// objectHeaders is what the s3 service sets on a plain 1 KiB object.
func objectHeaders() (lastModified *time.Time, etag *string) {
	return api.Time(time.Unix(1700000000, 0).UTC()), api.String(`"d41d8cd98f00b204e9800998ecf8427e"`)
}

type nopBody struct{ *strings.Reader }

func (nopBody) Close() error { return nil }

func BenchmarkEncodeGetObject(b *testing.B) {
	op := s3api.Service.Operation("GetObject")
	lm, etag := objectHeaders()
	body := strings.Repeat("x", 1024)
	out := &s3api.GetObjectOutput{AcceptRanges: api.String("bytes"), LastModified: lm, ContentLength: api.Int64(1024), ETag: etag,
		ContentType: api.String("application/octet-stream"), ServerSideEncryption: api.Ptr(s3api.ServerSideEncryptionAES256),
		Metadata: map[string]string{}}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		out.Body = nopBody{strings.NewReader(body)}
		if err := WriteResponse(w, "GET", op, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeHeadObject(b *testing.B) {
	op := s3api.Service.Operation("HeadObject")
	lm, etag := objectHeaders()
	out := &s3api.HeadObjectOutput{AcceptRanges: api.String("bytes"), LastModified: lm, ContentLength: api.Int64(1024), ETag: etag,
		ContentType: api.String("application/octet-stream"), ServerSideEncryption: api.Ptr(s3api.ServerSideEncryptionAES256)}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if err := WriteResponse(w, "HEAD", op, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePutObject(b *testing.B) {
	op := s3api.Service.Operation("PutObject")
	_, etag := objectHeaders()
	out := &s3api.PutObjectOutput{ETag: etag, ServerSideEncryption: api.Ptr(s3api.ServerSideEncryptionAES256), ChecksumCRC32: api.String("AAAAAA==")}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if err := WriteResponse(w, "PUT", op, out); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRouteGetObject(b *testing.B) {
	router := NewRouter(s3api.Service)
	q := url.Values{}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		if op, err := router.Route("GET", "bucket", "dir/key", q, h); err != nil || op.Name != "GetObject" {
			b.Fatal(op, err)
		}
	}
}

func BenchmarkRouteListObjectsV2(b *testing.B) {
	router := NewRouter(s3api.Service)
	q := url.Values{"list-type": {"2"}, "prefix": {"dir/"}}
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		if op, err := router.Route("GET", "bucket", "", q, h); err != nil || op.Name != "ListObjectsV2" {
			b.Fatal(op, err)
		}
	}
}
