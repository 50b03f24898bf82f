package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/server"
	"github.com/doppel-aws/doppel/internal/tlsca"
)

// plain returns cfg aimed at the same port over plain HTTP.
func plain(srv *doppeltest.Server, cfg aws.Config) aws.Config {
	cfg.BaseEndpoint = aws.String("http://" + srv.Addr)
	cfg.HTTPClient = nil
	return cfg
}

func pathStyle(o *s3.Options) { o.UsePathStyle = true }

// TestOnePortBothProtocols: every service, the console and health answer
// on one port over HTTPS (trusting only doppel's CA) and plain HTTP.
func TestOnePortBothProtocols(t *testing.T) {
	srv := doppeltest.NewTLSServer(t)
	ctx := context.Background()
	for _, cfg := range []aws.Config{srv.AWSConfig("account-a"), plain(srv, srv.AWSConfig("account-a"))} {
		endpoint := aws.ToString(cfg.BaseEndpoint)
		id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil || aws.ToString(id.Account) != "111111111111" {
			t.Fatalf("%s: GetCallerIdentity: %v %v", endpoint, id, err)
		}
		if _, err := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
			t.Fatalf("%s: ListUsers: %v", endpoint, err)
		}
		c := s3.NewFromConfig(cfg, pathStyle)
		bucket := "both-" + strings.SplitN(endpoint, ":", 2)[0]
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatalf("%s: CreateBucket: %v", endpoint, err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
			t.Fatalf("%s: PutObject: %v", endpoint, err)
		}
	}
	for _, u := range []string{srv.URL, "http://" + srv.Addr} {
		for _, path := range []string{"/_doppel/health", "/_doppel/console/", "/_doppel/ca.pem"} {
			resp, err := srv.Client().Get(u + path)
			if err != nil {
				t.Fatalf("%s%s: %v", u, path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s%s: %d %s", u, path, resp.StatusCode, body)
			}
			if path == "/_doppel/ca.pem" && !bytes.Equal(body, srv.CACertPEM) {
				t.Errorf("%s%s is not the CA's certificate", u, path)
			}
		}
	}
	// A client with the system's roots only must not trust doppel.
	if _, err := http.Get(srv.URL + "/_doppel/health"); err == nil {
		t.Error("a client without doppel's CA trusted its certificate")
	}
}

