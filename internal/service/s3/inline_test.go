package s3

import (
	"context"
	"crypto/md5"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/store"
)

// storedVersion reads the newest version of key as stored.
func storedVersion(t *testing.T, h *harness, key string) version {
	t.Helper()
	var o *objectRecord
	if err := h.store.View(context.Background(), func(tx store.Tx) (err error) { o, err = getObject(tx, "bkt", key); return err }); err != nil {
		t.Fatal(err)
	}
	if o.current() == nil {
		t.Fatalf("%s has no version", key)
	}
	return *o.current()
}

// TestSmallObjectsInline: objects up to maxInline bytes of a declared
// length, in buckets without versioning, keep their content in the version
// record and need no blob; reads, ranges, copies and overwrites see the same
// content either way.
func TestSmallObjectsInline(t *testing.T) {
	tests := []struct {
		name       string
		versioning string
		content    string
		length     *int64 // nil: not declared
		inline     bool
	}{
		{"1 KiB", "", strings.Repeat("a", 1024), api.Int64(1024), true},
		{"empty", "", "", api.Int64(0), true},
		{"at the limit", "", strings.Repeat("b", maxInline), api.Int64(maxInline), true},
		{"over the limit", "", strings.Repeat("c", maxInline+1), api.Int64(maxInline + 1), false},
		{"length not declared", "", "small", nil, false},
		{"longer than declared", "", strings.Repeat("d", maxInline+10), api.Int64(3), false},
		{"versioning suspended", "Suspended", "small", api.Int64(5), true},
		{"versioning enabled", "Enabled", "small", api.Int64(5), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, a := newBucketHarness(t, tc.versioning)
			out := must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: body(tc.content), ContentLength: tc.length}))
			if want := fmt.Sprintf(`"%x"`, md5.Sum([]byte(tc.content))); api.ToString(out.ETag) != want {
				t.Errorf("ETag = %s, want %s", api.ToString(out.ETag), want)
			}
			v := storedVersion(t, h, "k")
			if gotInline := v.Blob == ""; gotInline != tc.inline {
				t.Errorf("inline = %v, want %v (blob %q)", gotInline, tc.inline, v.Blob)
			}
			if wantBlobs := map[bool]int{true: 0, false: 1}[tc.inline]; h.blobs.Len() != wantBlobs {
				t.Errorf("%d blobs, want %d", h.blobs.Len(), wantBlobs)
			}
			if got, _ := get(t, h, a, &s3api.GetObjectInput{Key: "k"}); got != tc.content {
				t.Errorf("GetObject = %d bytes, want %d", len(got), len(tc.content))
			}
			if len(tc.content) > 2 {
				got, o := get(t, h, a, &s3api.GetObjectInput{Key: "k", Range: api.String("bytes=1-2")})
				if got != tc.content[1:3] || api.ToInt64(o.ContentLength) != 2 {
					t.Errorf("range = %q (length %d), want %q", got, api.ToInt64(o.ContentLength), tc.content[1:3])
				}
			}
			head := must(h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: "k"}))
			if api.ToInt64(head.ContentLength) != int64(len(tc.content)) {
				t.Errorf("HeadObject length = %d", api.ToInt64(head.ContentLength))
			}
			// A copy reads the content wherever it is, and is stored the
			// same way (its length is known).
			must(h.svc.CopyObject(a, &s3api.CopyObjectInput{Bucket: "bkt", Key: "copy", CopySource: api.String("bkt/k")}))
			if got, _ := get(t, h, a, &s3api.GetObjectInput{Key: "copy"}); got != tc.content {
				t.Errorf("copy = %d bytes, want %d", len(got), len(tc.content))
			}
			if cv := storedVersion(t, h, "copy"); (cv.Blob == "") != (len(tc.content) <= maxInline && tc.versioning != "Enabled") {
				t.Errorf("copy inline = %v", cv.Blob == "")
			}
			// So does a part copied from it.
			up := must(h.svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "mp"}))
			part := must(h.svc.UploadPartCopy(a, &s3api.UploadPartCopyInput{Bucket: "bkt", Key: "mp", UploadId: up.UploadId, PartNumber: api.Int32(1), CopySource: api.String("bkt/k")}))
			must(h.svc.CompleteMultipartUpload(a, &s3api.CompleteMultipartUploadInput{Bucket: "bkt", Key: "mp", UploadId: up.UploadId,
				MultipartUpload: &s3api.CompletedMultipartUpload{Parts: []s3api.CompletedPart{{PartNumber: api.Int32(1), ETag: part.CopyPartResult.ETag}}}}))
			if got, _ := get(t, h, a, &s3api.GetObjectInput{Key: "mp"}); got != tc.content {
				t.Errorf("multipart copy = %d bytes, want %d", len(got), len(tc.content))
			}
		})
	}
}

// TestInlineOverwrites: replacing a blob-backed object with a small one
// deletes the blob, and the other way round leaves no blob but the new one.
func TestInlineOverwrites(t *testing.T) {
	h, a := newBucketHarness(t, "")
	steps := []struct {
		name    string
		content string
		length  *int64
		blobs   int
	}{
		{"blob", "large", nil, 1},
		{"inline over blob", "small", api.Int64(5), 0},
		{"blob over inline", "large again", nil, 1},
		{"deleted", "", nil, 0},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if step.name == "deleted" {
				must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k"}))
			} else {
				must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: body(step.content), ContentLength: step.length}))
				if got, _ := get(t, h, a, &s3api.GetObjectInput{Key: "k"}); got != step.content {
					t.Errorf("GetObject = %q, want %q", got, step.content)
				}
			}
			if h.blobs.Len() != step.blobs {
				t.Errorf("%d blobs, want %d", h.blobs.Len(), step.blobs)
			}
		})
	}
}

// TestInlineDurable: on the durable stores an inline object needs no file
// and survives a restart.
func TestInlineDurable(t *testing.T) {
	dir := t.TempDir()
	open := func() (*Service, *store.Bolt, *blob.Disk) {
		st, err := store.OpenBolt(filepath.Join(dir, "doppel.db"), store.BoltOptions{})
		if err != nil {
			t.Fatal(err)
		}
		blobs, err := blob.OpenDisk(filepath.Join(dir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := New(Config{Store: st, Blobs: blobs, Authorizer: &fakeAuthz{}, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		return svc, st, blobs
	}
	a := as(accountA, "us-east-1")
	svc, st, blobs := open()
	must(svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bkt"}))
	content := "\x00binary\xffcontent"
	must(svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: body(content), ContentLength: api.Int64(int64(len(content)))}))
	n := 0
	if err := blobs.IDs(func(string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d blob files for an inline object", n)
	}
	st.Close()
	blobs.Close()
	svc, st, blobs = open()
	defer st.Close()
	defer blobs.Close()
	out := must(svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k"}))
	if got := readAll(t, out.Body); got != content {
		t.Errorf("after restart: %q, want %q", got, content)
	}
}
