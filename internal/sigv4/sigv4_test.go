package sigv4

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doppel-aws/doppel/internal/awserr"
)

const (
	testAKID    = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tempAKID    = "ASIAIOSFODNN7EXAMPLE"
	tempSecret  = "temporary/secret/key"
	goodToken   = "good-token"
	expiredTokn = "expired-token"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

var (
	longTerm  = aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	temporary = aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecret, SessionToken: goodToken}
)

func testLookup(_ context.Context, id, token string) (string, error) {
	switch id {
	case testAKID:
		if token != "" {
			return "", ErrInvalidToken
		}
		return testSecret, nil
	case tempAKID:
		switch token {
		case goodToken:
			return tempSecret, nil
		case expiredTokn:
			return "", ErrExpiredToken
		}
		return "", ErrInvalidToken
	}
	return "", ErrUnknownAccessKey
}

func testVerifier() *Verifier {
	return &Verifier{Lookup: testLookup, Now: func() time.Time { return testNow }}
}

func hexSHA(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// signed builds a server-side request and signs it with aws-sdk-go-v2's
// signer, the way the SDK's clients do for service (S3: the path escaped
// once, x-amz-content-sha256 set).
func signed(t testing.TB, service, method, target, body string, at time.Time, creds aws.Credentials, hdr map[string]string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if body != "" {
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	payload := hexSHA(body)
	if service == "s3" {
		if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
			payload = h
		} else {
			r.Header.Set("X-Amz-Content-Sha256", payload)
		}
	}
	err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payload, service, "us-east-1", at, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == "s3"
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// presigned builds a presigned URL with the SDK's signer and returns the
// server-side request for it.
func presigned(t testing.TB, service, method, target string, at time.Time, expires string, creds aws.Credentials) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	if expires != "" {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", expires)
		r.URL.RawQuery = q.Encode()
	}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, unsignedHash, service, "us-east-1", at, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == "s3"
	})
	if err != nil {
		t.Fatal(err)
	}
	return httptest.NewRequest(method, u, nil)
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *awserr.Error
	if !errors.As(err, &e) {
		return "not an awserr: " + err.Error()
	}
	return e.Code
}

func field(err error, name string) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if f.Name == name {
				return f.Value
			}
		}
	}
	return ""
}

// verifyAll verifies r and reads its body to the end, as a handler would, so
// errors that come from the body count too.
func verifyAll(v *Verifier, r *http.Request, service string) (*Result, string, error) {
	res, err := v.Verify(r, service)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(r.Body)
	return res, string(b), err
}

func TestVerifyValid(t *testing.T) {
	for _, tc := range []struct {
		name    string
		service string
		req     func(t *testing.T) *http.Request
		wantKey string
		body    string
	}{
		{"s3 GET", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "GET", "http://localhost:4566/bucket/key?list-type=2&prefix=a%2Fb", "", testNow, longTerm, nil)
		}, testAKID, ""},
		{"s3 PUT with body and metadata", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "PUT", "http://bucket.localhost:4566/dir/obj.txt", "hello world", testNow, longTerm,
				map[string]string{"X-Amz-Meta-Note": "  two   spaces  ", "Content-Type": "text/plain"})
		}, testAKID, "hello world"},
		{"s3 key needing escapes", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "GET", "http://localhost:4566/bucket/a%20b/c%2Bd/%E2%82%AC%21%2A", "", testNow, longTerm, nil)
		}, testAKID, ""},
		{"s3 UNSIGNED-PAYLOAD", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "PUT", "http://localhost:4566/bucket/k", "data", testNow, longTerm,
				map[string]string{"X-Amz-Content-Sha256": unsignedHash})
		}, testAKID, "data"},
		{"s3 Content-MD5", "s3", func(t *testing.T) *http.Request {
			sum := md5.Sum([]byte("data"))
			return signed(t, "s3", "PUT", "http://localhost:4566/bucket/k", "data", testNow, longTerm,
				map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
		}, testAKID, "data"},
		{"sts POST form body", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity&Version=2011-06-15", testNow, longTerm,
				map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
		}, testAKID, "Action=GetCallerIdentity&Version=2011-06-15"},
		{"iam path double-encoded", "iam", func(t *testing.T) *http.Request {
			return signed(t, "iam", "GET", "http://localhost:4566/some%20path/x?Action=ListUsers&Version=2010-05-08", "", testNow, longTerm, nil)
		}, testAKID, ""},
		{"session token", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity&Version=2011-06-15", testNow, temporary, nil)
		}, tempAKID, "Action=GetCallerIdentity&Version=2011-06-15"},
		{"14 minutes skew", "iam", func(t *testing.T) *http.Request {
			return signed(t, "iam", "GET", "http://localhost:4566/?Action=ListUsers", "", testNow.Add(-14*time.Minute), longTerm, nil)
		}, testAKID, ""},
		{"s3 presigned GET", "s3", func(t *testing.T) *http.Request {
			return presigned(t, "s3", "GET", "http://localhost:4566/bucket/key", testNow.Add(-time.Hour), "7200", longTerm)
		}, testAKID, ""},
		{"s3 presigned with token", "s3", func(t *testing.T) *http.Request {
			return presigned(t, "s3", "GET", "http://localhost:4566/bucket/key", testNow, "60", temporary)
		}, tempAKID, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body, err := verifyAll(testVerifier(), tc.req(t), tc.service)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.Anonymous || res.AccessKeyID != tc.wantKey || res.Service != tc.service || res.Region != "us-east-1" {
				t.Errorf("result = %+v", res)
			}
			if body != tc.body {
				t.Errorf("body = %q, want %q", body, tc.body)
			}
		})
	}
}

