package s3

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/store"
)

// listParams are what the three List operations share.
type listParams struct {
	bucket, prefix, delimiter string
	after                     string // list keys strictly after this one
	maxKeys                   int
	encode                    bool
}

func newListParams(bucket string, prefix, delimiter *string, maxKeys *int32, encodingType *s3api.EncodingType) (listParams, error) {
	p := listParams{bucket: bucket, prefix: api.ToString(prefix), delimiter: api.ToString(delimiter), maxKeys: 1000}
	if maxKeys != nil {
		if *maxKeys < 0 {
			return p, errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", itoa(int64(*maxKeys)))
		}
		// S3 returns at most 1000 keys whatever max-keys asks.
		if *maxKeys < 1000 {
			p.maxKeys = int(*maxKeys)
		}
	}
	if encodingType != nil {
		if *encodingType != "url" {
			return p, errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", string(*encodingType))
		}
		p.encode = true
	}
	return p, nil
}

// checks is the authorization a listing needs: action with s3:prefix,
// s3:delimiter and s3:max-keys (Service Authorization Reference, ListBucket).
func (p listParams) check(action string, maxKeys *int32) check {
	c := bucketCheck(action, p.bucket)
	c = c.with("s3:prefix", p.prefix).with("s3:delimiter", p.delimiter)
	if maxKeys != nil {
		c = c.with("s3:max-keys", itoa(int64(*maxKeys)))
	}
	return c
}

// enc applies encoding-type=url: S3 percent-encodes every byte but the
// unreserved characters and "/" (a space is %20, "+" is %2B: "quux ab/"
// lists as "quux%20ab/", the behaviour Ceph's s3-tests hold S3 to in
// test_bucket_list_encoding_basic). boto3 decodes with unquote_plus, which
// reads both forms; other SDKs hand the text over as sent.
func (p listParams) enc(s string) *string {
	s = p.encValue(s)
	return &s
}

func (p listParams) encValue(s string) string {
	if p.encode {
		s = urlEncodeKey(s)
	}
	return s
}

func urlEncodeKey(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func (p listParams) encOpt(s string) *string {
	if s == "" {
		return nil
	}
	return p.enc(s)
}

// commonPrefix returns the common prefix key rolls up into, or "".
func (p listParams) commonPrefix(key string) string {
	if p.delimiter == "" {
		return ""
	}
	rest := key[len(p.prefix):]
	i := strings.Index(rest, p.delimiter)
	if i < 0 {
		return ""
	}
	return p.prefix + rest[:i+len(p.delimiter)]
}

// listEntry is one key of a listing, or one common prefix.
type listEntry struct {
	key    string
	prefix string // set for a common prefix
	object listedVersion
}

// walk lists keys after p.after under p.prefix, rolling keys up into
// common prefixes, and returns at most p.maxKeys entries (keys and
// prefixes both count) and whether more remain. include decides whether a
// key appears at all (ListObjects skips keys whose newest version is a
// delete marker).
func walk(tx store.Tx, p listParams, include func(*listedVersion) bool) ([]listEntry, bool, error) {
	// max-keys=0 lists nothing and says the listing is not truncated, as S3
	// does (Ceph s3-tests, test_bucket_list_maxkeys_zero).
	if p.maxKeys == 0 {
		return nil, false, nil
	}
	var out []listEntry
	truncated := false
	lastPrefix, lastOwner := "", ""
	base := p.bucket + "/"
	start := ""
	if p.after != "" {
		start = base + p.after
	}
	// Once a common prefix is listed, the scan jumps past every key under
	// it: S3 keys are UTF-8, in which the byte 0xff never occurs.
	for jump := true; jump; {
		jump = false
		err := tx.Scan(tableObjects, base+p.prefix, start, func(k string, raw []byte) (bool, error) {
			key := k[len(base):]
			cp := p.commonPrefix(key)
			// A marker at or past a common prefix means it was listed.
			if cp != "" && (cp == lastPrefix || cp <= p.after) {
				start, jump = base+cp+"\xff", true
				return false, nil
			}
			// Only the current version is decoded: that is all a
			// listing of current objects (or a common prefix) shows.
			o, ok, err := decodeListed(raw, lastOwner)
			if err != nil {
				return false, err
			}
			if !ok || !include(&o) {
				return true, nil
			}
			if len(out) == p.maxKeys {
				truncated = true
				return false, nil
			}
			if cp != "" {
				lastPrefix = cp
				out = append(out, listEntry{key: cp, prefix: cp})
				start, jump = base+cp+"\xff", true
				return false, nil
			}
			lastOwner = o.Owner
			out = append(out, listEntry{key: key, object: o})
			return true, nil
		})
		if err != nil {
			return nil, false, err
		}
	}
	return out, truncated, nil
}

func hasCurrentObject(o *listedVersion) bool { return !o.DeleteMarker }

func (s *Service) listObjectsAuth(ctx context.Context, p listParams, expectedOwner *string, action string, maxKeys *int32) (*bucketRecord, error) {
	b, err := s.loadBucket(ctx, p.bucket)
	if err != nil {
		return nil, err
	}
	if err := s.admit(ctx, b, expectedOwner); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, b, p.check(action, maxKeys)); err != nil {
		return nil, err
	}
	return b, nil
}

