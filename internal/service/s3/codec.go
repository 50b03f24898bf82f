package s3

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/doppel-aws/doppel/internal/api/s3api"
)

// Object records (table s3.objects) are stored in a compact binary form:
// they are read on every GetObject/HeadObject and for every key a listing
// returns, and encoding/json cost ~15 µs per read and ~13 ms per 1,000-key
// page. Records written by earlier versions are JSON objects; the first
// byte tells the two apart ('{' is JSON), so existing data directories keep
// working without a migration and records turn binary on their next write.
//
// Binary form: formatBinary, uvarint version count, then per version a
// list of (field tag, value) ending with tagEnd. Zero-valued fields are
// left out, as the JSON form's omitempty did, so both forms decode to the
// same version. New fields take new tags; an unknown tag is an error (a
// record from a newer doppel), never a silent loss.
const formatBinary byte = 1

// Field tags of a version. Append only; never renumber.
const (
	tagEnd byte = iota
	tagID
	tagDeleteMarker // no value: present means true
	tagLastModified
	tagOwner
	tagBlob
	tagSize
	tagETag
	tagContentType
	tagContentEncoding
	tagContentDisposition
	tagContentLanguage
	tagCacheControl
	tagExpires
	tagWebsiteRedirect
	tagMetadata
	tagStorageClass
	tagTags
	tagChecksums
	tagChecksumType
	tagSSE
	tagSSECKeyMD5
	tagSSEKMSKeyID
	tagBucketKey // no value: present means true
	tagPartsCount
	tagPartSizes
	tagLockMode
	tagLockUntil
	tagLegalHold
	tagGrants // JSON of []s3api.Grant: rare, and nested pointers
	tagData   // the content of an object kept in its record (version.Data)
	tagUploadID
	tagPartChecksums
)

// encodeObject returns o's binary form.
func encodeObject(o *objectRecord) ([]byte, error) {
	n := 128 * len(o.Versions)
	for i := range o.Versions {
		n += len(o.Versions[i].Data)
	}
	b := make([]byte, 0, n)
	b = append(b, formatBinary)
	b = binary.AppendUvarint(b, uint64(len(o.Versions)))
	for i := range o.Versions {
		var err error
		if b, err = appendVersion(b, &o.Versions[i]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func appendVersion(b []byte, v *version) ([]byte, error) {
	str := func(tag byte, s string) {
		if s != "" {
			b = append(b, tag)
			b = appendString(b, s)
		}
	}
	str(tagID, v.ID)
	if v.DeleteMarker {
		b = append(b, tagDeleteMarker)
	}
	if !v.LastModified.IsZero() {
		b = appendTime(append(b, tagLastModified), v.LastModified)
	}
	str(tagOwner, v.Owner)
	str(tagBlob, v.Blob)
	if len(v.Data) > 0 {
		b = binary.AppendUvarint(append(b, tagData), uint64(len(v.Data)))
		b = append(b, v.Data...)
	}
	if v.Size != 0 {
		b = binary.AppendVarint(append(b, tagSize), v.Size)
	}
	str(tagETag, v.ETag)
	str(tagContentType, v.ContentType)
	str(tagContentEncoding, v.ContentEncoding)
	str(tagContentDisposition, v.ContentDisposition)
	str(tagContentLanguage, v.ContentLanguage)
	str(tagCacheControl, v.CacheControl)
	if v.Expires != nil {
		b = appendTime(append(b, tagExpires), *v.Expires)
	}
	str(tagWebsiteRedirect, v.WebsiteRedirect)
	if len(v.Metadata) > 0 {
		b = appendMap(append(b, tagMetadata), v.Metadata)
	}
	str(tagStorageClass, v.StorageClass)
	if len(v.Tags) > 0 {
		b = binary.AppendUvarint(append(b, tagTags), uint64(len(v.Tags)))
		for _, t := range v.Tags {
			b = appendString(appendString(b, t.Key), t.Value)
		}
	}
	if len(v.Checksums) > 0 {
		b = appendMap(append(b, tagChecksums), v.Checksums)
	}
	str(tagChecksumType, v.ChecksumType)
	str(tagSSE, v.SSE)
	str(tagSSECKeyMD5, v.SSECKeyMD5)
	str(tagSSEKMSKeyID, v.SSEKMSKeyID)
	if v.BucketKey {
		b = append(b, tagBucketKey)
	}
	if v.PartsCount != 0 {
		b = binary.AppendVarint(append(b, tagPartsCount), int64(v.PartsCount))
	}
	if len(v.PartSizes) > 0 {
		b = binary.AppendUvarint(append(b, tagPartSizes), uint64(len(v.PartSizes)))
		for _, n := range v.PartSizes {
			b = binary.AppendVarint(b, n)
		}
	}
	str(tagLockMode, v.LockMode)
	if v.LockUntil != nil {
		b = appendTime(append(b, tagLockUntil), *v.LockUntil)
	}
	str(tagLegalHold, v.LegalHold)
	if len(v.Grants) > 0 {
		raw, err := json.Marshal(v.Grants)
		if err != nil {
			return nil, err
		}
		b = appendString(append(b, tagGrants), string(raw))
	}
	str(tagUploadID, v.UploadID)
	if len(v.PartChecksums) > 0 {
		b = binary.AppendUvarint(append(b, tagPartChecksums), uint64(len(v.PartChecksums)))
		for _, c := range v.PartChecksums {
			b = appendString(b, c)
		}
	}
	return append(b, tagEnd), nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendMap writes m in key order, so equal records encode equally.
func appendMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendString(appendString(b, k), m[k])
	}
	return b
}

// appendTime keeps the instant and the zone offset, what the JSON form
// (RFC 3339) kept.
func appendTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// decodeObject decodes a stored object record, binary or JSON. At most
// limit versions are decoded (0: all); listings of current versions need
// only the first.
func decodeObject(raw []byte, limit int) (objectRecord, error) {
	var o objectRecord
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &o); err != nil {
			return o, fmt.Errorf("s3: decoding object record: %w", err)
		}
		if limit > 0 && len(o.Versions) > limit {
			o.Versions = o.Versions[:limit]
		}
		return o, nil
	}
	if len(raw) == 0 || raw[0] != formatBinary {
		return o, errors.New("s3: object record of unknown format")
	}
	// One copy of the record backs every string decoded from it: one
	// allocation instead of one per field.
	d := decoder{b: raw[1:], whole: string(raw), size: len(raw)}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) { // every version takes at least a byte
		d.fail()
	}
	if limit > 0 && n > uint64(limit) {
		n = uint64(limit)
	}
	if d.err == nil && n > 0 {
		o.Versions = make([]version, n)
	}
	for i := range o.Versions {
		d.version(&o.Versions[i])
		if d.err != nil {
			break
		}
	}
	if d.err != nil {
		return objectRecord{}, d.err
	}
	return o, nil
}

