package s3

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/store"
)

// fullVersion sets every field of version, so a field the codec forgets
// fails the round trip.
func fullVersion() version {
	exp := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	until := time.Date(2027, 1, 1, 0, 0, 0, 123456789, time.FixedZone("", 2*3600))
	perm := s3api.PermissionREAD
	return version{
		ID: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrH", DeleteMarker: false,
		LastModified: time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC), Owner: "111111111111",
		Blob: "b10b", Data: []byte{0, 1, 0xff, '"', 'x'}, Size: 1 << 40, ETag: `"d41d8cd98f00b204e9800998ecf8427e-3"`,
		ContentType: "text/plain", ContentEncoding: "gzip", ContentDisposition: "attachment",
		ContentLanguage: "en", CacheControl: "no-cache", Expires: &exp, WebsiteRedirect: "/other",
		Metadata: map[string]string{"b": "2", "a": "1", "empty": ""}, StorageClass: "GLACIER",
		Tags:      []tag{{"z", "last"}, {"a", ""}},
		Checksums: map[string]string{"CRC32": "AAAAAA==", "CRC64NVME": "AAAAAAAAAAA="}, ChecksumType: "COMPOSITE",
		SSE: "aws:kms", SSECKeyMD5: "md5==", SSEKMSKeyID: "arn:aws:kms:us-east-1:111111111111:key/k", BucketKey: true,
		PartsCount: 3, PartSizes: []int64{5 << 20, 5 << 20, 1}, LockMode: "GOVERNANCE", LockUntil: &until,
		LegalHold: "ON", UploadID: "upload-1", PartChecksums: []string{"AAAAAA==", "", "BBBBBB=="},
		Grants: []s3api.Grant{ownerGrant("111111111111"), {Grantee: &s3api.Grantee{Type: s3api.TypeGroup, URI: strPtr("http://acs.amazonaws.com/groups/global/AllUsers")}, Permission: &perm}},
	}
}

func strPtr(s string) *string { return &s }

