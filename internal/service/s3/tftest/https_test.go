package tftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// secureConfig is a bucket with the policy Terraform modules add for
// "deny insecure transport", and an object in it, all managed over HTTPS.
const secureConfig = providerConfig + `
resource "aws_s3_bucket" "secure" {
  bucket = "tf-secure"
}

resource "aws_s3_bucket_policy" "secure" {
  bucket = aws_s3_bucket.secure.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowSSLRequestsOnly"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.secure.arn, "${aws_s3_bucket.secure.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

resource "aws_s3_object" "doc" {
  bucket     = aws_s3_bucket.secure.id
  key        = "doc.txt"
  content    = %q
  depends_on = [aws_s3_bucket_policy.secure]
}
`

// TestTerraformOverHTTPS applies a bucket whose policy denies insecure
// transport and manages an object in it, with the provider trusting doppel
// through AWS_CA_BUNDLE only; a plain-HTTP client is refused.
func TestTerraformOverHTTPS(t *testing.T) {
	srv := doppeltest.NewTLSServer(t)
	a := srv.Account("account-a")
	config := func(content string) string {
		return fmt.Sprintf(secureConfig, a.AccessKeyID, a.SecretAccessKey, srv.URL, srv.URL, srv.URL, content)
	}
	w := newWorkdir(t, config("first"))
	w.env = []string{"AWS_CA_BUNDLE=" + srv.CAFile()}
	w.applyClean()

	ctx := context.Background()
	read := func(c *s3.Client) (string, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tf-secure"), Key: aws.String("doc.txt")})
		if err != nil {
			return "", err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return string(b), err
	}
	if got, err := read(s3Client(srv, "account-a")); err != nil || got != "first" {
		t.Fatalf("object over HTTPS: %q, %v", got, err)
	}
	cfg := srv.AWSConfig("account-a")
	cfg.BaseEndpoint, cfg.HTTPClient = aws.String("http://"+srv.Addr), nil
	_, err := read(s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }))
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("object over plain HTTP: want AccessDenied, got %v", err)
	}

	// The object changes through Terraform, over HTTPS.
	w.write(config("second"))
	w.must("apply", "-no-color", "-auto-approve")
	w.noChanges()
	if got, err := read(s3Client(srv, "account-a")); err != nil || got != "second" {
		t.Fatalf("object after the update: %q, %v", got, err)
	}
	w.must("destroy", "-no-color", "-auto-approve")
}

// write replaces the configuration.
func (w *workdir) write(mainTF string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(mainTF), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// proxyConfig has no endpoint setting at all: the provider talks to AWS's
// host names, through doppel as its HTTPS proxy.
const proxyConfig = `
provider "aws" {
  region                  = "eu-west-1"
  access_key              = %q
  secret_key              = %q
  skip_metadata_api_check = true
}

resource "aws_iam_user" "ci" {
  name = "tf-proxy-ci"
}

resource "aws_s3_bucket" "data" {
  bucket = "tf-proxy-data"
}

resource "aws_s3_object" "doc" {
  bucket  = aws_s3_bucket.data.id
  key     = "doc.txt"
  content = "through the proxy"
}
`

// TestTerraformThroughProxy applies IAM and S3 resources with a provider
// block that names no endpoint, in eu-west-1: HTTPS_PROXY and
// AWS_CA_BUNDLE are all that point it at doppel.
func TestTerraformThroughProxy(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	w := newWorkdir(t, fmt.Sprintf(proxyConfig, a.AccessKeyID, a.SecretAccessKey))
	w.env = []string{
		"AWS_CA_BUNDLE=" + srv.CAFile(),
		"HTTPS_PROXY=http://" + srv.Addr, "HTTP_PROXY=http://" + srv.Addr, "NO_PROXY=",
	}
	w.applyClean()
	cfg := srv.AWSConfig("account-a")
	cfg.Region = "eu-west-1" // the bucket's, as AWS requires of the signature
	direct := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	out, err := direct.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("tf-proxy-data"), Key: aws.String("doc.txt")})
	if err != nil {
		t.Fatalf("object applied through the proxy: %v", err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "through the proxy" {
		t.Errorf("object = %q", b)
	}
	w.must("destroy", "-no-color", "-auto-approve")
}