// listedVersion is what a listing of current objects shows of a key: its
// newest version's listed fields, and its checksum algorithms as a bit set
// over checksumFields.
type listedVersion struct {
	DeleteMarker         bool
	checksums            uint8
	LastModified         time.Time
	Size                 int64
	Owner, ETag, Storage string
}

func listed(v *version, checksums uint8) listedVersion {
	return listedVersion{DeleteMarker: v.DeleteMarker, checksums: checksums, LastModified: v.LastModified,
		Size: v.Size, Owner: v.Owner, ETag: v.ETag, Storage: v.StorageClass}
}

// decodeListed decodes the newest version of a stored object record for a
// listing, skipping the fields a listing does not show so that a 1,000-key
// page allocates little; ok is false for a record with no versions.
//
// owner is the previous key's owner: keys of a bucket mostly share one, and
// reusing the string saves an allocation per key.
func decodeListed(raw []byte, owner string) (lv listedVersion, ok bool, err error) {
	if len(raw) == 0 || raw[0] != formatBinary {
		o, err := decodeObject(raw, 1)
		if err != nil || len(o.Versions) == 0 {
			return lv, false, err
		}
		var mask uint8
		for i, f := range checksumFields {
			if _, ok := o.Versions[0].Checksums[string(f.alg)]; ok {
				mask |= 1 << i
			}
		}
		return listed(&o.Versions[0], mask), true, nil
	}
	d := decoder{b: raw[1:], listing: true, owner: owner}
	if n := d.uvarint(); n == 0 || d.err != nil {
		return lv, false, d.err
	}
	var v version
	d.version(&v)
	if d.err != nil {
		return listedVersion{}, false, d.err
	}
	return listed(&v, d.checksums), true, nil
}

// decoder reads the binary form; the first error sticks and later reads
// return zero values, so a damaged record fails cleanly.
type decoder struct {
	b   []byte
	err error
	// whole, when set, is the record as a string, of size bytes; strings
	// are cut from it.
	whole string
	size  int
	// listing skips the fields decodeListed leaves unset and collects
	// the checksum algorithms into checksums.
	listing   bool
	checksums uint8
	owner     string
}

// skipString passes over a string value.
func (d *decoder) skipString() {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return
	}
	d.b = d.b[n:]
}

// skipChecksums reads the checksum map's algorithm names into d.checksums
// without building the map.
func (d *decoder) skipChecksums() {
	n := d.count()
	for range n {
		name := d.bytes()
		d.skipString()
		for i, f := range checksumFields {
			if string(name) == string(f.alg) {
				d.checksums |= 1 << i
			}
		}
	}
}

// bytes returns a string value without copying it.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

