package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Fuzz tests: malformed input of any kind must give an error, never a panic.
// Run one with e.g. go test -run XXX -fuzz FuzzParseHeader -fuzztime 30s ./internal/sigv4/

func FuzzParseHeader(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261122/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20261122T120000Z")
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=,==", "20261122T120000Z")
	f.Add("AWS AKID:sig", "x")
	f.Add("AWS4-HMAC-SHA256 Credential=a/2026112/r/s/aws4_request,SignedHeaders=host,Signature=ab", "20261122T120000Z")
	f.Fuzz(func(t *testing.T, h, date string) {
		for _, svc := range []string{"s3", "sts"} {
			r := httptest.NewRequest("GET", "http://localhost/b/k?x=1", nil)
			r.Header.Set("Authorization", h)
			r.Header.Set("X-Amz-Date", date)
			r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			a, err := parseHeader(h, r.Header, errorsFor(svc))
			if err == nil && (a.akid == "" || len(a.date) != 8 || a.signature == "" || a.signedHeaders == "") {
				t.Fatalf("accepted %q as %+v", h, a)
			}
			if err == nil {
				// Only ever a parse of something well-formed: the scope's date
				// is the request's date.
				if a.amzDate[:8] != a.date {
					t.Fatalf("date %q accepted with scope %q", a.amzDate, a.date)
				}
			}
			if _, err := testVerifier().Verify(r, svc); err == nil && h != "" {
				t.Fatalf("verified a fuzzed header %q", h)
			}
		}
	})
}

func FuzzPresignedQuery(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Add("X-Amz-Date=&&&=%zz&X-Amz-Expires=-9999999999999999999999")
	f.Fuzz(func(t *testing.T, q string) {
		for _, svc := range []string{"s3", "iam"} {
			r := httptest.NewRequest("GET", "http://localhost/", nil)
			r.URL.RawQuery = q
			res, err := testVerifier().Verify(r, svc)
			if err == nil && !res.Anonymous {
				t.Fatalf("verified fuzzed query %q", q)
			}
			Scope(r)
		}
	})
}

// FuzzURI checks the canonical URI against the straightforward construction:
// each segment through url.PathUnescape (kept as sent when that fails), then
// uriEncode, and for services other than S3 encoded a second time.
func FuzzURI(f *testing.F) {
	for _, p := range []string{"/", "/b/k", "/b/a%20b", "/b/%zz", "/b/%4", "/b/50%", "/b/%7e!+", "//x//", "/b/%E2%82%AC"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		var once []byte
		for i, seg := range strings.Split(escaped, "/") {
			if i > 0 {
				once = append(once, '/')
			}
			if d, err := url.PathUnescape(seg); err == nil {
				seg = d
			}
			once = uriEncode(once, seg, true)
		}
		if escaped == "" {
			once = []byte("/")
		}
		if got := string(appendURI(nil, escaped, true)); got != string(once) {
			t.Errorf("s3 %q: got %q, want %q", escaped, got, once)
		}
		twice := string(uriEncode(nil, once, false))
		if escaped == "" {
			twice = "/"
		}
		if got := string(appendURI(nil, escaped, false)); got != twice {
			t.Errorf("%q: got %q, want %q", escaped, got, twice)
		}
	})
}

// FuzzSplitFive holds splitFive to strings.Split.
func FuzzSplitFive(f *testing.F) {
	f.Add("AKID/20261122/us-east-1/s3/aws4_request")
	f.Add("a//b/c/")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := splitFive(s)
		want := strings.Split(s, "/")
		if ok != (len(want) == 5) || ok && p != [5]string(want) {
			t.Errorf("%q: got %q, %v; strings.Split gives %q", s, p, ok, want)
		}
	})
}

// FuzzParseISOBasic holds parseISOBasic to time.Parse.
func FuzzParseISOBasic(f *testing.F) {
	f.Add("20261122T120000Z")
	f.Add("20240229T235959Z")
	f.Fuzz(func(t *testing.T, s string) {
		got, gerr := parseISOBasic(s)
		want, werr := time.Parse(isoBasic, s)
		if got != want || (gerr == nil) != (werr == nil) {
			t.Errorf("%q: got %v, %v; time.Parse gives %v, %v", s, got, gerr, want, werr)
		}
	})
}

func FuzzChunked(f *testing.F) {
	w := &chunkWriter{key: []byte("k"), amzDate: "20261122T120000Z", scope: "s", prev: "seed"}
	f.Add([]byte(w.body(4, "hello world", "x-amz-checksum-crc32:DUoRhQ==")), true, true)
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), false, true)
	f.Add([]byte("fffffffffffffff\r\n"), false, false)
	f.Add([]byte("1;chunk-signature=\r\n"), true, false)
	f.Fuzz(func(t *testing.T, body []byte, signed, trailer bool) {
		c := &chunkReader{br: bufio.NewReaderSize(bytes.NewReader(body), 4096), trailer: trailer, e: errorsFor("s3")}
		if signed {
			c.signer = &chunkSigner{key: newMacKey([]byte("k")), amzDate: "20261122T120000Z", scope: "s", prev: "seed"}
			c.hash = sha256.New()
		}
		b := &Body{src: c, closer: io.NopCloser(nil), chunks: c, e: errorsFor("s3"), wantN: -1}
		if trailer {
			c, _ := checksumNamed("x-amz-checksum-crc32")
			b.sum, b.sumName = c.new(), c.name
		}
		n, err := io.Copy(io.Discard, b)
		if n > int64(len(body)) {
			t.Fatalf("decoded %d bytes out of %d", n, len(body))
		}
		if err == nil && !c.done {
			t.Fatal("EOF before the final chunk")
		}
	})
}

// BenchmarkVerifySignedGET is the common case: an S3 GET with the signing key
// cached.
func BenchmarkVerifySignedGET(b *testing.B) {
	v := testVerifier()
	r := signed(b, "s3", "GET", "http://localhost:4566/bucket/some/key.txt?versionId=3", "", testNow, longTerm, nil)
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.0")
	if _, err := v.Verify(r, "s3"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, "s3"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySTSPost hashes a small form body, as IAM and STS requests do.
func BenchmarkVerifySTSPost(b *testing.B) {
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	v := testVerifier()
	r := signed(b, "sts", "POST", "http://localhost:4566/", body, testNow, longTerm,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
	b.ReportAllocs()
	for b.Loop() {
		r.Body = io.NopCloser(strings.NewReader(body))
		if _, err := v.Verify(r, "sts"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChunkedUpload decodes and verifies a 1 MiB signed aws-chunked body
// in 64 KiB chunks.
func BenchmarkChunkedUpload(b *testing.B) {
	data := strings.Repeat("x", 1<<20)
	w := &chunkWriter{key: signingKey(testSecret, "20261122", "us-east-1", "s3"), amzDate: "20261122T120000Z", scope: "20261122/us-east-1/s3/aws4_request", prev: strings.Repeat("0", 64)}
	body := w.body(64<<10, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c := &chunkReader{br: bufio.NewReaderSize(strings.NewReader(body), 4096), e: errorsFor("s3"), hash: sha256.New(),
			signer: &chunkSigner{key: newMacKey(w.key), amzDate: w.amzDate, scope: w.scope, prev: strings.Repeat("0", 64)}}
		if _, err := io.Copy(io.Discard, c); err != nil {
			b.Fatal(err)
		}
	}
}
