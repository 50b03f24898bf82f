package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/store"
)

// maxPutSize is the largest object a single PUT may upload (5 GiB).
const maxPutSize = 5 << 30

// maxMetadataSize bounds user metadata: keys and values of x-amz-meta-*
// together, in UTF-8 bytes (S3 User Guide, "Working with object metadata").
const maxMetadataSize = 2 << 10

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// checksumFields maps S3's checksum algorithms to the members that carry
// them in inputs and outputs.
var checksumFields = []struct {
	alg   blob.Algorithm
	field string
}{
	{blob.CRC32, "ChecksumCRC32"},
	{blob.CRC32C, "ChecksumCRC32C"},
	{blob.CRC64NVME, "ChecksumCRC64NVME"},
	{blob.SHA1, "ChecksumSHA1"},
	{blob.SHA256, "ChecksumSHA256"},
}

// objectAttrs are the attributes a write gives a new object version.
type objectAttrs struct {
	contentType, contentEncoding, contentDisposition, contentLanguage, cacheControl string
	expires                                                                         *time.Time
	websiteRedirect                                                                 string
	metadata                                                                        map[string]string
	storageClass                                                                    string
	tags                                                                            []tag
	sse, sseKMSKeyID                                                                string
	bucketKey                                                                       bool
	lockMode                                                                        string
	lockUntil                                                                       *time.Time
	legalHold                                                                       string
	grants                                                                          []s3api.Grant
}

func (a objectAttrs) apply(v *version) {
	v.ContentType = a.contentType
	v.ContentEncoding = a.contentEncoding
	v.ContentDisposition = a.contentDisposition
	v.ContentLanguage = a.contentLanguage
	v.CacheControl = a.cacheControl
	v.Expires = a.expires
	v.WebsiteRedirect = a.websiteRedirect
	v.Metadata = a.metadata
	v.StorageClass = a.storageClass
	v.Tags = a.tags
	v.SSE = a.sse
	v.SSEKMSKeyID = a.sseKMSKeyID
	v.BucketKey = a.bucketKey
	v.LockMode = a.lockMode
	v.LockUntil = a.lockUntil
	v.LegalHold = a.legalHold
	v.Grants = a.grants
}

// writeRequest is what PutObject, CopyObject and CreateMultipartUpload
// share: the headers that set attributes and the checks they imply.
type writeRequest struct {
	now                                              time.Time // the request's time, for default retention
	writer                                           string    // the caller's account, which owns ACL grants
	acl                                              string
	grants                                           bool
	contentType, contentEncoding, contentDisposition string
	contentLanguage, cacheControl, websiteRedirect   string
	expires                                          *time.Time
	metadata                                         map[string]string
	storageClass, sse, sseKMSKeyID, tagging          string
	bucketKey                                        *bool
	lockMode, legalHold                              string
	lockUntil                                        *time.Time
}

// storedEncoding is the Content-Encoding S3 keeps for an object: without
// aws-chunked, which says how the request's body was framed, not what the
// object is (Amazon S3 API Reference, "Signature Calculations for the
// Authorization Header: Transferring Payload in Multiple Chunks": S3 stores
// the remaining encodings, "gzip" for "aws-chunked,gzip"). SDKs send it over
// HTTPS for every upload (unsigned payload with a checksum trailer).
func storedEncoding(s string) string {
	if s == "" || !strings.Contains(strings.ToLower(s), "aws-chunked") {
		return s
	}
	var keep []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, ",")
}

// attrs validates a write's headers against bucket b and returns the new
// version's attributes and the authorization checks the write needs
// (s3:PutObject plus s3:PutObjectTagging, s3:PutObjectAcl,
// s3:PutObjectRetention, s3:PutObjectLegalHold as the headers demand; S3
// API Reference, PutObject, "Permissions").
func (w writeRequest) attrs(b *bucketRecord, key string) (objectAttrs, []check, error) {
	a := objectAttrs{
		contentType: w.contentType, contentEncoding: storedEncoding(w.contentEncoding), contentDisposition: w.contentDisposition,
		contentLanguage: w.contentLanguage, cacheControl: w.cacheControl, expires: w.expires,
		websiteRedirect: w.websiteRedirect, storageClass: w.storageClass,
	}
	if a.contentType == "" {
		a.contentType = "binary/octet-stream"
	}
	if a.storageClass == "" {
		a.storageClass = "STANDARD"
	}
	if !storageClasses[a.storageClass] {
		return a, nil, errInvalidStorageClass(a.storageClass)
	}
	if len(w.metadata) > 0 {
		a.metadata = make(map[string]string, len(w.metadata))
		size := 0
		for k, v := range w.metadata {
			k = strings.ToLower(k)
			a.metadata[k] = v
			size += len(k) + len(v)
		}
		if size > maxMetadataSize {
			return a, nil, errMetadataTooLarge(size)
		}
	}
	put := objectCheck("PutObject", b.Name, key)
	checks := []check{}
	if w.tagging != "" {
		tags, err := parseTaggingHeader(w.tagging)
		if err != nil {
			return a, nil, err
		}
		a.tags = tags
		keys := make([]string, len(tags))
		for i, t := range tags {
			put = put.with("s3:RequestObjectTag/"+t.Key, t.Value)
			keys[i] = t.Key
		}
		for _, k := range keys {
			put = put.with("s3:RequestObjectTagKeys", k)
		}
	}
	// Encryption: the request's, or the bucket's default.
	switch w.sse {
	case "":
		set := b.settings()
		a.sse, a.sseKMSKeyID, a.bucketKey = set.defaultSSE, set.defaultKMSKeyID, set.defaultBucketKey
	case "AES256":
		a.sse = w.sse
		put = put.with("s3:x-amz-server-side-encryption", w.sse)
	case "aws:kms", "aws:kms:dsse":
		a.sse = w.sse
		a.sseKMSKeyID = w.sseKMSKeyID
		a.bucketKey = api.ToBool(w.bucketKey)
		put = put.with("s3:x-amz-server-side-encryption", w.sse).with("s3:x-amz-server-side-encryption-aws-kms-key-id", w.sseKMSKeyID)
	default:
		return a, nil, errInvalidArgument("The encryption method specified is not supported", "x-amz-server-side-encryption", w.sse)
	}
	if w.sse != "aws:kms" && w.sse != "aws:kms:dsse" && w.sseKMSKeyID != "" {
		return a, nil, errInvalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", "x-amz-server-side-encryption-aws-kms-key-id", w.sseKMSKeyID)
	}
	if w.storageClass != "" {
		put = put.with("s3:x-amz-storage-class", w.storageClass)
	}
	// ACLs: with BucketOwnerEnforced only bucket-owner-full-control (or
	// nothing) is accepted (S3 User Guide, "Controlling ownership of
	// objects": other ACLs fail with AccessControlListNotSupported).
	if w.acl != "" || w.grants {
		if objectOwnership(b) == s3api.ObjectOwnershipBucketOwnerEnforced && (w.grants || w.acl != "bucket-owner-full-control") {
			return a, nil, errAccessControlListNotSupported()
		}
		if !validCannedACL(w.acl) {
			return a, nil, errInvalidArgument("", "x-amz-acl", w.acl)
		}
		if isPublicCannedACL(w.acl) && on(publicAccessBlock(b).BlockPublicAcls) {
			return a, nil, errAccessDeniedPlain()
		}
		put = put.with("s3:x-amz-acl", w.acl)
		if w.acl != "" {
			a.grants = cannedGrants(w.acl, w.writer, b.Owner)
		}
	}
	checks = append(checks, put)
	if w.tagging != "" {
		checks = append(checks, objectCheck("PutObjectTagging", b.Name, key))
	}
	if w.acl != "" || w.grants {
		checks = append(checks, objectCheck("PutObjectAcl", b.Name, key).with("s3:x-amz-acl", w.acl))
	}
	// Object Lock headers (S3 User Guide, "Using S3 Object Lock").
	if w.lockMode != "" || w.lockUntil != nil {
		if !b.ObjectLock {
			return a, nil, errInvalidRequest("Bucket is missing Object Lock Configuration")
		}
		if w.lockMode == "" || w.lockUntil == nil {
			return a, nil, errInvalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied", "x-amz-object-lock-mode", w.lockMode)
		}
		if w.lockMode != "GOVERNANCE" && w.lockMode != "COMPLIANCE" {
			return a, nil, errInvalidArgument("Unknown wormMode directive.", "x-amz-object-lock-mode", w.lockMode)
		}
		a.lockMode, a.lockUntil = w.lockMode, w.lockUntil
		checks = append(checks, objectCheck("PutObjectRetention", b.Name, key).with("s3:object-lock-mode", w.lockMode))
	}
	if w.legalHold != "" {
		if !b.ObjectLock {
			return a, nil, errInvalidRequest("Bucket is missing Object Lock Configuration")
		}
		if w.legalHold != "ON" && w.legalHold != "OFF" {
			return a, nil, errInvalidArgument("Legal Hold must be either of 'ON' or 'OFF'", "x-amz-object-lock-legal-hold", w.legalHold)
		}
		a.legalHold = w.legalHold
		checks = append(checks, objectCheck("PutObjectLegalHold", b.Name, key).with("s3:object-lock-legal-hold", w.legalHold))
	}
	a.applyDefaultRetention(b, w)
	if w.lockUntil != nil && !w.lockUntil.After(w.now) {
		return a, nil, errInvalidArgument("The retain until date must be in the future!", "x-amz-object-lock-retain-until-date", w.lockUntil.Format(time.RFC3339))
	}
	return a, checks, nil
}

