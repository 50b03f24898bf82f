package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/store"
)

// Multipart upload limits (S3 User Guide, "Amazon S3 multipart upload
// limits"): parts 1 to 10,000; every part but the last at least 5 MiB;
// no part over 5 GiB.
const (
	maxPartNumber = 10000
	minPartSize   = 5 << 20
	maxPartSize   = 5 << 30
)

func getUpload(tx store.Tx, bucket, key, id string) (*upload, error) {
	u, err := store.GetJSON[upload](tx, tableUploads, uploadKey(bucket, key, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchUpload(id)
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func checkPartNumber(n *int32) (int32, error) {
	if n == nil || *n < 1 || *n > maxPartNumber {
		v := ""
		if n != nil {
			v = strconv.Itoa(int(*n))
		}
		return 0, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", v)
	}
	return *n, nil
}

// CreateMultipartUpload starts an upload; the object's attributes are
// fixed now and applied when it completes.
func (s *Service) CreateMultipartUpload(ctx context.Context, in *s3api.CreateMultipartUploadInput) (*s3api.CreateMultipartUploadOutput, error) {
	if len(in.Key) > maxKeyLength {
		return nil, errKeyTooLong(len(in.Key))
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	w := writeRequest{
		acl: enumString(in.ACL), grants: hasGrantHeaders(in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP),
		contentType: api.ToString(in.ContentType), contentEncoding: api.ToString(in.ContentEncoding),
		contentDisposition: api.ToString(in.ContentDisposition), contentLanguage: api.ToString(in.ContentLanguage),
		cacheControl: api.ToString(in.CacheControl), websiteRedirect: api.ToString(in.WebsiteRedirectLocation),
		expires: in.Expires, metadata: in.Metadata, storageClass: enumString(in.StorageClass),
		sse: enumString(in.ServerSideEncryption), sseKMSKeyID: api.ToString(in.SSEKMSKeyId), bucketKey: in.BucketKeyEnabled,
		tagging: api.ToString(in.Tagging), lockMode: enumString(in.ObjectLockMode), lockUntil: in.ObjectLockRetainUntilDate,
		legalHold: enumString(in.ObjectLockLegalHoldStatus),
	}
	w.now, w.writer = s.clock(ctx), caller(ctx).Account
	attrs, checks, err := w.attrs(b, in.Key)
	if err != nil {
		return nil, err
	}
	_, ssecMD5, err := ssecHeaders{in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5}.check(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, b, checks...); err != nil {
		return nil, err
	}
	u := upload{
		ID: newUploadID(), Bucket: b.Name, Key: in.Key, Initiated: s.clock(ctx),
		Owner: caller(ctx).Account, Initiator: caller(ctx).ARN, Parts: map[int32]part{},
	}
	attrs.apply(&u.Object)
	u.Object.SSECKeyMD5 = ssecMD5
	if in.ChecksumAlgorithm != nil {
		a, ok := blob.ParseAlgorithm(string(*in.ChecksumAlgorithm))
		if !ok {
			return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		u.ChecksumAlgorithm = string(a)
	}
	// CRC64NVME only exists as a full-object checksum; the others default
	// to composite (S3 User Guide, "Checking object integrity").
	u.ChecksumType = enumString(in.ChecksumType)
	switch {
	case u.ChecksumType == "" && u.ChecksumAlgorithm == string(blob.CRC64NVME):
		u.ChecksumType = "FULL_OBJECT"
	case u.ChecksumType == "" && u.ChecksumAlgorithm != "":
		u.ChecksumType = "COMPOSITE"
	case u.ChecksumType == "FULL_OBJECT" && (u.ChecksumAlgorithm == string(blob.SHA1) || u.ChecksumAlgorithm == string(blob.SHA256)):
		return nil, errInvalidRequest("The FULL_OBJECT checksum type cannot be used with the " + strings.ToLower(u.ChecksumAlgorithm) + " checksum algorithm.")
	case u.ChecksumType == "COMPOSITE" && u.ChecksumAlgorithm == string(blob.CRC64NVME):
		return nil, errInvalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	}
	if err := s.update(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, b.Name); err != nil {
			return err
		}
		return store.PutJSON(tx, tableUploads, uploadKey(b.Name, in.Key, u.ID), u)
	}); err != nil {
		return nil, err
	}
	out := &s3api.CreateMultipartUploadOutput{Bucket: api.String(b.Name), Key: api.String(in.Key), UploadId: api.String(u.ID)}
	sse := s3api.ServerSideEncryption(u.Object.SSE)
	out.ServerSideEncryption = &sse
	out.SSEKMSKeyId = nonEmpty(u.Object.SSEKMSKeyID)
	if u.ChecksumAlgorithm != "" {
		ca := s3api.ChecksumAlgorithm(u.ChecksumAlgorithm)
		out.ChecksumAlgorithm = &ca
		setOptionalString(out, "ChecksumType", u.ChecksumType)
	}
	return out, nil
}

// uploadFor loads an upload and authorizes action on its object.
func (s *Service) uploadFor(ctx context.Context, bucket, key string, uploadID *string, expectedOwner *string, action string) (*bucketRecord, *upload, error) {
	var b *bucketRecord
	var u *upload
	var uploadErr error
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		if b, err = getBucket(tx, bucket); err != nil {
			return err
		}
		u, uploadErr = getUpload(tx, bucket, key, api.ToString(uploadID))
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.admit(ctx, b, expectedOwner); err != nil {
		return nil, nil, err
	}
	// Authorize before saying whether the upload exists.
	if err := s.authorize(ctx, b, objectCheck(action, bucket, key)); err != nil {
		return nil, nil, err
	}
	return b, u, uploadErr
}

// storePart records a part's blob, replacing an earlier upload of the same
// part number.
func (s *Service) storePart(ctx context.Context, bucket, key, uploadID string, n int32, p part) error {
	var garbage []string
	err := s.update(ctx, func(tx store.Tx) error {
		garbage = garbage[:0]
		u, err := getUpload(tx, bucket, key, uploadID)
		if err != nil {
			return err
		}
		if old, ok := u.Parts[n]; ok {
			garbage = append(garbage, old.Blob)
		}
		u.Parts[n] = p
		return store.PutJSON(tx, tableUploads, uploadKey(bucket, key, uploadID), u)
	})
	if err != nil {
		return err
	}
	s.deleteBlobs(ctx, garbage)
	return nil
}

func (s *Service) UploadPart(ctx context.Context, in *s3api.UploadPartInput) (*s3api.UploadPartOutput, error) {
	n, err := checkPartNumber(in.PartNumber)
	if err != nil {
		return nil, err
	}
	if in.ContentLength != nil && *in.ContentLength > maxPartSize {
		return nil, errEntityTooLarge(*in.ContentLength, maxPartSize)
	}
	_, u, err := s.uploadFor(ctx, in.Bucket, in.Key, in.UploadId, in.ExpectedBucketOwner, "PutObject")
	if err != nil {
		return nil, err
	}
	// Parts of an SSE-C upload come with the upload's key.
	if err := (ssecHeaders{in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5}).checkRead(ctx, &u.Object); err != nil {
		return nil, err
	}
	sums, err := newChecksumRequest(in, enumString(in.ChecksumAlgorithm), in.ContentMD5)
	if err != nil {
		return nil, err
	}
	algs := sums.algs
	if u.ChecksumAlgorithm != "" {
		algs = append(algs, blob.Algorithm(u.ChecksumAlgorithm))
	}
	bodyReader := in.Body
	if bodyReader == nil {
		bodyReader = strings.NewReader("")
	}
	info, err := s.blobs.Put(ctx, bodyReader, blob.PutOptions{Algorithms: algs, MaxSize: maxPartSize, Size: api.ToInt64(in.ContentLength), Verify: sums.verify})
	if err != nil {
		return nil, bodyError(err, maxPartSize)
	}
	p := part{Blob: info.ID, Size: info.Size, ETag: `"` + info.MD5Hex() + `"`, MD5: info.MD5, LastModified: s.clock(ctx)}
	if u.ChecksumAlgorithm != "" {
		p.Checksum = info.Checksum(blob.Algorithm(u.ChecksumAlgorithm))
	}
	if err := s.storePart(ctx, in.Bucket, in.Key, u.ID, n, p); err != nil {
		s.deleteBlobs(ctx, []string{info.ID})
		return nil, err
	}
	out := &s3api.UploadPartOutput{ETag: api.String(p.ETag)}
	sse := s3api.ServerSideEncryption(u.Object.SSE)
	out.ServerSideEncryption = &sse
	if u.ChecksumAlgorithm != "" {
		setOptionalString(out, "Checksum"+u.ChecksumAlgorithm, p.Checksum)
	}
	return out, nil
}

// parseCopySourceRange reads x-amz-copy-source-range ("bytes=first-last",
// both required) against a source of size bytes.
func parseCopySourceRange(h string, size int64) (*byteRange, error) {
	bad := errInvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", h)
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return nil, bad
	}
	a, b, ok := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 0 || last < first {
		return nil, bad
	}
	if last >= size {
		return nil, errInvalidArgument("Range specified is not valid for source object of size: "+strconv.FormatInt(size, 10), "x-amz-copy-source-range", h)
	}
	return &byteRange{first, last - first + 1}, nil
}

func (s *Service) UploadPartCopy(ctx context.Context, in *s3api.UploadPartCopyInput) (*s3api.UploadPartCopyOutput, error) {
	n, err := checkPartNumber(in.PartNumber)
	if err != nil {
		return nil, err
	}
	srcBucket, srcKey, srcVersion, err := parseCopySource(api.ToString(in.CopySource))
	if err != nil {
		return nil, err
	}
	s.blobGate.RLock()
	gated := true
	defer func() {
		if gated {
			s.blobGate.RUnlock()
		}
	}()
	src, err := s.readVersion(ctx, srcBucket, srcKey, srcVersion, in.ExpectedSourceBucketOwner, "GetObject", "GetObjectVersion", "COPY")
	if err != nil {
		return nil, err
	}
	sv := src.version
	if err := copySourceConditions(sv, in.CopySourceIfMatch, in.CopySourceIfNoneMatch, in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince); err != nil {
		return nil, err
	}
	_, u, err := s.uploadFor(ctx, in.Bucket, in.Key, in.UploadId, in.ExpectedBucketOwner, "PutObject")
	if err != nil {
		return nil, err
	}
	rng := &byteRange{0, sv.Size}
	if in.CopySourceRange != nil {
		if rng, err = parseCopySourceRange(*in.CopySourceRange, sv.Size); err != nil {
			return nil, err
		}
	}
	if rng.length > maxPartSize {
		return nil, errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	rc, err := s.openVersion(ctx, sv, rng.start, rng.length)
	gated = false
	s.blobGate.RUnlock()
	if err != nil {
		return nil, awserr.Internal(err)
	}
	var algs []blob.Algorithm
	if u.ChecksumAlgorithm != "" {
		algs = []blob.Algorithm{blob.Algorithm(u.ChecksumAlgorithm)}
	}
	info, err := s.blobs.Put(ctx, rc, blob.PutOptions{Algorithms: algs, Size: rng.length})
	rc.Close()
	if err != nil {
		return nil, err
	}
	p := part{Blob: info.ID, Size: info.Size, ETag: `"` + info.MD5Hex() + `"`, MD5: info.MD5, LastModified: s.clock(ctx)}
	if u.ChecksumAlgorithm != "" {
		p.Checksum = info.Checksum(blob.Algorithm(u.ChecksumAlgorithm))
	}
	if err := s.storePart(ctx, in.Bucket, in.Key, u.ID, n, p); err != nil {
		s.deleteBlobs(ctx, []string{info.ID})
		return nil, err
	}
	res := &s3api.CopyPartResult{ETag: api.String(p.ETag), LastModified: api.Time(p.LastModified)}
	if u.ChecksumAlgorithm != "" {
		setOptionalString(res, "Checksum"+u.ChecksumAlgorithm, p.Checksum)
	}
	// Like UploadPart, the answer names the upload's server-side
	// encryption (S3 API Reference, UploadPartCopy response headers).
	out := &s3api.UploadPartCopyOutput{CopyPartResult: res}
	sse := s3api.ServerSideEncryption(u.Object.SSE)
	out.ServerSideEncryption = &sse
	out.SSEKMSKeyId = nonEmpty(u.Object.SSEKMSKeyID)
	if u.Object.BucketKey {
		out.BucketKeyEnabled = api.Bool(true)
	}
	if src.versioned || sv.ID != "null" {
		out.CopySourceVersionId = api.String(sv.ID)
	}
	return out, nil
}

// CompleteMultipartUpload assembles the listed parts into the object. The
// ETag is the MD5 of the parts' binary MD5s, a dash and the part count.
func (s *Service) CompleteMultipartUpload(ctx context.Context, in *s3api.CompleteMultipartUploadInput) (*s3api.CompleteMultipartUploadOutput, error) {
	cond := writeConditions{ifMatch: api.ToString(in.IfMatch), ifNoneMatch: api.ToString(in.IfNoneMatch)}
	if err := cond.validate(); err != nil {
		return nil, err
	}
	b, u, err := s.uploadFor(ctx, in.Bucket, in.Key, in.UploadId, in.ExpectedBucketOwner, "PutObject")
	if err != nil {
		if b != nil && awserr.From(err).Code == "NoSuchUpload" {
			if out := s.completedBefore(ctx, b, in); out != nil {
				return out, nil
			}
		}
		return nil, err
	}
	if in.MultipartUpload == nil || len(in.MultipartUpload.Parts) == 0 {
		return nil, errMalformedXML()
	}
	if cond.any() {
		if err := s.view(ctx, func(tx store.Tx) error {
			o, err := getObject(tx, b.Name, in.Key)
			if err != nil {
				return err
			}
			return cond.check(in.Key, o.current())
		}); err != nil {
			return nil, err
		}
	}
	listed := in.MultipartUpload.Parts
	var ids []string
	var sizes []int64
	var partSums []string
	md5s := md5.New()
	var composite []byte
	prev := int32(0)
	for i, cp := range listed {
		n := api.ToInt32(cp.PartNumber)
		if n <= prev {
			return nil, errInvalidPartOrder(u.ID)
		}
		prev = n
		p, ok := u.Parts[n]
		if !ok || cp.ETag == nil || strings.Trim(*cp.ETag, `"`) != strings.Trim(p.ETag, `"`) {
			return nil, errInvalidPart(u.ID, n, api.ToString(cp.ETag))
		}
		if u.ChecksumAlgorithm != "" {
			if want := optionalString(&cp, "Checksum"+u.ChecksumAlgorithm); want != "" && want != p.Checksum {
				return nil, errInvalidPart(u.ID, n, api.ToString(cp.ETag))
			}
		}
		if i < len(listed)-1 && p.Size < minPartSize {
			return nil, errEntityTooSmall(p.Size, minPartSize, n, p.ETag)
		}
		ids = append(ids, p.Blob)
		sizes = append(sizes, p.Size)
		if u.ChecksumAlgorithm != "" {
			partSums = append(partSums, p.Checksum)
		}
		md5s.Write(p.MD5)
		if u.ChecksumType == "COMPOSITE" {
			raw, _ := base64.StdEncoding.DecodeString(p.Checksum)
			composite = append(composite, raw...)
		}
	}
	var algs []blob.Algorithm
	if u.ChecksumType == "FULL_OBJECT" {
		algs = []blob.Algorithm{blob.Algorithm(u.ChecksumAlgorithm)}
	} else if u.ChecksumAlgorithm == "" {
		algs = []blob.Algorithm{blob.CRC64NVME}
	}
	if in.MpuObjectSize != nil {
		var total int64
		for _, sz := range sizes {
			total += sz
		}
		if *in.MpuObjectSize != total {
			return nil, errInvalidRequest("The provided 'x-amz-mp-object-size' header value " + strconv.FormatInt(*in.MpuObjectSize, 10) + " does not match what was computed: " + strconv.FormatInt(total, 10))
		}
	}
	// A full-object checksum sent with the completion is verified against
	// the assembled object before it becomes visible.
	verify := func(info blob.Info) error {
		if u.ChecksumType != "FULL_OBJECT" {
			return nil
		}
		if want := optionalString(in, "Checksum"+u.ChecksumAlgorithm); want != "" && want != info.Checksum(blob.Algorithm(u.ChecksumAlgorithm)) {
			return errBadDigest(u.ChecksumAlgorithm)
		}
		return nil
	}
	info, err := s.blobs.Concat(ctx, ids, blob.PutOptions{Algorithms: algs, Verify: verify})
	if err != nil {
		if e := (*awserr.Error)(nil); errors.As(err, &e) {
			return nil, e
		}
		return nil, awserr.Internal(err)
	}
	v := u.Object
	v.Blob, v.Size = info.ID, info.Size
	v.ETag = `"` + hex.EncodeToString(md5s.Sum(nil)) + "-" + strconv.Itoa(len(listed)) + `"`
	v.PartsCount, v.PartSizes = int32(len(listed)), sizes
	v.UploadID = u.ID
	v.PartChecksums = partSums
	v.Checksums = checksumMap(info)
	v.ChecksumType = "FULL_OBJECT"
	if u.ChecksumType == "COMPOSITE" {
		h := blob.NewHash(blob.Algorithm(u.ChecksumAlgorithm))
		h.Write(composite)
		v.Checksums = map[string]string{u.ChecksumAlgorithm: base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(listed))}
		v.ChecksumType = "COMPOSITE"
	}
	// Commit the object and end the upload in one transaction; the parts'
	// blobs go once it is committed.
	var garbage []string
	var committed version
	err = s.update(ctx, func(tx store.Tx) error {
		garbage = garbage[:0]
		cur, err := getUpload(tx, b.Name, in.Key, u.ID)
		if err != nil {
			return err
		}
		for _, p := range cur.Parts {
			garbage = append(garbage, p.Blob)
		}
		if err := tx.Delete(tableUploads, uploadKey(b.Name, in.Key, u.ID)); err != nil {
			return err
		}
		committed, garbage, err = s.addVersion(ctx, tx, b.Name, in.Key, v, cond, garbage)
		return err
	})
	if err != nil {
		s.deleteBlobs(ctx, []string{info.ID})
		return nil, err
	}
	s.deleteBlobs(ctx, garbage)
	return completeOutput(b.Name, in.Key, &committed, u.ChecksumAlgorithm != ""), nil
}

func completeOutput(bucket, key string, v *version, checksums bool) *s3api.CompleteMultipartUploadOutput {
	out := &s3api.CompleteMultipartUploadOutput{
		Location: api.String("/" + bucket + "/" + key), Bucket: api.String(bucket), Key: api.String(key), ETag: api.String(v.ETag),
	}
	if v.ID != "null" {
		out.VersionId = api.String(v.ID)
	}
	sse := s3api.ServerSideEncryption(v.SSE)
	out.ServerSideEncryption = &sse
	out.SSEKMSKeyId = nonEmpty(v.SSEKMSKeyID)
	if checksums {
		setChecksums(out, v.Checksums, v.ChecksumType)
	}
	return out
}

// completedBefore answers a CompleteMultipartUpload repeated after it
// succeeded (a client retrying after a lost answer) as the first one was
// answered, while the object that upload made is still the key's current
// version; nil otherwise. S3 lets such retries succeed (S3 API Reference,
// CompleteMultipartUpload: "applications should be prepared to retry any
// failed requests"; OpenStack Swift's s3api mirrors the same behaviour).
func (s *Service) completedBefore(ctx context.Context, b *bucketRecord, in *s3api.CompleteMultipartUploadInput) *s3api.CompleteMultipartUploadOutput {
	id := api.ToString(in.UploadId)
	if id == "" {
		return nil
	}
	var cur *version
	_ = s.view(ctx, func(tx store.Tx) error {
		o, err := getObjectVersions(tx, b.Name, in.Key, 1)
		if err == nil {
			if v := o.current(); v != nil && !v.DeleteMarker && v.UploadID == id {
				c := *v
				cur = &c
			}
		}
		return nil
	})
	if cur == nil {
		return nil
	}
	// An upload made with a checksum algorithm was answered with its
	// checksum; one without has only the CRC64NVME S3 adds by default.
	_, onlyDefault := cur.Checksums["CRC64NVME"]
	onlyDefault = onlyDefault && len(cur.Checksums) == 1
	return completeOutput(b.Name, in.Key, cur, len(cur.Checksums) > 0 && !onlyDefault)
}

func (s *Service) AbortMultipartUpload(ctx context.Context, in *s3api.AbortMultipartUploadInput) (*s3api.AbortMultipartUploadOutput, error) {
	if _, _, err := s.uploadFor(ctx, in.Bucket, in.Key, in.UploadId, in.ExpectedBucketOwner, "AbortMultipartUpload"); err != nil {
		return nil, err
	}
	var garbage []string
	err := s.update(ctx, func(tx store.Tx) error {
		garbage = garbage[:0]
		u, err := getUpload(tx, in.Bucket, in.Key, api.ToString(in.UploadId))
		if err != nil {
			return err
		}
		for _, p := range u.Parts {
			garbage = append(garbage, p.Blob)
		}
		return tx.Delete(tableUploads, uploadKey(in.Bucket, in.Key, u.ID))
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(ctx, garbage)
	return &s3api.AbortMultipartUploadOutput{}, nil
}

func (s *Service) ListParts(ctx context.Context, in *s3api.ListPartsInput) (*s3api.ListPartsOutput, error) {
	_, u, err := s.uploadFor(ctx, in.Bucket, in.Key, in.UploadId, in.ExpectedBucketOwner, "ListMultipartUploadParts")
	if err != nil {
		return nil, err
	}
	max := int32(1000)
	if in.MaxParts != nil && *in.MaxParts >= 0 && *in.MaxParts < max {
		max = *in.MaxParts
	}
	marker := api.ToInt32(in.PartNumberMarker)
	numbers := make([]int32, 0, len(u.Parts))
	for n := range u.Parts {
		if n > marker {
			numbers = append(numbers, n)
		}
	}
	sort.Slice(numbers, func(i, j int) bool { return numbers[i] < numbers[j] })
	out := &s3api.ListPartsOutput{
		Bucket: api.String(u.Bucket), Key: api.String(u.Key), UploadId: api.String(u.ID),
		PartNumberMarker: api.Int32(marker), MaxParts: api.Int32(max), IsTruncated: api.Bool(len(numbers) > int(max)),
		Initiator: &s3api.Initiator{ID: api.String(u.Initiator)}, Owner: owner(u.Owner),
	}
	sc := s3api.StorageClass(u.Object.StorageClass)
	out.StorageClass = &sc
	if u.ChecksumAlgorithm != "" {
		ca := s3api.ChecksumAlgorithm(u.ChecksumAlgorithm)
		out.ChecksumAlgorithm = &ca
	}
	if len(numbers) > int(max) {
		numbers = numbers[:max]
	}
	for _, n := range numbers {
		p := u.Parts[n]
		lp := s3api.Part{PartNumber: api.Int32(n), LastModified: api.Time(p.LastModified), ETag: api.String(p.ETag), Size: api.Int64(p.Size)}
		if u.ChecksumAlgorithm != "" {
			setOptionalString(&lp, "Checksum"+u.ChecksumAlgorithm, p.Checksum)
		}
		out.Parts = append(out.Parts, lp)
	}
	if len(numbers) > 0 {
		out.NextPartNumberMarker = api.Int32(numbers[len(numbers)-1])
	}
	return out, nil
}

func (s *Service) ListMultipartUploads(ctx context.Context, in *s3api.ListMultipartUploadsInput) (*s3api.ListMultipartUploadsOutput, error) {
	p, err := newListParams(in.Bucket, in.Prefix, in.Delimiter, in.MaxUploads, in.EncodingType)
	if err != nil {
		return nil, err
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, b, p.check("ListBucketMultipartUploads", nil)); err != nil {
		return nil, err
	}
	keyMarker, idMarker := api.ToString(in.KeyMarker), api.ToString(in.UploadIdMarker)
	out := &s3api.ListMultipartUploadsOutput{
		Bucket: api.String(b.Name), Prefix: p.enc(p.prefix), Delimiter: p.encOpt(p.delimiter), MaxUploads: api.Int32(int32(p.maxKeys)),
		KeyMarker: p.enc(keyMarker), UploadIdMarker: api.String(idMarker), EncodingType: in.EncodingType,
	}
	base := b.Name + "/"
	after := ""
	if keyMarker != "" {
		// Without an upload ID marker, every upload of the marker key is
		// skipped; with one, those after it are listed.
		after = base + keyMarker + "\x00" + idMarker
		if idMarker == "" {
			after = base + keyMarker + "\x01"
		}
	}
	count, truncated, lastPrefix := 0, false, ""
	var lastKey, lastID string
	err = s.view(ctx, func(tx store.Tx) error {
		return store.ScanJSON(tx, tableUploads, base+p.prefix, after, func(_ string, u upload) (bool, error) {
			if cp := p.commonPrefix(u.Key); cp != "" {
				if cp == lastPrefix || cp <= keyMarker {
					return true, nil
				}
				if count == p.maxKeys {
					truncated = true
					return false, nil
				}
				lastPrefix = cp
				out.CommonPrefixes = append(out.CommonPrefixes, s3api.CommonPrefix{Prefix: p.enc(cp)})
				count++
				lastKey, lastID = cp, ""
				return true, nil
			}
			if count == p.maxKeys {
				truncated = true
				return false, nil
			}
			mu := s3api.MultipartUpload{
				UploadId: api.String(u.ID), Key: p.enc(u.Key), Initiated: api.Time(u.Initiated),
				Owner: owner(u.Owner), Initiator: &s3api.Initiator{ID: api.String(u.Initiator)},
			}
			sc := s3api.StorageClass(u.Object.StorageClass)
			mu.StorageClass = &sc
			if u.ChecksumAlgorithm != "" {
				ca := s3api.ChecksumAlgorithm(u.ChecksumAlgorithm)
				mu.ChecksumAlgorithm = &ca
			}
			out.Uploads = append(out.Uploads, mu)
			count++
			lastKey, lastID = u.Key, u.ID
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	out.IsTruncated = api.Bool(truncated)
	if truncated {
		out.NextKeyMarker = p.enc(lastKey)
		out.NextUploadIdMarker = api.String(lastID)
	}
	return out, nil
}
