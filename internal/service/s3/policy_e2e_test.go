package s3_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/store"
)

// A bucket policy the policy engine cannot load is refused by
// PutBucketPolicy with S3's MalformedPolicy (issue 13: it used to be
// stored, and from then on every request on the bucket answered 500).
func TestE2EBucketPolicyRefusedWhenEngineCannotLoadIt(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := aws.String("policy-bucket")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, doc, message string }{
		{"unknown condition operator", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::policy-bucket/*","Condition":{"StringFooBar":{"aws:SourceAccount":"222222222222"}}}]}`,
			"Invalid Condition type : StringFooBar"},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::policy-bucket/*"}]}`,
			"Missing required field Principal"},
		{"invalid principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::policy-bucket/*"}]}`,
			"Invalid principal in policy"},
		{"unknown element", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::policy-bucket/*","Extra":1}]}`,
			"Invalid policy syntax."},
		{"invalid effect", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::policy-bucket/*"}]}`,
			"Invalid effect: Maybe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(tc.doc)})
			if errCode(err) != "MalformedPolicy" || !strings.Contains(errMessage(err), tc.message) {
				t.Errorf("PutBucketPolicy: %v, want MalformedPolicy %q", err, tc.message)
			}
		})
	}
	// The bucket keeps working.
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("PutObject after refused policies: %v", err)
	}
	if _, err := a.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b}); errCode(err) != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicy: %v, want NoSuchBucketPolicy", err)
	}
}

// A policy stored by an earlier build that the engine cannot load (planted
// here in the data directory, bypassing validation) never makes a request
// fail with 500: it grants nothing, so the owner account works as without
// it, cross-account access it meant to grant is denied, and the owner can
// replace it.
func TestE2EUnreadableStoredBucketPolicy(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b := aws.String("planted")
	srv := doppeltest.NewServer(t, doppeltest.WithDataDir(dir))
	a := client(srv, "account-a")
	if _, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:*","Resource":["arn:aws:s3:::planted","arn:aws:s3:::planted/*"],"Condition":{"StringFooBar":{"aws:SourceAccount":"x"}}}]}`
	st, err := store.OpenBolt(filepath.Join(dir, "state.db"), store.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		rec, err := store.GetJSON[map[string]any](tx, "s3.buckets", "planted")
		if err != nil {
			return err
		}
		rec["Policy"] = bad
		return store.PutJSON(tx, "s3.buckets", "planted", rec)
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	srv = doppeltest.NewServer(t, doppeltest.WithDataDir(dir))
	a = client(srv, "account-a")
	if _, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}); err != nil {
		t.Errorf("owner GetObject with an unreadable bucket policy: %v", err)
	}
	if _, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b}); err != nil {
		t.Errorf("owner ListObjectsV2: %v", err)
	}
	got, err := a.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	if err != nil || aws.ToString(got.Policy) != bad {
		t.Errorf("GetBucketPolicy = %v, %v; nothing stored may be lost", got, err)
	}
	// The grant to account B it meant to make is not made.
	bb := client(srv, "account-b")
	if _, err := bb.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}); errCode(err) != "AccessDenied" {
		t.Errorf("cross-account GetObject: %v, want AccessDenied", err)
	}
	// The owner replaces it.
	good := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::planted/*"}]}`
	if _, err := a.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(good)}); err != nil {
		t.Fatalf("PutBucketPolicy: %v", err)
	}
	if _, err := bb.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}); err != nil {
		t.Errorf("cross-account GetObject after the fix: %v", err)
	}
}

func errMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}
