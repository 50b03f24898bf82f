package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"hash"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// canonicalRequest builds the canonical request of the IAM User Guide's
// "Elements of an AWS API request signature":
//
//	METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n PAYLOAD-HASH
func canonicalRequest(r *http.Request, a *auth, q queryParams, payload string, s3 bool) string {
	return string(appendCanonical(nil, r, a, q, payload, s3))
}

// appendCanonical appends the canonical request to dst; Verify hands it a
// pooled buffer, so a typical request builds it without allocating. The
// payload hash is a string, or bytes when Verify computed it from the body.
func appendCanonical[P string | []byte](dst []byte, r *http.Request, a *auth, q queryParams, payload P, s3 bool) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = appendURI(dst, r.URL.EscapedPath(), s3)
	dst = append(dst, '\n')
	dst = appendQuery(dst, q, a.presigned)
	dst = append(dst, '\n')
	for rest := a.signedHeaders; ; {
		name, more, found := strings.Cut(rest, ";")
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, name)
		dst = append(dst, '\n')
		if !found {
			break
		}
		rest = more
	}
	dst = append(dst, '\n')
	dst = append(dst, a.signedHeaders...)
	dst = append(dst, '\n')
	return append(dst, payload...)
}

// appendURI appends the canonical URI. Each segment is decoded and encoded
// again, so equivalent escapings agree (SDK clients send keys already encoded
// this way, so for them it changes nothing). S3 encodes the path once; every
// other service encodes the once-encoded path a second time (IAM User Guide,
// "Create a canonical request": "Each path segment must be URI-encoded twice
// ... except for Amazon S3").
func appendURI(dst []byte, escaped string, s3 bool) []byte {
	if escaped == "" {
		return append(dst, '/')
	}
	if s3 {
		return appendSegments(dst, escaped)
	}
	var tmp [128]byte
	return uriEncode(dst, appendSegments(tmp[:0], escaped), false)
}

// appendSegments appends each '/'-separated segment of escaped decoded and
// encoded again. A segment with a bad escape is encoded as sent, as
// url.PathUnescape failing on it would leave it.
func appendSegments(dst []byte, escaped string) []byte {
	for rest := escaped; ; {
		seg, more, found := strings.Cut(rest, "/")
		if validEscapes(seg) {
			for i := 0; i < len(seg); i++ {
				c := seg[i]
				if c == '%' {
					c = unhex(seg[i+1])<<4 | unhex(seg[i+2])
					i += 2
				}
				dst = appendEncodedByte(dst, c, true)
			}
		} else {
			dst = uriEncode(dst, seg, true)
		}
		if !found {
			return dst
		}
		dst = append(dst, '/')
		rest = more
	}
}

// validEscapes says whether every '%' in s starts a %XX escape, which is
// when url.PathUnescape accepts s.
func validEscapes(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return false
		}
		i += 2
	}
	return true
}

func isHex(c byte) bool {
	_, ok := fromHex(c)
	return ok
}

func unhex(c byte) byte {
	v, _ := fromHex(c)
	return v
}

// appendQuery appends the sorted, encoded query; a presigned URL's signature
// is not part of what it signs.
func appendQuery(dst []byte, q queryParams, presigned bool) []byte {
	if len(q) == 0 {
		return dst
	}
	var buf [8]kv
	enc := buf[:0]
	for _, p := range q {
		if presigned && p.k == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, kv{encoded(p.k), encoded(p.v)})
	}
	slices.SortFunc(enc, func(x, y kv) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	for i, p := range enc {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.k...)
		dst = append(dst, '=')
		dst = append(dst, p.v...)
	}
	return dst
}

// encoded is s URI-encoded, without allocating when nothing needs encoding.
func encoded(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(uriEncode(make([]byte, 0, len(s)+16), s, true))
		}
	}
	return s
}

// appendHeaderValue appends a signed header's canonical value: values of a
// repeated header joined by commas, each trimmed, runs of spaces folded.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	var vals []string
	switch name {
	case "host":
		// net/http moves Host out of the header map.
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		return appendFolded(dst, h)
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		// Canonicalize the name in a stack buffer: the map lookup with
		// string(key) does not allocate, http.Header.Values would.
		var key [64]byte
		if len(name) > len(key) {
			vals = r.Header.Values(name)
			break
		}
		k := key[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		vals = r.Header[string(k)]
		if len(vals) == 0 && name == "content-length" && r.ContentLength > 0 {
			return strconv.AppendInt(dst, r.ContentLength, 10)
		}
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendFolded(dst, v)
	}
	return dst
}

