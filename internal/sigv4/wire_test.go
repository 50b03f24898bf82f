package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// signAs signs r the way a hand-rolled client would, over signedHeaders as
// given: the SDK's signer always signs host, so it cannot make the requests
// these tests need.
func signAs(r *http.Request, service, signedHeaders string) {
	r.Header.Set("X-Amz-Date", testNow.Format(isoBasic))
	if service == "s3" {
		r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	}
	a := auth{akid: testAKID, date: "20261122", region: "us-east-1", service: service, signedHeaders: signedHeaders, amzDate: testNow.Format(isoBasic)}
	canonical := canonicalRequest(r, &a, appendQueryParams(nil, r.URL.RawQuery), emptySHA256, service == "s3")
	sum := sha256.Sum256([]byte(canonical))
	sts := algorithm + "\n" + a.amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
	sig := hex.EncodeToString(hmacSHA256(signingKey(testSecret, a.date, a.region, a.service), sts))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testAKID+"/20261122/"+a.region+"/"+service+"/aws4_request, SignedHeaders="+signedHeaders+", Signature="+sig)
}

// presignAs is presigned's counterpart of signAs.
func presignAs(target, signedHeaders string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	q := url.Values{
		"X-Amz-Algorithm":     {algorithm},
		"X-Amz-Credential":    {testAKID + "/20261122/us-east-1/s3/aws4_request"},
		"X-Amz-Date":          {testNow.Format(isoBasic)},
		"X-Amz-Expires":       {"600"},
		"X-Amz-SignedHeaders": {signedHeaders},
	}
	r.URL.RawQuery = q.Encode()
	a := auth{akid: testAKID, date: "20261122", region: "us-east-1", service: "s3", signedHeaders: signedHeaders, amzDate: testNow.Format(isoBasic), presigned: true}
	canonical := canonicalRequest(r, &a, appendQueryParams(nil, r.URL.RawQuery), unsignedHash, true)
	sum := sha256.Sum256([]byte(canonical))
	sts := algorithm + "\n" + a.amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
	q.Set("X-Amz-Signature", hex.EncodeToString(hmacSHA256(signingKey(testSecret, a.date, a.region, a.service), sts)))
	r.URL.RawQuery = q.Encode()
	return r
}

func TestHostMustBeSigned(t *testing.T) {
	for _, tc := range []struct {
		name, service string
		req           func() *http.Request
		code          string
		status        int
		msg           string
	}{
		{"s3 header", "s3", func() *http.Request {
			r := httptest.NewRequest("GET", "http://bucket-a.localhost:4566/key", nil)
			signAs(r, "s3", "x-amz-content-sha256;x-amz-date")
			r.Host = "bucket-b.localhost:4566" // the replay: another bucket, same signature
			return r
		}, "AccessDenied", 403, "There were headers present in the request which were not signed"},
		{"s3 presigned", "s3", func() *http.Request {
			r := presignAs("http://localhost:4566/bucket-a/key", "x-amz-date")
			r.Host = "bucket-b.localhost:4566"
			return r
		}, "AccessDenied", 403, "There were headers present in the request which were not signed"},
		{"sts header", "sts", func() *http.Request {
			r := httptest.NewRequest("GET", "http://localhost:4566/?Action=GetCallerIdentity&Version=2011-06-15", nil)
			signAs(r, "sts", "x-amz-date")
			return r
		}, "SignatureDoesNotMatch", 403, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testVerifier().Verify(tc.req(), tc.service)
			e := awserr.From(err)
			if err == nil || e.Code != tc.code || e.Status != tc.status || e.Message != tc.msg {
				t.Fatalf("got %v, want %d %s %q", err, tc.status, tc.code, tc.msg)
			}
			if tc.service == "s3" && field(err, "HeadersNotSigned") != "host" {
				t.Errorf("HeadersNotSigned = %q, want host", field(err, "HeadersNotSigned"))
			}
		})
	}
	// The same hand-rolled signing with host signed is accepted: the refusals
	// above are about host, not about signAs.
	r := httptest.NewRequest("GET", "http://bucket-a.localhost:4566/key", nil)
	signAs(r, "s3", "host;x-amz-content-sha256;x-amz-date")
	if _, err := testVerifier().Verify(r, "s3"); err != nil {
		t.Fatalf("host signed: %v", err)
	}
	if _, err := testVerifier().Verify(presignAs("http://localhost:4566/bucket-a/key", "host"), "s3"); err != nil {
		t.Fatalf("presigned, host signed: %v", err)
	}
}

