package gateway_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Requests that aws-sdk-go-v2 will not make, refused as AWS refuses them:
// a signature that leaves host out (replayed against another bucket by
// changing Host), and headers that steer verification sent twice.

func hmacSum(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// signByHand signs req over the headers named in signed (lower case, sorted;
// "host" is req.Host), as a hand-rolled client would: the SDK's signer always
// signs host. The path is used as sent and the query must be sorted already.
func signByHand(req *http.Request, a doppeltest.Account, service, payload string, signed []string, at time.Time) {
	amzDate := at.UTC().Format("20060102T150405Z")
	req.Header.Set("X-Amz-Date", amzDate)
	var canon strings.Builder
	canon.WriteString(req.Method + "\n" + req.URL.EscapedPath() + "\n" + req.URL.RawQuery + "\n")
	for _, name := range signed {
		v := req.Header.Get(name)
		if name == "host" {
			v = req.Host
		}
		canon.WriteString(name + ":" + v + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\n" + payload)
	sum := sha256.Sum256([]byte(canon.String()))
	scope := amzDate[:8] + "/us-east-1/" + service + "/aws4_request"
	key := hmacSum([]byte("AWS4"+a.SecretAccessKey), amzDate[:8])
	for _, part := range []string{"us-east-1", service, "aws4_request"} {
		key = hmacSum(key, part)
	}
	sig := hex.EncodeToString(hmacSum(key, "AWS4-HMAC-SHA256\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(sum[:])))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+a.AccessKeyID+"/"+scope+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}

// presignByHand is signByHand for a presigned URL (GET, UNSIGNED-PAYLOAD),
// the request carrying hdr.
func presignByHand(target, host string, a doppeltest.Account, hdr http.Header, signed []string, at time.Time) *http.Request {
	amzDate := at.UTC().Format("20060102T150405Z")
	scope := amzDate[:8] + "/us-east-1/s3/aws4_request"
	q := url.Values{
		"X-Amz-Algorithm":     {"AWS4-HMAC-SHA256"},
		"X-Amz-Credential":    {a.AccessKeyID + "/" + scope},
		"X-Amz-Date":          {amzDate},
		"X-Amz-Expires":       {"600"},
		"X-Amz-SignedHeaders": {strings.Join(signed, ";")},
	}
	req, _ := http.NewRequest(http.MethodGet, target+"?"+strings.ReplaceAll(q.Encode(), "+", "%20"), nil)
	req.Host = host
	for k, v := range hdr {
		req.Header[k] = v
	}
	var canon strings.Builder
	canon.WriteString("GET\n" + req.URL.EscapedPath() + "\n" + req.URL.RawQuery + "\n")
	for _, name := range signed {
		v := req.Header.Get(name)
		if name == "host" {
			v = req.Host
		}
		canon.WriteString(name + ":" + v + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\nUNSIGNED-PAYLOAD")
	sum := sha256.Sum256([]byte(canon.String()))
	key := hmacSum([]byte("AWS4"+a.SecretAccessKey), amzDate[:8])
	for _, part := range []string{"us-east-1", "s3", "aws4_request"} {
		key = hmacSum(key, part)
	}
	q.Set("X-Amz-Signature", hex.EncodeToString(hmacSum(key, "AWS4-HMAC-SHA256\n"+amzDate+"\n"+scope+"\n"+hex.EncodeToString(sum[:]))))
	req.URL.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return req
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHostMustBeSigned(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	ctx := context.Background()
	c := s3.NewFromConfig(srv.AWSConfig("account-a"), func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"host-a", "host-b"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(srv.URL)
	listing := func(bucket string, signed []string, replayTo string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Host = bucket + ".localhost:" + u.Port() // virtual-hosted: the bucket is in Host only
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		signByHand(req, a, "s3", "UNSIGNED-PAYLOAD", signed, time.Now())
		if replayTo != "" {
			req.Host = replayTo + ".localhost:" + u.Port()
		}
		return send(t, req)
	}
	// The hand signer is right: with host signed, the listing works.
	if status, body := listing("host-a", []string{"host", "x-amz-content-sha256", "x-amz-date"}, ""); status != 200 || !strings.Contains(body, "<Name>host-a</Name>") {
		t.Fatalf("host signed: %d %s", status, body)
	}
	// Without host, the same signature would list any bucket Host names.
	for _, replay := range []string{"", "host-b"} {
		status, body := listing("host-a", []string{"x-amz-content-sha256", "x-amz-date"}, replay)
		if status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") ||
			!strings.Contains(body, "There were headers present in the request which were not signed") ||
			!strings.Contains(body, "<HeadersNotSigned>host</HeadersNotSigned>") {
			t.Fatalf("host not signed (replayed to %q): %d %s", replay, status, body)
		}
	}

	// Presigned URLs alike: the link to one bucket's listing, without host
	// signed, would open any bucket's.
	host := func(b string) string { return b + ".localhost:" + u.Port() }
	if status, body := send(t, presignByHand(srv.URL+"/", host("host-a"), a, nil, []string{"host"}, time.Now())); status != 200 || !strings.Contains(body, "<Name>host-a</Name>") {
		t.Fatalf("presigned, host signed: %d %s", status, body)
	}
	for _, to := range []string{"host-a", "host-b"} {
		// A valid signature over another header, without host.
		req := presignByHand(srv.URL+"/", host("host-a"), a, http.Header{"X-Amz-Meta-Note": {"n"}}, []string{"x-amz-meta-note"}, time.Now())
		req.Host = host(to)
		status, body := send(t, req)
		if status != 403 || !strings.Contains(body, "<HeadersNotSigned>host</HeadersNotSigned>") {
			t.Fatalf("presigned, host not signed (to %s): %d %s", to, status, body)
		}
	}

	// STS: the query services' answer.
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	signByHand(req, a, "sts", hex.EncodeToString(sum[:]), []string{"content-type", "x-amz-date"}, time.Now())
	status, resp := send(t, req)
	if status != 403 || !strings.Contains(resp, "<Code>SignatureDoesNotMatch</Code>") ||
		!strings.Contains(html.UnescapeString(resp), "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.") {
		t.Fatalf("sts, host not signed: %d %s", status, resp)
	}
}

func TestRepeatedAuthHeaders(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
	b := srv.Account("account-b")
	credsB := aws.Credentials{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}
	s3Get := func(c aws.Credentials) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := v4.NewSigner().SignHTTP(context.Background(), c, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	stsPost := func(c aws.Credentials) *http.Request {
		body := "Action=GetCallerIdentity&Version=2011-06-15"
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"s3 Authorization of another account added", func() *http.Request {
			r := s3Get(creds)
			r.Header.Add("Authorization", s3Get(credsB).Header.Get("Authorization"))
			return r
		}, 400, "AuthorizationHeaderMalformed"},
		{"s3 the same Authorization twice", func() *http.Request {
			r := s3Get(creds)
			r.Header.Add("Authorization", r.Header.Get("Authorization"))
			return r
		}, 400, "AuthorizationHeaderMalformed"},
		{"s3 X-Amz-Date twice", func() *http.Request {
			r := s3Get(creds)
			r.Header.Add("X-Amz-Date", r.Header.Get("X-Amz-Date"))
			return r
		}, 403, "AccessDenied"},
		{"s3 X-Amz-Content-Sha256 twice", func() *http.Request {
			r := s3Get(creds)
			r.Header.Add("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return r
		}, 400, "InvalidArgument"},
		{"sts Authorization twice", func() *http.Request {
			r := stsPost(creds)
			r.Header.Add("Authorization", stsPost(credsB).Header.Get("Authorization"))
			return r
		}, 400, "IncompleteSignature"},
		{"sts X-Amz-Security-Token twice", func() *http.Request {
			r := stsPost(creds)
			r.Header.Add("X-Amz-Security-Token", "a")
			r.Header.Add("X-Amz-Security-Token", "b")
			return r
		}, 403, "InvalidClientTokenId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := send(t, tc.req())
			if status != tc.status || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
				t.Fatalf("got %d %s, want %d %s", status, body, tc.status, tc.code)
			}
		})
	}
	// Each request above works when sent once.
	if status, body := send(t, s3Get(creds)); status != 200 {
		t.Fatalf("s3 control: %d %s", status, body)
	}
	if status, body := send(t, stsPost(creds)); status != 200 {
		t.Fatalf("sts control: %d %s", status, body)
	}
}