// skip passes over the value of field, for a listing.
func (d *decoder) skip(field byte) bool {
	if !d.listing {
		return false
	}
	switch field {
	case tagID, tagBlob, tagData, tagContentType, tagContentEncoding, tagContentDisposition, tagContentLanguage,
		tagCacheControl, tagWebsiteRedirect, tagChecksumType, tagSSE, tagSSECKeyMD5, tagSSEKMSKeyID,
		tagLockMode, tagLegalHold, tagGrants, tagUploadID:
		d.skipString()
	case tagExpires, tagLockUntil:
		d.varint()
		d.uvarint()
		d.varint()
	case tagMetadata, tagTags:
		for range d.count() {
			d.skipString()
			d.skipString()
		}
	case tagPartSizes:
		for range d.count() {
			d.varint()
		}
	case tagPartChecksums:
		for range d.count() {
			d.skipString()
		}
	case tagChecksums:
		d.skipChecksums()
	default:
		return false
	}
	return true
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errors.New("s3: damaged object record")
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) varint() int64 {
	x, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	var s string
	if d.whole != "" {
		off := d.size - len(d.b)
		s = d.whole[off : off+int(n)]
	} else {
		s = string(d.b[:n])
	}
	d.b = d.b[n:]
	return s
}

// count reads a collection length, refusing one the remaining bytes cannot
// hold (each element takes at least one byte), so damage cannot make a
// huge allocation.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) time() time.Time {
	sec, nsec, off := d.varint(), d.uvarint(), d.varint()
	if d.err != nil || nsec >= 1e9 {
		d.fail()
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

func (d *decoder) stringMap() map[string]string {
	n := d.count()
	m := make(map[string]string, n)
	for range n {
		k := d.string()
		m[k] = d.string()
	}
	return m
}

func (d *decoder) version(v *version) {
	for d.err == nil {
		field := d.byte()
		if d.skip(field) {
			continue
		}
		switch field {
		case tagEnd:
			return
		case tagID:
			v.ID = d.string()
		case tagDeleteMarker:
			v.DeleteMarker = true
		case tagLastModified:
			v.LastModified = d.time()
		case tagOwner:
			if d.whole != "" {
				v.Owner = d.string()
			} else if b := d.bytes(); string(b) == d.owner {
				v.Owner = d.owner
			} else {
				v.Owner = string(b)
			}
		case tagBlob:
			v.Blob = d.string()
		case tagData:
			if d.whole != "" {
				// A view of the record's string, which no one writes to:
				// version.Data is never modified, only read or copied.
				s := d.string()
				v.Data = unsafe.Slice(unsafe.StringData(s), len(s))
			} else {
				// The record's bytes are only valid in its transaction.
				v.Data = bytes.Clone(d.bytes())
			}
		case tagSize:
			v.Size = d.varint()
		case tagETag:
			v.ETag = d.string()
		case tagContentType:
			v.ContentType = d.string()
		case tagContentEncoding:
			v.ContentEncoding = d.string()
		case tagContentDisposition:
			v.ContentDisposition = d.string()
		case tagContentLanguage:
			v.ContentLanguage = d.string()
		case tagCacheControl:
			v.CacheControl = d.string()
		case tagExpires:
			t := d.time()
			v.Expires = &t
		case tagWebsiteRedirect:
			v.WebsiteRedirect = d.string()
		case tagMetadata:
			v.Metadata = d.stringMap()
		case tagStorageClass:
			v.StorageClass = d.string()
		case tagTags:
			n := d.count()
			v.Tags = make([]tag, n)
			for i := range v.Tags {
				v.Tags[i].Key = d.string()
				v.Tags[i].Value = d.string()
			}
		case tagChecksums:
			v.Checksums = d.stringMap()
		case tagChecksumType:
			v.ChecksumType = d.string()
		case tagSSE:
			v.SSE = d.string()
		case tagSSECKeyMD5:
			v.SSECKeyMD5 = d.string()
		case tagSSEKMSKeyID:
			v.SSEKMSKeyID = d.string()
		case tagBucketKey:
			v.BucketKey = true
		case tagPartsCount:
			v.PartsCount = int32(d.varint())
		case tagPartSizes:
			n := d.count()
			v.PartSizes = make([]int64, n)
			for i := range v.PartSizes {
				v.PartSizes[i] = d.varint()
			}
		case tagLockMode:
			v.LockMode = d.string()
		case tagLockUntil:
			t := d.time()
			v.LockUntil = &t
		case tagLegalHold:
			v.LegalHold = d.string()
		case tagUploadID:
			v.UploadID = d.string()
		case tagPartChecksums:
			n := d.count()
			v.PartChecksums = make([]string, n)
			for i := range v.PartChecksums {
				v.PartChecksums[i] = d.string()
			}
		case tagGrants:
			raw := d.string()
			if d.err == nil {
				var g []s3api.Grant
				if err := json.Unmarshal([]byte(raw), &g); err != nil {
					d.fail()
				}
				v.Grants = g
			}
		default:
			if d.err == nil {
				d.err = fmt.Errorf("s3: object record has unknown field %d (written by a newer doppel?)", field)
			}
		}
	}
}