func TestVerifyResultFields(t *testing.T) {
	r := presigned(t, "s3", "GET", "http://localhost:4566/bucket/key", testNow, "60", temporary)
	res, err := testVerifier().Verify(r, "s3")
	if err != nil {
		t.Fatal(err)
	}
	want := Result{AccessKeyID: tempAKID, SessionToken: goodToken, Region: "us-east-1", Service: "s3",
		SignedAt: testNow, Presigned: true, Expires: testNow.Add(time.Minute)}
	if *res != want {
		t.Errorf("got %+v\nwant %+v", *res, want)
	}
}

func TestVerifyAnonymous(t *testing.T) {
	for _, svc := range []string{"s3", "sts"} {
		r := httptest.NewRequest("GET", "http://localhost:4566/bucket/key", nil)
		res, err := testVerifier().Verify(r, svc)
		if err != nil || !res.Anonymous || res.Service != svc {
			t.Errorf("%s: res=%+v err=%v", svc, res, err)
		}
	}
}

// TestVerifyRefused signs with the SDK, then breaks one thing.
func TestVerifyRefused(t *testing.T) {
	s3get := func(t *testing.T) *http.Request {
		return signed(t, "s3", "GET", "http://localhost:4566/bucket/key?versionId=1", "", testNow, longTerm,
			map[string]string{"X-Amz-Meta-A": "b", "Range": "bytes=0-9"})
	}
	s3put := func(t *testing.T) *http.Request {
		return signed(t, "s3", "PUT", "http://localhost:4566/bucket/key", "payload", testNow, longTerm, nil)
	}
	stsPost := func(t *testing.T) *http.Request {
		return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity&Version=2011-06-15", testNow, longTerm,
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	}
	setAuth := func(old, new string) func(*http.Request) {
		return func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		}
	}
	for _, tc := range []struct {
		name     string
		service  string
		req      func(t *testing.T) *http.Request
		tamper   func(r *http.Request)
		code     string
		status   int
		inMsg    string
		hasField string
	}{
		// Every signed part of the request.
		{"s3 signed header value", "s3", s3get, func(r *http.Request) { r.Header.Set("X-Amz-Meta-A", "c") }, "SignatureDoesNotMatch", 403, "Check your key and signing method.", "CanonicalRequest"},
		{"s3 range header", "s3", s3get, func(r *http.Request) { r.Header.Set("Range", "bytes=0-10") }, "SignatureDoesNotMatch", 403, "", "StringToSign"},
		{"s3 host", "s3", s3get, func(r *http.Request) { r.Host = "other:4566" }, "SignatureDoesNotMatch", 403, "", "AWSAccessKeyId"},
		{"s3 path", "s3", s3get, func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/bucket/kez", "" }, "SignatureDoesNotMatch", 403, "", ""},
		{"s3 query", "s3", s3get, func(r *http.Request) { r.URL.RawQuery = "versionId=2" }, "SignatureDoesNotMatch", 403, "", ""},
		{"s3 method", "s3", s3get, func(r *http.Request) { r.Method = "DELETE" }, "SignatureDoesNotMatch", 403, "", ""},
		{"s3 x-amz-date", "s3", s3get, func(r *http.Request) { r.Header.Set("X-Amz-Date", testNow.Add(time.Second).Format(isoBasic)) }, "SignatureDoesNotMatch", 403, "", ""},
		{"s3 signature", "s3", s3get, func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-1]+string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", h[len(h)-1])+1)%16]))
		}, "SignatureDoesNotMatch", 403, "", ""},
		{"s3 signature not hex", "s3", s3get, setAuth("Signature=", "Signature=zz"), "SignatureDoesNotMatch", 403, "", ""},
		{"s3 scope region", "s3", s3get, setAuth("/us-east-1/", "/eu-west-1/"), "SignatureDoesNotMatch", 403, "", ""},
		{"s3 payload hash header", "s3", s3put, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", hexSHA("other")) }, "SignatureDoesNotMatch", 403, "", ""},
		{"s3 body", "s3", s3put, func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("PAYLOAD")) }, "XAmzContentSHA256Mismatch", 400, "does not match what was computed", "S3ComputedContentSHA256"},
		{"s3 body truncated", "s3", s3put, func(r *http.Request) { r.Body = io.NopCloser(strings.NewReader("pay")) }, "XAmzContentSHA256Mismatch", 400, "", ""},
		{"sts body", "sts", stsPost, func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader("Action=GetCallerIdentity&Version=2011-06-16"))
		}, "SignatureDoesNotMatch", 403, "Check your AWS Secret Access Key and signing method.", ""},
		{"sts content-type", "sts", stsPost, func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, "SignatureDoesNotMatch", 403, "", ""},
		{"sts scope region", "sts", stsPost, setAuth("/us-east-1/", "/us-west-2/"), "SignatureDoesNotMatch", 403, "", ""},

		{"s3 unsigned x-amz header added", "s3", s3get, func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") }, "AccessDenied", 403, "There were headers present in the request which were not signed", "HeadersNotSigned"},
		{"s3 presigned x-amz header added", "s3", func(t *testing.T) *http.Request {
			return presigned(t, "s3", "PUT", "http://localhost:4566/b/k", testNow, "60", longTerm)
		}, func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") }, "AccessDenied", 403, "", "HeadersNotSigned"},

		// Whose key.
		{"s3 unknown key", "s3", s3get, setAuth(testAKID, "AKIAUNKNOWN"), "InvalidAccessKeyId", 403, "does not exist in our records", "AWSAccessKeyId"},
		{"sts unknown key", "sts", stsPost, setAuth(testAKID, "AKIAUNKNOWN"), "InvalidClientTokenId", 403, "The security token included in the request is invalid.", ""},
		{"s3 token on long-term key", "s3", s3get, func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "x") }, "InvalidToken", 400, "malformed or otherwise invalid", "Token-0"},
		{"sts token on long-term key", "sts", stsPost, func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "x") }, "InvalidClientTokenId", 403, "", ""},
		{"s3 expired token", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "GET", "http://localhost:4566/b/k", "", testNow, aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecret, SessionToken: expiredTokn}, nil)
		}, nil, "ExpiredToken", 400, "The provided token has expired.", ""},
		{"sts expired token", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity", testNow, aws.Credentials{AccessKeyID: tempAKID, SecretAccessKey: tempSecret, SessionToken: expiredTokn}, nil)
		}, nil, "ExpiredToken", 403, "The security token included in the request is expired", ""},
		{"sts token tampered", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity", testNow, temporary, nil)
		}, func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "forged") }, "InvalidClientTokenId", 403, "", ""},
		{"s3 wrong secret", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "GET", "http://localhost:4566/b/k", "", testNow, aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "wrong"}, nil)
		}, nil, "SignatureDoesNotMatch", 403, "", ""},

		// When.
		{"s3 16 minutes late", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "GET", "http://localhost:4566/b/k", "", testNow.Add(-16*time.Minute), longTerm, nil)
		}, nil, "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.", "MaxAllowedSkewMilliseconds"},
		{"s3 16 minutes early", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "GET", "http://localhost:4566/b/k", "", testNow.Add(16*time.Minute), longTerm, nil)
		}, nil, "RequestTimeTooSkewed", 403, "", "ServerTime"},
		{"sts 16 minutes late", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity", testNow.Add(-16*time.Minute), longTerm, nil)
		}, nil, "SignatureDoesNotMatch", 403, "Signature expired: 20261122T114400Z is now earlier than 20261122T114500Z (20261122T120000Z - 15 min.)", ""},
		{"sts 16 minutes early", "sts", func(t *testing.T) *http.Request {
			return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity", testNow.Add(16*time.Minute), longTerm, nil)
		}, nil, "SignatureDoesNotMatch", 403, "Signature not yet current: 20261122T121600Z is still later than 20261122T121500Z (20261122T120000Z + 15 min.)", ""},
		{"s3 scope date", "s3", s3get, setAuth("/20261122/", "/20261121/"), "AuthorizationHeaderMalformed", 400, `Invalid credential date "20261121". This date is not the same as X-Amz-Date: "20261122".`, ""},
		{"sts scope date", "sts", stsPost, setAuth("/20261122/", "/20261121/"), "IncompleteSignature", 400, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T120000Z'.", ""},
		{"s3 no date", "s3", s3get, func(r *http.Request) { r.Header.Del("X-Amz-Date") }, "AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header", ""},
		{"s3 bad date", "s3", s3get, func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-22") }, "AccessDenied", 403, "", ""},
		{"sts no date", "sts", stsPost, func(r *http.Request) { r.Header.Del("X-Amz-Date") }, "IncompleteSignature", 400, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", ""},

		// Scope and header syntax.
		{"s3 scope service", "s3", s3get, setAuth("/s3/", "/iam/"), "AuthorizationHeaderMalformed", 400, `incorrect service "iam". This endpoint belongs to "s3".`, ""},
		{"sts scope service", "sts", stsPost, setAuth("/sts/", "/iam/"), "IncompleteSignature", 400, "Credential should be scoped to correct service: 'sts'.", ""},
		{"s3 scope terminator", "s3", s3get, setAuth("aws4_request", "aws4_reqest"), "AuthorizationHeaderMalformed", 400, "the Credential is mal-formed", ""},
		{"sts scope terminator", "sts", stsPost, setAuth("aws4_request", "aws4_reqest"), "IncompleteSignature", 400, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'.", ""},
		{"sts scope short", "sts", stsPost, setAuth("/sts/aws4_request", "/aws4_request"), "IncompleteSignature", 400, "Credential must have exactly 5 slash-delimited elements", ""},
		{"s3 empty key", "s3", s3get, setAuth("Credential="+testAKID, "Credential="), "AuthorizationHeaderMalformed", 400, "a non-empty Access Key (AKID) must be provided in the credential.", ""},
		{"s3 no signature", "s3", s3get, func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}, "AuthorizationHeaderMalformed", 400, "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.", ""},
		{"sts no signature", "sts", stsPost, func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}, "IncompleteSignature", 400, "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=", ""},
		{"sts missing equal sign", "sts", stsPost, setAuth("Credential=", "Credential "), "IncompleteSignature", 400, "not a valid key=value pair (missing equal-sign) in Authorization header", ""},
		{"sts other scheme", "sts", stsPost, func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, "IncompleteSignature", 400, "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc", ""},
		{"s3 signature v2 without a date", "s3", s3get, func(r *http.Request) { r.Header.Set("Authorization", "AWS AKIA:c2ln") }, "AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header", ""},
		{"s3 signature v2 header without a colon", "s3", s3get, func(r *http.Request) { r.Header.Set("Authorization", "AWS AKIA") }, "InvalidArgument", 400, "Expected AwsAccessKeyId:signature", ""},
		{"s3 other scheme", "s3", s3get, func(r *http.Request) { r.Header.Set("Authorization", "Bearer x") }, "InvalidArgument", 400, "Unsupported Authorization Type", "ArgumentName"},
		{"s3 header and query", "s3", s3get, func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" }, "InvalidArgument", 400, "Only one auth mechanism allowed", ""},

		// Payload declarations.
		{"s3 no content sha256", "s3", s3get, func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, "InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256", ""},
		{"s3 bad content sha256", "s3", s3get, func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "abc") }, "InvalidArgument", 400, "x-amz-content-sha256 must be", ""},
		{"s3 bad Content-MD5", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "PUT", "http://localhost:4566/b/k", "data", testNow, longTerm, map[string]string{"Content-MD5": "nope"})
		}, nil, "InvalidDigest", 400, "The Content-MD5 you specified is not valid.", ""},
		{"s3 wrong Content-MD5", "s3", func(t *testing.T) *http.Request {
			sum := md5.Sum([]byte("other"))
			return signed(t, "s3", "PUT", "http://localhost:4566/b/k", "data", testNow, longTerm,
				map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(sum[:])})
		}, nil, "BadDigest", 400, "The Content-MD5 you specified did not match what we received.", "CalculatedDigest"},
		{"s3 wrong checksum header", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "PUT", "http://localhost:4566/b/k", "data", testNow, longTerm,
				map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="})
		}, nil, "BadDigest", 400, "The CRC32 you specified did not match the calculated checksum.", ""},
		{"s3 malformed checksum header", "s3", func(t *testing.T) *http.Request {
			return signed(t, "s3", "PUT", "http://localhost:4566/b/k", "data", testNow, longTerm,
				map[string]string{"X-Amz-Checksum-Sha256": "AAAAAA=="})
		}, nil, "InvalidRequest", 400, "Value for x-amz-checksum-sha256 header is invalid.", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req(t)
			if tc.tamper != nil {
				tc.tamper(r)
			}
			_, _, err := verifyAll(testVerifier(), r, tc.service)
			if codeOf(err) != tc.code {
				t.Fatalf("code = %q, want %q (err: %v)", codeOf(err), tc.code, err)
			}
			e := awserr.From(err)
			if e.Status != tc.status {
				t.Errorf("status = %d, want %d", e.Status, tc.status)
			}
			if !strings.Contains(e.Message, tc.inMsg) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tc.inMsg)
			}
			if tc.hasField != "" && field(err, tc.hasField) == "" {
				t.Errorf("no %s field in %+v", tc.hasField, e.Fields)
			}
		})
	}
}

