package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
)

func TestMultipartUpload(t *testing.T) {
	h, a := newBucketHarness(t, "")
	crc := s3api.ChecksumAlgorithmCRC32
	cu := must(h.svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "big", ContentType: api.String("application/x-big"), ChecksumAlgorithm: &crc}))
	id := cu.UploadId
	parts := [][]byte{bytes.Repeat([]byte("a"), minPartSize), bytes.Repeat([]byte("b"), minPartSize), []byte("tail")}
	var completed []s3api.CompletedPart
	var md5s []byte
	var crcs []byte
	for i, p := range parts {
		n := int32(i + 1)
		out := must(h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "big", UploadId: id, PartNumber: &n, Body: bytes.NewReader(p)}))
		sum := md5.Sum(p)
		if api.ToString(out.ETag) != fmt.Sprintf(`"%x"`, sum) {
			t.Errorf("part %d ETag %s", n, api.ToString(out.ETag))
		}
		if out.ChecksumCRC32 == nil {
			t.Errorf("part %d has no CRC32", n)
		}
		md5s = append(md5s, sum[:]...)
		c := crc32.ChecksumIEEE(p)
		crcs = append(crcs, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
		completed = append(completed, s3api.CompletedPart{PartNumber: &n, ETag: out.ETag})
	}
	lp := must(h.svc.ListParts(a, &s3api.ListPartsInput{Bucket: "bkt", Key: "big", UploadId: id, MaxParts: api.Int32(2)}))
	if len(lp.Parts) != 2 || !api.ToBool(lp.IsTruncated) || api.ToInt32(lp.NextPartNumberMarker) != 2 {
		t.Errorf("ListParts = %+v", lp)
	}
	lu := must(h.svc.ListMultipartUploads(a, &s3api.ListMultipartUploadsInput{Bucket: "bkt"}))
	if len(lu.Uploads) != 1 || *lu.Uploads[0].UploadId != *id {
		t.Errorf("ListMultipartUploads = %+v", lu.Uploads)
	}

	// Completion rules.
	small, four := int32(3), int32(4)
	p4 := must(h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "big", UploadId: id, PartNumber: &four, Body: body("four")}))
	tests := []struct {
		name  string
		parts []s3api.CompletedPart
		code  string
	}{
		{"no parts", nil, "MalformedXML"},
		{"out of order", []s3api.CompletedPart{completed[1], completed[0]}, "InvalidPartOrder"},
		{"wrong ETag", []s3api.CompletedPart{{PartNumber: completed[0].PartNumber, ETag: api.String(`"0000"`)}}, "InvalidPart"},
		{"unknown part", []s3api.CompletedPart{{PartNumber: api.Int32(9), ETag: completed[0].ETag}}, "InvalidPart"},
		{"small part not last", []s3api.CompletedPart{{PartNumber: &small, ETag: completed[2].ETag}, {PartNumber: &four, ETag: p4.ETag}}, "EntityTooSmall"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.svc.CompleteMultipartUpload(a, &s3api.CompleteMultipartUploadInput{Bucket: "bkt", Key: "big", UploadId: id, MultipartUpload: &s3api.CompletedMultipartUpload{Parts: tc.parts}})
			if code(err) != tc.code {
				t.Errorf("err = %v, want %s", err, tc.code)
			}
		})
	}
	out := must(h.svc.CompleteMultipartUpload(a, &s3api.CompleteMultipartUploadInput{Bucket: "bkt", Key: "big", UploadId: id, MultipartUpload: &s3api.CompletedMultipartUpload{Parts: completed}}))
	whole := md5.Sum(md5s)
	if want := `"` + hex.EncodeToString(whole[:]) + `-3"`; api.ToString(out.ETag) != want {
		t.Errorf("ETag = %s, want %s", api.ToString(out.ETag), want)
	}
	compositeCRC := crc32.ChecksumIEEE(crcs)
	if got := api.ToString(out.ChecksumCRC32); got == "" || got[len(got)-2:] != "-3" {
		t.Errorf("composite CRC32 = %q (crc of crcs %08x)", got, compositeCRC)
	}
	content, g := get(t, h, a, &s3api.GetObjectInput{Key: "big"})
	if len(content) != 2*minPartSize+4 || content[len(content)-4:] != "tail" || api.ToString(g.ContentType) != "application/x-big" {
		t.Errorf("object: %d bytes, type %s", len(content), api.ToString(g.ContentType))
	}
	// partNumber reads one part.
	two := int32(2)
	pr, g := get(t, h, a, &s3api.GetObjectInput{Key: "big", PartNumber: &two})
	if len(pr) != minPartSize || pr[0] != 'b' || api.ToInt32(g.PartsCount) != 3 || api.ToString(g.ContentRange) != fmt.Sprintf("bytes %d-%d/%d", minPartSize, 2*minPartSize-1, 2*minPartSize+4) {
		t.Errorf("part 2: %d bytes, parts %d, range %s", len(pr), api.ToInt32(g.PartsCount), api.ToString(g.ContentRange))
	}
	if _, err := h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "big", UploadId: id, PartNumber: &two, Body: body("x")}); code(err) != "NoSuchUpload" {
		t.Errorf("upload after completion: %v", err)
	}
	if h.blobs.Len() != 1 {
		t.Errorf("%d blobs after completion, want the object's only", h.blobs.Len())
	}
}

