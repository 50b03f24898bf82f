// Package blob keeps S3 object bytes: one immutable blob per object version or
// multipart part, written by streaming and never held whole in memory.
//
// A blob becomes visible only when complete and verified: bytes stream into a
// temporary file beside the final one, are fsynced, and are renamed into place
// only after the body reader reached EOF without error (the SigV4 layer makes
// the reader fail at EOF when the payload hash or a chunk signature does not
// match) and the caller's Verify hook accepted the digests. A crash therefore
// leaves at worst an orphan temporary file, which Open removes.
//
// Metadata (which blob is which object) lives in internal/store; blob knows
// only IDs, bytes and digests.
package blob

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"slices"
	"sync"
)

// ErrNotFound is returned for an unknown blob ID.
var ErrNotFound = errors.New("blob: not found")

// Algorithm is an S3 additional checksum algorithm, spelled as S3 spells it in
// x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm.
type Algorithm string

const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms lists every algorithm S3 supports, in a fixed order.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// ParseAlgorithm accepts an algorithm name in any case ("crc32c", "SHA256").
func ParseAlgorithm(s string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if equalFold(string(a), s) {
			return a, true
		}
	}
	return "", false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// crc64NVME is CRC-64/NVME (polynomial 0xad93d23594c93659, reflected form
// below, init and xorout all ones, which hash/crc64 applies), the checksum S3
// calls CRC64NVME.
// The tables are made on first use: crc32's Castagnoli set-up alone is a
// third of a millisecond, paid at every start-up otherwise.
var crc64NVME = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

var crc32c = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// NewHash returns a fresh hash for a.
func NewHash(a Algorithm) hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(crc32c())
	case CRC64NVME:
		return crc64.New(crc64NVME())
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("blob: unknown checksum algorithm " + string(a))
}

// Info describes a stored blob.
type Info struct {
	ID   string
	Size int64
	MD5  []byte // raw 16 bytes; the ETag of a single-part object is its hex form
	// Checksums holds the raw digest of each requested algorithm (big-endian
	// for the CRCs, as S3 base64-encodes them).
	Checksums map[Algorithm][]byte
}

// MD5Hex is the hex MD5, the ETag of a single-part upload (without quotes).
func (i Info) MD5Hex() string { return hex.EncodeToString(i.MD5) }

// Checksum returns the base64 form S3 uses in x-amz-checksum-* headers, or ""
// when a was not computed.
func (i Info) Checksum(a Algorithm) string {
	d, ok := i.Checksums[a]
	if !ok {
		return ""
	}
	return base64.StdEncoding.EncodeToString(d)
}

// PutOptions says what to compute while writing and how to decide whether to
// keep the result.
type PutOptions struct {
	Algorithms []Algorithm
	// MaxSize, when positive, fails the write with ErrTooLarge once more bytes
	// than this arrive.
	MaxSize int64
	// Size, when positive, is how many bytes the body is expected to hold
	// (its Content-Length): Memory then allocates the blob once instead of
	// growing it by doubling. It is a hint, not a check.
	Size int64
	// Verify is called with the digests after the whole body was read and
	// before the blob becomes visible; an error discards the blob and is
	// returned as is (e.g. S3's BadDigest).
	Verify func(Info) error
}

// ErrTooLarge is returned when a body exceeds PutOptions.MaxSize.
var ErrTooLarge = errors.New("blob: body larger than allowed")

// Store holds blobs. Implementations are safe for concurrent use. A blob is
// immutable once Put returns; Delete of an open blob does not disturb readers
// that already opened it.
type Store interface {
	// Put streams r into a new blob. When r fails (including at EOF), ctx
	// ends, or Verify refuses, nothing is stored and the error is returned.
	Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error)
	// Concat writes a new blob holding the given blobs' bytes in order (the
	// parts of a multipart upload). Its MD5 is of the whole content;
	// opts.Algorithms are full-object checksums of the whole content.
	Concat(ctx context.Context, ids []string, opts PutOptions) (Info, error)
	// Open returns length bytes of a blob from offset; length < 0 means to
	// the end. The caller closes the reader.
	Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error)
	// Size returns a blob's length.
	Size(ctx context.Context, id string) (int64, error)
	// Delete removes a blob; a missing blob is not an error.
	Delete(ctx context.Context, id string) error
	Close() error
}

// newID returns a random 128-bit blob ID in hex.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("blob: crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// validID reports whether id has the form newID produces, so that an ID read
// from elsewhere can never name a path outside the store.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// digester computes MD5 and the requested checksums in one pass.
type digester struct {
	md5    hash.Hash
	hashes []hash.Hash
	algs   []Algorithm
	size   int64
	max    int64
	w      io.Writer
}

// newDigester returns a digester that passes what it digests on to w.
func newDigester(opts PutOptions, w io.Writer) *digester {
	d := &digester{md5: md5.New(), max: opts.MaxSize, w: w}
	for _, a := range opts.Algorithms {
		if slices.Contains(d.algs, a) {
			continue
		}
		d.algs = append(d.algs, a)
		d.hashes = append(d.hashes, NewHash(a))
	}
	return d
}

// Write digests p and then writes it to the digester's writer: a body over
// MaxSize stops before it is written.
func (d *digester) Write(p []byte) (int, error) {
	d.size += int64(len(p))
	if d.max > 0 && d.size > d.max {
		return 0, ErrTooLarge
	}
	d.md5.Write(p)
	for _, h := range d.hashes {
		h.Write(p)
	}
	return d.w.Write(p)
}

func (d *digester) info(id string) Info {
	in := Info{ID: id, Size: d.size, MD5: d.md5.Sum(nil)}
	if len(d.algs) > 0 {
		in.Checksums = make(map[Algorithm][]byte, len(d.algs))
		for i, a := range d.algs {
			in.Checksums[a] = d.hashes[i].Sum(nil)
		}
	}
	return in
}

// copyBuffers avoids a 32 KiB allocation per write.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyCtx copies r to w with a pooled buffer, stopping when ctx ends.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) error {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	_, err := io.CopyBuffer(w, ctxReader{ctx, r}, *bp)
	return err
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func checkAlgorithms(algs []Algorithm) error {
	for _, a := range algs {
		switch a {
		case CRC32, CRC32C, CRC64NVME, SHA1, SHA256:
		default:
			return fmt.Errorf("blob: unknown checksum algorithm %q", a)
		}
	}
	return nil
}
