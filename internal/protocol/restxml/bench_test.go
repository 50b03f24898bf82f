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

func BenchmarkEncodeListObjectsV2(b *testing.B) {
	op := s3api.Service.Operation("ListObjectsV2")
	out := &s3api.ListObjectsV2Output{Name: api.String("bucket"), KeyCount: api.Int32(100), MaxKeys: api.Int32(1000), IsTruncated: api.Bool(false)}
	for i := range 100 {
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
