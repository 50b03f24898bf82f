package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/policy"
)

// TestOfflineAgreesWithLive: the evaluation file of `doppel policy eval`
// and the live server decide the same requests alike (issue 13), denials
// with the same message.
func TestOfflineAgreesWithLive(t *testing.T) {
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	cfgA := srv.AWSConfig("account-a")
	iamA := iam.NewFromConfig(cfgA)
	s3A := s3.NewFromConfig(cfgA, func(o *s3.Options) { o.UsePathStyle = true })
	const userPolicy = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::offline","arn:aws:s3:::offline/*"]},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::offline/secret*"},
		{"Effect":"Deny","Action":"sts:*","Resource":"*"}]}`
	if _, err := iamA.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamA.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(userPolicy)}); err != nil {
		t.Fatal(err)
	}
	key, err := iamA.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3A.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("offline")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k", "secret1"} {
		if _, err := s3A.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("offline"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	cfgU := srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	s3U := s3.NewFromConfig(cfgU, func(o *s3.Options) { o.UsePathStyle = true })
	stsU := sts.NewFromConfig(cfgU)
	const alice = "arn:aws:iam::111111111111:user/alice"

	for _, tc := range []struct {
		name, action, resource string
		live                   func() error
	}{
		{"allowed read", "s3:GetObject", "arn:aws:s3:::offline/k", func() error {
			_, err := s3U.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("offline"), Key: aws.String("k")})
			return err
		}},
		{"explicit deny", "s3:GetObject", "arn:aws:s3:::offline/secret1", func() error {
			_, err := s3U.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("offline"), Key: aws.String("secret1")})
			return err
		}},
		{"implicit deny", "s3:PutObject", "arn:aws:s3:::offline/new", func() error {
			_, err := s3U.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("offline"), Key: aws.String("new"), Body: strings.NewReader("x")})
			return err
		}},
		{"GetCallerIdentity under a deny", "sts:GetCallerIdentity", "*", func() error {
			_, err := stsU.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, _ := json.Marshal(map[string]any{
				"request":           map[string]any{"principal_arn": alice, "action": tc.action, "resource": tc.resource, "resource_account": "111111111111"},
				"identity_policies": []json.RawMessage{json.RawMessage(userPolicy)},
			})
			cases, err := policy.DecodeEvalFile(file)
			if err != nil {
				t.Fatal(err)
			}
			offline := cases[0].Run(false)
			liveErr := tc.live()
			if (offline.Decision == "Allow") != (liveErr == nil) {
				t.Fatalf("offline %s (%s), live %v", offline.Decision, offline.Message, liveErr)
			}
			if liveErr != nil {
				// S3 quotes the resource; otherwise the same words.
				want := strings.Replace(offline.Message, "on resource: "+tc.resource, `on resource: "`+tc.resource+`"`, 1)
				if got := errMessage(liveErr); got != want {
					t.Errorf("live message %q\noffline       %q", got, want)
				}
			}
		})
	}
}
