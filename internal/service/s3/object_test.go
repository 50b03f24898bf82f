package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/identity"
)

func newBucketHarness(t *testing.T, versioning string) (*harness, context.Context) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	createBucket(t, h, a, "bkt")
	if versioning != "" {
		st := s3api.BucketVersioningStatus(versioning)
		must(h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: "bkt", VersioningConfiguration: &s3api.VersioningConfiguration{Status: &st}}))
	}
	return h, a
}

func put(h *harness, ctx context.Context, key, content string) *s3api.PutObjectOutput {
	return must(h.svc.PutObject(ctx, &s3api.PutObjectInput{Bucket: "bkt", Key: key, Body: body(content)}))
}

func get(t *testing.T, h *harness, ctx context.Context, in *s3api.GetObjectInput) (string, *s3api.GetObjectOutput) {
	t.Helper()
	if in.Bucket == "" {
		in.Bucket = "bkt"
	}
	out, err := h.svc.GetObject(ctx, in)
	if err != nil {
		t.Fatalf("GetObject(%s): %v", in.Key, err)
	}
	return readAll(t, out.Body), out
}

func TestPutGetHead(t *testing.T) {
	h, a := newBucketHarness(t, "")
	out := must(h.svc.PutObject(a, &s3api.PutObjectInput{
		Bucket: "bkt", Key: "dir/file.txt", Body: body("hello world"),
		ContentType: api.String("text/plain"), CacheControl: api.String("max-age=60"),
		Metadata: map[string]string{"Color": "blue"}, Tagging: api.String("a=1&b=two%20words"),
	}))
	sum := md5.Sum([]byte("hello world"))
	wantETag := fmt.Sprintf(`"%x"`, sum)
	if api.ToString(out.ETag) != wantETag {
		t.Errorf("ETag = %s, want %s", api.ToString(out.ETag), wantETag)
	}
	if out.VersionId != nil {
		t.Errorf("unversioned bucket returned version %s", *out.VersionId)
	}
	if out.ServerSideEncryption == nil || *out.ServerSideEncryption != "AES256" {
		t.Errorf("SSE = %v, want the bucket default AES256", out.ServerSideEncryption)
	}
	content, g := get(t, h, a, &s3api.GetObjectInput{Key: "dir/file.txt"})
	if content != "hello world" || api.ToString(g.ContentType) != "text/plain" || api.ToString(g.CacheControl) != "max-age=60" ||
		g.Metadata["color"] != "blue" || api.ToInt32(g.TagCount) != 2 || api.ToInt64(g.ContentLength) != 11 || api.ToString(g.ETag) != wantETag {
		t.Errorf("GetObject = %q %+v", content, g)
	}
	if g.StorageClass != nil {
		t.Errorf("STANDARD storage class is sent: %v", *g.StorageClass)
	}
	hd := must(h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: "dir/file.txt"}))
	if api.ToInt64(hd.ContentLength) != 11 || !hd.LastModified.Equal(h.now) {
		t.Errorf("HeadObject = %+v", hd)
	}
	tags := must(h.svc.GetObjectTagging(a, &s3api.GetObjectTaggingInput{Bucket: "bkt", Key: "dir/file.txt"}))
	if len(tags.TagSet) != 2 || tags.TagSet[1] != (s3api.Tag{Key: "b", Value: "two words"}) {
		t.Errorf("tags = %+v", tags.TagSet)
	}

	// A key that is not there: NoSuchKey with ListBucket, 404 for HEAD.
	_, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "missing"})
	if code(err) != "NoSuchKey" || field(err, "Key") != "missing" {
		t.Errorf("missing key: %v", err)
	}
	if _, err := h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: "missing"}); status(err) != 404 {
		t.Errorf("HEAD missing key: %v", err)
	}
	// Overwrite replaces the bytes and drops the old blob.
	put(h, a, "dir/file.txt", "v2")
	if content, _ := get(t, h, a, &s3api.GetObjectInput{Key: "dir/file.txt"}); content != "v2" {
		t.Errorf("after overwrite: %q", content)
	}
	if h.blobs.Len() != 1 {
		t.Errorf("%d blobs after overwrite, want 1", h.blobs.Len())
	}
}

