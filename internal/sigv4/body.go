package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/md5"
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
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// payloadHash returns the payload hash the signature covers. S3 takes it from
// x-amz-content-sha256 (required with the Authorization header; presigned URLs
// default to UNSIGNED-PAYLOAD). Other services hash the body itself: it is read
// whole (bounded) and handed back as body, which carries the hash instead.
func (v *Verifier) payloadHash(r *http.Request, a *auth, e errs) (string, *hashedBody, *awserr.Error) {
	h := get(r.Header, "X-Amz-Content-Sha256")
	if h != "" {
		if !validPayloadHash(h, e.s3) {
			if e.s3 {
				return "", nil, errBadContentSHA(h)
			}
			return "", nil, e.plainMismatch()
		}
		return h, nil, nil
	}
	if e.s3 {
		if a.presigned {
			return unsignedHash, nil, nil
		}
		return "", nil, awserr.New(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	}
	if r.Body == nil || r.Body == http.NoBody {
		return emptySHA256, nil, nil
	}
	limit := v.MaxHashedBody
	if limit <= 0 {
		limit = 8 << 20
	}
	buf, err := readLimited(r.Body, limit, r.ContentLength)
	r.Body.Close()
	if err != nil {
		return "", nil, awserr.Internal(fmt.Errorf("sigv4: reading body: %w", err))
	}
	if int64(len(buf)) > limit {
		return "", nil, awserr.Newf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body must be at most %d bytes", limit)
	}
	b := &hashedBody{}
	b.Reset(buf)
	sum := sha256.Sum256(buf)
	hex.Encode(b.sum[:], sum[:])
	return "", b, nil
}

// errBadContentSHA is S3's answer to an x-amz-content-sha256 it cannot use.
func errBadContentSHA(h string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.").
		With("ArgumentName", "x-amz-content-sha256").With("ArgumentValue", h)
}

// hashedBody is a body read whole to hash it, handed back for reading again,
// with its hash in hex: one allocation for what would take three.
type hashedBody struct {
	bytes.Reader
	sum [2 * sha256.Size]byte
}

func (*hashedBody) Close() error { return nil }

// readLimited is io.ReadAll(io.LimitReader(r, limit+1)), starting from a
// buffer of the declared length (+1 to see EOF without growing) when there is
// one within the limit. The declared length is the client's word, so it only
// sizes the first 64 KiB; beyond that the buffer grows as bytes arrive.
func readLimited(r io.Reader, limit, declared int64) ([]byte, error) {
	size := int64(512)
	if declared >= 0 && declared <= limit {
		size = min(declared+1, 64<<10)
	}
	b := make([]byte, 0, size)
	for int64(len(b)) <= limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		end := min(int64(cap(b)), limit+1)
		n, err := r.Read(b[len(b):end])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
	}
	return b, nil
}

func validPayloadHash(h string, s3 bool) bool {
	switch h {
	case unsignedHash:
		return true
	case streamSigned, streamSignedT, streamUnsignT:
		return s3
	}
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checksums are S3's additional checksum algorithms (S3 User Guide,
// "Checking object integrity").
var checksums = []checksum{
	{"x-amz-checksum-crc32", "X-Amz-Checksum-Crc32", "CRC32", 4, func() hash.Hash { return crc32.NewIEEE() }},
	{"x-amz-checksum-crc32c", "X-Amz-Checksum-Crc32c", "CRC32C", 4, func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) }},
	{"x-amz-checksum-crc64nvme", "X-Amz-Checksum-Crc64nvme", "CRC64NVME", 8, func() hash.Hash { return crc64.New(crc64NVME()) }},
	{"x-amz-checksum-sha1", "X-Amz-Checksum-Sha1", "SHA1", 20, sha1.New},
	{"x-amz-checksum-sha256", "X-Amz-Checksum-Sha256", "SHA256", 32, sha256.New},
}

// checksumNamed returns the algorithm of header or trailer name (lower-case).
func checksumNamed(name string) (checksum, bool) {
	for _, c := range checksums {
		if c.name == name {
			return c, true
		}
	}
	return checksum{}, false
}

