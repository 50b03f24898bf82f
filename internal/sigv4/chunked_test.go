package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestChunkedAWSExample replays the example of the S3 API Reference,
// "Signature Calculations for the Authorization Header: Transferring Payload
// in Multiple Chunks (Chunked Upload) (AWS Signature Version 4)": 66560 bytes
// of 'a' in a 64 KiB and a 1 KiB chunk, with the signatures printed there.
func TestChunkedAWSExample(t *testing.T) {
	const (
		seed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
		chunk1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
		chunk2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
		final  = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	)
	body := "10000;chunk-signature=" + chunk1 + "\r\n" + strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=" + chunk2 + "\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=" + final + "\r\n\r\n"
	r := httptest.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(body))
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("Content-Length", "66824")
	r.Header.Set("X-Amz-Content-Sha256", streamSigned)
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature="+seed)
	v := &Verifier{Lookup: testLookup, Now: func() time.Time { return time.Date(2013, 5, 24, 0, 5, 0, 0, time.UTC) }}
	res, got, err := verifyAll(v, r, "s3")
	if err != nil {
		t.Fatal(err)
	}
	if got != strings.Repeat("a", 66560) || r.ContentLength != 66560 || res.Body == nil {
		t.Errorf("decoded %d bytes, ContentLength %d", len(got), r.ContentLength)
	}
}

// chunkWriter writes aws-chunked bodies, signed from a seed signature or not,
// the way the S3 API Reference describes; written apart from the package's
// decoder so the two check each other.
type chunkWriter struct {
	key            []byte
	amzDate, scope string
	prev           string // "" for unsigned bodies
}

func (w *chunkWriter) sign(sts string) string {
	m := hmac.New(sha256.New, w.key)
	m.Write([]byte(sts))
	w.prev = hex.EncodeToString(m.Sum(nil))
	return w.prev
}

func (w *chunkWriter) chunk(data string) string {
	if w.prev == "" {
		return fmt.Sprintf("%x\r\n%s\r\n", len(data), data)
	}
	sig := w.sign("AWS4-HMAC-SHA256-PAYLOAD\n" + w.amzDate + "\n" + w.scope + "\n" + w.prev + "\n" + emptySHA256 + "\n" + hexSHA(data))
	return fmt.Sprintf("%x;chunk-signature=%s\r\n%s\r\n", len(data), sig, data)
}