func TestPutObjectValidation(t *testing.T) {
	h, a := newBucketHarness(t, "")
	crcOfHello := "NhCmhg=="
	md5Of := func(s string) *string {
		sum := md5.Sum([]byte(s))
		return api.String(base64.StdEncoding.EncodeToString(sum[:]))
	}
	tests := []struct {
		name string
		in   s3api.PutObjectInput
		code string
	}{
		{"matching CRC32", s3api.PutObjectInput{Key: "k", Body: body("hello"), ChecksumCRC32: api.String(crcOfHello)}, ""},
		{"wrong CRC32", s3api.PutObjectInput{Key: "k", Body: body("hellO"), ChecksumCRC32: api.String(crcOfHello)}, "BadDigest"},
		{"matching Content-MD5", s3api.PutObjectInput{Key: "k", Body: body("hello"), ContentMD5: md5Of("hello")}, ""},
		{"wrong Content-MD5", s3api.PutObjectInput{Key: "k", Body: body("hello"), ContentMD5: md5Of("other")}, "BadDigest"},
		{"malformed Content-MD5", s3api.PutObjectInput{Key: "k", Body: body("hello"), ContentMD5: api.String("nope")}, "InvalidDigest"},
		{"key too long", s3api.PutObjectInput{Key: strings.Repeat("k", 1025), Body: body("")}, "KeyTooLongError"},
		{"bad storage class", s3api.PutObjectInput{Key: "k", Body: body(""), StorageClass: ptr(s3api.StorageClass("COLD"))}, "InvalidStorageClass"},
		{"bad SSE", s3api.PutObjectInput{Key: "k", Body: body(""), ServerSideEncryption: ptr(s3api.ServerSideEncryption("rot13"))}, "InvalidArgument"},
		{"metadata too large", s3api.PutObjectInput{Key: "k", Body: body(""), Metadata: map[string]string{"big": strings.Repeat("x", 2100)}}, "MetadataTooLarge"},
		{"too many tags", s3api.PutObjectInput{Key: "k", Body: body(""), Tagging: api.String("a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11")}, "InvalidTag"},
		{"ACL on an ACL-less bucket", s3api.PutObjectInput{Key: "k", Body: body(""), ACL: ptr(s3api.ObjectCannedACLPublicRead)}, "AccessControlListNotSupported"},
		{"bucket-owner-full-control is accepted", s3api.PutObjectInput{Key: "k", Body: body(""), ACL: ptr(s3api.ObjectCannedACLBucketOwnerFullControl)}, ""},
		{"object lock headers without object lock", s3api.PutObjectInput{Key: "k", Body: body(""), ObjectLockLegalHoldStatus: ptr(s3api.ObjectLockLegalHoldStatusON)}, "InvalidRequest"},
		{"no such bucket", s3api.PutObjectInput{Bucket: "nope-bucket", Key: "k", Body: body("")}, "NoSuchBucket"},
		{"wrong expected owner", s3api.PutObjectInput{Key: "k", Body: body(""), ExpectedBucketOwner: api.String(accountB)}, "AccessDenied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := h.blobs.Len()
			in := tc.in
			if in.Bucket == "" {
				in.Bucket = "bkt"
			}
			out, err := h.svc.PutObject(a, &in)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if err != nil && h.blobs.Len() != before {
				t.Errorf("a refused PUT left a blob behind")
			}
			if err == nil && in.ChecksumCRC32 != nil && api.ToString(out.ChecksumCRC32) != *in.ChecksumCRC32 {
				t.Errorf("CRC32 echoed %q", api.ToString(out.ChecksumCRC32))
			}
		})
	}
}

// errBody fails at EOF like the SigV4 layer's reader for a bad payload hash.
type errBody struct{ r io.Reader }

func (e errBody) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errors.New("XAmzContentSHA256Mismatch")
	}
	return n, err
}