// applyDefaultRetention gives a new version the bucket's default Object
// Lock retention when the request set none.
func (a *objectAttrs) applyDefaultRetention(b *bucketRecord, w writeRequest) {
	if !b.ObjectLock || w.lockMode != "" {
		return
	}
	var c s3api.ObjectLockConfiguration
	if ok, err := b.config(cfgObjectLock, &c); !ok || err != nil || c.Rule == nil || c.Rule.DefaultRetention == nil {
		return
	}
	d := c.Rule.DefaultRetention
	if d.Mode == nil {
		return
	}
	until := w.now
	if d.Days != nil {
		until = until.AddDate(0, 0, int(*d.Days))
	} else if d.Years != nil {
		until = until.AddDate(int(*d.Years), 0, 0)
	}
	a.lockMode = string(*d.Mode)
	a.lockUntil = &until
}

func validCannedACL(acl string) bool {
	switch acl {
	case "", "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write":
		return true
	}
	return false
}

func isPublicCannedACL(acl string) bool {
	return acl == "public-read" || acl == "public-read-write" || acl == "authenticated-read"
}

// parseTaggingHeader reads x-amz-tagging, a URL query string of tags.
func parseTaggingHeader(h string) ([]tag, error) {
	var tags []tag
	for _, pair := range strings.Split(h, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", h)
		}
		tags = append(tags, tag{key, value})
	}
	if err := validateTags(tags, false); err != nil {
		return nil, err
	}
	return tags, nil
}

// checksumRequest collects the checksums a write asks for: values to
// verify (from x-amz-checksum-*) and the algorithm named by
// x-amz-sdk-checksum-algorithm, and Content-MD5.
type checksumRequest struct {
	expected map[blob.Algorithm]string
	algs     []blob.Algorithm
	md5      []byte
}

// defaultChecksum is the algorithm list of a request that names none;
// shared: its capacity is its length, so an append copies it.
var defaultChecksum = []blob.Algorithm{blob.CRC64NVME}

