package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// canonicalRequest builds the canonical request of the IAM User Guide's
// "Elements of an AWS API request signature":
//
//	METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n PAYLOAD-HASH
func canonicalRequest(r *http.Request, a *auth, q queryParams, payload string, s3 bool) string {
	var b strings.Builder
	b.Grow(256 + len(r.URL.RawQuery) + len(r.URL.Path))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	writeURI(&b, r.URL.EscapedPath(), s3)
	b.WriteByte('\n')
	writeQuery(&b, q, a.presigned)
	b.WriteByte('\n')
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		b.WriteString(name)
		b.WriteByte(':')
		writeHeaderValue(&b, r, name)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(a.signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// writeURI writes the canonical URI. Each segment is decoded and encoded
// again, so equivalent escapings agree. S3 encodes the path once; every other
// service encodes the once-encoded path a second time (IAM User Guide,
// "Create a canonical request": "Each path segment must be URI-encoded twice
// ... except for Amazon S3").
func writeURI(b *strings.Builder, escaped string, s3 bool) {
	if escaped == "" {
		b.WriteByte('/')
		return
	}
	var once strings.Builder
	for i, seg := range strings.Split(escaped, "/") {
		if i > 0 {
			once.WriteByte('/')
		}
		if d, err := url.PathUnescape(seg); err == nil {
			seg = d
		}
		uriEncode(&once, seg, true)
	}
	if s3 {
		b.WriteString(once.String())
		return
	}
	uriEncode(b, once.String(), false)
}

// writeQuery writes the sorted, encoded query; a presigned URL's signature is
// not part of what it signs.
func writeQuery(b *strings.Builder, q queryParams, presigned bool) {
	if len(q) == 0 {
		return
	}
	enc := make([]kv, 0, len(q))
	for _, p := range q {
		if presigned && p.k == "X-Amz-Signature" {
			continue
		}
		var k, v strings.Builder
		uriEncode(&k, p.k, true)
		uriEncode(&v, p.v, true)
		enc = append(enc, kv{k.String(), v.String()})
	}
	slices.SortFunc(enc, func(x, y kv) int {
		if c := strings.Compare(x.k, y.k); c != 0 {
			return c
		}
		return strings.Compare(x.v, y.v)
	})
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
}

// writeHeaderValue writes a signed header's canonical value: values of a
// repeated header joined by commas, each trimmed, runs of spaces folded.
func writeHeaderValue(b *strings.Builder, r *http.Request, name string) {
	var vals []string
	switch name {
	case "host":
		// net/http moves Host out of the header map.
		h := r.Host
		if h == "" {
			h = r.URL.Host
		}
		vals = []string{h}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength > 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vals = r.TransferEncoding
	default:
		vals = r.Header.Values(name) // canonicalizes name itself
	}
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		writeFolded(b, v)
	}
}

func writeFolded(b *strings.Builder, v string) {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if !space {
				b.WriteByte(c)
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(c)
	}
}

// uriEncode is SigV4's UriEncode: every byte except the unreserved characters
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex); '/' stays unless
// encodeSlash.
func uriEncode(b *strings.Builder, s string, encodeSlash bool) {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
}

// keyCache keeps derived signing keys, so a warm request costs one HMAC for
// the signature instead of five. Keys are per secret, date, region and
// service; the cache is bounded and simply starts over when full (keys roll
// daily, so old ones are garbage anyway).
type keyCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

const keyCacheSize = 4096

func (c *keyCache) get(secret, date, region, service string) []byte {
	id := secret + "\x00" + date + "\x00" + region + "\x00" + service
	c.mu.Lock()
	k, ok := c.m[id]
	c.mu.Unlock()
	if ok {
		return k
	}
	k = signingKey(secret, date, region, service)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= keyCacheSize {
		c.m = make(map[string][]byte)
	}
	c.m[id] = k
	c.mu.Unlock()
	return k
}

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
