package s3

import (
	"bytes"
	"io"
	"testing"

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