type checksum struct {
	name   string // lower-case, as in x-amz-trailer
	header string // as net/http canonicalizes it
	label  string // as S3 names it in BadDigest messages
	size   int    // bytes of the digest
	new    func() hash.Hash
}

// crc64NVME is the NVMe polynomial 0xad93d23594c93659, bit-reversed as
// hash/crc64 wants it.
var crc64NVME = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

// Body is a request body that verifies itself as it is read. Errors about the
// payload (a wrong hash, chunk signature, Content-MD5 or checksum) can only be
// known once the bytes are in, so they come from Read, as *awserr.Error, at
// the latest instead of io.EOF: a consumer must read to EOF and discard what
// it read if Read fails. For aws-chunked bodies Read yields the decoded bytes.
type Body struct {
	src    io.Reader
	closer io.Closer
	e      errs

	wantSHA string    // x-amz-content-sha256 as sent, when it is a hash
	shaHash hash.Hash // from sha256s, returned at the end
	md5     hash.Hash
	wantMD5 string // Content-MD5 as sent
	sum     hash.Hash
	sumName string // x-amz-checksum-... header or trailer
	wantSum string // from the header; "" when it comes as a trailer
	chunks  *chunkReader

	n, wantN int64 // decoded bytes read; declared decoded length or -1
	verified kv    // the checksum verified at the end: name, base64 value
	err      error
	digest   [sha256.Size]byte // room for the sums at the end: the largest is SHA-256's
}

// Checksums returns the checksums that were verified (header or trailer name,
// such as "x-amz-checksum-crc32", to base64 value). It is nil until Read has
// returned io.EOF, and when the request carried no checksum.
func (b *Body) Checksums() map[string]string {
	if b.verified.k == "" {
		return nil
	}
	return map[string]string{b.verified.k: b.verified.v}
}

// Read reads decoded bytes, checking them as they pass.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.src.Read(p)
	if n > 0 {
		b.n += int64(n)
		if b.shaHash != nil {
			b.shaHash.Write(p[:n])
		}
		if b.md5 != nil {
			b.md5.Write(p[:n])
		}
		if b.sum != nil {
			b.sum.Write(p[:n])
		}
	}
	if err == io.EOF {
		if ferr := b.finish(); ferr != nil {
			err = ferr
		}
	} else if err == io.ErrUnexpectedEOF {
		err = errIncompleteBody
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// Close closes the underlying body.
func (b *Body) Close() error { return b.closer.Close() }

func (b *Body) finish() error {
	if b.wantN >= 0 && b.n != b.wantN {
		return errIncompleteBody
	}
	if b.shaHash != nil {
		var got [2 * sha256.Size]byte
		hex.Encode(got[:], b.shaHash.Sum(b.digest[:0]))
		sha256s.Put(b.shaHash)
		b.shaHash = nil
		if string(got[:]) != b.wantSHA {
			return shaMismatch(b.e, b.wantSHA, string(got[:]))
		}
	}
	if b.md5 != nil {
		var got [24]byte // base64 of 16 bytes
		base64.StdEncoding.Encode(got[:], b.md5.Sum(b.digest[:0]))
		if string(got[:]) != b.wantMD5 {
			return s3Error(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.").
				With("ExpectedDigest", b.wantMD5).With("CalculatedDigest", string(got[:]))
		}
	}
	if b.sum != nil {
		want := b.wantSum
		if want == "" {
			want = b.chunks.trailerValue(b.sumName)
			if want == "" {
				return errMalformedTrailer
			}
		}
		var buf [44]byte // base64 of 32 bytes, the largest checksum
		if got := base64.StdEncoding.AppendEncode(buf[:0], b.sum.Sum(b.digest[:0])); string(got) != want {
			// S3 answers "The CRC32 you specified did not match the calculated
			// checksum." (seen in aws-sdk-ruby issue 3322).
			c, _ := checksumNamed(b.sumName)
			return s3Error(http.StatusBadRequest, "BadDigest", fmt.Sprintf("The %s you specified did not match the calculated checksum.", c.label))
		}
		b.verified = kv{b.sumName, want}
	}
	return nil
}

// shaMismatch is the error for a body whose SHA-256 is not the one declared in
// x-amz-content-sha256.
func shaMismatch(e errs, want, got string) *awserr.Error {
	if !e.s3 {
		return e.plainMismatch()
	}
	return s3Error(http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.").
		With("ClientComputedContentSHA256", want).With("S3ComputedContentSHA256", got)
}

// Pools for what a body needs only until its end, when it goes back: every
// upload would otherwise leave a digest and a 4 KiB read buffer behind.
var (
	sha256s   = sync.Pool{New: func() any { return sha256.New() }}
	chunkBufs = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, chunkBufSize) }}
)

