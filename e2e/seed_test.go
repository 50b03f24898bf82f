package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/internal/testclients"
)

const seedExample = "examples/cross-account-assume-role"

// seedWorld is the seed procedure's setup, made with aws-sdk-go-v2 as each
// account's root: in B the role trusting A with the external ID and
// AmazonS3FullAccess; in A the user alice, with an access key and
// permission to assume roles in B (any of them, so that the failure cases
// below fail for the reason each one names).
func seedWorld(t testing.TB) (*world, key) {
	t.Helper()
	w := newWorld(t)
	w.role(w.b.Name, seedRole, trustAccount(w.a.ID, map[string]any{"StringEquals": map[string]any{"sts:ExternalId": seedExternalID}}), s3FullAccess)
	alice := w.user(w.a.Name, "alice", allowAssume("arn:aws:iam::"+w.b.ID+":role/*"))
	return w, alice
}

// TestSeedProcedure is the seed, step by step: alice's keys in the
// environment, the example's provider block with assume_role {role_arn,
// external_id}, terraform init and apply; the bucket is in B and not in A;
// a second plan has nothing to do; destroy removes the bucket.
// It runs with every provider testclients.Providers finds: 6.x reads and
// writes each bucket's tags through S3 Control.
func TestSeedProcedure(t *testing.T) {
	t.Parallel()
	for _, p := range testclients.Providers(t) {
		t.Run("aws "+p.Version, func(t *testing.T) {
			t.Parallel()
			seedProcedure(t, p)
		})
	}
}

func seedProcedure(t *testing.T, p testclients.Provider) {
	w, alice := seedWorld(t)
	tf := newWorkdirFor(t, p, seedExample, w.env(alice, "")...)

	out := tf.must("apply", "-auto-approve", "-input=false")
	if want := `account_id = "` + w.b.ID + `"`; !strings.Contains(out, want) {
		t.Errorf("apply output lacks %s:\n%s", want, out)
	}
	const bucket = "my-test-bucket-for-assume-role-verification"
	if got := w.bucketsOf(w.b.Name); !slices.Contains(got, bucket) {
		t.Errorf("account B's buckets = %v, want %s among them", got, bucket)
	}
	if got := w.bucketsOf(w.a.Name); slices.Contains(got, bucket) {
		t.Errorf("account A's buckets = %v, want no %s", got, bucket)
	}

	// -detailed-exitcode: 0 = no changes, 2 = changes, 1 = error.
	if out, code := tf.run("plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Errorf("second plan exited %d, want 0 (no changes):\n%s", code, out)
	}

	tf.must("destroy", "-auto-approve", "-input=false")
	if got := w.bucketsOf(w.b.Name); slices.Contains(got, bucket) {
		t.Errorf("after destroy account B's buckets = %v", got)
	}
}

// TestSeedFailures: each way the seed procedure fails on AWS fails here,
// and Terraform's output names AWS's error code and message.
func TestSeedFailures(t *testing.T) {
	t.Parallel()
	w, alice := seedWorld(t)
	roleARN := "arn:aws:iam::" + w.b.ID + ":role/" + seedRole
	// A role in B that trusts only B itself, not A.
	untrusting := w.role(w.b.Name, "trusts_only_b", trustAccount(w.b.ID, nil), s3FullAccess)
	// A role that trusts A but may do nothing in B.
	powerless := w.role(w.b.Name, "no_permissions", trustAccount(w.a.ID, nil))
	// A user in A whose policies do not allow sts:AssumeRole.
	bob := w.user(w.a.Name, "bob", "")
	aliceARN := "arn:aws:iam::" + w.a.ID + ":user/alice"
	// A bucket name A already holds: names are global across accounts.
	if _, err := w.s3(w.a.Name).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("taken-by-a")}); err != nil {
		t.Fatal(err)
	}

	// The AssumeRole denials read as on AWS ("User: ARN is not authorized
	// to perform: sts:AssumeRole on resource: ROLE"): AWS says nothing about
	// which condition failed, so as not to help a guesser.
	denied := func(user, role string) string {
		return "User: " + user + " is not authorized to perform: sts:AssumeRole on resource: " + role
	}
	tests := []struct {
		name string
		user key
		vars string // a .tfvars.json overriding the example's defaults
		want []string
	}{
		{
			name: "wrong external ID",
			user: alice,
			vars: `{"external_id": "not_my_external_id", "bucket": "wrong-external-id"}`,
			want: []string{"AccessDenied", denied(aliceARN, roleARN)},
		},
		{
			name: "missing external ID",
			user: alice,
			vars: `{"external_id": null, "bucket": "missing-external-id"}`,
			want: []string{"AccessDenied", denied(aliceARN, roleARN)},
		},
		{
			name: "role does not trust A",
			user: alice,
			vars: `{"role_arn": "` + untrusting + `", "bucket": "untrusting-role"}`,
			want: []string{"AccessDenied", denied(aliceARN, untrusting)},
		},
		{
			name: "user may not assume roles",
			user: bob,
			vars: `{"bucket": "bob-has-no-policy"}`,
			want: []string{"AccessDenied", denied("arn:aws:iam::"+w.a.ID+":user/bob", roleARN)},
		},
		{
			// The role is assumed; its session may not create buckets.
			name: "role without S3 permissions",
			user: alice,
			vars: `{"role_arn": "` + powerless + `", "external_id": null, "bucket": "powerless-role"}`,
			want: []string{"AccessDenied", "arn:aws:sts::" + w.b.ID + ":assumed-role/no_permissions/", "is not authorized to perform: s3:CreateBucket"},
		},
		{
			// S3's bucket namespace is shared by all accounts (CreateBucket,
			// Amazon S3 API Reference: BucketAlreadyExists, 409). The provider
			// prints no message after the code: aws-sdk-go-v2 decodes S3's
			// modeled errors without one, against AWS too
			// (github.com/appvia/terranetes-controller/issues/1458).
			name: "bucket name taken by another account",
			user: alice,
			vars: `{"bucket": "taken-by-a"}`,
			want: []string{"creating S3 Bucket (taken-by-a): operation error S3: CreateBucket, https response error StatusCode: 409", "BucketAlreadyExists"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tf := newWorkdir(t, seedExample, w.env(tt.user, "")...)
			tf.writeFile("case.auto.tfvars.json", tt.vars)
			out, code := tf.run("apply", "-auto-approve", "-input=false")
			if code == 0 {
				t.Fatalf("apply succeeded, want it to fail:\n%s", out)
			}
			t.Logf("terraform's output:\n%s", out)
			for _, want := range tt.want {
				if !strings.Contains(flat(out), want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	t.Cleanup(func() {
		if got := w.bucketsOf(w.b.Name); len(got) != 0 {
			t.Errorf("account B's buckets = %v, want none", got)
		}
	})
}
