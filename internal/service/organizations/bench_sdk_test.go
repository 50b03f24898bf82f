package organizations_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// BenchmarkGetObjectUnderOrgPolicies measures what SCPs and RCPs cost a
// whole GetObject: a member account's role reads its own 1 KiB object,
// first with no policy type enabled ("none"), then with SCPs and RCPs
// enabled and the account under root, OU, OU, every level holding the
// full-access policy and a deny that does not match ("scp+rcp-depth3").
// Over loopback with client and server on the same CPUs, wall time is
// noisy; allocations are steady (BenchmarkDecideUnderOrgPolicies isolates
// the authorizer).
func BenchmarkGetObjectUnderOrgPolicies(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b)
	w.createOrg()
	root := w.rootID()
	member := w.vend("bench", "bench@example.com")
	c := s3Client(w.accessRole(member))
	must(b)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")}))
	must(b)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: strings.NewReader(strings.Repeat("x", 1024))}))
	get := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: aws.String("k")})
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, out.Body)
			out.Body.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("none", get)

	parent := root
	var levels []string
	for _, name := range []string{"ou1", "ou2"} {
		ou, err := w.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(name)})
		if err != nil {
			b.Fatal(err)
		}
		parent = aws.ToString(ou.OrganizationalUnit.Id)
		levels = append(levels, parent)
	}
	must(b)(w.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(member), SourceParentId: aws.String(root), DestinationParentId: aws.String(parent)}))
	for _, t := range []types.PolicyType{types.PolicyTypeServiceControlPolicy, types.PolicyTypeResourceControlPolicy} {
		must(b)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: t}))
	}
	scp := w.policy(types.PolicyTypeServiceControlPolicy, "deny-other", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	rcp := w.policy(types.PolicyTypeResourceControlPolicy, "deny-other", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	for _, target := range append([]string{root, member}, levels...) {
		for _, p := range []string{scp, rcp} {
			must(b)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(p), TargetId: aws.String(target)}))
		}
	}
	b.Run("scp+rcp-depth3", get)
}