func TestPutObjectShortBody(t *testing.T) {
	h, a := newBucketHarness(t, "")
	_, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: io.MultiReader(strings.NewReader("half"), errReader{io.ErrUnexpectedEOF})})
	if code(err) != "IncompleteBody" || status(err) != 400 {
		t.Errorf("short body: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestPutObjectUnverifiedBodyStoresNothing(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "k", "old")
	_, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: errBody{strings.NewReader("new")}})
	if err == nil {
		t.Fatal("PUT with a failing body succeeded")
	}
	if content, _ := get(t, h, a, &s3api.GetObjectInput{Key: "k"}); content != "old" {
		t.Errorf("object is %q after a failed overwrite", content)
	}
	if h.blobs.Len() != 1 {
		t.Errorf("%d blobs, want 1", h.blobs.Len())
	}
}

func TestGetObjectRanges(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "k", "0123456789")
	tests := []struct {
		name, rng, want, contentRange, code string
	}{
		{"first bytes", "bytes=0-3", "0123", "bytes 0-3/10", ""},
		{"open end", "bytes=7-", "789", "bytes 7-9/10", ""},
		{"suffix", "bytes=-2", "89", "bytes 8-9/10", ""},
		{"end past size is clamped", "bytes=5-100", "56789", "bytes 5-9/10", ""},
		{"Terraform's state read", "bytes=0-5242879", "0123456789", "bytes 0-9/10", ""},
		{"start past end", "bytes=10-", "", "", "InvalidRange"},
		{"unparsable is ignored", "bytes=x-y", "0123456789", "", ""},
		{"several ranges are ignored", "bytes=0-1,3-4", "0123456789", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k", Range: api.String(tc.rng)})
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if err != nil {
				if status(err) != 416 || field(err, "ActualObjectSize") != "10" {
					t.Errorf("InvalidRange fields: %v", err)
				}
				return
			}
			if got := readAll(t, out.Body); got != tc.want || api.ToString(out.ContentRange) != tc.contentRange || api.ToInt64(out.ContentLength) != int64(len(tc.want)) {
				t.Errorf("got %q range %q length %d", got, api.ToString(out.ContentRange), api.ToInt64(out.ContentLength))
			}
		})
	}
}

func TestReadConditions(t *testing.T) {
	h, a := newBucketHarness(t, "")
	etag := api.ToString(put(h, a, "k", "data").ETag)
	before, after := h.now.Add(-time.Hour), h.now.Add(time.Hour)
	tests := []struct {
		name string
		in   s3api.GetObjectInput
		code string
	}{
		{"If-Match holds", s3api.GetObjectInput{IfMatch: api.String(etag)}, ""},
		{"If-Match unquoted", s3api.GetObjectInput{IfMatch: api.String(strings.Trim(etag, `"`))}, ""},
		{"If-Match star", s3api.GetObjectInput{IfMatch: api.String("*")}, ""},
		{"If-Match fails", s3api.GetObjectInput{IfMatch: api.String(`"other"`)}, "PreconditionFailed"},
		{"If-None-Match matches", s3api.GetObjectInput{IfNoneMatch: api.String(etag)}, "NotModified"},
		{"If-None-Match differs", s3api.GetObjectInput{IfNoneMatch: api.String(`"other"`)}, ""},
		{"If-Modified-Since later", s3api.GetObjectInput{IfModifiedSince: &after}, "NotModified"},
		{"If-Modified-Since earlier", s3api.GetObjectInput{IfModifiedSince: &before}, ""},
		{"If-Unmodified-Since earlier", s3api.GetObjectInput{IfUnmodifiedSince: &before}, "PreconditionFailed"},
		{"If-Match true beats If-Unmodified-Since false", s3api.GetObjectInput{IfMatch: api.String(etag), IfUnmodifiedSince: &before}, ""},
		{"If-None-Match false beats If-Modified-Since true", s3api.GetObjectInput{IfNoneMatch: api.String(etag), IfModifiedSince: &before}, "NotModified"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket, in.Key = "bkt", "k"
			_, err := h.svc.GetObject(a, &in)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if tc.code == "PreconditionFailed" && status(err) != 412 || tc.code == "NotModified" && status(err) != 304 {
				t.Errorf("status = %d", status(err))
			}
		})
	}
}

