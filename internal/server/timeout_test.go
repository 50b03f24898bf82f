package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

// signedS3 returns a request signed by account's root user with an
// unsigned payload, as SDKs sign uploads over HTTPS.
func signedS3(t *testing.T, srv *doppeltest.Server, account, method, path string, size int64) *http.Request {
	t.Helper()
	a := srv.Account(account)
	req, _ := http.NewRequest(method, srv.URL+path, nil)
	req.ContentLength = size
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// writeHead sends req's request line and headers on conn, and no body.
func writeHead(t *testing.T, conn net.Conn, req *http.Request) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	if req.ContentLength > 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", req.ContentLength)
	}
	req.Header.Write(&b)
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
}

func dial(t *testing.T, srv *doppeltest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// A PutObject whose body stops arriving is answered RequestTimeout (400)
// after the idle timeout, as S3 does, and the object keeps its content; a
// body that arrives slowly but steadily is stored, however long it takes.
func TestStalledUploadIsRequestTimeout(t *testing.T) {
	const idle = 300 * time.Millisecond
	srv := doppeltest.NewServer(t, doppeltest.WithIdleTimeouts(idle, 0))
	ctx := context.Background()
	client := s3.NewFromConfig(srv.AWSConfig("account-a"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("stall")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("stall"), Key: aws.String("k"), Body: strings.NewReader("old")}); err != nil {
		t.Fatal(err)
	}

	conn := dial(t, srv)
	req := signedS3(t, srv, "account-a", http.MethodPut, "/stall/k", 1000)
	writeHead(t, conn, req)
	io.WriteString(conn, "only ten b")
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("<Code>RequestTimeout</Code>")) {
		t.Fatalf("got %d %s, want 400 RequestTimeout", resp.StatusCode, body)
	}
	if !bytes.Contains(body, []byte("Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.")) {
		t.Errorf("message: %s", body)
	}
	if waited := time.Since(start); waited < idle/2 {
		t.Errorf("answered after %v, before the body was idle for %v", waited, idle)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("stall"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := io.ReadAll(got.Body)
	if string(content) != "old" {
		t.Fatalf("object after the stalled upload: %q, want %q", content, "old")
	}

	// Slow but steady: ten bytes every idle/3, for several idle periods.
	conn = dial(t, srv)
	req = signedS3(t, srv, "account-a", http.MethodPut, "/stall/k", 100)
	writeHead(t, conn, req)
	for range 10 {
		time.Sleep(idle / 3)
		if _, err := io.WriteString(conn, "0123456789"); err != nil {
			t.Fatal(err)
		}
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err = http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("slow upload: %d %s", resp.StatusCode, body)
	}
}

// A download whose client stops reading ends (the connection closes) once
// a write has blocked for the idle timeout; one that reads slowly but
// steadily gets every byte, though it takes longer than that timeout.
func TestStalledDownloadIsCutOff(t *testing.T) {
	const idle = 300 * time.Millisecond
	srv := doppeltest.NewServer(t, doppeltest.WithIdleTimeouts(0, idle))
	ctx := context.Background()
	client := s3.NewFromConfig(srv.AWSConfig("account-a"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("big")}); err != nil {
		t.Fatal(err)
	}
	const size = 32 << 20
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("big"), Key: aws.String("k"),
		Body: bytes.NewReader(bytes.Repeat([]byte("x"), size))}); err != nil {
		t.Fatal(err)
	}
	get := func() (net.Conn, *http.Request) {
		conn := dial(t, srv)
		conn.(*net.TCPConn).SetReadBuffer(16 << 10)
		req := signedS3(t, srv, "account-a", http.MethodGet, "/big/k", 0)
		writeHead(t, conn, req)
		return conn, req
	}

	conn, _ := get()
	time.Sleep(5 * idle)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	if n >= size {
		t.Fatalf("a client that stopped reading still got all %d bytes", n)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open after its write blocked: %v", err)
	}

	conn, req := get()
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var got int64
	for {
		n, err := io.CopyN(io.Discard, resp.Body, 4<<20)
		got += n
		if err != nil {
			break
		}
		time.Sleep(idle / 2)
	}
	if got != size {
		t.Fatalf("slow reader got %d of %d bytes", got, size)
	}
	if took := time.Since(start); took < 2*idle {
		t.Errorf("the slow read took %v: not long enough to show that a whole-response deadline of %v is not applied", took, idle)
	}
}
