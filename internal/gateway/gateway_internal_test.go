package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/sigv4"
)

// panicky is an STS handler whose GetCallerIdentity panics.
type panicky struct{ stsapi.Unimplemented }

func (panicky) GetCallerIdentity(context.Context, *stsapi.GetCallerIdentityInput) (*stsapi.GetCallerIdentityOutput, error) {
	panic("boom")
}

const (
	testKey    = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func testGateway(logs io.Writer, maxBody int64) *Gateway {
	return New(Config{
		Backends: []Backend{{Service: stsapi.Service, Handler: panicky{}}},
		Resolve: func(_ context.Context, akid, _ string) (*identity.Principal, string, error) {
			if akid != testKey {
				return nil, "", sigv4.ErrUnknownAccessKey
			}
			return &identity.Principal{Kind: identity.Root, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root"}, testSecret, nil
		},
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
		MaxBodyBytes: maxBody,
	})
}

func signedSTS(t *testing.T, url, body string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret},
		req, v4hash(body), "sts", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestPanicBecomesInternalFailure(t *testing.T) {
	var logs bytes.Buffer
	g := testGateway(&logs, 0)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, signedSTS(t, "http://127.0.0.1/", "Action=GetCallerIdentity&Version=2011-06-15"))
	body := rec.Body.String()
	if rec.Code != 500 || !strings.Contains(body, "<Code>InternalFailure</Code>") || !strings.Contains(body, "<Type>Receiver</Type>") {
		t.Fatalf("panic answered %d %s", rec.Code, body)
	}
	if strings.Contains(body, "boom") {
		t.Fatal("the panic's text reached the client")
	}
	id := rec.Header().Get("x-amzn-RequestId")
	if !strings.Contains(logs.String(), "panic in service") || !strings.Contains(logs.String(), id) {
		t.Fatalf("the panic is not logged with request ID %s:\n%s", id, logs.String())
	}
	// The server is still up: the next request is answered.
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, signedSTS(t, "http://127.0.0.1/", "Action=GetSessionToken&Version=2011-06-15"))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "InvalidAction") {
		t.Fatalf("after the panic: %d %s", rec.Code, rec.Body.String())
	}
}

func TestBodyCap(t *testing.T) {
	var logs bytes.Buffer
	g := testGateway(&logs, 1024)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, signedSTS(t, "http://127.0.0.1/", "Action=GetCallerIdentity&Version=2011-06-15&Pad="+strings.Repeat("x", 2048)))
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "<Code>RequestEntityTooLarge</Code>") {
		t.Fatalf("an oversized body answered %d %s", rec.Code, rec.Body.String())
	}
}

func v4hash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func TestOnlyOperationID(t *testing.T) {
	cases := []struct {
		query string
		want  bool
	}{
		{"x-id=GetObject", true},
		{"x-id=PutObject", true},
		{"x-id=GetObject&versionId=3", false},
		{"versionId=3&x-id=GetObject", false},
		{"acl&x-id=GetBucketAcl", false},
		{"x-idx=1", false},
		{"list-type=2", false},
		{"x-id=a;b=c", false},
	}
	for _, tc := range cases {
		if got := onlyOperationID(tc.query); got != tc.want {
			t.Errorf("onlyOperationID(%q) = %v, want %v", tc.query, got, tc.want)
		}
	}
}
