package gateway_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/doppel-aws/doppel/doppeltest"
)

// apiError asserts that err is an AWS API error with code and HTTP status,
// and returns its message.
func apiError(t *testing.T, err error, code string, status int) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != status {
		t.Fatalf("%s: HTTP status = %d, want %d", code, re.HTTPStatusCode(), status)
	}
	return ae.ErrorMessage()
}

func TestRootCallerIdentity(t *testing.T) {
	srv := doppeltest.NewServer(t)
	for _, acct := range srv.Accounts {
		out, err := sts.NewFromConfig(srv.AWSConfig(acct.Name)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != acct.ID || aws.ToString(out.UserId) != acct.ID ||
			aws.ToString(out.Arn) != "arn:aws:iam::"+acct.ID+":root" {
			t.Fatalf("%s: GetCallerIdentity = %s %s %s", acct.Name, aws.ToString(out.Account), aws.ToString(out.UserId), aws.ToString(out.Arn))
		}
	}
}

func TestAuthenticationErrors(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	cases := []struct {
		name   string
		cfg    aws.Config
		call   func(aws.Config) error
		code   string
		status int
	}{
		{"sts wrong secret", srv.ConfigFor(a.AccessKeyID, strings.Repeat("x", 40), ""), callSTS, "SignatureDoesNotMatch", 403},
		{"sts unknown key", srv.ConfigFor("AKIAAAAAAAAAAAAAAAAA", strings.Repeat("x", 40), ""), callSTS, "InvalidClientTokenId", 403},
		{"iam wrong secret", srv.ConfigFor(a.AccessKeyID, strings.Repeat("x", 40), ""), callIAM, "SignatureDoesNotMatch", 403},
		{"iam forged session token", srv.ConfigFor("ASIAAAAAAAAAAAAAAAAA", strings.Repeat("x", 40), "Zm9yZ2Vk"), callIAM, "InvalidClientTokenId", 403},
		{"s3 wrong secret", srv.ConfigFor(a.AccessKeyID, strings.Repeat("x", 40), ""), callS3, "SignatureDoesNotMatch", 403},
		{"s3 unknown key", srv.ConfigFor("AKIAAAAAAAAAAAAAAAAA", strings.Repeat("x", 40), ""), callS3, "InvalidAccessKeyId", 403},
		{"long-term key with a session token", srv.ConfigFor(a.AccessKeyID, a.SecretAccessKey, "Zm9yZ2Vk"), callSTS, "InvalidClientTokenId", 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			apiError(t, c.call(c.cfg), c.code, c.status)
		})
	}
}

func callSTS(cfg aws.Config) error {
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

func callIAM(cfg aws.Config) error {
	_, err := iam.NewFromConfig(cfg).ListUsers(context.Background(), &iam.ListUsersInput{})
	return err
}

func callS3(cfg aws.Config) error {
	_, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	return err
}

// rawQuery posts an unsigned or hand-made query request and returns the
// status and body.
func rawPost(t *testing.T, url, contentType, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestUnsignedQueryRequest(t *testing.T) {
	srv := doppeltest.NewServer(t)
	status, h, body := rawPost(t, srv.URL+"/", "application/x-www-form-urlencoded", "Action=GetCallerIdentity&Version=2011-06-15", nil)
	if status != 403 || !strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") ||
		!strings.Contains(body, "<Message>Request is missing Authentication Token</Message>") {
		t.Fatalf("unsigned STS: %d %s", status, body)
	}
	if h.Get("x-amzn-RequestId") == "" || !strings.Contains(body, "<RequestId>"+h.Get("x-amzn-RequestId")+"</RequestId>") {
		t.Fatalf("request ID header %q not in body %s", h.Get("x-amzn-RequestId"), body)
	}
}

func TestUnsignedJSONRequest(t *testing.T) {
	srv := doppeltest.NewServer(t)
	status, _, body := rawPost(t, srv.URL+"/", "application/x-amz-json-1.1", "{}", map[string]string{"X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts"})
	// Organizations is served: an unsigned call is refused before it runs.
	if status != 403 || !strings.Contains(body, `"__type":"MissingAuthenticationToken"`) {
		t.Fatalf("unsigned JSON: %d %s", status, body)
	}
}

// signedPost sends a form body signed as the account's root for service.
func signedPost(t *testing.T, srv *doppeltest.Server, account, service, body string) (int, string) {
	t.Helper()
	a := srv.Account(account)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestQueryProtocolErrors(t *testing.T) {
	srv := doppeltest.NewServer(t)
	cases := []struct {
		name, service, body string
		status              int
		want                []string
	}{
		{"unknown action", "sts", "Action=NoSuchThing&Version=2011-06-15", 400,
			[]string{"<Code>InvalidAction</Code>", "<Message>Could not find operation NoSuchThing for version 2011-06-15</Message>", "<Type>Sender</Type>"}},
		{"missing action", "iam", "Version=2010-05-08", 400, []string{"<Code>MissingAction</Code>"}},
		{"missing required member", "iam", "Action=CreateUser&Version=2010-05-08", 400,
			[]string{"<Code>ValidationError</Code>", "userName", "failed to satisfy constraint: Member must not be null"}},
		{"malformed form", "iam", "Action=ListUsers&Version=2010-05-08&%zz", 400, []string{"<Code>MalformedQueryString</Code>"}},
		{"ok", "iam", "Action=ListUsers&Version=2010-05-08", 200,
			[]string{`<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`, "<ListUsersResult>", "<RequestId>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := signedPost(t, srv, "account-a", c.service, c.body)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
		})
	}
}

func TestS3PathAndVirtualHostStyle(t *testing.T) {
	srv := doppeltest.NewServer(t)
	cfg := srv.AWSConfig("account-a")
	ctx := context.Background()
	path := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := path.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("styles")}); err != nil {
		t.Fatal(err)
	}
	if _, err := path.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("styles"), Key: aws.String("a//b/../c d+e"), Body: strings.NewReader("hello")}); err != nil {
		t.Fatal(err)
	}
	// Virtual-hosted: bucket.localhost resolves to loopback on this machine's
	// resolver; send the request to the server's address with that Host.
	u, _ := url.Parse(srv.URL)
	virtual := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://localhost:" + u.Port())
		o.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, u.Host)
			},
		}}
	})
	out, err := virtual.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("styles"), Key: aws.String("a//b/../c d+e")})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(out.Body)
	if !bytes.Equal(body, []byte("hello")) {
		t.Fatalf("virtual-hosted GetObject = %q", body)
	}
	_, err = path.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("styles"), Key: aws.String("a/b/c d+e")})
	apiError(t, err, "NoSuchKey", 404)
}

func TestHealth(t *testing.T) {
	srv := doppeltest.NewServer(t)
	resp, err := http.Get(srv.URL + "/_doppel/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"ok"`) {
		t.Fatalf("health: %d %s", resp.StatusCode, b)
	}
}
