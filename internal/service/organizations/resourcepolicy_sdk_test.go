package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// The organization's resource policy lets another account read it, and
// change nothing.
func TestResourcePolicy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	member := w.vend("reader", "reader@example.com")
	reader := organizations.NewFromConfig(w.accessRole(member))

	_, err := w.orgs.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantCode(t, err, "ResourcePolicyNotFoundException")
	_, err = w.orgs.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(`{"Statement":[{"Effect":"Allow","Action":"organizations:List*","Resource":"*"}]}`)})
	wantCode(t, err, "InvalidInputException")
	_, err = reader.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AccessDeniedException")

	put, err := w.orgs.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::` + member + `:root"},"Action":["organizations:List*","organizations:Describe*","organizations:CreateOrganizationalUnit"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.orgs.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	if err != nil || aws.ToString(got.ResourcePolicy.ResourcePolicySummary.Id) != aws.ToString(put.ResourcePolicy.ResourcePolicySummary.Id) {
		t.Fatal(got, err)
	}
	list, err := reader.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(list.Accounts) != 2 {
		t.Fatal(list, err)
	}
	// Writes stay the management account's.
	_, err = reader.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("mine")})
	wantCode(t, err, "AccessDeniedException")
	// Another account is not named.
	_, err = organizations.NewFromConfig(w.srv.AWSConfig("outsider")).ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")

	must(t)(w.orgs.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{}))
	_, err = reader.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AccessDeniedException")
	_, err = w.orgs.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{})
	wantCode(t, err, "ResourcePolicyNotFoundException")
}
