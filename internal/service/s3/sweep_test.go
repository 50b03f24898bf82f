package s3

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/store"
)

// TestSweepBlobs simulates a crash between storing a blob and committing
// its metadata, on the disk blob store and a durable metadata store.
func TestSweepBlobs(t *testing.T) {
	dir := t.TempDir()
	disk, err := blob.OpenDisk(dir + "/blobs")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenBolt(dir+"/state.db", store.BoltOptions{LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := New(Config{Store: st, Blobs: disk, Authorizer: &fakeAuthz{}, KeepOrphanBlobs: true})
	if err != nil {
		t.Fatal(err)
	}
	a := as(accountA, "us-east-1")
	must(svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bkt"}))
	must(svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "kept", Body: strings.NewReader("kept")}))
	cu := must(svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "mp"}))
	one := int32(1)
	must(svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "mp", UploadId: cu.UploadId, PartNumber: &one, Body: strings.NewReader("part")}))
	// The crash: a blob written, its version never committed.
	if _, err := disk.Put(context.Background(), strings.NewReader("orphan"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := svc.SweepBlobs(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("SweepBlobs = %d, %v; want 1 orphan", n, err)
	}
	if got := readAll(t, must(svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "kept"})).Body); got != "kept" {
		t.Errorf("kept object = %q", got)
	}
	count := func() int {
		n := 0
		disk.IDs(func(string) error { n++; return nil })
		return n
	}
	if n := count(); n != 2 {
		t.Errorf("%d blobs after the sweep, want the object's and the part's", n)
	}
	// New sweeps by itself: a restart after a crash starts clean.
	if _, err := disk.Put(context.Background(), strings.NewReader("orphan"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Store: st, Blobs: disk, Authorizer: &fakeAuthz{}}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("%d blobs after New, want 2", n)
	}
}
