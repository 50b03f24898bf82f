package sigv4

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/awserr"
)

func TestVerifyWith(t *testing.T) {
	get := func(t *testing.T) *http.Request {
		return signed(t, "s3", "GET", "http://localhost:4566/bucket/key", "", testNow, longTerm, nil)
	}
	put := func(t *testing.T) *http.Request {
		return signed(t, "s3", "PUT", "http://localhost:4566/bucket/key", "hello", testNow, longTerm, nil)
	}
	for _, tc := range []struct {
		name      string
		req       func(t *testing.T) *http.Request
		verifier  *Verifier
		lookup    Lookup
		code      string // "" for success
		wantCalls int    // calls of lookup
	}{
		{"lookup given, none in the verifier", get, &Verifier{Now: testVerifier().Now}, testLookup, "", 1},
		{"lookup given replaces the verifier's", get, &Verifier{Now: testVerifier().Now, Lookup: func(context.Context, string, string) (string, error) {
			return "", ErrUnknownAccessKey
		}}, testLookup, "", 1},
		{"nil lookup falls back to the verifier's", get, testVerifier(), nil, "", 0},
		{"no lookup anywhere", get, &Verifier{Now: testVerifier().Now}, nil, "InternalFailure", 0},
		{"lookup's error in the service's dialect", get, testVerifier(), func(context.Context, string, string) (string, error) {
			return "", ErrUnknownAccessKey
		}, "InvalidAccessKeyId", 1},
		{"body still wrapped", put, testVerifier(), testLookup, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var lookup Lookup
			if tc.lookup != nil {
				lookup = func(ctx context.Context, id, token string) (string, error) {
					calls++
					return tc.lookup(ctx, id, token)
				}
			}
			r := tc.req(t)
			// A result left over from another request must not show through.
			res := Result{Anonymous: true, Presigned: true, Body: &Body{}, Service: "stale"}
			err := tc.verifier.VerifyWith(r, "s3", lookup, &res)
			if calls != tc.wantCalls {
				t.Errorf("lookup called %d times, want %d", calls, tc.wantCalls)
			}
			if tc.code != "" {
				var ae *awserr.Error
				if !errors.As(err, &ae) || ae.Code != tc.code {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Anonymous || res.Presigned || res.AccessKeyID != testAKID || res.Service != "s3" || res.Region != "us-east-1" || !res.SignedAt.Equal(testNow) {
				t.Errorf("result %+v", res)
			}
			if r.Method == "PUT" {
				if res.Body == nil || r.Body != io.ReadCloser(res.Body) {
					t.Fatal("PUT body not replaced by the verifying Body")
				}
				if b, err := io.ReadAll(r.Body); err != nil || string(b) != "hello" {
					t.Errorf("body %q, %v", b, err)
				}
			} else if res.Body != nil {
				t.Error("stale Body kept")
			}
		})
	}
}

// TestVerifyAllocations guards the allocation work of issue 9: verifying a
// GetObject with a caller-held Result allocates nothing, and each of the
// other common shapes at most what its body needs.
func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	const form = "Action=GetCallerIdentity&Version=2011-06-15"
	for _, tc := range []struct {
		name    string
		service string
		req     *http.Request
		body    string
		max     float64
	}{
		{"s3 GetObject", "s3", signed(t, "s3", "GET", "http://localhost:4566/bucket/some/key.txt", "", testNow, longTerm, withSDKHeaders(nil)), "", 0},
		// aws-sdk-go-v2 adds x-id=GetObject to the query.
		{"s3 GetObject with a query", "s3", signed(t, "s3", "GET", "http://localhost:4566/bucket/some/key.txt?x-id=GetObject&versionId=3", "", testNow, longTerm, withSDKHeaders(nil)), "", 0},
		// The body buffer and the reader handed back over it.
		{"sts form POST", "sts", signed(t, "sts", "POST", "http://localhost:4566/", form, testNow, longTerm,
			withSDKHeaders(map[string]string{"Content-Type": "application/x-www-form-urlencoded"})), form, 2},
		// The verifying Body.
		{"s3 PutObject hashed", "s3", signed(t, "s3", "PUT", "http://localhost:4566/bucket/k", "hello", testNow, longTerm, withSDKHeaders(nil)), "hello", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := testVerifier()
			var res Result
			body := strings.NewReader(tc.body)
			rc := io.NopCloser(body)
			var failed error
			allocs := testing.AllocsPerRun(200, func() {
				body.Reset(tc.body)
				tc.req.Body = rc
				if err := v.VerifyWith(tc.req, tc.service, nil, &res); err != nil {
					failed = err
				}
				io.Copy(io.Discard, tc.req.Body)
			})
			if failed != nil {
				t.Fatal(failed)
			}
			t.Logf("%v allocations per request", allocs)
			if allocs > tc.max {
				t.Errorf("%v allocations per request, want at most %v", allocs, tc.max)
			}
		})
	}
}