// TestWriteConditions covers conditional writes: the Terraform S3 backend's
// lock (PutObject with If-None-Match: *) and If-Match compare-and-swap.
func TestWriteConditions(t *testing.T) {
	h, a := newBucketHarness(t, "")
	etag := api.ToString(put(h, a, "exists", "v1").ETag)
	tests := []struct {
		name string
		key  string
		cond writeConditions
		code string
	}{
		{"If-None-Match * on a new key", "lock", writeConditions{ifNoneMatch: "*"}, ""},
		{"second lock is refused", "lock", writeConditions{ifNoneMatch: "*"}, "PreconditionFailed"},
		{"If-None-Match with an ETag is not implemented", "x", writeConditions{ifNoneMatch: etag}, "NotImplemented"},
		{"If-Match with the current ETag", "exists", writeConditions{ifMatch: etag}, ""},
		{"If-Match with a stale ETag", "exists", writeConditions{ifMatch: etag}, "PreconditionFailed"},
		{"If-Match on a missing key", "missing", writeConditions{ifMatch: etag}, "NoSuchKey"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := putConditional(h, a, tc.key, "body of "+tc.name, tc.cond)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if tc.code == "PreconditionFailed" && (status(err) != 412 || field(err, "Condition") == "") {
				t.Errorf("412 fields: %v %d %q", err, status(err), field(err, "Condition"))
			}
		})
	}
	// After the lock is released, it can be taken again.
	must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "lock"}))
	if err := putConditional(h, a, "lock", "again", writeConditions{ifNoneMatch: "*"}); err != nil {
		t.Errorf("relock: %v", err)
	}
}

// putConditional is PutObject with If-Match / If-None-Match.
func putConditional(h *harness, ctx context.Context, key, content string, cond writeConditions) error {
	in := &s3api.PutObjectInput{Bucket: "bkt", Key: key, Body: body(content)}
	if cond.ifMatch != "" {
		in.IfMatch = &cond.ifMatch
	}
	if cond.ifNoneMatch != "" {
		in.IfNoneMatch = &cond.ifNoneMatch
	}
	_, err := h.svc.PutObject(ctx, in)
	return err
}

func TestConditionalDelete(t *testing.T) {
	h, a := newBucketHarness(t, "")
	etag := put(h, a, "k", "v1").ETag
	tests := []struct {
		name, key, ifMatch, code string
	}{
		{"stale ETag", "k", `"0123"`, "PreconditionFailed"},
		{"missing object", "none", "*", "NoSuchKey"},
		{"current ETag", "k", *etag, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: tc.key, IfMatch: api.String(tc.ifMatch)})
			if code(err) != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
	if _, err := h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "bkt", Key: "k"}); code(err) != "NoSuchKey" {
		t.Errorf("object after the conditional delete: %v", err)
	}
}

func TestPutObjectConditions(t *testing.T) {
	h, a := newBucketHarness(t, "Enabled")
	lock := func() error {
		_, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "state.tflock", Body: body("lock"), IfNoneMatch: api.String("*")})
		return err
	}
	if err := lock(); err != nil {
		t.Fatal(err)
	}
	if err := lock(); code(err) != "PreconditionFailed" || status(err) != 412 {
		t.Fatalf("second lock: %v", err)
	}
	// A delete marker does not count as an object.
	must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "state.tflock"}))
	if err := lock(); err != nil {
		t.Errorf("lock over a delete marker: %v", err)
	}
	etag := put(h, a, "cas", "v1").ETag
	if _, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "cas", Body: body("v2"), IfMatch: etag}); err != nil {
		t.Errorf("If-Match with the current ETag: %v", err)
	}
	if _, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "cas", Body: body("v3"), IfMatch: etag}); code(err) != "PreconditionFailed" {
		t.Errorf("If-Match with a stale ETag: %v", err)
	}
	blobs := h.blobs.Len()
	if _, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "cas", Body: body("v3"), IfNoneMatch: api.String(`"abc"`)}); code(err) != "NotImplemented" {
		t.Errorf("If-None-Match with an ETag: %v", err)
	}
	if h.blobs.Len() != blobs {
		t.Errorf("a refused conditional write stored a blob")
	}
}