// objectFields holds the values an s3api.Object points to. A page
// allocates them all at once (objectEntries) rather than five small
// allocations per key.
type objectFields struct {
	key      string
	modified time.Time
	etag     string
	size     int64
	class    s3api.ObjectStorageClass
}

// checksumAlgorithmLists[mask] lists the algorithms of a checksum bit set
// (listedVersion.checksums); entries share these read-only slices.
var checksumAlgorithmLists = func() (lists [1 << 5][]s3api.ChecksumAlgorithm) {
	for mask := range lists {
		var l []s3api.ChecksumAlgorithm
		for i, f := range checksumFields {
			if mask&(1<<i) != 0 {
				l = append(l, s3api.ChecksumAlgorithm(f.alg))
			}
		}
		lists[mask] = l[:len(l):len(l)]
	}
	return lists
}()

// objectEntries returns the Contents of a listing: its entries that are
// keys, not common prefixes.
func objectEntries(p listParams, entries []listEntry, withOwner bool) []s3api.Object {
	n := 0
	for _, e := range entries {
		if e.prefix == "" {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]s3api.Object, 0, n)
	fields := make([]objectFields, n)
	for _, e := range entries {
		if e.prefix != "" {
			continue
		}
		v := &e.object
		f := &fields[len(out)]
		f.key, f.modified, f.etag, f.size = p.encValue(e.key), v.LastModified, v.ETag, v.Size
		f.class = s3api.ObjectStorageClass(v.Storage)
		if f.class == "" {
			f.class = "STANDARD"
		}
		o := s3api.Object{Key: &f.key, LastModified: &f.modified, ETag: &f.etag, Size: &f.size, StorageClass: &f.class}
		if int(v.checksums) < len(checksumAlgorithmLists) {
			o.ChecksumAlgorithm = checksumAlgorithmLists[v.checksums]
		}
		if withOwner {
			o.Owner = owner(v.Owner)
		}
		out = append(out, o)
	}
	return out
}

