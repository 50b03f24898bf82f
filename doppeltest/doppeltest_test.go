package doppeltest_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
)

func TestNewServer(t *testing.T) {
	srv := doppeltest.NewServer(t)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || len(srv.Accounts) != 2 {
		t.Fatalf("URL %s, accounts %+v", srv.URL, srv.Accounts)
	}
	out, err := sts.NewFromConfig(srv.AWSConfig("account-b")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != "222222222222" {
		t.Fatalf("%v %v", out, err)
	}
	for _, kv := range srv.Env("account-a") {
		if strings.HasPrefix(kv, "AWS_CA_BUNDLE=") {
			t.Errorf("a plain server's Env sets %s", kv)
		}
	}
}

func TestNewTLSServer(t *testing.T) {
	srv := doppeltest.NewTLSServer(t, doppeltest.WithAccount("333333333333", "shared"))
	if !strings.HasPrefix(srv.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", srv.URL)
	}
	ctx := context.Background()
	out, err := sts.NewFromConfig(srv.AWSConfig("shared")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != "333333333333" {
		t.Fatalf("GetCallerIdentity over HTTPS: %v %v", out, err)
	}
	resp, err := srv.Client().Get(srv.URL + "/_doppel/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS == nil {
		t.Error("Client did not speak TLS")
	}
	// Env names a CA file holding the server's CA, and nothing else.
	var bundle string
	for _, kv := range srv.Env("shared") {
		if v, ok := strings.CutPrefix(kv, "AWS_CA_BUNDLE="); ok {
			bundle = v
		}
	}
	if b, err := os.ReadFile(bundle); err != nil || string(b) != string(srv.CACertPEM) || bundle != srv.CAFile() {
		t.Errorf("AWS_CA_BUNDLE %q: %v", bundle, err)
	}
	// A client trusting the system's roots only is refused.
	if _, err := http.Get(srv.URL + "/_doppel/health"); err == nil {
		t.Error("the system's roots trusted doppel")
	}
	// The proxy configuration reaches S3 under AWS's name.
	c := s3.NewFromConfig(srv.ProxyConfig("shared"))
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("via-proxy")}); err != nil {
		t.Fatalf("CreateBucket through the proxy: %v", err)
	}
	got, err := s3.NewFromConfig(srv.AWSConfig("shared"), func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(got.Buckets) != 1 {
		t.Fatalf("%v %v", got, err)
	}
}