func TestRecheckConflict(t *testing.T) {
	cond := writeConditions{ifMatch: `"abc"`}
	if err := cond.recheck("k", nil); code(err) != "ConditionalRequestConflict" || status(err) != 409 {
		t.Errorf("If-Match write whose object vanished: %v", err)
	}
	if err := cond.recheck("k", &version{ETag: `"def"`}); code(err) != "PreconditionFailed" {
		t.Errorf("If-Match write overtaken by another write: %v", err)
	}
	if err := (writeConditions{ifNoneMatch: "*"}).recheck("k", &version{ETag: `"x"`}); code(err) != "PreconditionFailed" {
		t.Errorf("lock race loser: %v", err)
	}
}

func TestVersioning(t *testing.T) {
	h, a := newBucketHarness(t, "Enabled")
	v1 := api.ToString(put(h, a, "k", "one").VersionId)
	v2 := api.ToString(put(h, a, "k", "two").VersionId)
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("version IDs %q %q", v1, v2)
	}
	if c, _ := get(t, h, a, &s3api.GetObjectInput{Key: "k", VersionId: &v1}); c != "one" {
		t.Errorf("v1 = %q", c)
	}
	del := must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k"}))
	if !api.ToBool(del.DeleteMarker) || del.VersionId == nil {
		t.Fatalf("delete in a versioned bucket: %+v", del)
	}
	if _, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k"}); code(err) != "NoSuchKey" {
		t.Errorf("GET behind a delete marker: %v", err)
	}
	if _, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k", VersionId: del.VersionId}); code(err) != "MethodNotAllowed" || status(err) != 405 {
		t.Errorf("GET of a delete marker: %v", err)
	}
	if _, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k", VersionId: api.String("bad id")}); code(err) != "InvalidArgument" {
		t.Errorf("malformed version id: %v", err)
	}
	if _, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k", VersionId: api.String(strings.Repeat("A", 32))}); code(err) != "NoSuchVersion" {
		t.Errorf("unknown version id: %v", err)
	}
	lv := must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt"}))
	if len(lv.Versions) != 2 || len(lv.DeleteMarkers) != 1 || !api.ToBool(lv.DeleteMarkers[0].IsLatest) || api.ToBool(lv.Versions[0].IsLatest) ||
		*lv.Versions[0].VersionId != v2 || *lv.Versions[1].VersionId != v1 {
		t.Errorf("versions = %+v, markers = %+v", lv.Versions, lv.DeleteMarkers)
	}
	if l := must(h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt"})); len(l.Contents) != 0 {
		t.Errorf("ListObjectsV2 shows a deleted key: %+v", l.Contents)
	}
	// Removing the delete marker brings the object back (Terraform's
	// aws_s3_object delete walks versions this way).
	rm := must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k", VersionId: del.VersionId}))
	if !api.ToBool(rm.DeleteMarker) || api.ToString(rm.VersionId) != *del.VersionId {
		t.Errorf("removing the marker: %+v", rm)
	}
	if c, _ := get(t, h, a, &s3api.GetObjectInput{Key: "k"}); c != "two" {
		t.Errorf("after removing the marker: %q", c)
	}
	for _, v := range []string{v1, v2} {
		must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k", VersionId: &v}))
	}
	if h.blobs.Len() != 0 {
		t.Errorf("%d blobs after deleting every version", h.blobs.Len())
	}
	must(h.svc.DeleteBucket(a, &s3api.DeleteBucketInput{Bucket: "bkt"}))
}