func TestMultipartFullObjectChecksum(t *testing.T) {
	h, a := newBucketHarness(t, "")
	alg := s3api.ChecksumAlgorithmCRC64NVME
	cu := must(h.svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "k", ChecksumAlgorithm: &alg}))
	if enumString(cu.ChecksumType) != "FULL_OBJECT" {
		t.Errorf("CRC64NVME upload type = %v", enumString(cu.ChecksumType))
	}
	one := int32(1)
	p := must(h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "k", UploadId: cu.UploadId, PartNumber: &one, Body: body("123456789")}))
	parts := &s3api.CompletedMultipartUpload{Parts: []s3api.CompletedPart{{PartNumber: &one, ETag: p.ETag}}}
	tests := []struct {
		name string
		in   s3api.CompleteMultipartUploadInput
		code string
	}{
		{"wrong size", s3api.CompleteMultipartUploadInput{MpuObjectSize: api.Int64(10)}, "InvalidRequest"},
		{"wrong checksum", s3api.CompleteMultipartUploadInput{ChecksumCRC64NVME: api.String("AAAAAAAAAAA=")}, "BadDigest"},
		// CRC-64/NVME of "123456789" is 0xae8b14860a799888.
		{"matching checksum and size", s3api.CompleteMultipartUploadInput{ChecksumCRC64NVME: api.String("rosUhgp5mIg="), MpuObjectSize: api.Int64(9)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Bucket, in.Key, in.UploadId, in.MultipartUpload = "bkt", "k", cu.UploadId, parts
			out, err := h.svc.CompleteMultipartUpload(a, &in)
			if code(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			if err == nil && (api.ToString(out.ChecksumCRC64NVME) != "rosUhgp5mIg=" || enumString(out.ChecksumType) != "FULL_OBJECT") {
				t.Errorf("output checksum %q type %q", api.ToString(out.ChecksumCRC64NVME), enumString(out.ChecksumType))
			}
		})
	}
}

func TestMultipartAbortAndCopy(t *testing.T) {
	h, a := newBucketHarness(t, "")
	put(h, a, "src", "0123456789")
	cu := must(h.svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "dst"}))
	one := int32(1)
	cp := must(h.svc.UploadPartCopy(a, &s3api.UploadPartCopyInput{Bucket: "bkt", Key: "dst", UploadId: cu.UploadId, PartNumber: &one, CopySource: api.String("bkt/src"), CopySourceRange: api.String("bytes=2-5")}))
	if cp.CopyPartResult == nil || cp.CopyPartResult.ETag == nil {
		t.Fatalf("UploadPartCopy = %+v", cp)
	}
	if _, err := h.svc.UploadPartCopy(a, &s3api.UploadPartCopyInput{Bucket: "bkt", Key: "dst", UploadId: cu.UploadId, PartNumber: &one, CopySource: api.String("bkt/src"), CopySourceRange: api.String("bytes=5-20")}); code(err) != "InvalidArgument" {
		t.Errorf("range past the source: %v", err)
	}
	out := must(h.svc.CompleteMultipartUpload(a, &s3api.CompleteMultipartUploadInput{Bucket: "bkt", Key: "dst", UploadId: cu.UploadId,
		MultipartUpload: &s3api.CompletedMultipartUpload{Parts: []s3api.CompletedPart{{PartNumber: &one, ETag: cp.CopyPartResult.ETag}}}}))
	if c, _ := get(t, h, a, &s3api.GetObjectInput{Key: "dst"}); c != "2345" || out.ETag == nil {
		t.Errorf("copied part object = %q", c)
	}
	ab := must(h.svc.CreateMultipartUpload(a, &s3api.CreateMultipartUploadInput{Bucket: "bkt", Key: "gone"}))
	must(h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "gone", UploadId: ab.UploadId, PartNumber: &one, Body: body("zz")}))
	before := h.blobs.Len()
	must(h.svc.AbortMultipartUpload(a, &s3api.AbortMultipartUploadInput{Bucket: "bkt", Key: "gone", UploadId: ab.UploadId}))
	if h.blobs.Len() != before-1 {
		t.Errorf("abort left the part's blob")
	}
	if _, err := h.svc.AbortMultipartUpload(a, &s3api.AbortMultipartUploadInput{Bucket: "bkt", Key: "gone", UploadId: ab.UploadId}); code(err) != "NoSuchUpload" || status(err) != 404 {
		t.Errorf("abort twice: %v", err)
	}
	bad := int32(10001)
	if _, err := h.svc.UploadPart(a, &s3api.UploadPartInput{Bucket: "bkt", Key: "gone", UploadId: ab.UploadId, PartNumber: &bad, Body: body("x")}); code(err) != "InvalidArgument" {
		t.Errorf("part 10001: %v", err)
	}
}
