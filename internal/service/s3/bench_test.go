package s3

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/store"
)

// The Service's own cost per 1 KiB object, on the in-memory store and
// blobs and with the fake Authorizer (no SigV4, codec or policy engine).

func BenchmarkPutObject1KiB(b *testing.B) { benchPut1KiB(b, nil) }

func BenchmarkGetObject1KiB(b *testing.B) { benchGet1KiB(b, nil) }

// The Inline variants declare the length, as SDK clients do, so the
// content lives in the version record (maxInline) instead of a blob.

func BenchmarkPutObject1KiBInline(b *testing.B) { benchPut1KiB(b, api.Int64(1024)) }

func BenchmarkGetObject1KiBInline(b *testing.B) { benchGet1KiB(b, api.Int64(1024)) }

// benchPut1KiB puts a 1 KiB object with Content-Length length (nil: none).
func benchPut1KiB(b *testing.B, length *int64) {
	h := newHarness(&testing.T{})
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
	data := bytes.Repeat([]byte("x"), 1024)
	b.ReportAllocs()
	b.SetBytes(1024)
	for b.Loop() {
		h.authz.reset()
		if _, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(data), ContentLength: length}); err != nil {
			b.Fatal(err)
		}
	}
}

// benchGet1KiB gets a 1 KiB object that was put with Content-Length length
// (nil: none).
func benchGet1KiB(b *testing.B, length *int64) {
	h := newHarness(&testing.T{})
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: "k", Body: bytes.NewReader(bytes.Repeat([]byte("x"), 1024)), ContentLength: length}))
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

// BenchmarkDurablePutObject1KiB puts on the durable stores (bbolt and
// blob files in a temporary directory), by one writer and by four at a
// time (the bench harness's concurrency): "inline" declares the length, as
// every SDK does, so the content goes into the version record; "blob" does
// not, so it goes into a file of its own. cpu-ns/op is the process's CPU
// time (user and system) per put.
func BenchmarkDurablePutObject1KiB(b *testing.B) {
	for _, mode := range []struct {
		name   string
		length *int64
	}{{"inline", api.Int64(1024)}, {"blob", nil}} {
		for _, writers := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/writers=%d", mode.name, writers), func(b *testing.B) {
				svc := durableService(b)
				a := as(accountA, "us-east-1")
				must(svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bench"}))
				data := bytes.Repeat([]byte("x"), 1024)
				put := func(key string) error {
					_, err := svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bench", Key: key, Body: bytes.NewReader(data), ContentLength: mode.length})
					return err
				}
				var worker atomic.Int32
				b.ReportAllocs()
				b.SetBytes(1024)
				cpu0 := processCPU()
				if writers == 1 {
					for b.Loop() {
						if err := put("k"); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					// RunParallel runs parallelism × GOMAXPROCS goroutines.
					b.SetParallelism(max(1, writers/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						key := fmt.Sprintf("k%d", worker.Add(1))
						for pb.Next() {
							if err := put(key); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

func durableService(b *testing.B) *Service {
	dir := b.TempDir()
	st, err := store.OpenBolt(filepath.Join(dir, "doppel.db"), store.BoltOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	blobs, err := blob.OpenDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(Config{Store: st, Blobs: blobs, Authorizer: &fakeAuthz{}})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
