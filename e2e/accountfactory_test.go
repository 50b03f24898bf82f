package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestAccountFactory runs examples/account-factory as its README does: the
// management account's administrator (an IAM user with
// AdministratorAccess) applies it; the new account exists in the OU with
// the SCP attached, its bucket was made through its access role; a second
// plan has nothing to do; destroy removes it all.
func TestAccountFactory(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	admin := w.user("account-a", "admin", "")
	w.must(w.iam("account-a").AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))

	tf := newWorkdir(t, "examples/account-factory", w.env(admin, "")...)
	tf.must("apply", "-auto-approve", "-input=false")
	var outputs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(tf.must("output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	account, bucket := outputs["account_id"].Value, outputs["bucket"].Value

	orgs := organizations.NewFromConfig(w.srv.AWSConfig("account-a"))
	parents, err := orgs.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(account)})
	if err != nil || len(parents.Parents) != 1 || parents.Parents[0].Type != "ORGANIZATIONAL_UNIT" {
		t.Fatalf("parents of %s: %+v %v", account, parents, err)
	}
	// The bucket belongs to the new account: only its principals list it.
	if slices.Contains(w.bucketsOf("account-a"), bucket) {
		t.Errorf("bucket %s is the management account's", bucket)
	}
	out, err := s3.NewFromConfig(w.srv.AWSConfig("account-a"), func(o *s3.Options) { o.UsePathStyle = true }).
		GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err == nil {
		t.Errorf("the management account's root reads the member's bucket: %+v", out)
	}

	if out, code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Errorf("a second plan wants changes (exit %d):\n%s", code, out)
	}
	tf.must("destroy", "-auto-approve", "-input=false")
	if _, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); errorCode(err) != "AWSOrganizationsNotInUseException" {
		t.Errorf("after destroy DescribeOrganization says %v", err)
	}
}