// ListObjects is the original listing, paginated by marker.
func (s *Service) ListObjects(ctx context.Context, in *s3api.ListObjectsInput) (*s3api.ListObjectsOutput, error) {
	p, err := newListParams(in.Bucket, in.Prefix, in.Delimiter, in.MaxKeys, in.EncodingType)
	if err != nil {
		return nil, err
	}
	p.after = api.ToString(in.Marker)
	if _, err := s.listObjectsAuth(ctx, p, in.ExpectedBucketOwner, "ListBucket", in.MaxKeys); err != nil {
		return nil, err
	}
	var entries []listEntry
	var truncated bool
	if err := s.view(ctx, func(tx store.Tx) error {
		entries, truncated, err = walk(tx, p, hasCurrentObject)
		return err
	}); err != nil {
		return nil, err
	}
	out := &s3api.ListObjectsOutput{
		Name: api.String(in.Bucket), Prefix: p.enc(p.prefix), Marker: p.enc(p.after), MaxKeys: api.Int32(int32(p.maxKeys)),
		Delimiter: p.encOpt(p.delimiter), IsTruncated: api.Bool(truncated), EncodingType: in.EncodingType,
	}
	for _, e := range entries {
		if e.prefix != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, s3api.CommonPrefix{Prefix: p.enc(e.prefix)})
		}
	}
	out.Contents = objectEntries(p, entries, true)
	// NextMarker is only sent with a delimiter (S3 API Reference,
	// ListObjects); without one, clients continue from the last key.
	if truncated && p.delimiter != "" && len(entries) > 0 {
		out.NextMarker = p.enc(entries[len(entries)-1].key)
	}
	return out, nil
}

// ListObjectsV2 paginates with an opaque continuation token (here the
// base64 of the last key or prefix returned).
func (s *Service) ListObjectsV2(ctx context.Context, in *s3api.ListObjectsV2Input) (*s3api.ListObjectsV2Output, error) {
	p, err := newListParams(in.Bucket, in.Prefix, in.Delimiter, in.MaxKeys, in.EncodingType)
	if err != nil {
		return nil, err
	}
	// An empty continuation-token lists from the start (after StartAfter)
	// and is echoed back empty, as S3 does (Ceph s3-tests,
	// test_bucket_listv2_continuationtoken_empty).
	if in.ContinuationToken != nil && *in.ContinuationToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*in.ContinuationToken)
		if err != nil {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", *in.ContinuationToken)
		}
		p.after = string(raw)
	} else {
		p.after = api.ToString(in.StartAfter)
	}
	if _, err := s.listObjectsAuth(ctx, p, in.ExpectedBucketOwner, "ListBucket", in.MaxKeys); err != nil {
		return nil, err
	}
	var entries []listEntry
	var truncated bool
	if err := s.view(ctx, func(tx store.Tx) error {
		entries, truncated, err = walk(tx, p, hasCurrentObject)
		return err
	}); err != nil {
		return nil, err
	}
	out := &s3api.ListObjectsV2Output{
		Name: api.String(in.Bucket), Prefix: p.enc(p.prefix), MaxKeys: api.Int32(int32(p.maxKeys)),
		Delimiter: p.encOpt(p.delimiter), IsTruncated: api.Bool(truncated), EncodingType: in.EncodingType,
		KeyCount: api.Int32(int32(len(entries))), ContinuationToken: in.ContinuationToken,
	}
	if in.StartAfter != nil {
		out.StartAfter = p.enc(*in.StartAfter)
	}
	for _, e := range entries {
		if e.prefix != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, s3api.CommonPrefix{Prefix: p.enc(e.prefix)})
		}
	}
	out.Contents = objectEntries(p, entries, api.ToBool(in.FetchOwner))
	if truncated && len(entries) > 0 {
		out.NextContinuationToken = api.String(base64.RawURLEncoding.EncodeToString([]byte(entries[len(entries)-1].key)))
	}
	return out, nil
}