// TestTLSNames: the port's certificate covers doppel's own names, and a
// name it does not cover but doppel serves gets a certificate of its own.
func TestTLSNames(t *testing.T) {
	srv := doppeltest.NewTLSServer(t)
	for _, name := range []string{"localhost", "bucket.localhost", "my.bucket.s3.localhost", "s3.localhost", "sts.amazonaws.com", "111111111111.127.0.0.1"} {
		conn, err := tls.Dial("tcp", srv.Addr, &tls.Config{ServerName: name, RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		conn.Close()
	}
	// Not a name doppel serves: the port's certificate, which does not fit.
	if conn, err := tls.Dial("tcp", srv.Addr, &tls.Config{ServerName: "example.com", RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}); err == nil {
		conn.Close()
		t.Error("doppel presented a certificate valid for example.com")
	}
}

const denyInsecure = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "AllowSSLRequestsOnly",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::secure-only", "arn:aws:s3:::secure-only/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}
  }]
}`

func accessDenied(t *testing.T, what string, err error) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("%s: want AccessDenied, got %v", what, err)
	}
}

// TestSecureTransportBucketPolicy is the example that motivated HTTPS: a
// bucket that denies insecure transport answers over HTTPS and refuses
// plain HTTP with AWS's AccessDenied, presigned URLs included.
func TestSecureTransportBucketPolicy(t *testing.T) {
	srv := doppeltest.NewTLSServer(t)
	ctx := context.Background()
	secure := s3.NewFromConfig(srv.AWSConfig("account-a"), pathStyle)
	insecure := s3.NewFromConfig(plain(srv, srv.AWSConfig("account-a")), pathStyle)
	bucket := aws.String("secure-only")
	if _, err := secure.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := secure.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: bucket, Policy: aws.String(denyInsecure)}); err != nil {
		t.Fatal(err)
	}
	if _, err := secure.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k"), Body: strings.NewReader("secret")}); err != nil {
		t.Fatalf("PutObject over HTTPS: %v", err)
	}
	if _, err := secure.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")}); err != nil {
		t.Fatalf("GetObject over HTTPS: %v", err)
	}
	_, err := insecure.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
	accessDenied(t, "GetObject over HTTP", err)
	_, err = insecure.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k2"), Body: strings.NewReader("x")})
	accessDenied(t, "PutObject over HTTP", err)
	var re *http.Response
	if _, err := insecure.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket}); err != nil {
		var ae smithy.APIError
		errors.As(err, &ae)
		if ae == nil || ae.ErrorCode() != "AccessDenied" || !strings.HasSuffix(ae.ErrorMessage(), "with an explicit deny in a resource-based policy") {
			t.Errorf("ListObjectsV2 over HTTP: want AWS's explicit-deny message, got %v", err)
		}
	} else {
		t.Error("ListObjectsV2 over HTTP succeeded")
	}

	// A presigned URL is signed for a host, not a scheme: the same URL
	// works over HTTPS and is refused over HTTP.
	ps, err := s3.NewPresignClient(secure).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url  string
		want int
	}{{ps.URL, http.StatusOK}, {strings.Replace(ps.URL, "https://", "http://", 1), http.StatusForbidden}} {
		if re, err = srv.Client().Get(tc.url); err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(re.Body)
		re.Body.Close()
		if re.StatusCode != tc.want || tc.want == http.StatusForbidden && !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
			t.Errorf("presigned %s: %d %s", tc.url[:8], re.StatusCode, body)
		}
	}
}

// TestSecureTransportIdentityPolicy: aws:SecureTransport reaches the policy
// engine for IAM and STS as for S3.
func TestSecureTransportIdentityPolicy(t *testing.T) {
	srv := doppeltest.NewTLSServer(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("tls-only")}); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":"*","Resource":"*"},
	  {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tls-only"), PolicyName: aws.String("tls"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("tls-only")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	for name, cfg := range map[string]aws.Config{"https": cfg, "http": plain(srv, cfg)} {
		_, iamErr := iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
		_, stsErr := sts.NewFromConfig(cfg).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: key.AccessKey.AccessKeyId})
		_, s3Err := s3.NewFromConfig(cfg, pathStyle).ListBuckets(ctx, &s3.ListBucketsInput{})
		for svc, err := range map[string]error{"iam": iamErr, "sts": stsErr, "s3": s3Err} {
			if name == "https" && err != nil {
				t.Errorf("%s over HTTPS: %v", svc, err)
			}
			if name == "http" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || !strings.Contains(ae.ErrorCode(), "AccessDenied") {
					t.Errorf("%s over HTTP: want an access-denied error, got %v", svc, err)
				}
			}
		}
	}
}

// TestProxyForAWSHostNames: with doppel as the HTTPS proxy and no endpoint
// setting, the SDK reaches STS, IAM and S3 under AWS's own host names.
func TestProxyForAWSHostNames(t *testing.T) {
	srv := doppeltest.NewServer(t) // a plain-HTTP server proxies all the same
	ctx := context.Background()
	cfg := srv.ProxyConfig("account-a")
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::111111111111:root" {
		t.Fatalf("GetCallerIdentity through the proxy: %v %v", id, err)
	}
	if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("proxied")}); err != nil {
		t.Fatalf("CreateUser through the proxy: %v", err)
	}
	// Virtual-hosted: proxied-bucket.s3.us-east-1.amazonaws.com.
	c := s3.NewFromConfig(cfg)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("proxied-bucket")}); err != nil {
		t.Fatalf("CreateBucket through the proxy: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("proxied-bucket"), Key: aws.String("a/b.txt"), Body: strings.NewReader("through")}); err != nil {
		t.Fatal(err)
	}
	// Another region's endpoint, unmodified.
	west := s3.NewFromConfig(cfg, func(o *s3.Options) { o.Region = "eu-west-1" })
	out, err := west.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("proxied-bucket"), Key: aws.String("a/b.txt")})
	if err != nil {
		var ae smithy.APIError
		// AWS answers a request for a us-east-1 bucket at another
		// region's endpoint with a redirect error: that too is doppel's.
		if !errors.As(err, &ae) {
			t.Fatalf("GetObject at eu-west-1 through the proxy: %v", err)
		}
	} else {
		out.Body.Close()
	}
	// The same state as the direct endpoint.
	direct := s3.NewFromConfig(srv.AWSConfig("account-a"), pathStyle)
	got, err := direct.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("proxied-bucket"), Key: aws.String("a/b.txt")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(b) != "through" {
		t.Errorf("object = %q", b)
	}
	// Plain HTTP through HTTP_PROXY: the absolute-form request reaches the
	// gateway, which routes it by its Host.
	httpCfg := cfg
	httpCfg.BaseEndpoint = aws.String("http://s3.us-east-1.amazonaws.com")
	list, err := s3.NewFromConfig(httpCfg).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 1 {
		t.Fatalf("ListBuckets as an absolute-form proxy request: %v %v", list, err)
	}
}

// rawProxy sends one request line and headers to the port and returns the
// status line and what followed.
func rawProxy(t *testing.T, srv *doppeltest.Server, request string) (string, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: strings.Fields(request)[0]})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.Status, string(body)
}

// TestProxyRefusesOtherHosts: doppel is no relay. A CONNECT or an
// absolute-form request for a host it does not serve is refused with a
// reason, and nothing is dialled.
func TestProxyRefusesOtherHosts(t *testing.T) {
	srv := doppeltest.NewServer(t)
	// A listener doppel would reach if it ever dialled out.
	bait, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer bait.Close()
	dialled := make(chan bool, 1)
	go func() {
		if c, err := bait.Accept(); err == nil {
			c.Close()
			dialled <- true
		}
	}()
	for _, tc := range []struct{ name, request, status, body string }{
		{"CONNECT elsewhere", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "403 Forbidden", "example.com:443 is not a host doppel serves"},
		{"CONNECT another AWS service", "CONNECT ec2.us-east-1.amazonaws.com:443 HTTP/1.1\r\nHost: ec2.us-east-1.amazonaws.com:443\r\n\r\n", "403 Forbidden", "never forwards"},
		{"CONNECT an address on the LAN", "CONNECT 10.0.0.1:22 HTTP/1.1\r\nHost: 10.0.0.1:22\r\n\r\n", "403 Forbidden", "not a host doppel serves"},
		{"CONNECT without a port", "CONNECT sts.amazonaws.com HTTP/1.1\r\nHost: sts.amazonaws.com\r\n\r\n", "400 Bad Request", "host:port"},
		{"absolute-form elsewhere", "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n", "403 Forbidden", "example.com is not a host doppel serves"},
		{"absolute-form to the bait", "GET http://" + bait.Addr().String() + "/ HTTP/1.1\r\nHost: x\r\n\r\n", "", ""},
	} {
		status, body := rawProxy(t, srv, tc.request)
		if tc.status != "" && (status != tc.status || !strings.Contains(body, tc.body)) {
			t.Errorf("%s: %s %q", tc.name, status, body)
		}
	}
	select {
	case <-dialled:
		t.Fatal("doppel dialled out")
	case <-time.After(100 * time.Millisecond):
	}
}

// TestProxyTunnels: a CONNECT to a name doppel serves is answered by doppel
// itself, over TLS with a certificate for that name or over plain HTTP, and
// an account-prefixed host (S3 Control's) reaches the gateway, Host intact.
func TestProxyTunnels(t *testing.T) {
	srv := doppeltest.NewServer(t)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	proxyURL := &url.URL{Scheme: "http", Host: srv.Addr}
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, u := range []string{
		"https://sts.amazonaws.com/_doppel/health",
		"https://111111111111.s3-control.us-east-1.amazonaws.com/_doppel/health",
		"https://localhost:4566/_doppel/health",
		"http://bucket.s3.amazonaws.com/_doppel/health",
		fmt.Sprintf("http://111111111111.127.0.0.1:%s/_doppel/health", strings.Split(srv.Addr, ":")[1]),
	} {
		resp, err := client.Get(u)
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
	// The proxy itself reached over TLS (HTTPS_PROXY=https://...): a tunnel
	// inside TLS.
	tlsProxy := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(&url.URL{Scheme: "https", Host: srv.Addr}), TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, err := tlsProxy.Get("https://iam.amazonaws.com/_doppel/health"); err != nil {
		t.Errorf("through an https:// proxy URL: %v", err)
	} else {
		resp.Body.Close()
	}
	// An unsigned S3 Control request: S3 Control is not doppel's yet, but
	// the request reaches the gateway and is answered as AWS's, not
	// refused by the proxy.
	resp, err := client.Get(fmt.Sprintf("http://111111111111.127.0.0.1:%s/v20180820/tags/arn:aws:s3:::b", strings.Split(srv.Addr, ":")[1]))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("x-amz-request-id") == "" || strings.Contains(string(body), "not a host doppel serves") {
		t.Errorf("S3 Control host through HTTP_PROXY: %d %s", resp.StatusCode, body)
	}
}

// TestConsoleCookiesOverHTTPS: signing in to the console over HTTPS sets a
// Secure session cookie; over plain HTTP (where Secure would lose it) not.
func TestConsoleCookiesOverHTTPS(t *testing.T) {
	srv := doppeltest.NewTLSServer(t)
	a := srv.Account("account-a")
	csrfRE := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	for _, base := range []string{srv.URL, "http://" + srv.Addr} {
		jar, _ := cookiejar.New(nil)
		c := srv.Client()
		c.Jar = jar
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := c.Get(base + "/_doppel/console/signin?mode=root")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		form := url.Values{"mode": {"root"}, "account": {a.Name}, "access_key_id": {a.AccessKeyID}, "secret_access_key": {a.SecretAccessKey}}
		if m := csrfRE.FindSubmatch(page); m != nil {
			form.Set("csrf", string(m[1]))
		}
		if resp, err = c.PostForm(base+"/_doppel/console/signin", form); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var session *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Value != "" {
				session = ck
			}
		}
		if session == nil {
			t.Fatalf("%s: sign-in set no cookie (%d)", base, resp.StatusCode)
		}
		if want := strings.HasPrefix(base, "https://"); session.Secure != want {
			t.Errorf("%s: cookie %s Secure=%v, want %v", base, session.Name, session.Secure, want)
		}
	}
}

// TestOwnCertificate: --tls-cert and --tls-key replace the port's
// certificate; the proxy's still come from doppel's CA.
func TestOwnCertificate(t *testing.T) {
	own, err := tlsca.NewInMemory(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := own.Issue([]string{"localhost", "127.0.0.1"}, key.Public(), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)

	ctx := context.Background()
	if _, err := server.Open(ctx, server.Options{InMemory: true, TLSCertFile: certFile}); err == nil {
		t.Fatal("a certificate without its key was accepted")
	}
	srv, err := server.Open(ctx, server.Options{InMemory: true, TLSCertFile: certFile, TLSKeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Shutdown(ctx)
	for _, tc := range []struct {
		name string
		ca   *tlsca.CA
		ok   bool
	}{{"localhost", own, true}, {"localhost", srv.CA, false}, {"sts.amazonaws.com", srv.CA, true}} {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{ServerName: tc.name, RootCAs: tc.ca.Pool()})
		if (err == nil) != tc.ok {
			t.Errorf("%s trusting %s: %v", tc.name, tc.ca.Cert.Subject.CommonName, err)
		}
		if err == nil {
			conn.Close()
		}
	}
}