func appendFolded(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return append(dst, v...) // the usual case: nothing to fold
	}
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if !space {
				dst = append(dst, c)
			}
			space = true
			continue
		}
		space = false
		dst = append(dst, c)
	}
	return dst
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// uriEncode is SigV4's UriEncode: every byte except the unreserved characters
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex); '/' stays unless
// encodeSlash.
func uriEncode[T string | []byte](dst []byte, s T, encodeSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		dst = appendEncodedByte(dst, s[i], encodeSlash)
	}
	return dst
}

func appendEncodedByte(dst []byte, c byte, encodeSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	if unreserved(c) || (c == '/' && !encodeSlash) {
		return append(dst, c)
	}
	return append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
}

// keyCache keeps derived signing keys, so a warm request costs one HMAC for
// the signature instead of five. Keys are per secret, date, region and
// service; the cache is bounded and simply starts over when full (keys roll
// daily, so old ones are garbage anyway). The key used last is also kept
// outside the lock: most traffic is one caller's, and concurrent requests
// would otherwise all queue on the mutex.
type keyCache struct {
	mu   sync.Mutex
	m    map[string]*cachedKey
	last atomic.Pointer[cachedKey]
}

type cachedKey struct {
	id  string // secret, date, region, service, NUL-separated
	key *macKey
}

const keyCacheSize = 4096

func (c *keyCache) get(secret, date, region, service string) *macKey {
	var buf [256]byte
	id := append(buf[:0], secret...)
	id = append(id, 0)
	id = append(id, date...)
	id = append(id, 0)
	id = append(id, region...)
	id = append(id, 0)
	id = append(id, service...)
	if l := c.last.Load(); l != nil && l.id == string(id) {
		return l.key
	}
	c.mu.Lock()
	ck, ok := c.m[string(id)]
	c.mu.Unlock()
	if !ok {
		ck = &cachedKey{id: string(id), key: newMacKey(signingKey(secret, date, region, service))}
		c.mu.Lock()
		if c.m == nil || len(c.m) >= keyCacheSize {
			c.m = make(map[string]*cachedKey)
		}
		c.m[ck.id] = ck
		c.mu.Unlock()
	}
	c.last.Store(ck)
	return ck.key
}

// signingKey derives SigV4's signing key: HMAC chained over the date, region,
// service and "aws4_request", starting from "AWS4" + secret.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// macKey is an HMAC-SHA256 key with its two padded blocks already hashed, as
// FIPS 198-1 allows, so a signature costs the message's blocks and one more
// instead of setting up crypto/hmac each time. The two states are kept
// marshaled and restored into pooled digests: cloning a digest allocates,
// restoring one does not.
type macKey struct {
	raw          []byte
	inner, outer []byte // sha256 states after the ipad and opad blocks; nil if unsupported
}

func newMacKey(key []byte) *macKey {
	var ipad, opad [sha256.BlockSize]byte
	copy(ipad[:], key) // SigV4 keys are 32 bytes, shorter than a block
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	in, out := sha256.New(), sha256.New()
	in.Write(ipad[:])
	out.Write(opad[:])
	im, iok := in.(encoding.BinaryMarshaler)
	om, ook := out.(encoding.BinaryMarshaler)
	if !iok || !ook {
		return &macKey{raw: key}
	}
	istate, err1 := im.MarshalBinary()
	ostate, err2 := om.MarshalBinary()
	if err1 != nil || err2 != nil {
		return &macKey{raw: key}
	}
	return &macKey{raw: key, inner: istate, outer: ostate}
}

// hmacState is the working memory of one macKey.sum, pooled.
type hmacState struct {
	in, out    hash.Hash
	innerSum   [sha256.Size]byte
	outerSum   [sha256.Size]byte
	restorable bool
}

var hmacStates = sync.Pool{New: func() any {
	s := &hmacState{in: sha256.New(), out: sha256.New()}
	_, iok := s.in.(encoding.BinaryUnmarshaler)
	_, ook := s.out.(encoding.BinaryUnmarshaler)
	s.restorable = iok && ook
	return s
}}

// sum returns HMAC-SHA256(key, msg).
func (k *macKey) sum(msg []byte) [sha256.Size]byte {
	if k.inner != nil {
		s := hmacStates.Get().(*hmacState)
		if s.restorable &&
			s.in.(encoding.BinaryUnmarshaler).UnmarshalBinary(k.inner) == nil &&
			s.out.(encoding.BinaryUnmarshaler).UnmarshalBinary(k.outer) == nil {
			s.in.Write(msg)
			s.out.Write(s.in.Sum(s.innerSum[:0]))
			out := [sha256.Size]byte(s.out.Sum(s.outerSum[:0]))
			hmacStates.Put(s)
			return out
		}
		hmacStates.Put(s)
	}
	m := hmac.New(sha256.New, k.raw)
	m.Write(msg)
	return [sha256.Size]byte(m.Sum(nil))
}
