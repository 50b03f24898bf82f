package doppeltest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// A bucket whose policy denies insecure transport: reached over HTTPS by a
// client that trusts only the test server's CA, refused over plain HTTP on
// the same port.
func ExampleNewTLSServer() {
	t := &exampleT{} // in a test: the test's *testing.T
	defer t.finish()

	srv := doppeltest.NewTLSServer(t)
	ctx := context.Background()
	client := s3.NewFromConfig(srv.AWSConfig("account-a"), func(o *s3.Options) { o.UsePathStyle = true })
	client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("secure")})
	client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("secure"), Policy: aws.String(`{
	  "Version": "2012-10-17",
	  "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
	    "Resource": ["arn:aws:s3:::secure", "arn:aws:s3:::secure/*"],
	    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}`)})
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("secure"), Key: aws.String("k"), Body: strings.NewReader("v")})
	fmt.Println(srv.URL[:8], "PutObject:", err)

	cfg := srv.AWSConfig("account-a")
	cfg.BaseEndpoint = aws.String("http://" + srv.Addr)
	plain := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = plain.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("secure"), Key: aws.String("k")})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		fmt.Println("http:// GetObject:", ae.ErrorCode())
	}
	// Output:
	// https:// PutObject: <nil>
	// http:// GetObject: AccessDenied
}

// exampleT is the little of testing.TB a server uses, for examples, which
// have no *testing.T.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (e *exampleT) Helper()                   {}
func (e *exampleT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (e *exampleT) Errorf(f string, a ...any) { fmt.Printf(f+"\n", a...) }
func (e *exampleT) Cleanup(f func())          { e.cleanups = append(e.cleanups, f) }

func (e *exampleT) TempDir() string {
	dir, err := os.MkdirTemp("", "doppeltest-example-")
	if err != nil {
		panic(err)
	}
	e.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (e *exampleT) finish() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}
