package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

// The organization, its vended account and its SCPs outlive a restart on
// disk, and are enforced after it.
func TestOrganizationPersists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *world {
		srv := doppeltest.NewServer(t, doppeltest.WithDataDir(dir), doppeltest.WithAccount(mgmtID, "mgmt"), doppeltest.WithAccount(outsiderID, "outsider"))
		return &world{t: t, srv: srv, orgs: organizations.NewFromConfig(srv.AWSConfig("mgmt"))}
	}
	w := open()
	w.admin = w.user(w.srv.AWSConfig("mgmt"), "admin")
	w.createOrg()
	root := w.rootID()
	member := w.vend("kept", "kept@example.com")
	must(t)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy}))
	deny := w.policy(types.PolicyTypeServiceControlPolicy, "no-buckets", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:CreateBucket","Resource":"*"}]}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(deny), TargetId: aws.String(member)}))
	admin := w.admin
	w.srv.Close()

	w = open()
	w.admin = w.srv.ConfigFor(mustCreds(t, admin))
	d, err := w.orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil || aws.ToString(d.Organization.MasterAccountId) != mgmtID {
		t.Fatal(d, err)
	}
	acct, err := w.orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(member)})
	if err != nil || aws.ToString(acct.Account.Name) != "kept" {
		t.Fatal(acct, err)
	}
	_, err = s3Client(w.accessRole(member)).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("after-restart")})
	wantDenied(t, err, "with an explicit deny in a service control policy")
}

// mustCreds returns a configuration's static credentials.
func mustCreds(t *testing.T, cfg aws.Config) (string, string, string) {
	t.Helper()
	c, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c.AccessKeyID, c.SecretAccessKey, c.SessionToken
}
