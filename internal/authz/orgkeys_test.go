package authz

import (
	"context"
	"github.com/doppel-aws/doppel/internal/policy"
	"testing"
)

// fakeMembership is a fakeOrgs that also knows where accounts sit.
type fakeMembership struct {
	fakeOrgs
	orgs map[string][2]string // account -> org ID, path
}

func (f fakeMembership) AccountOrg(_ context.Context, account string) (string, string, error) {
	o := f.orgs[account]
	return o[0], o[1], nil
}

// The organization keys come from the OrgPolicySource: a bucket policy of
// account B allowing its organization lets bob of account A in when A is
// in that organization, and keeps him out when it is not.
func TestOrganizationKeys(t *testing.T) {
	bucketPolicy := Stored(policy.Resource, "bucket policy", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-aaaaaaaaaa","aws:ResourceOrgID":"o-aaaaaaaaaa"},"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-aaaaaaaaaa/r-ab12/ou-ab12-*/"}}}`))
	check := Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k", ResourceAccount: acctB, ResourcePolicy: bucketPolicy}
	member := fakeMembership{orgs: map[string][2]string{
		acctA: {"o-aaaaaaaaaa", "o-aaaaaaaaaa/r-ab12/ou-ab12-11111111/"},
		acctB: {"o-aaaaaaaaaa", "o-aaaaaaaaaa/r-ab12/"},
	}}
	if err := New(Config{Policies: newSource(), Orgs: member}).Authorize(ctxFor(bob), check); err != nil {
		t.Errorf("a member of the organization: %v", err)
	}
	outside := fakeMembership{orgs: map[string][2]string{acctB: {"o-aaaaaaaaaa", "o-aaaaaaaaaa/r-ab12/"}}}
	if err := New(Config{Policies: newSource(), Orgs: outside}).Authorize(ctxFor(bob), check); err == nil {
		t.Error("an account outside the organization was let in")
	}
	// A source without AccountOrg sets no keys.
	if err := New(Config{Policies: newSource(), Orgs: fakeOrgs{}}).Authorize(ctxFor(bob), check); err == nil {
		t.Error("organization keys without an OrgMembership")
	}
}
