package s3

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
)

// The Service's own cost per 1 KiB object, on the in-memory store and
// blobs and with the fake Authorizer (no SigV4, codec or policy engine).

func BenchmarkPutObject1KiB(b *testing.B) {
	h := newHarness(&testing.T{})
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
	data := bytes.Repeat([]byte("x"), 1024)
	b.ReportAllocs()
	b.SetBytes(1024)
	for b.Loop() {
		h.authz.reset()
		if _, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(data)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetObject1KiB(b *testing.B) {
	h := newHarness(&testing.T{})
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(bytes.Repeat([]byte("x"), 1024))}))
	buf := make([]byte, 2048)
	b.ReportAllocs()
	b.SetBytes(1024)
	for b.Loop() {
		h.authz.reset()
		out, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bench", Key: "k"})
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := io.ReadFull(out.Body, buf[:1024]); n != 1024 {
			b.Fatalf("read %d", n)
		}
		out.Body.Close()
	}
}

func BenchmarkHeadObject(b *testing.B) {
	h := newHarness(&testing.T{})
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: "k", Body: bytes.NewReader([]byte("x")),
		Metadata: map[string]string{"color": "blue"}, ContentType: api.String("text/plain")}))
	b.ReportAllocs()
	for b.Loop() {
		h.authz.reset()
		if _, err := h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bench", Key: "k"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListObjectsV2Page lists one full page of 1,000 keys; divide
// by 1,000 for the cost per key.
func BenchmarkListObjectsV2Page(b *testing.B) {
	h := newHarness(&testing.T{})
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
	for i := range 1000 {
		must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: fmt.Sprintf("dir/key-%05d", i), Body: bytes.NewReader([]byte("0123456789abcdef"))}))
	}
	b.ReportAllocs()
	for b.Loop() {
		h.authz.reset()
		out, err := h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Contents) != 1000 {
			b.Fatalf("listed %d keys", len(out.Contents))
		}
	}
}
