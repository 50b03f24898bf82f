// Package tftest drives Terraform and the AWS provider against an in-process
// doppel: S3 buckets with the configurations Terraform manages, objects, and
// the S3 state backend with a lock file. Terraform and the
// provider mirror are found by internal/testclients.
package tftest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/testclients"
)

// s3Client is a path-style S3 client signing as account.
func s3Client(srv *doppeltest.Server, account string) *s3.Client {
	return s3.NewFromConfig(srv.AWSConfig(account), func(o *s3.Options) { o.UsePathStyle = true })
}

// workdir is a Terraform working directory with a CLI configuration that
// installs the AWS provider from the local mirror only.
type workdir struct {
	t   *testing.T
	tf  string
	dir string
	env []string // more environment for terraform, such as AWS_CA_BUNDLE
}

func newWorkdir(t *testing.T, mainTF string) *workdir {
	t.Helper()
	return newWorkdirFor(t, testclients.Provider{Mirror: testclients.ProviderMirror(t)}, "", mainTF)
}

// newWorkdirFor is newWorkdir with provider p, and doppel at proxy as the
// HTTP proxy: the provider 6.x reaches S3 Control at ACCOUNT.127.0.0.1.
func newWorkdirFor(t *testing.T, p testclients.Provider, proxy, mainTF string) *workdir {
	t.Helper()
	tf := testclients.Terraform(t)
	plugins := p.Mirror
	w := &workdir{t: t, tf: tf, dir: t.TempDir()}
	if proxy != "" {
		w.env = append(w.env, "HTTP_PROXY="+proxy)
	}
	rc := testclients.TerraformCLIConfig(plugins)
	for name, content := range map[string]string{"terraformrc": rc, "main.tf": mainTF} {
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *workdir) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.tf, args...)
	cmd.Dir = w.dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + w.dir,
		"TF_CLI_CONFIG_FILE=" + filepath.Join(w.dir, "terraformrc"),
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		"TF_INPUT=0",
	}
	cmd.Env = append(cmd.Env, w.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (w *workdir) must(args ...string) string {
	w.t.Helper()
	out, err := w.run(args...)
	if err != nil {
		w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// applyClean runs init and apply, then a plan that must show no changes.
func (w *workdir) applyClean() {
	w.t.Helper()
	w.must("init", "-no-color")
	w.must("apply", "-no-color", "-auto-approve")
	w.noChanges()
}

// noChanges runs plan with -detailed-exitcode: 0 is no changes, 2 changes.
func (w *workdir) noChanges() {
	w.t.Helper()
	out, err := w.run("plan", "-no-color", "-detailed-exitcode")
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		w.t.Fatalf("a plan after apply shows changes:\n%s", out)
	}
	if err != nil {
		w.t.Fatalf("terraform plan: %v\n%s", err, out)
	}
}

// providerConfig is the AWS provider aimed at doppel; its format verbs are
// the access key, the secret key and the S3 (S3 Control's too), STS and IAM
// endpoints.
const providerConfig = `
provider "aws" {
  region                      = "us-east-1"
  access_key                  = %q
  secret_key                  = %q
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  endpoints {
    s3        = %q
    s3control = %[3]q
    sts       = %q
    iam       = %q
  }
}
`

const bucketConfig = providerConfig + `
resource "aws_s3_bucket" "data" {
  bucket = "tf-data"
  tags   = { Team = "doppel" }
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReadFromB"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::%s:root" }
      Action    = ["s3:GetObject"]
      Resource  = "${aws_s3_bucket.data.arn}/*"
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.data]
}

resource "aws_s3_object" "readme" {
  bucket       = aws_s3_bucket.data.id
  key          = "docs/README.md"
  content      = "hello from terraform"
  content_type = "text/markdown"
  tags         = { Kind = "doc" }
  depends_on   = [aws_s3_bucket_versioning.data]
}
`

// TestTerraformBucket applies a bucket with versioning, encryption, Block
// Public Access, ownership controls, a bucket policy and an object (a
// lifecycle configuration waits for x-amz-transition-default-minimum-object-size,
// which the pinned S3 model cannot carry yet); a second plan must show no
// changes; a change of the bucket's tags applies; destroy must leave
// nothing. It runs with every provider testclients.Providers finds: 6.x
// manages the bucket's tags through S3 Control.
func TestTerraformBucket(t *testing.T) {
	for _, p := range testclients.Providers(t) {
		t.Run("aws "+p.Version, func(t *testing.T) {
			t.Parallel()
			terraformBucket(t, p)
		})
	}
}

func terraformBucket(t *testing.T, p testclients.Provider) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	config := fmt.Sprintf(bucketConfig, a.AccessKeyID, a.SecretAccessKey, srv.URL, srv.URL, srv.URL, srv.Account("account-b").ID)
	w := newWorkdirFor(t, p, srv.URL, config)
	w.applyClean()

	ctx := context.Background()
	c := s3Client(srv, "account-a")
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tf-data"), Key: aws.String("docs/README.md")})
	if err != nil {
		t.Fatalf("object after apply: %v", err)
	}
	got.Body.Close()
	if aws.ToString(got.ContentType) != "text/markdown" || aws.ToInt32(got.TagCount) != 1 {
		t.Errorf("object = %+v", got)
	}
	b := s3Client(srv, "account-b")
	if _, err := b.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("tf-data"), Key: aws.String("docs/README.md")}); err != nil {
		t.Errorf("account B reading through the bucket policy: %v", err)
	}
	if got := bucketTags(t, c, "tf-data"); !reflect.DeepEqual(got, map[string]string{"Team": "doppel"}) {
		t.Errorf("bucket tags after apply = %v", got)
	}

	// A tag changed, one removed, one added: an update, then no changes.
	changed := strings.Replace(config, `tags   = { Team = "doppel" }`, `tags   = { Owner = "platform" }`, 1)
	if changed == config {
		t.Fatal("the configuration's tags line moved; update the test")
	}
	if err := os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	w.must("apply", "-no-color", "-auto-approve")
	w.noChanges()
	if got := bucketTags(t, c, "tf-data"); !reflect.DeepEqual(got, map[string]string{"Owner": "platform"}) {
		t.Errorf("bucket tags after the update = %v", got)
	}

	w.must("destroy", "-no-color", "-auto-approve")
	list, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 0 {
		t.Fatalf("buckets after destroy = %+v, %v", list, err)
	}
}