func TestVersioningSuspended(t *testing.T) {
	h, a := newBucketHarness(t, "Enabled")
	v1 := api.ToString(put(h, a, "k", "versioned").VersionId)
	st := s3api.BucketVersioningStatusSuspended
	must(h.svc.PutBucketVersioning(a, &s3api.PutBucketVersioningInput{Bucket: "bkt", VersioningConfiguration: &s3api.VersioningConfiguration{Status: &st}}))
	put(h, a, "k", "null one")
	put(h, a, "k", "null two")
	lv := must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt"}))
	if len(lv.Versions) != 2 || *lv.Versions[0].VersionId != "null" || *lv.Versions[1].VersionId != v1 {
		t.Errorf("versions = %+v", lv.Versions)
	}
	_, g := get(t, h, a, &s3api.GetObjectInput{Key: "k"})
	if api.ToString(g.VersionId) != "null" {
		t.Errorf("version of the null version = %v", g.VersionId)
	}
	d := must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k"}))
	if api.ToString(d.VersionId) != "null" || !api.ToBool(d.DeleteMarker) {
		t.Errorf("suspended delete = %+v", d)
	}
	if h.blobs.Len() != 1 {
		t.Errorf("%d blobs, want only v1's", h.blobs.Len())
	}
}

func TestDeleteObjects(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "a", "1")
	put(h, a, "b", "2")
	h.authz.deny = func(c authz.Check, _ *identity.Principal) bool { return c.Resource == "arn:aws:s3:::bkt/b" }
	out := must(h.svc.DeleteObjects(a, &s3api.DeleteObjectsInput{Bucket: "bkt", Delete: &s3api.Delete{Objects: []s3api.ObjectIdentifier{{Key: "a"}, {Key: "b"}, {Key: "never"}}}}))
	h.authz.deny = nil
	if len(out.Deleted) != 2 || *out.Deleted[0].Key != "a" || *out.Deleted[1].Key != "never" {
		t.Errorf("deleted = %+v", out.Deleted)
	}
	if len(out.Errors) != 1 || *out.Errors[0].Key != "b" || *out.Errors[0].Code != "AccessDenied" {
		t.Errorf("errors = %+v", out.Errors)
	}
	if _, err := h.svc.DeleteObjects(a, &s3api.DeleteObjectsInput{Bucket: "bkt", Delete: &s3api.Delete{}}); code(err) != "MalformedXML" {
		t.Errorf("empty delete: %v", err)
	}
}

