package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// seen is what a test server's handler learned from one request.
type seen struct {
	mu        sync.Mutex
	err       error
	res       *Result
	body      string
	payload   string // x-amz-content-sha256 as sent
	encoding  string // Content-Encoding as sent
	checksums map[string]string
}

// sdkServer answers every request after verifying it (and reading its body)
// like the gateway will. The SDK's reply parsing is not under test: the
// handler's record is.
func sdkServer(t *testing.T, tls bool, service string) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	v := &Verifier{Lookup: testLookup} // real clock: the SDK signs with it
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.payload, s.encoding = r.Header.Get("X-Amz-Content-Sha256"), r.Header.Get("Content-Encoding")
		res, err := v.Verify(r, service)
		if err == nil {
			var b []byte
			b, err = io.ReadAll(r.Body)
			s.body = string(b)
			if res.Body != nil {
				s.checksums = res.Body.Checksums()
			}
		}
		s.res, s.err = res, err
		if err != nil {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("ETag", `"x"`)
		w.Header().Set("Content-Type", "text/xml")
		if service != "s3" {
			io.WriteString(w, "<Response/>")
		}
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, s
}

func sdkConfig(srv *httptest.Server) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(testAKID, testSecret, ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig sets: checksums whenever an operation
		// supports them, which turns on aws-chunked trailers.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		BaseEndpoint:               aws.String(srv.URL),
	}
}

// onlyReader hides Seek, so the SDK cannot hash the body up front and has to
// stream it.
type onlyReader struct{ io.Reader }

func TestSDKPutObject(t *testing.T) {
	data := strings.Repeat("doppel ", 20000) // 140 KB: several chunks
	for _, tc := range []struct {
		name    string
		tls     bool
		body    func() io.Reader
		payload string // the x-amz-content-sha256 the SDK chooses; "hex" for a hash
	}{
		// Over plain HTTP the SDK hashes the body and sends the CRC32 as a
		// header; over TLS it streams aws-chunked with the CRC32 as a trailer.
		{"http seekable", false, func() io.Reader { return strings.NewReader(data) }, "hex"},
		{"https seekable", true, func() io.Reader { return bytes.NewReader([]byte(data)) }, streamUnsignT},
		{"https streaming", true, func() io.Reader { return onlyReader{strings.NewReader(data)} }, streamUnsignT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := sdkServer(t, tc.tls, "s3")
			client := s3.NewFromConfig(sdkConfig(srv), func(o *s3.Options) { o.UsePathStyle = true })
			in := &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("dir/a key+€.txt"), Body: tc.body()}
			if _, ok := tc.body().(onlyReader); ok {
				in.ContentLength = aws.Int64(int64(len(data)))
			}
			_, callErr := client.PutObject(context.Background(), in)
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.err != nil {
				t.Fatalf("Verify: %v (payload %q, encoding %q)", s.err, s.payload, s.encoding)
			}
			if callErr != nil {
				t.Fatalf("PutObject: %v", callErr)
			}
			if s.body != data {
				t.Errorf("handler read %d bytes, want %d", len(s.body), len(data))
			}
			if s.checksums["x-amz-checksum-crc32"] != crc32b64(data) {
				t.Errorf("checksums verified: %v", s.checksums)
			}
			if got := s.payload; got != tc.payload && !(tc.payload == "hex" && validPayloadHash(got, false) && got != unsignedHash) {
				t.Errorf("x-amz-content-sha256 = %q, want %s", got, tc.payload)
			}
		})
	}
}

func TestSDKPresignGetObject(t *testing.T) {
	srv, s := sdkServer(t, false, "s3")
	client := s3.NewFromConfig(sdkConfig(srv), func(o *s3.Options) { o.UsePathStyle = true })
	req, err := s3.NewPresignClient(client).PresignGetObject(context.Background(),
		&s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("a/b c.txt")}, s3.WithPresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		t.Fatalf("Verify: %v", s.err)
	}
	if !s.res.Presigned || s.res.AccessKeyID != testAKID {
		t.Errorf("result = %+v", s.res)
	}
}

func TestSDKQueryServices(t *testing.T) {
	t.Run("sts GetCallerIdentity", func(t *testing.T) {
		srv, s := sdkServer(t, false, "sts")
		sts.NewFromConfig(sdkConfig(srv)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.err != nil || s.res == nil || s.res.Service != "sts" || !strings.Contains(s.body, "Action=GetCallerIdentity") {
			t.Fatalf("err=%v res=%+v body=%q", s.err, s.res, s.body)
		}
	})
	t.Run("iam CreateUser", func(t *testing.T) {
		srv, s := sdkServer(t, false, "iam")
		iam.NewFromConfig(sdkConfig(srv)).CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("a+b=c/d"), Path: aws.String("/team/")})
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.err != nil || s.res == nil || s.res.Service != "iam" || !strings.Contains(s.body, "UserName=a%2Bb%3Dc%2Fd") {
			t.Fatalf("err=%v res=%+v body=%q", s.err, s.res, s.body)
		}
	})
}

// TestSDKPresignGetCallerIdentity is the token EKS and Vault use: a presigned
// STS request, whose payload hash is the (empty) body's, not UNSIGNED-PAYLOAD.
func TestSDKPresignGetCallerIdentity(t *testing.T) {
	srv, s := sdkServer(t, false, "sts")
	req, err := sts.NewPresignClient(sts.NewFromConfig(sdkConfig(srv))).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := http.NewRequest(req.Method, req.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.SignedHeader {
		if k != "Host" {
			hreq.Header[k] = v
		}
	}
	resp, err := srv.Client().Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil || !s.res.Presigned || s.res.Service != "sts" {
		t.Fatalf("method %s: err=%v res=%+v", req.Method, s.err, s.res)
	}
}
