package s3

import (
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
)

func names(out *s3api.ListObjectsV2Output) string {
	var parts []string
	for _, c := range out.Contents {
		parts = append(parts, *c.Key)
	}
	for _, p := range out.CommonPrefixes {
		parts = append(parts, "P:"+*p.Prefix)
	}
	return strings.Join(parts, ",")
}

func TestListObjectsV2(t *testing.T) {
	h, a := newBucketHarness(t, "")
	for _, k := range []string{"a.txt", "b/1", "b/2", "c/x/1", "c/y", "d", "e f"} {
		put(h, a, k, k)
	}
	tests := []struct {
		name      string
		in        s3api.ListObjectsV2Input
		want      string
		truncated bool
	}{
		{"everything", s3api.ListObjectsV2Input{}, "a.txt,b/1,b/2,c/x/1,c/y,d,e f", false},
		{"prefix", s3api.ListObjectsV2Input{Prefix: api.String("b/")}, "b/1,b/2", false},
		{"delimiter", s3api.ListObjectsV2Input{Delimiter: api.String("/")}, "a.txt,d,e f,P:b/,P:c/", false},
		{"prefix and delimiter", s3api.ListObjectsV2Input{Prefix: api.String("c/"), Delimiter: api.String("/")}, "c/y,P:c/x/", false},
		{"start-after", s3api.ListObjectsV2Input{StartAfter: api.String("c/y")}, "d,e f", false},
		{"max-keys", s3api.ListObjectsV2Input{MaxKeys: api.Int32(2)}, "a.txt,b/1", true},
		{"max-keys counts prefixes", s3api.ListObjectsV2Input{MaxKeys: api.Int32(2), Delimiter: api.String("/")}, "a.txt,P:b/", true},
		{"max-keys zero", s3api.ListObjectsV2Input{MaxKeys: api.Int32(0)}, "", false},
		{"Terraform workspace discovery", s3api.ListObjectsV2Input{Prefix: api.String("env:/"), MaxKeys: api.Int32(1000)}, "", false},
		{"url encoding", s3api.ListObjectsV2Input{Prefix: api.String("e"), EncodingType: ptr(s3api.EncodingTypeUrl)}, "e%20f", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket = "bkt"
			out := must(h.svc.ListObjectsV2(a, &in))
			if got := names(out); got != tc.want || api.ToBool(out.IsTruncated) != tc.truncated {
				t.Errorf("got %q truncated=%v, want %q truncated=%v", got, api.ToBool(out.IsTruncated), tc.want, tc.truncated)
			}
			if int(api.ToInt32(out.KeyCount)) != len(out.Contents)+len(out.CommonPrefixes) {
				t.Errorf("KeyCount %d", api.ToInt32(out.KeyCount))
			}
		})
	}
	// Paging with continuation tokens visits every key once, prefixes too.
	var seen []string
	var token *string
	for i := 0; i < 10; i++ {
		out := must(h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt", MaxKeys: api.Int32(2), Delimiter: api.String("/"), ContinuationToken: token}))
		if n := names(out); n != "" {
			seen = append(seen, n)
		}
		if !api.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
	}
	if got := strings.Join(seen, "|"); got != "a.txt,P:b/|d,P:c/|e f" {
		t.Errorf("pages = %q", got)
	}
	if _, err := h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt", ContinuationToken: api.String("!!")}); code(err) != "InvalidArgument" {
		t.Errorf("bad token: %v", err)
	}
	if _, err := h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt", EncodingType: ptr(s3api.EncodingType("base64"))}); code(err) != "InvalidArgument" {
		t.Errorf("bad encoding type: %v", err)
	}
}