func TestCopyObject(t *testing.T) {
	h, a := newBucketHarness(t, "")
	src := must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "src key", Body: body("payload"), ContentType: api.String("text/x"), Metadata: map[string]string{"m": "1"}, Tagging: api.String("t=1")}))
	out := must(h.svc.CopyObject(a, &s3api.CopyObjectInput{Bucket: "bkt", Key: "copy", CopySource: api.String("/bkt/src%20key")}))
	if api.ToString(out.CopyObjectResult.ETag) != api.ToString(src.ETag) {
		t.Errorf("copy ETag %s, source %s", api.ToString(out.CopyObjectResult.ETag), api.ToString(src.ETag))
	}
	c, g := get(t, h, a, &s3api.GetObjectInput{Key: "copy"})
	if c != "payload" || api.ToString(g.ContentType) != "text/x" || g.Metadata["m"] != "1" || api.ToInt32(g.TagCount) != 1 {
		t.Errorf("copy = %q %+v", c, g)
	}
	replace := s3api.MetadataDirectiveREPLACE
	must(h.svc.CopyObject(a, &s3api.CopyObjectInput{Bucket: "bkt", Key: "copy2", CopySource: api.String("bkt/src%20key"), MetadataDirective: &replace, ContentType: api.String("text/y")}))
	if _, g := get(t, h, a, &s3api.GetObjectInput{Key: "copy2"}); api.ToString(g.ContentType) != "text/y" || g.Metadata != nil {
		t.Errorf("REPLACE copy = %+v", g)
	}
	tests := []struct {
		name string
		in   s3api.CopyObjectInput
		code string
	}{
		{"onto itself unchanged", s3api.CopyObjectInput{Key: "src key", CopySource: api.String("bkt/src%20key")}, "InvalidRequest"},
		{"missing source", s3api.CopyObjectInput{Key: "x", CopySource: api.String("bkt/none")}, "NoSuchKey"},
		{"source bucket missing", s3api.CopyObjectInput{Key: "x", CopySource: api.String("nobucket/none")}, "NoSuchBucket"},
		{"malformed source", s3api.CopyObjectInput{Key: "x", CopySource: api.String("bkt")}, "InvalidArgument"},
		{"source If-Match fails", s3api.CopyObjectInput{Key: "x", CopySource: api.String("bkt/src%20key"), CopySourceIfMatch: api.String(`"nope"`)}, "PreconditionFailed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket = "bkt"
			if _, err := h.svc.CopyObject(a, &in); code(err) != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
}

func TestObjectTagging(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "k", "x")
	must(h.svc.PutObjectTagging(a, &s3api.PutObjectTaggingInput{Bucket: "bkt", Key: "k", Tagging: &s3api.Tagging{TagSet: []s3api.Tag{{Key: "a", Value: "b"}}}}))
	tg := must(h.svc.GetObjectTagging(a, &s3api.GetObjectTaggingInput{Bucket: "bkt", Key: "k"}))
	if len(tg.TagSet) != 1 || tg.TagSet[0].Key != "a" {
		t.Errorf("tags = %+v", tg.TagSet)
	}
	must(h.svc.DeleteObjectTagging(a, &s3api.DeleteObjectTaggingInput{Bucket: "bkt", Key: "k"}))
	tg = must(h.svc.GetObjectTagging(a, &s3api.GetObjectTaggingInput{Bucket: "bkt", Key: "k"}))
	if len(tg.TagSet) != 0 || tg.TagSet == nil {
		t.Errorf("tags after delete = %#v, want an empty set", tg.TagSet)
	}
	if _, err := h.svc.PutObjectTagging(a, &s3api.PutObjectTaggingInput{Bucket: "bkt", Key: "k", Tagging: &s3api.Tagging{TagSet: []s3api.Tag{{Key: "aws:x", Value: "b"}}}}); code(err) != "InvalidTag" {
		t.Errorf("aws: tag: %v", err)
	}
	if _, err := h.svc.GetObjectTagging(a, &s3api.GetObjectTaggingInput{Bucket: "bkt", Key: "none"}); code(err) != "NoSuchKey" {
		t.Errorf("tags of a missing key: %v", err)
	}
}

// TestConcurrentOverwriteAndRead overwrites one key while others read it:
// every read gets one whole version, never an error or a mix.
func TestConcurrentOverwriteAndRead(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "k", strings.Repeat("0", 100))
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(done)
		for i := 1; i <= 200; i++ {
			if _, err := h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: body(strings.Repeat(fmt.Sprint(i%10), 100))}); err != nil {
				errs <- err
				return
			}
		}
	}()
	reads := 0
	for {
		select {
		case <-done:
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}
			if reads == 0 {
				t.Fatal("no reads happened")
			}
			return
		default:
		}
		out, err := h.svc.GetObject(a, &s3api.GetObjectInput{Bucket: "bkt", Key: "k"})
		if err != nil {
			t.Fatalf("read during overwrites: %v", err)
		}
		got := readAll(t, out.Body)
		if len(got) != 100 || strings.Count(got, got[:1]) != 100 {
			t.Fatalf("torn read %q", got)
		}
		reads++
	}
}

func TestStoredEncoding(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"gzip":                "gzip",
		"aws-chunked":         "",
		"AWS-Chunked":         "",
		"aws-chunked,gzip":    "gzip",
		"gzip, aws-chunked":   "gzip",
		"aws-chunked,br,gzip": "br,gzip",
	} {
		if got := storedEncoding(in); got != want {
			t.Errorf("storedEncoding(%q) = %q, want %q", in, got, want)
		}
	}
}
