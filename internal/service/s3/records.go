package s3

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/store"
)

// Tables. Keys: buckets by name; objects by bucket + "/" + key (bucket
// names hold no "/", so a bucket's objects are one key range in S3's
// UTF-8 binary key order); uploads by bucket + "/" + key + "\x00" + upload ID.
const (
	tableBuckets = "s3.buckets"
	tableObjects = "s3.objects"
	tableUploads = "s3.uploads"
	// tableAccounts holds an account's S3-wide settings by account ID:
	// today its Block Public Access (S3 Control's PutPublicAccessBlock).
	tableAccounts = "s3.accounts"
)

// accountRecord is an account's S3-wide settings.
type accountRecord struct {
	PublicAccessBlock *s3api.PublicAccessBlockConfiguration `json:",omitempty"`
}

// Bucket configuration names, the keys of bucketRecord.Configs.
const (
	cfgCORS           = "cors"
	cfgPolicy         = "policy" // kept in bucketRecord.Policy; named for its error
	cfgTagging        = "tagging"
	cfgEncryption     = "encryption"
	cfgLifecycle      = "lifecycle"
	cfgOwnership      = "ownership"
	cfgReplication    = "replication"
	cfgWebsite        = "website"
	cfgObjectLock     = "objectlock"
	cfgPublicAccess   = "publicaccessblock"
	cfgLogging        = "logging"
	cfgNotification   = "notification"
	cfgAccelerate     = "accelerate"
	cfgRequestPayment = "requestpayment"
	cfgACL            = "acl"
)

// bucketRecord is a bucket as stored.
type bucketRecord struct {
	Name       string
	Owner      string // account ID
	Region     string
	Created    time.Time
	Versioning string // "" (never enabled), "Enabled" or "Suspended"
	MFADelete  string
	ObjectLock bool
	Policy     string
	// LifecycleMinSize is the lifecycle configuration's
	// x-amz-transition-default-minimum-object-size.
	LifecycleMinSize string `json:",omitempty"`
	// Configs holds each configured bucket configuration as the JSON of its
	// s3api type; a missing entry means "not configured".
	Configs map[string]json.RawMessage `json:",omitempty"`

	// cachedSettings is the decoded configuration of a record from
	// bucketCache, which is never modified; nil for records decoded to be
	// changed (see settings).
	cachedSettings *bucketSettings
	// accountPAB is the owner account's Block Public Access, read with the
	// record: S3 applies the stricter of it and the bucket's own.
	accountPAB s3api.PublicAccessBlockConfiguration
}

// config decodes configuration name into v; ok is false when not set.
func (b *bucketRecord) config(name string, v any) (ok bool, err error) {
	raw, ok := b.Configs[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("s3: decoding %s of %s: %w", name, b.Name, err)
	}
	return true, nil
}