func TestRepeatedHeadersRefused(t *testing.T) {
	s3get := func(t *testing.T) *http.Request {
		return signed(t, "s3", "GET", "http://localhost:4566/bucket/key", "", testNow, longTerm, nil)
	}
	stsPost := func(t *testing.T) *http.Request {
		return signed(t, "sts", "POST", "http://localhost:4566/", "Action=GetCallerIdentity&Version=2011-06-15", testNow, temporary, nil)
	}
	again := func(name string, value func(r *http.Request) string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Add(name, value(r)) }
	}
	same := func(name string) func(*http.Request) string {
		return func(r *http.Request) string { return r.Header.Get(name) }
	}
	other := func(v string) func(*http.Request) string { return func(*http.Request) string { return v } }
	for _, tc := range []struct {
		name, service string
		req           func(t *testing.T) *http.Request
		tamper        func(*http.Request)
		code          string
		status        int
	}{
		// The same line twice is refused too: the rule is about the count.
		{"s3 Authorization twice", "s3", s3get, again("Authorization", same("Authorization")), "AuthorizationHeaderMalformed", 400},
		{"s3 Authorization and another", "s3", s3get, again("Authorization", other("AWS4-HMAC-SHA256 Credential=AKIAOTHER/20261122/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")), "AuthorizationHeaderMalformed", 400},
		{"sts Authorization twice", "sts", stsPost, again("Authorization", same("Authorization")), "IncompleteSignature", 400},
		{"s3 X-Amz-Date twice", "s3", s3get, again("X-Amz-Date", same("X-Amz-Date")), "AccessDenied", 403},
		{"sts X-Amz-Date twice", "sts", stsPost, again("X-Amz-Date", same("X-Amz-Date")), "IncompleteSignature", 400},
		{"s3 token twice", "s3", s3get, func(r *http.Request) {
			r.Header.Add("X-Amz-Security-Token", "a")
			r.Header.Add("X-Amz-Security-Token", "b")
		}, "InvalidToken", 400},
		{"sts token twice", "sts", stsPost, again("X-Amz-Security-Token", other("forged")), "InvalidClientTokenId", 403},
		{"s3 content sha256 twice", "s3", s3get, again("X-Amz-Content-Sha256", other(unsignedHash)), "InvalidArgument", 400},
		{"s3 decoded length twice", "s3", s3get, func(r *http.Request) {
			r.Header.Add("X-Amz-Decoded-Content-Length", "1")
			r.Header.Add("X-Amz-Decoded-Content-Length", "2")
		}, "InvalidArgument", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req(t)
			tc.tamper(r)
			_, err := testVerifier().Verify(r, tc.service)
			if e := awserr.From(err); err == nil || e.Code != tc.code || e.Status != tc.status {
				t.Fatalf("got %v, want %d %s", err, tc.status, tc.code)
			}
		})
	}
}

func TestRepeatedPresignedParamsRefused(t *testing.T) {
	for _, name := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires", "X-Amz-Algorithm", "X-Amz-Security-Token"} {
		t.Run(name, func(t *testing.T) {
			r := presigned(t, "s3", "GET", "http://localhost:4566/bucket/key", testNow, "60", temporary)
			q := r.URL.Query()
			q.Add(name, q.Get(name))
			r.URL.RawQuery = q.Encode()
			_, err := testVerifier().Verify(r, "s3")
			if e := awserr.From(err); err == nil || e.Code != "AuthorizationQueryParametersError" || !strings.Contains(e.Message, name) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
