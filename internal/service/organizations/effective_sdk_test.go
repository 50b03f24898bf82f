package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestEffectiveTagPolicy(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	member := w.vend("tagged", "tagged@example.com")
	_, err := w.orgs.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeTagPolicy, TargetId: aws.String(member)})
	wantCode(t, err, "EffectivePolicyNotFoundException")

	must(t)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeTagPolicy}))
	_, err = w.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("bad"), Description: aws.String(""), Type: types.PolicyTypeTagPolicy, Content: aws.String("{")})
	wantCode(t, err, "MalformedPolicyDocumentException")
	rootPolicy := w.policy(types.PolicyTypeTagPolicy, "cost", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["100","200"]}}}}`)
	accountPolicy := w.policy(types.PolicyTypeTagPolicy, "more", `{"tags":{"costcenter":{"tag_value":{"@@append":["300"]}}}}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(rootPolicy), TargetId: aws.String(root)}))
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(accountPolicy), TargetId: aws.String(member)}))

	want := `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["100","200","300"]}}}`
	out, err := w.orgs.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeTagPolicy, TargetId: aws.String(member)})
	if err != nil || aws.ToString(out.EffectivePolicy.PolicyContent) != want {
		t.Fatal(out, err)
	}
	// The member reads its own, and no other account's.
	m := organizations.NewFromConfig(w.accessRole(member))
	out, err = m.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeTagPolicy})
	if err != nil || aws.ToString(out.EffectivePolicy.PolicyContent) != want || aws.ToString(out.EffectivePolicy.TargetId) != member {
		t.Fatal(out, err)
	}
	_, err = m.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeTagPolicy, TargetId: aws.String(mgmtID)})
	wantCode(t, err, "AccessDeniedException")
	_, err = w.orgs.DescribeEffectivePolicy(ctx, &organizations.DescribeEffectivePolicyInput{PolicyType: types.EffectivePolicyTypeTagPolicy, TargetId: aws.String(root)})
	wantCode(t, err, "InvalidInputException")
}