// setConfig stores v as configuration name; a nil v removes it.
func (b *bucketRecord) setConfig(name string, v any) error {
	if v == nil {
		delete(b.Configs, name)
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if b.Configs == nil {
		b.Configs = map[string]json.RawMessage{}
	}
	b.Configs[name] = raw
	return nil
}

// tag is an object or bucket tag; order is kept as given.
type tag struct{ Key, Value string }

// version is one version of an object, or a delete marker.
type version struct {
	ID           string // "null" for the version written while unversioned or suspended
	DeleteMarker bool   `json:",omitempty"`
	LastModified time.Time
	Owner        string // account ID of the writer

	// Blob names the blob holding the content; "" for a version that is
	// not a delete marker means the content is Data (see maxInline). Data
	// may share memory with a decoded record's strings: never write to it.
	Blob               string `json:",omitempty"`
	Data               []byte `json:",omitempty"`
	Size               int64  `json:",omitempty"`
	ETag               string `json:",omitempty"` // with quotes, as sent
	ContentType        string `json:",omitempty"`
	ContentEncoding    string `json:",omitempty"`
	ContentDisposition string `json:",omitempty"`
	ContentLanguage    string `json:",omitempty"`
	CacheControl       string `json:",omitempty"`
	Expires            *time.Time
	WebsiteRedirect    string            `json:",omitempty"`
	Metadata           map[string]string `json:",omitempty"`
	StorageClass       string            `json:",omitempty"`
	Tags               []tag             `json:",omitempty"`
	// Checksums by algorithm name (CRC32, ...), base64 as S3 sends them;
	// ChecksumType is FULL_OBJECT or COMPOSITE.
	Checksums    map[string]string `json:",omitempty"`
	ChecksumType string            `json:",omitempty"`
	SSE          string            `json:",omitempty"` // AES256, aws:kms, aws:kms:dsse
	SSECKeyMD5   string            `json:",omitempty"` // SSE-C: the customer key's MD5 (algorithm AES256)
	SSEKMSKeyID  string            `json:",omitempty"`
	BucketKey    bool              `json:",omitempty"`
	PartsCount   int32             `json:",omitempty"`
	PartSizes    []int64           `json:",omitempty"`
	LockMode     string            `json:",omitempty"`
	LockUntil    *time.Time        `json:",omitempty"`
	LegalHold    string            `json:",omitempty"`
	Grants       []s3api.Grant     `json:",omitempty"` // the object's ACL, when one was set
	// UploadID names the multipart upload that made this version, so that
	// CompleteMultipartUpload repeated after success answers as it did.
	UploadID string `json:",omitempty"`
	// PartChecksums are the parts' checksums, in PartSizes' order, of an
	// upload made with a checksum algorithm (GetObjectAttributes lists
	// them).
	PartChecksums []string `json:",omitempty"`
}

// objectRecord holds every version of one key, newest first.
type objectRecord struct {
	Versions []version
}

// current returns the newest version, which may be a delete marker.
func (o *objectRecord) current() *version {
	if o == nil || len(o.Versions) == 0 {
		return nil
	}
	return &o.Versions[0]
}

// find returns the version with id, or nil.
func (o *objectRecord) find(id string) *version {
	if o == nil {
		return nil
	}
	for i := range o.Versions {
		if o.Versions[i].ID == id {
			return &o.Versions[i]
		}
	}
	return nil
}

// remove drops version id and returns it.
func (o *objectRecord) remove(id string) (version, bool) {
	for i, v := range o.Versions {
		if v.ID == id {
			o.Versions = append(o.Versions[:i:i], o.Versions[i+1:]...)
			return v, true
		}
	}
	return version{}, false
}

// upload is a multipart upload in progress.
type upload struct {
	ID        string
	Bucket    string
	Key       string
	Initiated time.Time
	Owner     string // account of the initiator
	Initiator string // ARN of the initiator
	// The object's future attributes, fixed at CreateMultipartUpload.
	Object            version
	ChecksumAlgorithm string `json:",omitempty"`
	ChecksumType      string `json:",omitempty"`
	Parts             map[int32]part
}

type part struct {
	Blob         string
	Size         int64
	ETag         string // quoted
	MD5          []byte
	LastModified time.Time
	Checksum     string `json:",omitempty"` // base64 of the upload's algorithm
}

func objectKey(bucket, key string) string { return bucket + "/" + key }

func uploadKey(bucket, key, id string) string { return bucket + "/" + key + "\x00" + id }

func getBucket(tx store.Tx, name string) (*bucketRecord, error) {
	b, err := store.GetJSON[bucketRecord](tx, tableBuckets, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchBucket(name)
	}
	if err != nil {
		return nil, err
	}
	raw, err := getAccountRaw(tx, b.Owner)
	if err != nil {
		return nil, err
	}
	if b.accountPAB, err = accountPAB(raw); err != nil {
		return nil, err
	}
	return &b, nil
}

// getAccountRaw returns the stored account record of account, nil when it
// has none.
func getAccountRaw(tx store.Tx, account string) ([]byte, error) {
	raw, err := tx.Get(tableAccounts, account)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return raw, err
}

// accountPAB decodes the Block Public Access of a stored account record.
func accountPAB(raw []byte) (s3api.PublicAccessBlockConfiguration, error) {
	var a accountRecord
	if raw == nil {
		return s3api.PublicAccessBlockConfiguration{}, nil
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return s3api.PublicAccessBlockConfiguration{}, fmt.Errorf("s3: decoding account settings: %w", err)
	}
	if a.PublicAccessBlock == nil {
		return s3api.PublicAccessBlockConfiguration{}, nil
	}
	return *a.PublicAccessBlock, nil
}

// bucketCache keeps decoded bucket records for reads: a record is reused
// while the stored bytes are the same, so a request pays a byte comparison
// instead of a JSON decode. Records from it are shared and must not be
// modified; writers decode their own with getBucket.
type bucketCache struct {
	m sync.Map // bucket name -> *cachedBucket
}

type cachedBucket struct {
	raw, accountRaw []byte
	rec             *bucketRecord
}

func (c *bucketCache) get(tx store.Tx, name string) (*bucketRecord, error) {
	raw, err := tx.Get(tableBuckets, name)
	if errors.Is(err, store.ErrNotFound) {
		c.m.Delete(name)
		return nil, errNoSuchBucket(name)
	}
	if err != nil {
		return nil, err
	}
	if v, ok := c.m.Load(name); ok {
		cb := v.(*cachedBucket)
		accountRaw, err := getAccountRaw(tx, cb.rec.Owner)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(cb.raw, raw) && bytes.Equal(cb.accountRaw, accountRaw) {
			return cb.rec, nil
		}
	}
	var b bucketRecord
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("s3: decoding bucket %q: %w", name, err)
	}
	accountRaw, err := getAccountRaw(tx, b.Owner)
	if err != nil {
		return nil, err
	}
	if b.accountPAB, err = accountPAB(accountRaw); err != nil {
		return nil, err
	}
	b.cachedSettings = newBucketSettings(&b)
	c.m.Store(name, &cachedBucket{raw: bytes.Clone(raw), accountRaw: bytes.Clone(accountRaw), rec: &b})
	return &b, nil
}

func putBucket(tx store.Tx, b *bucketRecord) error {
	return store.PutJSON(tx, tableBuckets, b.Name, b)
}

// getObject returns the versions of key, or nil when the key has none.
func getObject(tx store.Tx, bucket, key string) (*objectRecord, error) {
	return getObjectVersions(tx, bucket, key, 0)
}

// getObjectVersions is getObject decoding at most limit versions (0: all),
// newest first: for reads only, never to be written back.
func getObjectVersions(tx store.Tx, bucket, key string, limit int) (*objectRecord, error) {
	raw, err := tx.Get(tableObjects, objectKey(bucket, key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o, err := decodeObject(raw, limit)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func putObject(tx store.Tx, bucket, key string, o *objectRecord) error {
	if len(o.Versions) == 0 {
		return tx.Delete(tableObjects, objectKey(bucket, key))
	}
	raw, err := encodeObject(o)
	if err != nil {
		return err
	}
	return tx.Put(tableObjects, objectKey(bucket, key), raw)
}

// newVersionID returns a version ID in the alphabet and length S3 uses
// (32 URL-safe characters).
func newVersionID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b[:])
}

// newUploadID returns an opaque multipart upload ID.
func newUploadID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var b [64]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&63]
	}
	return string(b[:])
}
