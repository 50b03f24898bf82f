package s3_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Wire details that clients depend on (issue 19), end to end through the
// whole server.

// rawResponse sends req over a fresh connection and returns the status and
// the header lines exactly as the server wrote them: net/http's client
// canonicalizes header names, which hides their case.
func rawResponse(t *testing.T, req *http.Request) (int, []string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", req.URL.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	req.Close = true
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var code int
	if f := strings.Fields(status); len(f) > 1 {
		code, _ = strconv.Atoi(f[1])
	}
	var lines []string
	for {
		l, err := br.ReadString('\n')
		if err != nil || strings.TrimSpace(l) == "" {
			break
		}
		lines = append(lines, strings.TrimRight(l, "\r\n"))
	}
	return code, lines
}

func newBucket(t *testing.T, c *s3.Client, name string) *string {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	return aws.String(name)
}

// TestE2EMetadataCase: S3 keeps user metadata names in lower case and
// answers them so (x-amz-meta-meta1); boto3 shows the name after the
// prefix as it comes.
func TestE2EMetadataCase(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "meta-case")
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x"),
		Metadata: map[string]string{"meta1": "v1", "Other-Name": "v2"}}); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(a)
	for _, method := range []string{"GET", "HEAD"} {
		var u string
		if method == "GET" {
			p, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			u = p.URL
		} else {
			p, err := ps.PresignHeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
			if err != nil {
				t.Fatal(err)
			}
			u = p.URL
		}
		pu, _ := url.Parse(u)
		req := &http.Request{Method: method, URL: pu, Host: pu.Host, Header: http.Header{}}
		code, lines := rawResponse(t, req)
		if code != 200 {
			t.Fatalf("%s: %d", method, code)
		}
		want := map[string]bool{"x-amz-meta-meta1: v1": false, "x-amz-meta-other-name: v2": false}
		for _, l := range lines {
			if _, ok := want[l]; ok {
				want[l] = true
			}
		}
		for l, seen := range want {
			if !seen {
				t.Errorf("%s: no header line %q in %q", method, l, lines)
			}
		}
	}
	h, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || h.Metadata["meta1"] != "v1" || h.Metadata["other-name"] != "v2" {
		t.Errorf("HeadObject metadata %v, %v", h.Metadata, err)
	}
}