func (w *chunkWriter) body(chunkSize int, data string, trailers ...string) string {
	var b strings.Builder
	for len(data) > 0 {
		n := min(chunkSize, len(data))
		b.WriteString(w.chunk(data[:n]))
		data = data[n:]
	}
	last := w.chunk("")
	if len(trailers) == 0 {
		return b.String() + last
	}
	b.WriteString(strings.TrimSuffix(last, "\r\n"))
	var signed string
	for _, tr := range trailers {
		b.WriteString(tr + "\r\n")
		signed += tr + "\n"
	}
	if w.prev != "" {
		sig := w.sign("AWS4-HMAC-SHA256-TRAILER\n" + w.amzDate + "\n" + w.scope + "\n" + w.prev + "\n" + hexSHA(signed))
		b.WriteString("x-amz-trailer-signature:" + sig + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

func crc32b64(s string) string {
	sum := crc32.ChecksumIEEE([]byte(s))
	return base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
}

// streamingRequest signs the headers of a streaming upload with the SDK and
// returns it with a writer whose chain starts at the SDK's seed signature.
func streamingRequest(t *testing.T, mode string, decoded int, trailer string) (*http.Request, *chunkWriter) {
	t.Helper()
	r := httptest.NewRequest("PUT", "http://localhost:4566/bucket/key", nil)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	if trailer != "" {
		r.Header.Set("X-Amz-Trailer", trailer)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), longTerm, r, mode, "s3", "us-east-1", testNow, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	w := &chunkWriter{key: signingKey(testSecret, "20261122", "us-east-1", "s3"), amzDate: testNow.Format(isoBasic), scope: "20261122/us-east-1/s3/aws4_request"}
	if mode != streamUnsignT {
		h := r.Header.Get("Authorization")
		w.prev = h[strings.Index(h, "Signature=")+len("Signature="):]
	}
	return r, w
}

func TestChunked(t *testing.T) {
	data := strings.Repeat("0123456789abcdef", 1500) // 24000 bytes: three 8 KiB chunks
	crc := "x-amz-checksum-crc32:" + crc32b64(data)
	flip := func(s string, i int) string { return s[:i] + string(s[i]^1) + s[i+1:] }
	for _, tc := range []struct {
		name      string
		mode      string
		trailer   string // x-amz-trailer
		decoded   int
		body      func(w *chunkWriter) string
		code      string
		checksums map[string]string
	}{
		{"signed", streamSigned, "", len(data), func(w *chunkWriter) string { return w.body(8192, data) }, "", map[string]string{}},
		{"signed empty", streamSigned, "", 0, func(w *chunkWriter) string { return w.body(8192, "") }, "", map[string]string{}},
		{"signed with trailer", streamSignedT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string { return w.body(8192, data, crc) }, "",
			map[string]string{"x-amz-checksum-crc32": crc32b64(data)}},
		{"unsigned with trailer", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string { return w.body(8192, data, crc) }, "",
			map[string]string{"x-amz-checksum-crc32": crc32b64(data)}},
		{"data byte flipped", streamSigned, "", len(data), func(w *chunkWriter) string { return flip(w.body(8192, data), 10000) }, "SignatureDoesNotMatch", nil},
		{"chunk signature flipped", streamSigned, "", len(data), func(w *chunkWriter) string {
			b := w.body(8192, data)
			return flip(b, strings.Index(b, "chunk-signature=")+20)
		}, "SignatureDoesNotMatch", nil},
		{"chunks reordered", streamSigned, "", 16, func(w *chunkWriter) string {
			c1, c2 := w.chunk("first-8!"), w.chunk("second-8")
			return c2 + c1 + w.chunk("")
		}, "SignatureDoesNotMatch", nil},
		{"final chunk missing", streamSigned, "", len(data), func(w *chunkWriter) string {
			b := w.body(8192, data)
			return b[:strings.LastIndex(b, "0;chunk-signature=")]
		}, "IncompleteBody", nil},
		{"truncated in a chunk", streamSigned, "", len(data), func(w *chunkWriter) string { return w.body(8192, data)[:5000] }, "IncompleteBody", nil},
		{"decoded length wrong", streamSigned, "", len(data) + 1, func(w *chunkWriter) string { return w.body(8192, data) }, "IncompleteBody", nil},
		{"no chunk signature", streamSigned, "", 4, func(w *chunkWriter) string { return "4\r\ndata\r\n0\r\n\r\n" }, "InvalidRequest", nil},
		{"bad size", streamUnsignT, "", 4, func(w *chunkWriter) string { return "zz\r\ndata\r\n0\r\n\r\n" }, "InvalidRequest", nil},
		{"missing CRLF after data", streamUnsignT, "", 4, func(w *chunkWriter) string { return "4\r\ndataX\r\n0\r\n\r\n" }, "InvalidRequest", nil},
		{"trailer checksum wrong", streamSignedT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "x-amz-checksum-crc32:"+crc32b64("other"))
		}, "BadDigest", nil},
		{"unsigned trailer checksum wrong", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "x-amz-checksum-crc32:"+crc32b64("other"))
		}, "BadDigest", nil},
		{"trailer missing", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string { return w.body(8192, data) }, "MalformedTrailerError", nil},
		{"trailer signature wrong", streamSignedT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			b := w.body(8192, data, crc)
			return flip(b, strings.Index(b, "x-amz-trailer-signature:")+30)
		}, "SignatureDoesNotMatch", nil},
		{"trailer changed after signing", streamSignedT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			b := w.body(8192, data, crc)
			return strings.Replace(b, crc, "x-amz-checksum-crc32:"+crc32b64("other"), 1)
		}, "SignatureDoesNotMatch", nil},
		{"repeated trailer: the last counts", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "x-amz-checksum-crc32:"+crc32b64("other"), crc)
		}, "", map[string]string{"x-amz-checksum-crc32": crc32b64(data)}},
		{"trailer name in any case", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "X-Amz-Checksum-CRC32 : "+crc32b64(data))
		}, "", map[string]string{"x-amz-checksum-crc32": crc32b64(data)}},
		{"more trailers than the checksum", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "x-amz-meta-a:1", "X-Other:2", crc, "x-amz-meta-b:3")
		}, "", map[string]string{"x-amz-checksum-crc32": crc32b64(data)}},
		{"signed, more trailers than the checksum", streamSignedT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "x-amz-meta-a:1", "x-other:2", crc)
		}, "", map[string]string{"x-amz-checksum-crc32": crc32b64(data)}},
		{"upper-case hex size", streamUnsignT, "", 10, func(w *chunkWriter) string { return "A\r\n0123456789\r\n0\r\n\r\n" }, "", map[string]string{}},
		{"trailer line malformed", streamUnsignT, "x-amz-checksum-crc32", len(data), func(w *chunkWriter) string {
			return w.body(8192, data, "no colon here")
		}, "MalformedTrailerError", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, w := streamingRequest(t, tc.mode, tc.decoded, tc.trailer)
			r.Body = io.NopCloser(strings.NewReader(tc.body(w)))
			res, got, err := verifyAll(testVerifier(), r, "s3")
			if codeOf(err) != tc.code {
				t.Fatalf("code = %q, want %q (err: %v)", codeOf(err), tc.code, err)
			}
			if tc.code != "" {
				return
			}
			if got != data[:tc.decoded] {
				t.Errorf("decoded %d bytes, want %d", len(got), tc.decoded)
			}
			if fmt.Sprint(res.Body.Checksums()) != fmt.Sprint(tc.checksums) {
				t.Errorf("checksums = %v, want %v", res.Body.Checksums(), tc.checksums)
			}
		})
	}
}