func TestListObjectsV1Markers(t *testing.T) {
	h, a := newBucketHarness(t, "")
	for _, k := range []string{"a/1", "a/2", "b", "c/1"} {
		put(h, a, k, k)
	}
	out := must(h.svc.ListObjects(a, &s3api.ListObjectsInput{Bucket: "bkt", Delimiter: api.String("/"), MaxKeys: api.Int32(1)}))
	if len(out.CommonPrefixes) != 1 || api.ToString(out.NextMarker) != "a/" || !api.ToBool(out.IsTruncated) {
		t.Fatalf("page 1 = %+v", out)
	}
	out = must(h.svc.ListObjects(a, &s3api.ListObjectsInput{Bucket: "bkt", Delimiter: api.String("/"), Marker: out.NextMarker}))
	if len(out.Contents) != 1 || *out.Contents[0].Key != "b" || len(out.CommonPrefixes) != 1 || *out.CommonPrefixes[0].Prefix != "c/" {
		t.Errorf("page 2 = %+v %+v", out.Contents, out.CommonPrefixes)
	}
	if out.Contents[0].Owner == nil || *out.Contents[0].Owner.ID != canonicalID(accountA) {
		t.Errorf("ListObjects owner = %+v", out.Contents[0].Owner)
	}
	// Without a delimiter there is no NextMarker; clients use the last key.
	out = must(h.svc.ListObjects(a, &s3api.ListObjectsInput{Bucket: "bkt", MaxKeys: api.Int32(2)}))
	if out.NextMarker != nil || !api.ToBool(out.IsTruncated) {
		t.Errorf("NextMarker without delimiter = %v", out.NextMarker)
	}
}

func TestListObjectVersionsPaging(t *testing.T) {
	h, a := newBucketHarness(t, "Enabled")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, *put(h, a, "k", "x").VersionId)
		h.now = h.now.Add(time.Second)
	}
	put(h, a, "z", "z")
	out := must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", MaxKeys: api.Int32(2)}))
	if len(out.Versions) != 2 || *out.Versions[0].VersionId != ids[2] || !api.ToBool(out.IsTruncated) || *out.NextKeyMarker != "k" || *out.NextVersionIdMarker != ids[1] {
		t.Fatalf("page 1 = %+v", out)
	}
	out = must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", KeyMarker: out.NextKeyMarker, VersionIdMarker: out.NextVersionIdMarker}))
	if len(out.Versions) != 2 || *out.Versions[0].VersionId != ids[0] || *out.Versions[1].Key != "z" || api.ToBool(out.Versions[0].IsLatest) || !api.ToBool(out.Versions[1].IsLatest) {
		t.Errorf("page 2 = %+v", out.Versions)
	}
	out = must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", KeyMarker: api.String("k")}))
	if len(out.Versions) != 1 || *out.Versions[0].Key != "z" {
		t.Errorf("after key marker = %+v", out.Versions)
	}
	if _, err := h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", VersionIdMarker: &ids[0]}); code(err) != "InvalidArgument" {
		t.Errorf("version marker without key marker: %v", err)
	}
}

