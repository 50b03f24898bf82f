package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3controltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/internal/testclients"
)

// TestAccountFactory runs examples/account-factory as its README does: the
// management account's administrator (an IAM user with
// AdministratorAccess) applies it; the new account exists in the OU with
// the SCP attached, its bucket was made through its access role; a second
// plan has nothing to do; destroy removes it all.
//
// It runs with every provider testclients.Providers finds.
func TestAccountFactory(t *testing.T) {
	t.Parallel()
	needTools(t)
	for _, p := range testclients.Providers(t) {
		t.Run("aws "+p.Version, func(t *testing.T) {
			t.Parallel()
			accountFactory(t, p)
		})
	}
}

func accountFactory(t *testing.T, p testclients.Provider) {
	w := newWorld(t)
	ctx := context.Background()
	admin := w.user("account-a", "admin", "")
	w.must(w.iam("account-a").AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))

	tf := newWorkdirFor(t, p, "examples/account-factory", w.env(admin, "")...)
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

	// The SCP on the OU binds the account's access role; the management
	// account is not bound.
	sess, err := sts.NewFromConfig(w.srv.ConfigFor(admin.id, admin.secret, "")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("check"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := sess.Credentials
	pab := func(cfg aws.Config, acct string) error {
		proxy, _ := url.Parse(w.srv.URL)
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
		_, err := s3control.NewFromConfig(cfg).PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String(acct),
			PublicAccessBlockConfiguration: &s3controltypes.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}})
		return err
	}
	err = pab(w.srv.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), account)
	if err == nil || !strings.Contains(err.Error(), "with an explicit deny in a service control policy") {
		t.Errorf("PutPublicAccessBlock in the workload account: %v, want an SCP's explicit deny", err)
	}
	if err := pab(w.srv.ConfigFor(admin.id, admin.secret, ""), w.a.ID); err != nil {
		t.Errorf("PutPublicAccessBlock in the management account: %v", err)
	}

	if out, code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Errorf("a second plan wants changes (exit %d):\n%s", code, out)
	}
	tf.must("destroy", "-auto-approve", "-input=false")
	if _, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); errorCode(err) != "AWSOrganizationsNotInUseException" {
		t.Errorf("after destroy DescribeOrganization says %v", err)
	}
}