// ListObjectVersions lists every version and delete marker, newest first
// within a key, paginated by key and version ID markers.
func (s *Service) ListObjectVersions(ctx context.Context, in *s3api.ListObjectVersionsInput) (*s3api.ListObjectVersionsOutput, error) {
	p, err := newListParams(in.Bucket, in.Prefix, in.Delimiter, in.MaxKeys, in.EncodingType)
	if err != nil {
		return nil, err
	}
	keyMarker, versionMarker := api.ToString(in.KeyMarker), api.ToString(in.VersionIdMarker)
	if versionMarker != "" && keyMarker == "" {
		return nil, errInvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", versionMarker)
	}
	if _, err := s.listObjectsAuth(ctx, p, in.ExpectedBucketOwner, "ListBucketVersions", in.MaxKeys); err != nil {
		return nil, err
	}
	out := &s3api.ListObjectVersionsOutput{
		Name: api.String(in.Bucket), Prefix: p.enc(p.prefix), MaxKeys: api.Int32(int32(p.maxKeys)),
		Delimiter: p.encOpt(p.delimiter), EncodingType: in.EncodingType,
		KeyMarker: p.enc(keyMarker), VersionIdMarker: api.String(versionMarker),
	}
	// With a version marker the walk starts at the marker's key (its older
	// versions remain); without one, after the key.
	after := keyMarker
	if versionMarker != "" {
		after = keyBefore(keyMarker)
	}
	count, truncated := 0, false
	var lastKey, lastVersion string
	lastPrefix := ""
	base := in.Bucket + "/"
	// visit lists one key's versions, or its common prefix; jump is called
	// when the rest of a common prefix's keys may be skipped.
	visit := func(key string, o objectRecord, jump func(cp string)) (bool, error) {
		if cp := p.commonPrefix(key); cp != "" {
			if cp == lastPrefix || cp <= keyMarker {
				jump(cp)
				return false, nil
			}
			if count == p.maxKeys {
				truncated = true
				return false, nil
			}
			lastPrefix = cp
			out.CommonPrefixes = append(out.CommonPrefixes, s3api.CommonPrefix{Prefix: p.enc(cp)})
			count++
			lastKey, lastVersion = cp, ""
			jump(cp)
			return false, nil
		}
		versions := o.Versions
		if key == keyMarker && versionMarker != "" {
			i := 0
			for i < len(versions) && versions[i].ID != versionMarker {
				i++
			}
			if i == len(versions) {
				return true, nil
			}
			versions = versions[i+1:]
		}
		for _, v := range versions {
			if count == p.maxKeys {
				truncated = true
				return false, nil
			}
			latest := v.ID == o.Versions[0].ID
			if v.DeleteMarker {
				out.DeleteMarkers = append(out.DeleteMarkers, s3api.DeleteMarkerEntry{
					Key: p.enc(key), VersionId: api.String(v.ID), IsLatest: api.Bool(latest),
					LastModified: api.Time(v.LastModified), Owner: owner(v.Owner),
				})
			} else {
				sc := s3api.ObjectVersionStorageClass("STANDARD")
				ov := s3api.ObjectVersion{
					Key: p.enc(key), VersionId: api.String(v.ID), IsLatest: api.Bool(latest),
					LastModified: api.Time(v.LastModified), ETag: api.String(v.ETag), Size: api.Int64(v.Size),
					StorageClass: &sc, Owner: owner(v.Owner),
				}
				for _, f := range checksumFields {
					if _, ok := v.Checksums[string(f.alg)]; ok {
						ov.ChecksumAlgorithm = append(ov.ChecksumAlgorithm, s3api.ChecksumAlgorithm(f.alg))
					}
				}
				out.Versions = append(out.Versions, ov)
			}
			count++
			lastKey, lastVersion = key, v.ID
		}
		return true, nil
	}
	err = s.view(ctx, func(tx store.Tx) error {
		start := ""
		if after != "" {
			start = base + after
		}
		// As in walk, the scan jumps past the keys of a listed common prefix.
		for jump := true; jump; {
			jump = false
			err := tx.Scan(tableObjects, base+p.prefix, start, func(k string, raw []byte) (bool, error) {
				o, err := decodeObject(raw, 0)
				if err != nil {
					return false, err
				}
				return visit(k[len(base):], o, func(cp string) { start, jump = base+cp+"\xff", true })
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.IsTruncated = api.Bool(truncated)
	if truncated {
		out.NextKeyMarker = p.enc(lastKey)
		if lastVersion != "" {
			out.NextVersionIdMarker = api.String(lastVersion)
		}
	}
	return out, nil
}

// keyBefore returns a string that sorts just before key, so a Scan "after"
// it starts at key itself.
func keyBefore(key string) string {
	if key == "" {
		return ""
	}
	last := key[len(key)-1]
	if last == 0 {
		return key[:len(key)-1]
	}
	return key[:len(key)-1] + string(last-1) + "\xff"
}