func TestVerifyPresignedRefused(t *testing.T) {
	get := func(expires string) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			return presigned(t, "s3", "GET", "http://localhost:4566/bucket/key?x-id=GetObject", testNow.Add(-time.Hour), expires, longTerm)
		}
	}
	editQuery := func(old, new string) func(*http.Request) {
		return func(r *http.Request) { r.URL.RawQuery = strings.Replace(r.URL.RawQuery, old, new, 1) }
	}
	dropParam := func(name string) func(*http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Del(name)
			r.URL.RawQuery = q.Encode()
		}
	}
	for _, tc := range []struct {
		name    string
		service string
		req     func(t *testing.T) *http.Request
		tamper  func(*http.Request)
		code    string
		inMsg   string
	}{
		{"expired", "s3", get("3599"), nil, "AccessDenied", "Request has expired"},
		{"expiry stretched", "s3", get("3599"), editQuery("X-Amz-Expires=3599", "X-Amz-Expires=3601"), "SignatureDoesNotMatch", ""},
		{"more than a week", "s3", get("3600"), editQuery("X-Amz-Expires=3600", "X-Amz-Expires=604801"), "AuthorizationQueryParametersError", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"negative expiry", "s3", get("3600"), editQuery("X-Amz-Expires=3600", "X-Amz-Expires=-1"), "AuthorizationQueryParametersError", "X-Amz-Expires must be non-negative"},
		{"expiry not a number", "s3", get("3600"), editQuery("X-Amz-Expires=3600", "X-Amz-Expires=soon"), "AuthorizationQueryParametersError", "X-Amz-Expires should be a number"},
		{"no expires", "s3", get("3600"), dropParam("X-Amz-Expires"), "AuthorizationQueryParametersError", "Query-string authentication version 4 requires"},
		{"no signature", "s3", get("3600"), dropParam("X-Amz-Signature"), "AuthorizationQueryParametersError", "Query-string authentication version 4 requires"},
		{"only a date", "s3", get("3600"), func(r *http.Request) { r.URL.RawQuery = "X-Amz-Date=20261122T120000Z" }, "AuthorizationQueryParametersError", ""},
		{"only a token", "s3", get("3600"), func(r *http.Request) { r.URL.RawQuery = "X-Amz-Security-Token=abc" }, "AuthorizationQueryParametersError", ""},
		{"other algorithm", "s3", get("3600"), editQuery("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1"), "AuthorizationQueryParametersError", `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"bad credential", "s3", get("3600"), editQuery("aws4_request", "aws5_request"), "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed"},
		{"tampered query", "s3", get("3600"), editQuery("x-id=GetObject", "x-id=PutObject"), "SignatureDoesNotMatch", ""},
		{"tampered path", "s3", get("3600"), func(r *http.Request) { r.URL.Path = "/bucket/other" }, "SignatureDoesNotMatch", ""},
		{"tampered date", "s3", get("3600"), editQuery("T110000Z", "T110001Z"), "SignatureDoesNotMatch", ""},
		{"unknown key", "s3", get("3600"), editQuery(testAKID, "AKIAOTHER"), "InvalidAccessKeyId", ""},
		{"not valid yet", "s3", func(t *testing.T) *http.Request {
			return presigned(t, "s3", "GET", "http://localhost:4566/bucket/key", testNow.Add(time.Hour), "60", longTerm)
		}, nil, "AccessDenied", "Request is not valid yet"},
		{"sts presigned too old", "sts", func(t *testing.T) *http.Request {
			return presigned(t, "sts", "GET", "http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15", testNow.Add(-20*time.Minute), "3600", longTerm)
		}, nil, "SignatureDoesNotMatch", "Signature expired"},
		{"sts presigned missing param", "sts", func(t *testing.T) *http.Request {
			return presigned(t, "sts", "GET", "http://localhost:4566/?Action=GetCallerIdentity", testNow, "60", longTerm)
		}, dropParam("X-Amz-SignedHeaders"), "IncompleteSignature", "AWS query-string parameters must include 'X-Amz-SignedHeaders'."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req(t)
			if tc.tamper != nil {
				tc.tamper(r)
			}
			_, err := testVerifier().Verify(r, tc.service)
			if codeOf(err) != tc.code {
				t.Fatalf("code = %q, want %q (err: %v)", codeOf(err), tc.code, err)
			}
			if !strings.Contains(awserr.From(err).Message, tc.inMsg) {
				t.Errorf("message = %q, want it to contain %q", awserr.From(err).Message, tc.inMsg)
			}
		})
	}
}

func authorized(h string) *http.Request {
	r := httptest.NewRequest("GET", "http://localhost/", nil)
	r.Header.Set("Authorization", h)
	return r
}

func TestScope(t *testing.T) {
	for _, tc := range []struct {
		name            string
		req             *http.Request
		service, region string
		ok              bool
	}{
		{"header", signed(t, "iam", "GET", "http://localhost/?Action=ListUsers", "", testNow, longTerm, nil), "iam", "us-east-1", true},
		{"presigned", presigned(t, "s3", "GET", "http://localhost/b/k", testNow, "60", longTerm), "s3", "us-east-1", true},
		{"unsigned", httptest.NewRequest("GET", "http://localhost/b/k", nil), "", "", false},
		{"garbage header", func() *http.Request {
			r := httptest.NewRequest("GET", "http://localhost/", nil)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b/c")
			return r
		}(), "", "", false},
		{"credential ended by a comma", authorized("AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/sts/aws4_request,SignedHeaders=host,Signature=00"), "sts", "eu-west-1", true},
		{"credential ended by a space", authorized("AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/sts/aws4_request SignedHeaders=host"), "sts", "eu-west-1", true},
		{"credential last", authorized("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00, Credential=AKID/20261122/eu-west-1/iam/aws4_request"), "iam", "eu-west-1", true},
		{"bad date in credential", authorized("AWS4-HMAC-SHA256 Credential=AKID/2026112/eu-west-1/iam/aws4_request, SignedHeaders=host"), "", "", false},
		{"no credential", authorized("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"), "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, region, ok := Scope(tc.req)
			if svc != tc.service || region != tc.region || ok != tc.ok {
				t.Errorf("Scope = %q, %q, %v; want %q, %q, %v", svc, region, ok, tc.service, tc.region, tc.ok)
			}
		})
	}
}

func TestVerifyDateHeader(t *testing.T) {
	// SigV4 accepts the Date header when X-Amz-Date is absent, as an HTTP
	// date or in the ISO 8601 basic form; the string to sign carries the
	// ISO 8601 basic timestamp either way.
	for _, date := range []string{testNow.Format(http.TimeFormat), testNow.Format(isoBasic)} {
		r := httptest.NewRequest("GET", "http://localhost:4566/?Action=ListUsers", nil)
		r.Header.Set("Date", date)
		a := auth{akid: testAKID, date: "20261122", region: "us-east-1", service: "iam", signedHeaders: "date;host", amzDate: testNow.Format(isoBasic)}
		canonical := canonicalRequest(r, &a, appendQueryParams(nil, r.URL.RawQuery), emptySHA256, false)
		sum := sha256.Sum256([]byte(canonical))
		sts := algorithm + "\n" + a.amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
		sig := hex.EncodeToString(hmacSHA256(signingKey(testSecret, a.date, a.region, a.service), sts))
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20261122/us-east-1/iam/aws4_request, SignedHeaders=date;host, Signature="+sig)
		if _, err := testVerifier().Verify(r, "iam"); err != nil {
			t.Errorf("Date: %s: %v", date, err)
		}
	}
}

func TestCanonicalHeaderFolding(t *testing.T) {
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	r.Header.Add("X-Amz-Meta-A", "  a   b  c ")
	r.Header.Add("X-Amz-Meta-A", "d")
	r.Header.Set("Content-Length", "5")
	for name, want := range map[string]string{"x-amz-meta-a": "a b c,d", "host": "example.com", "content-length": "5", "x-absent": ""} {
		if got := string(appendHeaderValue(nil, r, name)); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestURIEncoding(t *testing.T) {
	for _, tc := range []struct {
		name, escaped string
		s3            bool
		want          string
	}{
		{"root", "/", false, "/"},
		{"empty", "", true, "/"},
		{"s3 once", "/b/a%20b", true, "/b/a%20b"},
		{"others twice", "/a%20b", false, "/a%2520b"},
		{"s3 normalizes escapes", "/b/~x%7e!", true, "/b/~x~%21"},
		{"s3 keeps encoded slash", "/b/a%2Fb", true, "/b/a%2Fb"},
		{"s3 double slash kept", "/b//k", true, "/b//k"},
		{"s3 bad escape kept as sent", "/b/a%zz", true, "/b/a%25zz"},
		{"s3 short escape", "/b/%4", true, "/b/%254"},
		{"s3 trailing percent", "/b/50%", true, "/b/50%25"},
		{"s3 one bad escape spoils the segment", "/b/%41%zz/%41", true, "/b/%2541%25zz/A"},
		{"others bad escape", "/a%zz", false, "/a%2525zz"},
		{"others long path", "/" + strings.Repeat("%C3%A9", 40), false, "/" + strings.Repeat("%25C3%25A9", 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendURI([]byte("prefix"), tc.escaped, tc.s3)); got != "prefix"+tc.want {
				t.Errorf("got %q, want %q", got, "prefix"+tc.want)
			}
		})
	}
}

func TestKeyCacheBounded(t *testing.T) {
	var c keyCache
	first := c.get("s", "20260101", "r", "svc").raw
	for i := 0; i < keyCacheSize+10; i++ {
		c.get("s", "20260101", strconv.Itoa(i), "svc")
	}
	if len(c.m) > keyCacheSize {
		t.Errorf("cache holds %d keys, bound is %d", len(c.m), keyCacheSize)
	}
	if again := c.get("s", "20260101", "r", "svc").raw; !bytes.Equal(first, again) {
		t.Error("key changed after eviction")
	}
}

// TestKeyCacheRightKey: whatever the cache kept last or holds, each caller
// gets the key of its own secret and scope, also when callers interleave.
func TestKeyCacheRightKey(t *testing.T) {
	var c keyCache
	scopes := [][4]string{
		{"s1", "20261122", "us-east-1", "s3"},
		{"s2", "20261122", "us-east-1", "s3"},
		{"s1", "20261123", "us-east-1", "s3"},
		{"s1", "20261122", "eu-west-1", "s3"},
		{"s1", "20261122", "us-east-1", "sts"},
		{"s1\x0020261122", "us-east-1", "s3", ""}, // the separator cannot shift fields
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				sc := scopes[(i+g)%len(scopes)]
				got := c.get(sc[0], sc[1], sc[2], sc[3]).raw
				if want := signingKey(sc[0], sc[1], sc[2], sc[3]); !bytes.Equal(got, want) {
					t.Errorf("%q: wrong key", sc)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestErrorHelpers(t *testing.T) {
	for _, tc := range []struct {
		name        string
		err         *awserr.Error
		code, msg   string
		status      int
		regionField string
	}{
		{"missing token", MissingAuthenticationToken(), "MissingAuthenticationToken", "Request is missing Authentication Token", 403, ""},
		{"wrong region header", WrongRegion("us-east-1", "eu-central-1", false), "AuthorizationHeaderMalformed",
			"The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'", 400, "eu-central-1"},
		{"wrong region query", WrongRegion("us-east-1", "eu-central-1", true), "AuthorizationQueryParametersError",
			"Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-central-1'", 400, "eu-central-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err.Code != tc.code || tc.err.Message != tc.msg || tc.err.Status != tc.status || field(tc.err, "Region") != tc.regionField {
				t.Errorf("got %+v", tc.err)
			}
		})
	}
}

func TestMacKeyIsHMAC(t *testing.T) {
	for _, key := range []string{"", "k", strings.Repeat("x", 32)} {
		for _, msg := range []string{"", "abc", strings.Repeat("m", 200)} {
			k := newMacKey([]byte(key))
			got := k.sum([]byte(msg))
			if want := hmacSHA256([]byte(key), msg); string(got[:]) != string(want) {
				t.Errorf("key %q msg %q: got %x, want %x", key, msg, got, want)
			}
			// Without saved states (digests that cannot be restored, as
			// under some FIPS modules) sum falls back to crypto/hmac.
			plain := &macKey{raw: []byte(key)}
			if again := plain.sum([]byte(msg)); again != got {
				t.Errorf("key %q msg %q: fallback gives %x, want %x", key, msg, again, got)
			}
		}
	}
}

func TestSplitFive(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		last string
	}{
		{"a/b/c/d/e", true, "e"},
		{"////", true, ""},
		{"a/b/c/d", false, ""},
		{"a/b/c/d/e/f", false, ""},
		{"", false, ""},
		{"a/b/c/d/e/", false, ""},
		{"/a/b/c/d", true, "d"},
	} {
		p, ok := splitFive(tc.in)
		if ok != tc.ok || (ok && p[4] != tc.last) {
			t.Errorf("splitFive(%q) = %q, %v", tc.in, p, ok)
		}
	}
}

func TestParseISOBasic(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"usual", "20261122T120000Z"},
		{"end of year", "20261231T235959Z"},
		{"leap day", "20240229T000000Z"},
		{"not a leap year", "20260229T000000Z"},
		{"century not leap", "21000229T000000Z"},
		{"400 years leap", "20000229T000000Z"},
		{"month 13", "20261322T120000Z"},
		{"month 0", "20260022T120000Z"},
		{"day 0", "20261100T120000Z"},
		{"day 31 of 30", "20261131T120000Z"},
		{"hour 24", "20261122T240000Z"},
		{"minute 60", "20261122T126000Z"},
		{"leap second", "20261122T235960Z"},
		{"year 0", "00000101T000000Z"},
		{"fractional seconds", "20261122T120000.5Z"},
		{"lower-case t", "20261122t120000Z"},
		{"no Z", "20261122T120000"},
		{"letter", "2026112xT120000Z"},
		{"sign", "+0261122T120000Z"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, gerr := parseISOBasic(tc.in)
			want, werr := time.Parse(isoBasic, tc.in)
			if got != want || (gerr == nil) != (werr == nil) {
				t.Errorf("got %v, %v; time.Parse gives %v, %v", got, gerr, want, werr)
			}
		})
	}
}

// TestGetNamesCanonical guards get, which skips canonicalizing: every name
// the package looks up with it must already be in net/http's canonical form.
func TestGetNamesCanonical(t *testing.T) {
	src, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\bget\((?:r\.Header|hdr|h), "([^"]+)"\)`)
	n := 0
	for _, f := range src {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			if c := http.CanonicalHeaderKey(m[1]); c != m[1] {
				t.Errorf("%s: get(..., %q) should be %q", f.Name(), m[1], c)
			}
		}
	}
	if n < 5 {
		t.Errorf("found only %d get calls; has the helper been renamed?", n)
	}
}