func TestChecksumAlgorithms(t *testing.T) {
	// "Hello world" checksums as the SDK's checksum tests give them (CRC32,
	// CRC32C, SHA1, SHA256; CRC64NVME from the same polynomial as the SDK).
	for _, tc := range []struct{ header, value string }{
		{"x-amz-checksum-crc32", "i9aeUg=="},
		{"x-amz-checksum-crc32c", "crUfeA=="},
		{"x-amz-checksum-crc64nvme", "OOJZ0D8xKts="},
		{"x-amz-checksum-sha1", "e1AsOh9IyGCa4hLN+2Od7jlnP14="},
		{"x-amz-checksum-sha256", "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="},
	} {
		t.Run(tc.header, func(t *testing.T) {
			r := signed(t, "s3", "PUT", "http://localhost:4566/b/k", "Hello world", testNow, longTerm, map[string]string{tc.header: tc.value})
			res, _, err := verifyAll(testVerifier(), r, "s3")
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Body.Checksums()[tc.header]; got != tc.value {
				t.Errorf("verified %q, want %q", got, tc.value)
			}
		})
	}
}

// TestChunkedAnonymous: an unsigned caller may stream an unsigned aws-chunked
// body (an SDK with anonymous credentials does, over TLS); signed chunks need
// a signed request to chain from.
func TestChunkedAnonymous(t *testing.T) {
	for _, tc := range []struct {
		name, mode, body, code string
	}{
		{"unsigned trailer", streamUnsignT, "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + crc32b64("hello") + "\r\n\r\n", ""},
		{"signed chunks", streamSigned, "5;chunk-signature=" + strings.Repeat("0", 64) + "\r\nhello\r\n", "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "http://localhost:4566/bucket/key", strings.NewReader(tc.body))
			r.Header.Set("Content-Encoding", "aws-chunked")
			r.Header.Set("X-Amz-Content-Sha256", tc.mode)
			r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			res, body, err := verifyAll(testVerifier(), r, "s3")
			if codeOf(err) != tc.code {
				t.Fatalf("code = %q, want %q (err: %v)", codeOf(err), tc.code, err)
			}
			if tc.code == "" && (!res.Anonymous || body != "hello") {
				t.Errorf("res = %+v, body %q", res, body)
			}
		})
	}
}