const chunkBufSize = 4096

func newSHA256() hash.Hash {
	h := sha256s.Get().(hash.Hash)
	h.Reset()
	return h
}

var errMalformedTrailer = s3Error(http.StatusBadRequest, "MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.")

// wrapBody puts a verifying Body in place of r.Body when there is anything to
// verify. key and a are nil for anonymous requests.
func (v *Verifier) wrapBody(r *http.Request, res *Result, key *macKey, a *auth, payload string, e errs) *awserr.Error {
	// b lives on the stack until it is known to be needed.
	b := Body{e: e, wantN: -1}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	b.src, b.closer = r.Body, r.Body

	if m := get(r.Header, "Content-Md5"); m != "" {
		if d, err := base64.StdEncoding.DecodeString(m); err != nil || len(d) != md5.Size {
			return errInvalidDigest
		}
		b.md5, b.wantMD5 = md5.New(), m
	}
	if e.s3 {
		if err := b.setChecksum(r.Header); err != nil {
			return err
		}
	}

	switch payload {
	case "", unsignedHash:
	case streamSigned, streamSignedT, streamUnsignT:
		if a == nil && payload != streamUnsignT {
			// Anonymous: there is no seed signature to chain from.
			return awserr.AccessDenied("Anonymous users cannot use streaming signed uploads")
		}
		// One allocation for the body, its decoder and its signer.
		cb := new(chunkedBody)
		res.Body = &cb.body
		cr := &cb.reader
		br := chunkBufs.Get().(*bufio.Reader)
		br.Reset(r.Body)
		*cr = chunkReader{br: br, trailer: payload != streamSigned, e: e}
		if payload != streamUnsignT {
			cb.signer = chunkSigner{key: key, amzDate: a.amzDate, scope: a.scope(), prev: a.signature}
			cr.signer, cr.hash = &cb.signer, newSHA256()
		}
		b.src, b.chunks = cr, cr
		if s := get(r.Header, "X-Amz-Decoded-Content-Length"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				return awserr.New(http.StatusBadRequest, "InvalidArgument", "x-amz-decoded-content-length is not valid.").
					With("ArgumentName", "x-amz-decoded-content-length").With("ArgumentValue", s)
			}
			b.wantN = n
			r.ContentLength = n
		}
		if cr.trailer {
			name := strings.ToLower(strings.TrimSpace(get(r.Header, "X-Amz-Trailer")))
			if name != "" {
				c, ok := checksumNamed(name)
				if !ok {
					return awserr.New(http.StatusBadRequest, "InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
				}
				if b.sum != nil && b.sumName != name {
					return awserr.New(http.StatusBadRequest, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
				}
				b.sum, b.sumName, b.wantSum = c.new(), name, ""
			}
		}
	default: // a hex SHA-256 of the body
		if r.ContentLength == 0 && b.md5 == nil && b.sum == nil {
			// Nothing to stream: settle it now and leave the body alone.
			if payload != emptySHA256 {
				return shaMismatch(e, payload, emptySHA256)
			}
			return nil
		}
		b.shaHash, b.wantSHA = newSHA256(), payload
	}
	if b.md5 == nil && b.sum == nil && b.shaHash == nil && b.chunks == nil {
		return nil
	}
	if res.Body == nil {
		res.Body = new(Body)
	}
	*res.Body = b
	r.Body = res.Body
	return nil
}

// chunkedBody is what an aws-chunked body needs, allocated together.
type chunkedBody struct {
	body   Body
	reader chunkReader
	signer chunkSigner
}

// setChecksum picks up an x-amz-checksum-<algorithm> header.
func (b *Body) setChecksum(h http.Header) *awserr.Error {
	for _, c := range checksums {
		vals := h[c.header]
		if len(vals) == 0 {
			continue
		}
		if b.sum != nil {
			return awserr.New(http.StatusBadRequest, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if d, err := base64.StdEncoding.DecodeString(vals[0]); err != nil || len(d) != c.size {
			return awserr.Newf(http.StatusBadRequest, "InvalidRequest", "Value for %s header is invalid.", c.name)
		}
		b.sum, b.sumName, b.wantSum = c.new(), c.name, vals[0]
	}
	return nil
}

// chunkSigner chains aws-chunked signatures from the seed (the request's own
// signature): each chunk signs its hash and the previous signature (S3 API
// Reference, "Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks").
type chunkSigner struct {
	key             *macKey
	amzDate, scope  string
	prev            string
	stringToSignBuf []byte
}

// check verifies sig over a chunk whose SHA-256 is sum (kind "PAYLOAD") or a
// trailer (kind "TRAILER", where the empty-hash line is absent).
func (s *chunkSigner) check(kind string, sum []byte, sig string) bool {
	buf := append(s.stringToSignBuf[:0], "AWS4-HMAC-SHA256-"...)
	buf = append(buf, kind...)
	buf = append(buf, '\n')
	buf = append(buf, s.amzDate...)
	buf = append(buf, '\n')
	buf = append(buf, s.scope...)
	buf = append(buf, '\n')
	buf = append(buf, s.prev...)
	buf = append(buf, '\n')
	if kind == "PAYLOAD" {
		buf = append(buf, emptySHA256...)
		buf = append(buf, '\n')
	}
	buf = hex.AppendEncode(buf, sum)
	s.stringToSignBuf = buf
	want := s.key.sum(buf)
	var got [sha256.Size]byte
	if !decodeHex(got[:], sig) || !hmac.Equal(want[:], got[:]) {
		return false
	}
	s.prev = sig
	return true
}

// chunkReader decodes an aws-chunked body:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n [trailers] \r\n
type chunkReader struct {
	br       *bufio.Reader
	signer   *chunkSigner // nil for STREAMING-UNSIGNED-PAYLOAD-TRAILER
	hash     hash.Hash    // of the current chunk, signed bodies only
	trailer  bool
	e        errs
	left     int64  // bytes left in the current chunk
	sig      string // the current chunk's signature
	done     bool
	trailers []kv // name (lower-case) and value; in trailerBuf unless many
	digest   [sha256.Size]byte

	trailerBuf [2]kv
}

const maxTrailers = 16

// trailerValue returns the value of the trailer name, "" if absent.
func (c *chunkReader) trailerValue(name string) string {
	for _, t := range c.trailers {
		if t.k == name {
			return t.v
		}
	}
	return ""
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		size, err := c.header()
		if err != nil {
			return 0, err
		}
		if size == 0 {
			if err := c.final(); err != nil {
				return 0, err
			}
			c.done = true
			c.release()
			return 0, io.EOF
		}
		c.left = size
		if c.hash != nil {
			c.hash.Reset()
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if c.hash != nil {
		c.hash.Write(p[:n])
	}
	if err == io.EOF {
		return n, errIncompleteBody
	}
	if err != nil {
		return n, err
	}
	if c.left == 0 {
		if err := c.crlf(); err != nil {
			return n, err
		}
		if c.signer != nil && !c.signer.check("PAYLOAD", c.hash.Sum(c.digest[:0]), c.sig) {
			return n, c.e.plainMismatch()
		}
	}
	return n, nil
}

// release hands the read buffer and the chunk digest back once the body is
// decoded to its end. A body abandoned earlier leaves them to the collector.
func (c *chunkReader) release() {
	if c.br.Size() == chunkBufSize {
		c.br.Reset(nil)
		chunkBufs.Put(c.br)
	}
	c.br = nil
	if c.hash != nil {
		sha256s.Put(c.hash)
		c.hash = nil
	}
}

// line reads one CRLF-terminated line, without the CRLF. The bytes are valid
// until the next read.
func (c *chunkReader) line() ([]byte, error) {
	l, err := c.br.ReadSlice('\n')
	if err == io.EOF {
		return nil, errIncompleteBody
	}
	if err != nil || len(l) < 2 || l[len(l)-2] != '\r' {
		return nil, errChunkFormat
	}
	return l[:len(l)-2], nil
}

func (c *chunkReader) crlf() error {
	l, err := c.line()
	if err != nil {
		return err
	}
	if len(l) != 0 {
		return errChunkFormat
	}
	return nil
}

// header reads a chunk header and returns the chunk's size.
func (c *chunkReader) header() (int64, error) {
	l, err := c.line()
	if err != nil {
		return 0, err
	}
	sizeHex, ext, hasExt := bytes.Cut(l, []byte(";"))
	if len(sizeHex) == 0 || len(sizeHex) > 15 {
		return 0, errChunkFormat
	}
	size, ok := parseHexSize(sizeHex)
	if !ok {
		return 0, errChunkFormat
	}
	if c.signer != nil {
		sig, ok := bytes.CutPrefix(ext, []byte("chunk-signature="))
		if !hasExt || !ok || len(sig) != 64 {
			return 0, errChunkFormat
		}
		c.sig = string(sig)
	}
	return size, nil
}

// parseHexSize reads a chunk size of 1 to 15 hex digits. What is not plain
// hex goes to strconv.ParseInt, which accepted it before (a sign, say).
func parseHexSize(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		d, ok := fromHex(c)
		if !ok {
			size, err := strconv.ParseInt(string(b), 16, 64)
			return size, err == nil && size >= 0
		}
		n = n<<4 | int64(d)
	}
	return n, true
}

// final checks the last, empty chunk and reads the trailers.
func (c *chunkReader) final() error {
	if c.signer != nil {
		empty := sha256.Sum256(nil)
		if !c.signer.check("PAYLOAD", empty[:], c.sig) {
			return c.e.plainMismatch()
		}
	}
	if !c.trailer {
		return c.crlf()
	}
	var signed []byte // the trailer lines as signed: name:value\n each
	var trailerSig string
	for i := 0; ; i++ {
		l, err := c.line()
		if err != nil {
			if errors.Is(err, errChunkFormat) {
				return errMalformedTrailer
			}
			return err
		}
		if len(l) == 0 {
			break
		}
		if i == maxTrailers {
			return errMalformedTrailer
		}
		name, val, ok := bytes.Cut(l, []byte(":"))
		if !ok {
			return errMalformedTrailer
		}
		name = bytes.TrimSpace(name)
		val = bytes.TrimSpace(val)
		if asciiEqualFold(name, "x-amz-trailer-signature") {
			trailerSig = string(val)
			continue
		}
		t := kv{lowerName(name), string(val)}
		if c.trailers == nil {
			c.trailers = c.trailerBuf[:0]
		}
		if j := slices.IndexFunc(c.trailers, func(p kv) bool { return p.k == t.k }); j >= 0 {
			c.trailers[j] = t // a repeated trailer: the last one counts
		} else {
			c.trailers = append(c.trailers, t)
		}
		if c.signer != nil {
			signed = append(signed, t.k...)
			signed = append(signed, ':')
			signed = append(signed, t.v...)
			signed = append(signed, '\n')
		}
	}
	if c.signer != nil {
		sum := sha256.Sum256(signed)
		if trailerSig == "" || !c.signer.check("TRAILER", sum[:], trailerSig) {
			return c.e.plainMismatch()
		}
	}
	return nil
}

// lowerName is strings.ToLower(string(name)), without allocating for the
// names of S3's checksum trailers.
func lowerName(name []byte) string {
	for _, c := range checksums {
		if asciiEqualFold(name, c.name) {
			return c.name
		}
	}
	return strings.ToLower(string(name))
}

// asciiEqualFold is strings.EqualFold(strings.ToLower(string(b)), lower) for
// an ASCII, lower-case lower, without converting b.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