// bucketTags reads a bucket's tags with the bucket tagging API: the one
// tag set whichever API the provider wrote it with.
func bucketTags(t *testing.T, c *s3.Client, bucket string) map[string]string {
	t.Helper()
	out, err := c.GetBucketTagging(context.Background(), &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("GetBucketTagging: %v", err)
	}
	m := map[string]string{}
	for _, tg := range out.TagSet {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

const configsConfig = providerConfig + `
resource "aws_s3_bucket" "site" {
  bucket              = "tf-site"
  object_lock_enabled = true
}

resource "aws_s3_bucket" "logs" {
  bucket = "tf-logs"
}

resource "aws_s3_bucket" "replica" {
  bucket = "tf-replica"
}

resource "aws_s3_bucket_versioning" "replica" {
  bucket = aws_s3_bucket.replica.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "ObjectWriter"
  }
}

resource "aws_s3_bucket_acl" "site" {
  bucket     = aws_s3_bucket.site.id
  acl        = "private"
  depends_on = [aws_s3_bucket_ownership_controls.site]
}

resource "aws_s3_bucket_cors_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  cors_rule {
    allowed_headers = ["*"]
    allowed_methods = ["GET", "PUT"]
    allowed_origins = ["https://example.com"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

resource "aws_s3_bucket_website_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  index_document {
    suffix = "index.html"
  }
  error_document {
    key = "error.html"
  }
}

resource "aws_s3_bucket_logging" "site" {
  bucket        = aws_s3_bucket.site.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "log/"
}

resource "aws_s3_bucket_request_payment_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  payer  = "Requester"
}

resource "aws_s3_bucket_accelerate_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  status = "Enabled"
}

resource "aws_s3_bucket_notification" "site" {
  bucket      = aws_s3_bucket.site.id
  eventbridge = true
}

resource "aws_s3_bucket_object_lock_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = 1
    }
  }
}

resource "aws_s3_bucket_replication_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  role   = "arn:aws:iam::%s:role/replication"
  rule {
    id     = "all"
    status = "Enabled"
    filter {}
    delete_marker_replication {
      status = "Disabled"
    }
    destination {
      bucket = aws_s3_bucket.replica.arn
    }
  }
  depends_on = [aws_s3_bucket_versioning.replica]
}
`

// TestTerraformBucketConfigurations applies the provider's other bucket
// configuration resources (ACL, CORS, website, logging, request payment,
// accelerate, notifications, object lock, replication); a second plan must
// show no changes, which proves each reads back as written.
func TestTerraformBucketConfigurations(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	w := newWorkdir(t, fmt.Sprintf(configsConfig, a.AccessKeyID, a.SecretAccessKey, srv.URL, srv.URL, srv.URL, a.ID))
	w.applyClean()
	w.must("destroy", "-no-color", "-auto-approve")
	c := s3Client(srv, "account-a")
	list, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err != nil || len(list.Buckets) != 0 {
		t.Fatalf("buckets after destroy = %+v, %v", list, err)
	}
}

const lifecycleConfig = providerConfig + `
resource "aws_s3_bucket" "data" {
  bucket = "tf-lifecycle"
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    id     = "expire-tmp"
    status = "Enabled"
    filter {
      prefix = "tmp/"
    }
    expiration {
      days = 7
    }
  }
}
`

// TestTerraformLifecycle applies a lifecycle configuration. The provider
// waits until GetBucketLifecycleConfiguration echoes the
// x-amz-transition-default-minimum-object-size it sent, which needs that
// member in the S3 model.
func TestTerraformLifecycle(t *testing.T) {
	if _, ok := reflect.TypeOf(s3api.GetBucketLifecycleConfigurationOutput{}).FieldByName("TransitionDefaultMinimumObjectSize"); !ok {
		t.Skip("s3api.GetBucketLifecycleConfigurationOutput has no TransitionDefaultMinimumObjectSize yet (the pinned S3 model predates it)")
	}
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	w := newWorkdir(t, fmt.Sprintf(lifecycleConfig, a.AccessKeyID, a.SecretAccessKey, srv.URL, srv.URL, srv.URL))
	w.applyClean()
	w.must("destroy", "-no-color", "-auto-approve")
}

const backendConfig = `
terraform {
  backend "s3" {
    bucket         = "tfstate"
    key            = "env/terraform.tfstate"
    region         = "us-east-1"
    use_lockfile   = true
    use_path_style = true
    access_key     = %q
    secret_key     = %q
    skip_metadata_api_check     = true
    skip_region_validation      = true
    endpoints = {
      s3  = %q
      sts = %q
      iam = %q
    }
  }
}

resource "terraform_data" "marker" {
  input = "v1"
}
`

// TestTerraformBackend keeps state in a bucket with the lock file
// (use_lockfile), and checks that a held lock refuses another run.
func TestTerraformBackend(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	ctx := context.Background()
	c := s3Client(srv, "account-a")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("tfstate")}); err != nil {
		t.Fatal(err)
	}
	w := newWorkdir(t, fmt.Sprintf(backendConfig, a.AccessKeyID, a.SecretAccessKey, srv.URL, srv.URL, srv.URL))
	w.applyClean()
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tfstate"), Key: aws.String("env/terraform.tfstate")})
	if err != nil || aws.ToInt64(head.ContentLength) == 0 {
		t.Fatalf("state object = %+v, %v", head, err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("tfstate"), Key: aws.String("env/terraform.tfstate.tflock")}); err == nil {
		t.Errorf("the lock file outlived the run")
	}

	lockInfo := `{"ID":"someone-else","Operation":"OperationTypeApply","Who":"other@host","Version":"1.11.4","Created":"2026-01-01T00:00:00Z","Path":"tfstate/env/terraform.tfstate"}`
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("tfstate"), Key: aws.String("env/terraform.tfstate.tflock"), Body: strings.NewReader(lockInfo)}); err != nil {
		t.Fatal(err)
	}
	out, err := w.run("plan", "-no-color", "-lock-timeout=0s")
	if err == nil || !strings.Contains(out, "Error acquiring the state lock") || !strings.Contains(out, "someone-else") {
		t.Fatalf("plan with the lock held by someone else: %v\n%s", err, out)
	}
}
