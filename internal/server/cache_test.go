package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Caches of policies and keys follow IAM's changes from the next request on,
// whatever else (S3 objects) was written in between.
func TestPermissionChangesTakeEffectOnNextRequest(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	root := srv.AWSConfig("account-a")
	admin := iam.NewFromConfig(root)
	rootS3 := s3.NewFromConfig(root, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cache-test")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := s3.NewFromConfig(srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""),
		func(o *s3.Options) { o.UsePathStyle = true })
	list := func() error {
		_, err := bob.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("cache-test")})
		return err
	}
	if err := list(); err == nil {
		t.Fatal("bob listed the bucket with no policy")
	}
	policyArn := aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: policyArn}); err != nil {
		t.Fatal(err)
	}
	if err := list(); err != nil {
		t.Fatalf("after attaching AmazonS3ReadOnlyAccess: %v", err)
	}
	// An S3 write between the two IAM changes must not matter either way.
	if _, err := rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cache-test"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("bob"), PolicyArn: policyArn}); err != nil {
		t.Fatal(err)
	}
	if err := list(); err == nil {
		t.Fatal("bob still lists the bucket after the policy was detached")
	}
	if _, err := admin.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: key.AccessKey.AccessKeyId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	if err := list(); err == nil {
		t.Fatal("an inactive key still signs requests")
	} else {
		apiErrorCode(t, err, "InvalidAccessKeyId")
	}
}

// AWS managed policies larger than the customer managed quota (6,144
// characters) still grant: ReadOnlyAccess has about 85,000.
func TestLargeAWSManagedPolicyGrants(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("auditor")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("auditor"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("auditor")})
	if err != nil {
		t.Fatal(err)
	}
	auditor := iam.NewFromConfig(srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	if _, err := auditor.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers with ReadOnlyAccess: %v", err)
	}
	_, err = auditor.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nope")})
	apiErrorCode(t, err, "AccessDenied")
}

// apiErrorCode fails the test unless err is an AWS error with code.
func apiErrorCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}