func newChecksumRequest(in any, algorithm string, contentMD5 *string) (checksumRequest, error) {
	var c checksumRequest
	for _, f := range checksumFields {
		if v := optionalString(in, f.field); v != "" {
			if c.expected == nil {
				c.expected = map[blob.Algorithm]string{}
			}
			c.expected[f.alg] = v
			c.algs = append(c.algs, f.alg)
		}
	}
	if algorithm != "" {
		a, ok := blob.ParseAlgorithm(algorithm)
		if !ok {
			return c, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		c.algs = append(c.algs, a)
	}
	if len(c.expected) > 1 {
		return c, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	// S3 computes a CRC64NVME of every new object that comes without a
	// checksum (S3 User Guide, "Checking object integrity", default data
	// integrity protections).
	if len(c.algs) == 0 {
		c.algs = defaultChecksum
	}
	if contentMD5 != nil {
		d, err := base64.StdEncoding.DecodeString(*contentMD5)
		if err != nil || len(d) != md5.Size {
			return c, errInvalidDigest()
		}
		c.md5 = d
	}
	return c, nil
}

// verify compares the computed digests with the expected ones.
func (c checksumRequest) verify(info blob.Info) error {
	if c.md5 != nil && !bytes.Equal(c.md5, info.MD5) {
		return errBadDigest("")
	}
	for alg, want := range c.expected {
		if info.Checksum(alg) != want {
			return errBadDigest(string(alg))
		}
	}
	return nil
}

func checksumMap(info blob.Info) map[string]string {
	if len(info.Checksums) == 0 {
		return nil
	}
	m := make(map[string]string, len(info.Checksums))
	for alg := range info.Checksums {
		m[string(alg)] = info.Checksum(alg)
	}
	return m
}

// setChecksums copies stored checksums into an output's Checksum* members,
// and their type (FULL_OBJECT or COMPOSITE) into ChecksumType where the
// output has one.
func setChecksums(out any, sums map[string]string, typ string) {
	set := false
	for _, f := range checksumFields {
		if v, ok := sums[string(f.alg)]; ok {
			setOptionalString(out, f.field, v)
			set = true
		}
	}
	if set && typ != "" {
		setOptionalString(out, "ChecksumType", typ)
	}
}

// PutObject stores an object: the body streams into a blob (verified as it
// goes), then the version is committed in one transaction, so a reader sees
// the old object or the new one and never a torn one.
func (s *Service) PutObject(ctx context.Context, in *s3api.PutObjectInput) (*s3api.PutObjectOutput, error) {
	if len(in.Key) > maxKeyLength {
		return nil, errKeyTooLong(len(in.Key))
	}
	if in.ContentLength != nil && *in.ContentLength > maxPutSize {
		return nil, errEntityTooLarge(*in.ContentLength, maxPutSize)
	}
	cond := writeConditions{ifMatch: api.ToString(in.IfMatch), ifNoneMatch: api.ToString(in.IfNoneMatch)}
	if err := cond.validate(); err != nil {
		return nil, err
	}
	sums, err := newChecksumRequest(in, enumString(in.ChecksumAlgorithm), in.ContentMD5)
	if err != nil {
		return nil, err
	}
	_, ssecMD5, err := ssecHeaders{in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5}.check(ctx)
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
	w := writeRequest{
		acl:         enumString(in.ACL),
		grants:      hasGrantHeaders(in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP),
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
	if cond.ifMatch != "" {
		checks[0] = checks[0].with("s3:if-match", cond.ifMatch)
	}
	if cond.ifNoneMatch != "" {
		checks[0] = checks[0].with("s3:if-none-match", cond.ifNoneMatch)
	}
	if err := s.authorize(ctx, b, checks...); err != nil {
		return nil, err
	}
	// Fail a conditional write before reading its body when it cannot hold.
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
	body := in.Body
	if body == nil {
		body = strings.NewReader("")
	}
	info, data, err := s.storeContent(ctx, b, body, in.ContentLength, blob.PutOptions{Algorithms: sums.algs, MaxSize: maxPutSize, Size: api.ToInt64(in.ContentLength), Verify: sums.verify})
	if err != nil {
		return nil, bodyError(err, maxPutSize)
	}
	v := version{
		Blob: info.ID, Data: data, Size: info.Size, ETag: quotedHex(info.MD5),
		Checksums: checksumMap(info), ChecksumType: "FULL_OBJECT",
	}
	attrs.apply(&v)
	v.SSECKeyMD5 = ssecMD5
	committed, err := s.commitVersion(ctx, b.Name, in.Key, v, cond)
	if err != nil {
		s.deleteBlobs(ctx, []string{info.ID})
		return nil, err
	}
	out := &s3api.PutObjectOutput{ETag: api.String(committed.ETag)}
	if committed.ID != "null" {
		out.VersionId = api.String(committed.ID)
	}
	sse := s3api.ServerSideEncryption(committed.SSE)
	out.ServerSideEncryption = &sse
	if committed.SSEKMSKeyID != "" {
		out.SSEKMSKeyId = api.String(committed.SSEKMSKeyID)
	}
	if committed.BucketKey {
		out.BucketKeyEnabled = api.Bool(true)
	}
	if ssecMD5 != "" {
		out.SSECustomerAlgorithm, out.SSECustomerKeyMD5 = api.String("AES256"), api.String(ssecMD5)
	}
	setChecksums(out, committed.Checksums, committed.ChecksumType)
	return out, nil
}

// maxInline is the size up to which an object's content is kept in its
// version record instead of a blob: such an object needs no file, so a
// durable PutObject costs one store commit instead of a commit plus a file
// write, fsync, rename and directory fsync (bench/PROFILES.md, finding 9),
// and in memory no blob entry (finding 7). Only in buckets where a key
// keeps a single version of its own making (versioning never enabled, or
// suspended), so that records of many versions stay small.
const maxInline = 4 << 10

// storeContent stores a new version's content from r, declared to be size
// bytes (nil: unknown): in a blob, or read into memory for the version
// record (data, with an Info without ID) when it is small enough.
func (s *Service) storeContent(ctx context.Context, b *bucketRecord, r io.Reader, size *int64, opts blob.PutOptions) (info blob.Info, data []byte, err error) {
	if size == nil || *size > maxInline || b.Versioning == "Enabled" {
		info, err = s.blobs.Put(ctx, r, opts)
		return info, nil, err
	}
	data, info, err = blob.Read(ctx, r, opts)
	if err != nil {
		return blob.Info{}, nil, err
	}
	if len(data) > maxInline {
		// Longer than declared: a blob after all.
		info, err = s.blobs.Put(ctx, bytes.NewReader(data), opts)
		return info, nil, err
	}
	return info, data, nil
}

// openVersion opens length bytes of v's content from start (length < 0:
// to the end), from its blob or from the record.
func (s *Service) openVersion(ctx context.Context, v *version, start, length int64) (io.ReadCloser, error) {
	if v.Blob != "" {
		return s.blobs.Open(ctx, v.Blob, start, length)
	}
	return blob.OpenBytes(v.Data, start, length)
}

// bodyError turns a failure to store a request body into S3's answer: a
// body over the limit is EntityTooLarge, one shorter than its
// Content-Length IncompleteBody; the SigV4 layer's and Verify's errors are
// already S3 errors.
func bodyError(err error, max int64) error {
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return errEntityTooLarge(max+1, max)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return awserr.New(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
	}
	return err
}

// quotedHex is an ETag: the hex of a digest in double quotes.
func quotedHex(sum []byte) string {
	var buf [2 + 2*64]byte
	b := append(buf[:0], '"')
	b = hex.AppendEncode(b, sum)
	return string(append(b, '"'))
}

func enumString[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// commitVersion adds v as the newest version of key and deletes the blobs
// of versions it replaced once committed. Concurrent writes share a commit
// (store.Batch): the function re-reads everything inside the transaction
// and sets its results afresh, so running it again is harmless.
func (s *Service) commitVersion(ctx context.Context, bucket, key string, v version, cond writeConditions) (version, error) {
	var garbage []string
	var committed version
	err := store.Batch(ctx, s.store, func(tx store.Tx) error {
		var err error
		committed, garbage, err = s.addVersion(ctx, tx, bucket, key, v, cond, nil)
		return err
	})
	if err != nil {
		return version{}, err
	}
	s.deleteBlobs(ctx, garbage)
	return committed, nil
}

// addVersion adds v as the newest version of key under the bucket's
// versioning state, re-checking write conditions inside the transaction.
// It returns the version as stored and garbage extended with the blobs of
// versions it replaced.
func (s *Service) addVersion(ctx context.Context, tx store.Tx, bucket, key string, v version, cond writeConditions, garbage []string) (version, []string, error) {
	b, err := s.buckets.get(tx, bucket) // read only
	if err != nil {
		return version{}, garbage, err
	}
	o, err := getObject(tx, bucket, key)
	if err != nil {
		return version{}, garbage, err
	}
	if o == nil {
		o = &objectRecord{}
	}
	if cond.any() {
		if err := cond.recheck(key, o.current()); err != nil {
			return version{}, garbage, err
		}
	}
	v.LastModified = s.clock(ctx)
	// The writer owns its object unless the bucket owner takes ownership
	// (S3 User Guide, "Controlling ownership of objects").
	v.Owner = b.Owner
	if objectOwnership(b) == s3api.ObjectOwnershipObjectWriter && caller(ctx).Account != "" {
		v.Owner = caller(ctx).Account
	}
	if b.Versioning == "Enabled" {
		v.ID = newVersionID()
	} else {
		v.ID = "null"
		if old, ok := o.remove("null"); ok {
			garbage = append(garbage, old.Blob)
		}
	}
	versions := make([]version, 0, len(o.Versions)+1)
	o.Versions = append(append(versions, v), o.Versions...)
	return v, garbage, putObject(tx, bucket, key, o)
}

// validVersionID reports whether id could be a version ID doppel made.
func validVersionID(id string) bool {
	if id == "null" {
		return true
	}
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// objectRead is what resolving a read of one object version yields.
type objectRead struct {
	bucket  *bucketRecord
	version *version
	// versioned tells whether the bucket ever had versioning, which decides
	// whether x-amz-version-id is sent.
	versioned bool
	// record backs version.
	record objectRecord
}

// readVersion resolves the version a read addresses and authorizes it:
// action on the current version, versionAction when a version ID is given.
// A missing key is NoSuchKey for callers allowed s3:ListBucket and
// AccessDenied for others (S3 API Reference, GetObject, "Permissions").
// method is the HTTP method for MethodNotAllowed on a delete marker, or
// "COPY" for the source of a copy, which may be in any region.
func (s *Service) readVersion(ctx context.Context, bucket, key string, versionID, expectedOwner *string, action, versionAction, method string) (*objectRead, error) {
	if versionID != nil && !validVersionID(*versionID) {
		return nil, errInvalidVersionID()
	}
	// One allocation holds the result and the decoded record it points
	// into; the closure captures only r.
	r := &objectRead{}
	err := s.view(ctx, func(tx store.Tx) error {
		var err error
		if r.bucket, err = s.buckets.get(tx, bucket); err != nil {
			return err
		}
		raw, err := tx.Get(tableObjects, objectKey(bucket, key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		// Without a version ID only the newest version is needed: a
		// versioned key may have many more.
		limit := 1
		if versionID != nil {
			limit = 0
		}
		r.record, err = decodeObject(raw, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	o := &r.record
	b := r.bucket
	r.versioned = b.Versioning != ""
	// A copy source may live in any region.
	if method == "COPY" {
		err = checkExpectedOwner(b, expectedOwner)
	} else {
		err = s.admit(ctx, b, expectedOwner)
	}
	if err != nil {
		return nil, err
	}
	var v *version
	c := objectCheck(action, bucket, key)
	if versionID != nil {
		v = o.find(*versionID)
		c = objectCheck(versionAction, bucket, key).with("s3:versionid", *versionID)
	} else {
		v = o.current()
	}
	if v != nil && !v.DeleteMarker {
		c = c.withTags(v.Tags)
		c.grants = v.Grants
	}
	if err := s.authorize(ctx, b, c); err != nil {
		return nil, err
	}
	switch {
	case versionID != nil && v == nil:
		return nil, errNoSuchVersion(key, *versionID)
	case versionID != nil && v.DeleteMarker && method == "COPY":
		return nil, errInvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.")
	case versionID != nil && v.DeleteMarker:
		return nil, onDeleteMarker(errMethodNotAllowed(method, "DeleteMarker"), v, true)
	case v == nil || v.DeleteMarker:
		if err := s.authorize(ctx, b, bucketCheck("ListBucket", bucket)); err != nil {
			return nil, err
		}
		if v != nil && method != "COPY" {
			return nil, onDeleteMarker(errNoSuchKey(key), v, false)
		}
		return nil, errNoSuchKey(key)
	}
	r.version = v
	return r, nil
}

// GetObject streams an object, or the part of it a Range or partNumber
// names.
//
// The version is read, then its blob opened, under the blob gate's read
// lock: an overwrite or delete that commits in between cannot remove the
// blob before it is open (an open blob stays readable after its deletion).
func (s *Service) GetObject(ctx context.Context, in *s3api.GetObjectInput) (*s3api.GetObjectOutput, error) {
	s.blobGate.RLock()
	defer s.blobGate.RUnlock()
	return s.getObject(ctx, in)
}

func (s *Service) getObject(ctx context.Context, in *s3api.GetObjectInput) (*s3api.GetObjectOutput, error) {
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObject", "GetObjectVersion", "GET")
	if err != nil {
		return nil, err
	}
	v := r.version
	if err := (ssecHeaders{in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5}).checkRead(ctx, v); err != nil {
		return nil, err
	}
	if err := (readConditions{in.IfMatch, in.IfNoneMatch, in.IfModifiedSince, in.IfUnmodifiedSince}).check(v); err != nil {
		return nil, err
	}
	rng, err := selectRange(v, api.ToString(in.Range), in.PartNumber)
	if err != nil {
		return nil, err
	}
	start, length := int64(0), v.Size
	if rng != nil {
		start, length = rng.start, rng.length
	}
	body, err := s.openVersion(ctx, v, start, length)
	if err != nil {
		return nil, awserr.Internal(err)
	}
	var h s3api.HeadObjectOutput
	fillHead(&h, r, in.PartNumber)
	if length != v.Size {
		h.ContentLength = api.Int64(length)
	}
	out := &s3api.GetObjectOutput{
		Body: body, DeleteMarker: h.DeleteMarker, AcceptRanges: h.AcceptRanges, LastModified: h.LastModified,
		ContentLength: h.ContentLength, ETag: h.ETag, VersionId: h.VersionId, CacheControl: h.CacheControl,
		ContentDisposition: h.ContentDisposition, ContentEncoding: h.ContentEncoding, ContentLanguage: h.ContentLanguage,
		ContentType: h.ContentType, Expires: h.Expires, WebsiteRedirectLocation: h.WebsiteRedirectLocation,
		ServerSideEncryption: h.ServerSideEncryption, Metadata: h.Metadata, SSEKMSKeyId: h.SSEKMSKeyId,
		BucketKeyEnabled: h.BucketKeyEnabled, StorageClass: h.StorageClass, PartsCount: h.PartsCount,
		ObjectLockMode: h.ObjectLockMode, ObjectLockRetainUntilDate: h.ObjectLockRetainUntilDate,
		ObjectLockLegalHoldStatus: h.ObjectLockLegalHoldStatus,
		SSECustomerAlgorithm:      h.SSECustomerAlgorithm, SSECustomerKeyMD5: h.SSECustomerKeyMD5,
	}
	if len(v.Tags) > 0 {
		out.TagCount = api.Int32(int32(len(v.Tags)))
	}
	if rng != nil {
		out.ContentRange = api.String(rng.contentRange(v.Size))
	} else if enumString(in.ChecksumMode) == "ENABLED" {
		// Whole-object checksums only describe the whole object.
		setChecksums(out, v.Checksums, v.ChecksumType)
	}
	applyResponseOverrides(out, in)
	return out, nil
}

// selectRange resolves Range or partNumber (not both: S3 refuses that).
func selectRange(v *version, rangeHeader string, partNumber *int32) (*byteRange, error) {
	if partNumber == nil {
		if rangeHeader == "" {
			return nil, nil
		}
		return parseRange(rangeHeader, v.Size)
	}
	if rangeHeader != "" {
		return nil, errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
	}
	n := *partNumber
	if n < 1 || n > 10000 {
		return nil, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", itoa(int64(n)))
	}
	if len(v.PartSizes) == 0 {
		if n != 1 {
			return nil, errInvalidPartNumber()
		}
		if v.Size == 0 {
			return nil, nil
		}
		return &byteRange{0, v.Size}, nil
	}
	if int(n) > len(v.PartSizes) {
		return nil, errInvalidPartNumber()
	}
	var start int64
	for _, sz := range v.PartSizes[:n-1] {
		start += sz
	}
	return &byteRange{start, v.PartSizes[n-1]}, nil
}

func errInvalidPartNumber() error {
	return awserr.New(416, "InvalidPartNumber", "The requested partnumber is not satisfiable")
}

func applyResponseOverrides(out *s3api.GetObjectOutput, in *s3api.GetObjectInput) {
	if in.ResponseCacheControl != nil {
		out.CacheControl = in.ResponseCacheControl
	}
	if in.ResponseContentDisposition != nil {
		out.ContentDisposition = in.ResponseContentDisposition
	}
	if in.ResponseContentEncoding != nil {
		out.ContentEncoding = in.ResponseContentEncoding
	}
	if in.ResponseContentLanguage != nil {
		out.ContentLanguage = in.ResponseContentLanguage
	}
	if in.ResponseContentType != nil {
		out.ContentType = in.ResponseContentType
	}
	if in.ResponseExpires != nil {
		out.Expires = in.ResponseExpires
	}
}

// headValues holds what a HeadObjectOutput's pointers point to, so that
// filling one costs one allocation instead of one per header.
type headValues struct {
	acceptRanges, etag, versionID                                            string
	contentType, contentEncoding, contentDisposition, contentLanguage, cache string
	redirect, kmsKey, ssecAlgorithm, ssecKeyMD5                              string
	lastModified                                                             time.Time
	size                                                                     int64
	bucketKey                                                                bool
	partsCount                                                               int32
	sse                                                                      s3api.ServerSideEncryption
	storageClass                                                             s3api.StorageClass
	lockMode                                                                 s3api.ObjectLockMode
	legalHold                                                                s3api.ObjectLockLegalHoldStatus
}

// setPtr stores s in slot and returns slot, or nil when s is empty.
func setPtr[T ~string](slot *T, s string) *T {
	if s == "" {
		return nil
	}
	*slot = T(s)
	return slot
}

// fillHead fills the headers GetObject and HeadObject share.
func fillHead(h *s3api.HeadObjectOutput, r *objectRead, partNumber *int32) {
	v := r.version
	hv := &headValues{acceptRanges: "bytes", lastModified: v.LastModified, size: v.Size, etag: v.ETag}
	h.AcceptRanges = &hv.acceptRanges
	h.LastModified = &hv.lastModified
	h.ContentLength = &hv.size
	h.ETag = &hv.etag
	if r.versioned || v.ID != "null" {
		hv.versionID = v.ID
		h.VersionId = &hv.versionID
	}
	h.ContentType = setPtr(&hv.contentType, v.ContentType)
	h.ContentEncoding = setPtr(&hv.contentEncoding, v.ContentEncoding)
	h.ContentDisposition = setPtr(&hv.contentDisposition, v.ContentDisposition)
	h.ContentLanguage = setPtr(&hv.contentLanguage, v.ContentLanguage)
	h.CacheControl = setPtr(&hv.cache, v.CacheControl)
	h.Expires = v.Expires
	h.WebsiteRedirectLocation = setPtr(&hv.redirect, v.WebsiteRedirect)
	h.ServerSideEncryption = setPtr(&hv.sse, v.SSE)
	h.SSEKMSKeyId = setPtr(&hv.kmsKey, v.SSEKMSKeyID)
	if v.SSECKeyMD5 != "" {
		h.SSECustomerAlgorithm, h.SSECustomerKeyMD5 = setPtr(&hv.ssecAlgorithm, "AES256"), setPtr(&hv.ssecKeyMD5, v.SSECKeyMD5)
	}
	if v.BucketKey {
		hv.bucketKey = true
		h.BucketKeyEnabled = &hv.bucketKey
	}
	h.Metadata = v.Metadata
	// S3 omits x-amz-storage-class for STANDARD objects.
	if v.StorageClass != "STANDARD" {
		h.StorageClass = setPtr(&hv.storageClass, v.StorageClass)
	}
	if v.PartsCount > 0 && partNumber != nil {
		hv.partsCount = v.PartsCount
		h.PartsCount = &hv.partsCount
	}
	if v.LockMode != "" {
		h.ObjectLockMode = setPtr(&hv.lockMode, v.LockMode)
		h.ObjectLockRetainUntilDate = v.LockUntil
	}
	h.ObjectLockLegalHoldStatus = setPtr(&hv.legalHold, v.LegalHold)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// HeadObject is GetObject without the body.
func (s *Service) HeadObject(ctx context.Context, in *s3api.HeadObjectInput) (*s3api.HeadObjectOutput, error) {
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObject", "GetObjectVersion", "HEAD")
	if err != nil {
		return nil, err
	}
	v := r.version
	if err := (ssecHeaders{in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5}).checkRead(ctx, v); err != nil {
		return nil, err
	}
	if err := (readConditions{in.IfMatch, in.IfNoneMatch, in.IfModifiedSince, in.IfUnmodifiedSince}).check(v); err != nil {
		return nil, err
	}
	rng, err := selectRange(v, api.ToString(in.Range), in.PartNumber)
	if err != nil {
		return nil, err
	}
	out := &s3api.HeadObjectOutput{}
	fillHead(out, r, in.PartNumber)
	if rng != nil {
		out.ContentLength = api.Int64(rng.length)
		out.ContentRange = api.String(rng.contentRange(v.Size))
	} else if enumString(in.ChecksumMode) == "ENABLED" {
		setChecksums(out, v.Checksums, v.ChecksumType)
	}
	return out, nil
}

// retained reports whether Object Lock protects a version from deletion:
// a legal hold, or a retention date in the future (S3 User Guide, "How S3
// Object Lock works"). Governance retention yields to
// x-amz-bypass-governance-retention, which needs s3:BypassGovernanceRetention.
func retained(v *version, now time.Time, bypassGovernance bool) bool {
	if v.LegalHold == "ON" {
		return true
	}
	if v.LockUntil != nil && v.LockUntil.After(now) {
		return v.LockMode == "COMPLIANCE" || !bypassGovernance
	}
	return false
}

// deleteResult is what deleting one key or version did.
type deleteResult struct {
	versionID    string // the version removed, or the delete marker created
	deleteMarker bool   // a delete marker was created or removed
}

// deleteOne applies DeleteObject semantics in a transaction (S3 User
// Guide, "Deleting object versions"): without a version ID, an unversioned
// bucket loses the object, a versioning-enabled one gains a delete marker,
// a suspended one replaces its null version with a null delete marker; with
// one, that version is removed for good.
//
// ifMatch is a conditional delete's If-Match (S3 User Guide, "How to
// perform conditional deletes"): it holds against the current version, a
// missing object is NoSuchKey and another ETag PreconditionFailed.
func (s *Service) deleteOne(ctx context.Context, tx store.Tx, b *bucketRecord, key string, versionID *string, ifMatch string, bypass bool, garbage *[]string) (deleteResult, error) {
	o, err := getObject(tx, b.Name, key)
	if err != nil {
		return deleteResult{}, err
	}
	if o == nil {
		o = &objectRecord{}
	}
	if ifMatch != "" {
		if cur := o.current(); cur == nil || cur.DeleteMarker {
			return deleteResult{}, errNoSuchKey(key)
		} else if !etagMatches(ifMatch, cur.ETag) {
			return deleteResult{}, errPreconditionFailed("If-Match")
		}
	}
	now := s.clock(ctx)
	if versionID != nil {
		v := o.find(*versionID)
		if v == nil {
			return deleteResult{versionID: *versionID}, nil
		}
		if retained(v, now, bypass) {
			return deleteResult{}, errAccessDeniedPlain()
		}
		old, _ := o.remove(*versionID)
		*garbage = append(*garbage, old.Blob)
		return deleteResult{versionID: old.ID, deleteMarker: old.DeleteMarker}, putObject(tx, b.Name, key, o)
	}
	switch b.Versioning {
	case "":
		if len(o.Versions) == 0 {
			return deleteResult{}, nil
		}
		if retained(&o.Versions[0], now, bypass) {
			return deleteResult{}, errAccessDeniedPlain()
		}
		for _, v := range o.Versions {
			*garbage = append(*garbage, v.Blob)
		}
		o.Versions = nil
		return deleteResult{}, putObject(tx, b.Name, key, o)
	case "Enabled":
		m := version{ID: newVersionID(), DeleteMarker: true, LastModified: now, Owner: caller(ctx).Account}
		o.Versions = append([]version{m}, o.Versions...)
		return deleteResult{versionID: m.ID, deleteMarker: true}, putObject(tx, b.Name, key, o)
	default: // Suspended
		if old, ok := o.remove("null"); ok {
			*garbage = append(*garbage, old.Blob)
		}
		m := version{ID: "null", DeleteMarker: true, LastModified: now, Owner: caller(ctx).Account}
		o.Versions = append([]version{m}, o.Versions...)
		return deleteResult{versionID: "null", deleteMarker: true}, putObject(tx, b.Name, key, o)
	}
}

func (s *Service) DeleteObject(ctx context.Context, in *s3api.DeleteObjectInput) (*s3api.DeleteObjectOutput, error) {
	if in.VersionId != nil && !validVersionID(*in.VersionId) {
		return nil, errInvalidVersionID()
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	c := objectCheck("DeleteObject", b.Name, in.Key)
	if in.VersionId != nil {
		c = objectCheck("DeleteObjectVersion", b.Name, in.Key).with("s3:versionid", *in.VersionId)
	}
	ifMatch := api.ToString(in.IfMatch)
	if ifMatch != "" {
		c = c.with("s3:if-match", ifMatch)
	}
	checks := []check{c}
	// Comparing an ETag reads the object: s3:GetObject as well.
	if ifMatch != "" && strings.TrimSpace(ifMatch) != "*" {
		checks = append(checks, objectCheck("GetObject", b.Name, in.Key))
	}
	bypass := api.ToBool(in.BypassGovernanceRetention)
	if bypass {
		checks = append(checks, objectCheck("BypassGovernanceRetention", b.Name, in.Key))
	}
	if err := s.authorize(ctx, b, checks...); err != nil {
		return nil, err
	}
	var garbage []string
	var res deleteResult
	// Idempotent (results set afresh), so concurrent deletes may share a
	// commit.
	err = store.Batch(ctx, s.store, func(tx store.Tx) error {
		garbage = garbage[:0]
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		res, err = s.deleteOne(ctx, tx, b, in.Key, in.VersionId, ifMatch, bypass, &garbage)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.deleteBlobs(ctx, garbage)
	out := &s3api.DeleteObjectOutput{}
	if res.versionID != "" {
		out.VersionId = api.String(res.versionID)
	}
	if res.deleteMarker {
		out.DeleteMarker = api.Bool(true)
	}
	return out, nil
}

// DeleteObjects deletes up to 1000 keys, answering per key; a denial of one
// key is reported in Errors and does not stop the others.
func (s *Service) DeleteObjects(ctx context.Context, in *s3api.DeleteObjectsInput) (*s3api.DeleteObjectsOutput, error) {
	if in.Delete == nil || len(in.Delete.Objects) == 0 || len(in.Delete.Objects) > 1000 {
		return nil, errMalformedXML()
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	bypass := api.ToBool(in.BypassGovernanceRetention)
	quiet := api.ToBool(in.Delete.Quiet)
	out := &s3api.DeleteObjectsOutput{}
	fail := func(o s3api.ObjectIdentifier, err error) {
		e := awserr.From(err)
		out.Errors = append(out.Errors, s3api.Error{Key: api.String(o.Key), VersionId: o.VersionId, Code: api.String(e.Code), Message: api.String(e.Message)})
	}
	for _, o := range in.Delete.Objects {
		if o.VersionId != nil && !validVersionID(*o.VersionId) {
			fail(o, errInvalidVersionID())
			continue
		}
		c := objectCheck("DeleteObject", b.Name, o.Key)
		if o.VersionId != nil {
			c = objectCheck("DeleteObjectVersion", b.Name, o.Key).with("s3:versionid", *o.VersionId)
		}
		if err := s.authorize(ctx, b, c); err != nil {
			fail(o, err)
			continue
		}
		var garbage []string
		var res deleteResult
		err := s.update(ctx, func(tx store.Tx) error {
			garbage = garbage[:0]
			b, err := getBucket(tx, in.Bucket)
			if err != nil {
				return err
			}
			res, err = s.deleteOne(ctx, tx, b, o.Key, o.VersionId, "", bypass, &garbage)
			return err
		})
		if err != nil {
			fail(o, err)
			continue
		}
		s.deleteBlobs(ctx, garbage)
		if quiet {
			continue
		}
		d := s3api.DeletedObject{Key: api.String(o.Key), VersionId: o.VersionId}
		if res.deleteMarker {
			d.DeleteMarker = api.Bool(true)
			d.DeleteMarkerVersionId = api.String(res.versionID)
		}
		out.Deleted = append(out.Deleted, d)
	}
	return out, nil
}

// parseCopySource splits x-amz-copy-source ("/bucket/key?versionId=v",
// URL-encoded, the leading slash optional).
func parseCopySource(src string) (bucket, key string, versionID *string, err error) {
	src = strings.TrimPrefix(src, "/")
	path, query, _ := strings.Cut(src, "?")
	if query != "" {
		q, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", nil, errInvalidArgument("Invalid copy source encoding", "x-amz-copy-source", src)
		}
		if v, ok := q["versionId"]; ok {
			versionID = &v[0]
		}
	}
	decoded, perr := url.PathUnescape(path)
	if perr != nil {
		return "", "", nil, errInvalidArgument("Invalid copy source encoding", "x-amz-copy-source", src)
	}
	bucket, key, ok := strings.Cut(decoded, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", nil, errInvalidArgument("Invalid copy source object key", "x-amz-copy-source", src)
	}
	return bucket, key, versionID, nil
}

// CopyObject copies an object (up to 5 GiB) into a new version, with the
// source's metadata and tags unless the directives say REPLACE.
func (s *Service) CopyObject(ctx context.Context, in *s3api.CopyObjectInput) (*s3api.CopyObjectOutput, error) {
	if len(in.Key) > maxKeyLength {
		return nil, errKeyTooLong(len(in.Key))
	}
	srcBucket, srcKey, srcVersion, err := parseCopySource(api.ToString(in.CopySource))
	if err != nil {
		return nil, err
	}
	dstSSEC := ssecHeaders{in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5}
	_, dstMD5, err := dstSSEC.check(ctx)
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
	if err := (ssecHeaders{in.CopySourceSSECustomerAlgorithm, in.CopySourceSSECustomerKey, in.CopySourceSSECustomerKeyMD5}).checkRead(ctx, sv); err != nil {
		return nil, err
	}
	if err := copySourceConditions(sv, in.CopySourceIfMatch, in.CopySourceIfNoneMatch, in.CopySourceIfModifiedSince, in.CopySourceIfUnmodifiedSince); err != nil {
		return nil, err
	}
	if sv.Size > maxPutSize {
		return nil, errInvalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, in.ExpectedBucketOwner); err != nil {
		return nil, err
	}
	replaceMeta := enumString(in.MetadataDirective) == "REPLACE"
	replaceTags := enumString(in.TaggingDirective) == "REPLACE"
	if d := enumString(in.MetadataDirective); d != "" && d != "COPY" && d != "REPLACE" {
		return nil, errInvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", d)
	}
	if d := enumString(in.TaggingDirective); d != "" && d != "COPY" && d != "REPLACE" {
		return nil, errInvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", d)
	}
	w := writeRequest{
		acl: enumString(in.ACL), grants: hasGrantHeaders(in.GrantFullControl, in.GrantRead, in.GrantReadACP, in.GrantWriteACP),
		storageClass: enumString(in.StorageClass), sse: enumString(in.ServerSideEncryption), sseKMSKeyID: api.ToString(in.SSEKMSKeyId),
		bucketKey: in.BucketKeyEnabled, websiteRedirect: api.ToString(in.WebsiteRedirectLocation),
		lockMode: enumString(in.ObjectLockMode), lockUntil: in.ObjectLockRetainUntilDate, legalHold: enumString(in.ObjectLockLegalHoldStatus),
	}
	if replaceMeta {
		w.contentType, w.contentEncoding = api.ToString(in.ContentType), api.ToString(in.ContentEncoding)
		w.contentDisposition, w.contentLanguage = api.ToString(in.ContentDisposition), api.ToString(in.ContentLanguage)
		w.cacheControl, w.expires, w.metadata = api.ToString(in.CacheControl), in.Expires, in.Metadata
	} else {
		w.contentType, w.contentEncoding = sv.ContentType, sv.ContentEncoding
		w.contentDisposition, w.contentLanguage = sv.ContentDisposition, sv.ContentLanguage
		w.cacheControl, w.expires, w.metadata = sv.CacheControl, sv.Expires, sv.Metadata
	}
	if replaceTags {
		w.tagging = api.ToString(in.Tagging)
	}
	w.now, w.writer = s.clock(ctx), caller(ctx).Account
	attrs, checks, err := w.attrs(b, in.Key)
	if err != nil {
		return nil, err
	}
	if !replaceTags {
		attrs.tags = sv.Tags
	}
	checks[0] = checks[0].with("s3:x-amz-copy-source", api.ToString(in.CopySource))
	if d := enumString(in.MetadataDirective); d != "" {
		checks[0] = checks[0].with("s3:x-amz-metadata-directive", d)
	}
	if err := s.authorize(ctx, b, checks...); err != nil {
		return nil, err
	}
	// Copying onto itself must change something (S3 API Reference, CopyObject).
	if srcBucket == in.Bucket && srcKey == in.Key && srcVersion == nil && !replaceMeta && !replaceTags &&
		in.StorageClass == nil && in.ServerSideEncryption == nil && in.WebsiteRedirectLocation == nil {
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	var algs []blob.Algorithm
	for a := range sv.Checksums {
		algs = append(algs, blob.Algorithm(a))
	}
	if in.ChecksumAlgorithm != nil {
		a, ok := blob.ParseAlgorithm(string(*in.ChecksumAlgorithm))
		if !ok {
			return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		algs = []blob.Algorithm{a}
	}
	if len(algs) == 0 {
		algs = []blob.Algorithm{blob.CRC64NVME}
	}
	rc, err := s.openVersion(ctx, sv, 0, -1)
	gated = false
	s.blobGate.RUnlock()
	if err != nil {
		return nil, awserr.Internal(err)
	}
	info, data, err := s.storeContent(ctx, b, rc, &sv.Size, blob.PutOptions{Algorithms: algs, Size: sv.Size})
	rc.Close()
	if err != nil {
		return nil, err
	}
	v := version{Blob: info.ID, Data: data, Size: info.Size, Checksums: checksumMap(info), ChecksumType: "FULL_OBJECT"}
	// A multipart source keeps its ETag, as S3 copies it (the ETag of a
	// copy is the source's when neither is re-encrypted with KMS).
	v.ETag = sv.ETag
	v.PartsCount, v.PartSizes = 0, nil
	if sv.PartsCount > 0 {
		v.ETag = `"` + info.MD5Hex() + `"`
	}
	attrs.apply(&v)
	v.SSECKeyMD5 = dstMD5
	committed, err := s.commitVersion(ctx, b.Name, in.Key, v, writeConditions{})
	if err != nil {
		s.deleteBlobs(ctx, []string{info.ID})
		return nil, err
	}
	res := &s3api.CopyObjectResult{ETag: api.String(committed.ETag), LastModified: api.Time(committed.LastModified)}
	if in.ChecksumAlgorithm != nil {
		setChecksums(res, committed.Checksums, committed.ChecksumType)
	}
	out := &s3api.CopyObjectOutput{CopyObjectResult: res}
	if committed.ID != "null" {
		out.VersionId = api.String(committed.ID)
	}
	if src.versioned || sv.ID != "null" {
		out.CopySourceVersionId = api.String(sv.ID)
	}
	sse := s3api.ServerSideEncryption(committed.SSE)
	out.ServerSideEncryption = &sse
	out.SSEKMSKeyId = nonEmpty(committed.SSEKMSKeyID)
	return out, nil
}

// --- object tagging

func (s *Service) GetObjectTagging(ctx context.Context, in *s3api.GetObjectTaggingInput) (*s3api.GetObjectTaggingOutput, error) {
	r, err := s.readVersion(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "GetObjectTagging", "GetObjectVersionTagging", "GET")
	if err != nil {
		return nil, err
	}
	out := &s3api.GetObjectTaggingOutput{TagSet: []s3api.Tag{}}
	for _, t := range r.version.Tags {
		out.TagSet = append(out.TagSet, s3api.Tag{Key: t.Key, Value: t.Value})
	}
	if r.versioned || r.version.ID != "null" {
		out.VersionId = api.String(r.version.ID)
	}
	return out, nil
}

func (s *Service) PutObjectTagging(ctx context.Context, in *s3api.PutObjectTaggingInput) (*s3api.PutObjectTaggingOutput, error) {
	if in.Tagging == nil {
		return nil, errMalformedXML()
	}
	tags := make([]tag, len(in.Tagging.TagSet))
	for i, t := range in.Tagging.TagSet {
		tags[i] = tag{t.Key, t.Value}
	}
	if err := validateTags(tags, false); err != nil {
		return nil, err
	}
	id, err := s.setObjectTags(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "PutObjectTagging", "PutObjectVersionTagging", tags)
	if err != nil {
		return nil, err
	}
	return &s3api.PutObjectTaggingOutput{VersionId: id}, nil
}

func (s *Service) DeleteObjectTagging(ctx context.Context, in *s3api.DeleteObjectTaggingInput) (*s3api.DeleteObjectTaggingOutput, error) {
	id, err := s.setObjectTags(ctx, in.Bucket, in.Key, in.VersionId, in.ExpectedBucketOwner, "DeleteObjectTagging", "DeleteObjectVersionTagging", nil)
	if err != nil {
		return nil, err
	}
	return &s3api.DeleteObjectTaggingOutput{VersionId: id}, nil
}

// setObjectTags replaces the tags of one version in place (tagging does
// not create a version).
func (s *Service) setObjectTags(ctx context.Context, bucket, key string, versionID, expectedOwner *string, action, versionAction string, tags []tag) (*string, error) {
	r, err := s.readVersion(ctx, bucket, key, versionID, expectedOwner, action, versionAction, "PUT")
	if err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		c := objectCheck(action, bucket, key)
		for _, t := range tags {
			c = c.with("s3:RequestObjectTag/"+t.Key, t.Value).with("s3:RequestObjectTagKeys", t.Key)
		}
		if err := s.authorize(ctx, r.bucket, c); err != nil {
			return nil, err
		}
	}
	target := r.version.ID
	err = s.update(ctx, func(tx store.Tx) error {
		o, err := getObject(tx, bucket, key)
		if err != nil {
			return err
		}
		v := o.find(target)
		if v == nil || v.DeleteMarker {
			return errNoSuchKey(key)
		}
		v.Tags = tags
		return putObject(tx, bucket, key, o)
	})
	if err != nil {
		return nil, err
	}
	if r.versioned || target != "null" {
		return api.String(target), nil
	}
	return nil, nil
}