func TestObjectLock(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	lock := true
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "bkt", ObjectLockEnabledForBucket: &lock}))
	until := h.now.Add(24 * time.Hour)
	gov := s3api.ObjectLockModeGOVERNANCE
	out := must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "k", Body: body("x"), ObjectLockMode: &gov, ObjectLockRetainUntilDate: &until}))
	ret := must(h.svc.GetObjectRetention(a, &s3api.GetObjectRetentionInput{Bucket: "bkt", Key: "k"}))
	if *ret.Retention.Mode != "GOVERNANCE" || !ret.Retention.RetainUntilDate.Equal(until) {
		t.Errorf("retention = %+v", ret.Retention)
	}
	if _, err := h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k", VersionId: out.VersionId}); code(err) != "AccessDenied" {
		t.Errorf("deleting a retained version: %v", err)
	}
	// A delete without version ID only adds a marker, which retention allows.
	must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k"}))
	must(h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "k", VersionId: out.VersionId, BypassGovernanceRetention: api.Bool(true)}))

	out = must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "held", Body: body("x")}))
	if _, err := h.svc.GetObjectLegalHold(a, &s3api.GetObjectLegalHoldInput{Bucket: "bkt", Key: "held"}); code(err) != "NoSuchObjectLockConfiguration" {
		t.Errorf("legal hold before set: %v", err)
	}
	onStatus := s3api.ObjectLockLegalHoldStatusON
	must(h.svc.PutObjectLegalHold(a, &s3api.PutObjectLegalHoldInput{Bucket: "bkt", Key: "held", LegalHold: &s3api.ObjectLockLegalHold{Status: &onStatus}}))
	if _, err := h.svc.DeleteObject(a, &s3api.DeleteObjectInput{Bucket: "bkt", Key: "held", VersionId: out.VersionId, BypassGovernanceRetention: api.Bool(true)}); code(err) != "AccessDenied" {
		t.Errorf("deleting a held version: %v", err)
	}
	compliance := s3api.ObjectLockRetentionModeCOMPLIANCE
	must(h.svc.PutObjectRetention(a, &s3api.PutObjectRetentionInput{Bucket: "bkt", Key: "held", Retention: &s3api.ObjectLockRetention{Mode: &compliance, RetainUntilDate: &until}}))
	earlier := until.Add(-time.Hour)
	if _, err := h.svc.PutObjectRetention(a, &s3api.PutObjectRetentionInput{Bucket: "bkt", Key: "held", BypassGovernanceRetention: api.Bool(true), Retention: &s3api.ObjectLockRetention{Mode: &compliance, RetainUntilDate: &earlier}}); code(err) != "AccessDenied" {
		t.Errorf("shortening COMPLIANCE retention: %v", err)
	}
	attrs := must(h.svc.GetObjectAttributes(a, &s3api.GetObjectAttributesInput{Bucket: "bkt", Key: "held", ObjectAttributes: []s3api.ObjectAttributes{"ETag", "ObjectSize", "StorageClass"}}))
	if api.ToInt64(attrs.ObjectSize) != 1 || strings.Contains(api.ToString(attrs.ETag), `"`) || *attrs.StorageClass != "STANDARD" {
		t.Errorf("attributes = %+v", attrs)
	}
	createBucket(t, h, a, "plain")
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "plain", Key: "k", Body: body("x")}))
	if _, err := h.svc.PutObjectLegalHold(a, &s3api.PutObjectLegalHoldInput{Bucket: "plain", Key: "k", LegalHold: &s3api.ObjectLockLegalHold{Status: &onStatus}}); code(err) != "InvalidRequest" {
		t.Errorf("legal hold without object lock: %v", err)
	}
}

func TestListObjectVersionsDelimiter(t *testing.T) {
	h, a := newBucketHarness(t, "Enabled")
	for _, k := range []string{"a/1", "a/2", "a/2", "b", "c/x"} {
		put(h, a, k, k)
	}
	out := must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", Delimiter: api.String("/")}))
	if len(out.CommonPrefixes) != 2 || *out.CommonPrefixes[0].Prefix != "a/" || *out.CommonPrefixes[1].Prefix != "c/" || len(out.Versions) != 1 || *out.Versions[0].Key != "b" {
		t.Errorf("prefixes %+v versions %+v", out.CommonPrefixes, out.Versions)
	}
	page := must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", Delimiter: api.String("/"), MaxKeys: api.Int32(1)}))
	if len(page.CommonPrefixes) != 1 || !api.ToBool(page.IsTruncated) || api.ToString(page.NextKeyMarker) != "a/" {
		t.Fatalf("page 1 = %+v", page)
	}
	page = must(h.svc.ListObjectVersions(a, &s3api.ListObjectVersionsInput{Bucket: "bkt", Delimiter: api.String("/"), KeyMarker: page.NextKeyMarker}))
	if len(page.Versions) != 1 || *page.Versions[0].Key != "b" || len(page.CommonPrefixes) != 1 || *page.CommonPrefixes[0].Prefix != "c/" {
		t.Errorf("page 2 = versions %+v prefixes %+v", page.Versions, page.CommonPrefixes)
	}
}