// TestObjectCodecRoundTrip: the binary form decodes to what the JSON form
// (the format of earlier data directories) decodes to.
func TestObjectCodecRoundTrip(t *testing.T) {
	full := fullVersion()
	noFields := reflect.TypeFor[version]().NumField()
	if noFields != 32 {
		t.Fatalf("version has %d fields; give a new field a tag in codec.go and set it in fullVersion", noFields)
	}
	tests := []struct {
		name string
		rec  objectRecord
	}{
		{"empty", objectRecord{}},
		{"every field", objectRecord{Versions: []version{full}}},
		{"delete marker over versions", objectRecord{Versions: []version{
			{ID: "m", DeleteMarker: true, LastModified: full.LastModified, Owner: "222222222222"},
			full,
			{ID: "null", Owner: "111111111111", Size: 0, ETag: `"e"`},
		}}},
		{"content kept in the record", objectRecord{Versions: []version{{ID: "null", Owner: "111111111111", Data: []byte("hello\x00"), Size: 6, ETag: `"e"`}}}},
		{"zero time and empty collections", objectRecord{Versions: []version{{ID: "null", Metadata: map[string]string{}, Tags: []tag{}}}}},
		{"negative offset zone", objectRecord{Versions: []version{{ID: "x", LastModified: time.Date(1969, 12, 31, 23, 59, 59, 1, time.FixedZone("", -9*3600-30*60))}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := encodeObject(&tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeObject(raw, 0)
			if err != nil {
				t.Fatal(err)
			}
			legacy, err := json.Marshal(&tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			want, err := decodeObject(legacy, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("binary decodes to\n%+v\nJSON to\n%+v", got, want)
			}
			for i := range tc.rec.Versions {
				if !got.Versions[i].LastModified.Equal(tc.rec.Versions[i].LastModified) {
					t.Errorf("version %d LastModified %v, want %v", i, got.Versions[i].LastModified, tc.rec.Versions[i].LastModified)
				}
			}
			again, err := encodeObject(&got)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(raw) {
				t.Error("re-encoding the decoded record gives other bytes")
			}
		})
	}
}

// TestDecodeListed: the listing decoder agrees with the full one on the
// fields a listing shows, for both stored formats.
func TestDecodeListed(t *testing.T) {
	full := fullVersion()
	marker := version{ID: "m", DeleteMarker: true, LastModified: full.LastModified, Owner: "222222222222"}
	tests := []struct {
		name      string
		rec       objectRecord
		wantAlgs  []string
		wantEmpty bool
	}{
		{"every field", objectRecord{Versions: []version{full}}, []string{"CRC32", "CRC64NVME"}, false},
		{"delete marker current", objectRecord{Versions: []version{marker, full}}, nil, false},
		{"no versions", objectRecord{}, nil, true},
	}
	for _, tc := range tests {
		bin, err := encodeObject(&tc.rec)
		if err != nil {
			t.Fatal(err)
		}
		legacy, _ := json.Marshal(&tc.rec)
		for _, form := range []struct {
			name string
			raw  []byte
		}{{"binary", bin}, {"json", legacy}} {
			t.Run(tc.name+"/"+form.name, func(t *testing.T) {
				for _, prevOwner := range []string{"", "111111111111", "222222222222"} {
					lv, ok, err := decodeListed(form.raw, prevOwner)
					if err != nil {
						t.Fatal(err)
					}
					if ok == tc.wantEmpty {
						t.Fatalf("ok = %v", ok)
					}
					if !ok {
						return
					}
					cur := tc.rec.Versions[0]
					want := listed(&cur, lv.checksums)
					if lv.DeleteMarker != want.DeleteMarker || !lv.LastModified.Equal(want.LastModified) || lv.Size != want.Size ||
						lv.Owner != want.Owner || lv.ETag != want.ETag || lv.Storage != want.Storage {
						t.Errorf("got %+v, want %+v", lv, want)
					}
					var algs []string
					for i, f := range checksumFields {
						if lv.checksums&(1<<i) != 0 {
							algs = append(algs, string(f.alg))
						}
					}
					if !reflect.DeepEqual(algs, tc.wantAlgs) {
						t.Errorf("checksum algorithms %v, want %v", algs, tc.wantAlgs)
					}
				}
			})
		}
	}
}

// TestDecodeObjectDamaged: every truncation and a few corruptions of a
// record give an error, never a panic or a huge allocation.
func TestDecodeObjectDamaged(t *testing.T) {
	full := fullVersion()
	raw, err := encodeObject(&objectRecord{Versions: []version{full, full}})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := encodeObject(&objectRecord{Versions: []version{full}})
	for n := range len(raw) {
		if _, err := decodeObject(raw[:n], 0); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
		// A listing reads only the first version, which ends where a
		// one-version record does.
		if _, _, err := decodeListed(raw[:n], ""); err == nil && n < len(one) {
			t.Errorf("listing truncated to %d bytes: no error", n)
		}
	}
	tests := []struct {
		name    string
		raw     []byte
		wantErr string
	}{
		{"unknown format", []byte{9, 1, 0}, "unknown format"},
		{"empty", nil, "unknown format"},
		{"unknown field", []byte{formatBinary, 1, 200, 0}, "unknown field 200"},
		{"huge version count", []byte{formatBinary, 0xff, 0xff, 0xff, 0xff, 0x0f, 0}, "damaged"},
		{"huge string", []byte{formatBinary, 1, tagID, 0xff, 0xff, 0xff, 0xff, 0x0f}, "damaged"},
		{"huge map", []byte{formatBinary, 1, tagMetadata, 0xff, 0xff, 0xff, 0xff, 0x0f}, "damaged"},
		{"bad nanoseconds", []byte{formatBinary, 1, tagLastModified, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0, 0}, "damaged"},
		{"bad grants", append([]byte{formatBinary, 1, tagGrants, 3}, "{x}"...), "damaged"},
		{"bad json", []byte(`{"Versions":[{"ID":1}]}`), "decoding object record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeObject(tc.raw, 0)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestLegacyJSONRecordsStillServe: an object stored as JSON by an earlier
// doppel is listed, read and rewritten (then in binary) as before.
func TestLegacyJSONRecordsStillServe(t *testing.T) {
	h := newHarness(t)
	a := as(accountA, "us-east-1")
	must(h.svc.CreateBucket(a, &s3api.CreateBucketInput{Bucket: "old"}))
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "old", Key: "k", Body: strings.NewReader("hello"), Metadata: map[string]string{"m": "v"}}))
	// Rewrite the record as the JSON an earlier doppel stored.
	if err := h.store.Update(t.Context(), func(tx store.Tx) error {
		o, err := getObject(tx, "old", "k")
		if err != nil {
			return err
		}
		raw, err := json.Marshal(o)
		if err != nil {
			return err
		}
		return tx.Put(tableObjects, objectKey("old", "k"), raw)
	}); err != nil {
		t.Fatal(err)
	}
	head := must(h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "old", Key: "k"}))
	if head.Metadata["m"] != "v" || *head.ContentLength != 5 {
		t.Errorf("HeadObject of a JSON record: metadata %v, length %d", head.Metadata, *head.ContentLength)
	}
	list := must(h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "old"}))
	if len(list.Contents) != 1 || *list.Contents[0].Key != "k" || *list.Contents[0].Size != 5 {
		t.Fatalf("ListObjectsV2 of a JSON record: %+v", list.Contents)
	}
	must(h.svc.PutObjectTagging(a, &s3api.PutObjectTaggingInput{Bucket: "old", Key: "k", Tagging: &s3api.Tagging{TagSet: []s3api.Tag{{Key: "t", Value: "1"}}}}))
	if err := h.store.View(t.Context(), func(tx store.Tx) error {
		raw, err := tx.Get(tableObjects, objectKey("old", "k"))
		if err != nil {
			return err
		}
		if raw[0] != formatBinary {
			t.Errorf("a rewritten record starts with %q, want the binary format byte", raw[0])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	again := must(h.svc.HeadObject(a, &s3api.HeadObjectInput{Bucket: "old", Key: "k"}))
	if again.Metadata["m"] != "v" || *again.ETag != *head.ETag {
		t.Errorf("after rewrite: metadata %v, ETag %s, want %s", again.Metadata, *again.ETag, *head.ETag)
	}
}

// BenchmarkDecodeObject compares the stored forms for a typical object
// (one version, a checksum, one metadata entry): what GetObject/HeadObject
// pay per request and a listing per key.
func BenchmarkDecodeObject(b *testing.B) {
	rec := objectRecord{Versions: []version{{
		ID: "null", LastModified: time.Now().UTC(), Owner: "111111111111", Blob: "0123456789abcdef0123456789abcdef",
		Size: 1024, ETag: `"d41d8cd98f00b204e9800998ecf8427e"`, ContentType: "binary/octet-stream",
		Metadata: map[string]string{"color": "blue"}, Checksums: map[string]string{"CRC64NVME": "AAAAAAAAAAA="}, ChecksumType: "FULL_OBJECT",
	}}}
	legacy, _ := json.Marshal(&rec)
	bin, _ := encodeObject(&rec)
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeObject(legacy, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeObject(bin, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("binary-listed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := decodeListed(bin, "111111111111"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Logf("stored size: json %d bytes, binary %d bytes", len(legacy), len(bin))
}

// TestDecodeObjectLimit: a read of the newest version decodes only it,
// from either stored form.
func TestDecodeObjectLimit(t *testing.T) {
	rec := objectRecord{Versions: []version{{ID: "c", ETag: `"3"`}, {ID: "b", DeleteMarker: true}, {ID: "a", ETag: `"1"`}}}
	bin, _ := encodeObject(&rec)
	legacy, _ := json.Marshal(&rec)
	for _, tc := range []struct {
		name  string
		raw   []byte
		limit int
		want  []string
	}{
		{"binary all", bin, 0, []string{"c", "b", "a"}},
		{"binary newest", bin, 1, []string{"c"}},
		{"binary more than stored", bin, 5, []string{"c", "b", "a"}},
		{"json all", legacy, 0, []string{"c", "b", "a"}},
		{"json newest", legacy, 1, []string{"c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := decodeObject(tc.raw, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, v := range o.Versions {
				ids = append(ids, v.ID)
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Errorf("versions %v, want %v", ids, tc.want)
			}
		})
	}
}

// TestListedObjectFields: every member a listing sends for a key, from the
// binary record and from one stored as JSON by an earlier doppel.
func TestListedObjectFields(t *testing.T) {
	h, a := newBucketHarness(t, "")
	sc := s3api.StorageClassSTANDARDIA
	crc := "AAAAAA=="
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "a b", Body: strings.NewReader(""), ChecksumCRC32: &crc, StorageClass: &sc}))
	put(h, a, "plain", "hello")
	crcX := base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE([]byte("x"))))
	must(h.svc.PutObject(a, &s3api.PutObjectInput{Bucket: "bkt", Key: "z", Body: strings.NewReader("x"), ChecksumCRC32: &crcX}))
	// "z" as an earlier doppel stored it.
	if err := h.store.Update(t.Context(), func(tx store.Tx) error {
		o, err := getObject(tx, "bkt", "z")
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(o)
		return tx.Put(tableObjects, objectKey("bkt", "z"), raw)
	}); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Key, ETag, Class, Owner string
		Size                    int64
		Algs                    []s3api.ChecksumAlgorithm
		Modified                time.Time
	}
	flatten := func(objs []s3api.Object) []entry {
		var out []entry
		for _, o := range objs {
			e := entry{Key: *o.Key, ETag: *o.ETag, Class: string(*o.StorageClass), Size: *o.Size, Algs: o.ChecksumAlgorithm, Modified: *o.LastModified}
			if o.Owner != nil {
				e.Owner = *o.Owner.ID
			}
			out = append(out, e)
		}
		return out
	}
	crcAlgs := []s3api.ChecksumAlgorithm{"CRC32"}
	nvme := []s3api.ChecksumAlgorithm{"CRC64NVME"}
	want := func(owner bool, keyAB string) []entry {
		o := ""
		if owner {
			o = canonicalID(accountA)
		}
		return []entry{
			{Key: keyAB, ETag: `"d41d8cd98f00b204e9800998ecf8427e"`, Class: "STANDARD_IA", Owner: o, Size: 0, Algs: crcAlgs, Modified: h.now},
			{Key: "plain", ETag: `"5d41402abc4b2a76b9719d911017c592"`, Class: "STANDARD", Owner: o, Size: 5, Algs: nvme, Modified: h.now},
			{Key: "z", ETag: `"9dd4e461268c8034f5c8564e155c67a6"`, Class: "STANDARD", Owner: o, Size: 1, Algs: crcAlgs, Modified: h.now},
		}
	}
	tests := []struct {
		name string
		list func() []s3api.Object
		want []entry
	}{
		{"ListObjectsV2", func() []s3api.Object {
			return must(h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt"})).Contents
		}, want(false, "a b")},
		{"ListObjectsV2 FetchOwner url", func() []s3api.Object {
			return must(h.svc.ListObjectsV2(a, &s3api.ListObjectsV2Input{Bucket: "bkt", FetchOwner: api.Bool(true), EncodingType: ptr(s3api.EncodingTypeUrl)})).Contents
		}, want(true, "a%20b")},
		{"ListObjects", func() []s3api.Object {
			return must(h.svc.ListObjects(a, &s3api.ListObjectsInput{Bucket: "bkt"})).Contents
		}, want(true, "a b")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := flatten(tc.list()); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}
