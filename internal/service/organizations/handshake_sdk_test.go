package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

func TestInvitations(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	outsider := organizations.NewFromConfig(w.srv.AWSConfig("outsider"))
	invite := func() string {
		t.Helper()
		out, err := w.orgs.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
			Target: &types.HandshakeParty{Id: aws.String(outsiderID), Type: types.HandshakePartyTypeAccount}, Notes: aws.String("join us")})
		if err != nil {
			t.Fatal(err)
		}
		if out.Handshake.State != types.HandshakeStateOpen || out.Handshake.Action != types.ActionTypeInviteAccountToOrganization {
			t.Fatalf("handshake %+v", out.Handshake)
		}
		return aws.ToString(out.Handshake.Id)
	}

	// Declined, then canceled, then accepted.
	h := invite()
	_, err := w.orgs.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &types.HandshakeParty{Id: aws.String(outsiderID), Type: types.HandshakePartyTypeAccount}})
	wantCode(t, err, "DuplicateHandshakeException")
	// Only the invited account answers.
	_, err = w.orgs.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(h)})
	wantCode(t, err, "HandshakeNotFoundException")
	list, err := outsider.ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{})
	if err != nil || len(list.Handshakes) != 1 || aws.ToString(list.Handshakes[0].Id) != h {
		t.Fatal(list, err)
	}
	dec, err := outsider.DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: aws.String(h)})
	if err != nil || dec.Handshake.State != types.HandshakeStateDeclined {
		t.Fatal(dec, err)
	}
	_, err = outsider.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(h)})
	wantCode(t, err, "InvalidHandshakeTransitionException")

	h = invite()
	must(t)(w.orgs.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: aws.String(h)}))
	_, err = outsider.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(h)})
	wantCode(t, err, "InvalidHandshakeTransitionException")

	h = invite()
	acc, err := outsider.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: aws.String(h)})
	if err != nil || acc.Handshake.State != types.HandshakeStateAccepted {
		t.Fatal(acc, err)
	}
	d, err := w.orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(outsiderID)})
	if err != nil || d.Account.JoinedMethod != types.AccountJoinedMethodInvited {
		t.Fatal(d, err)
	}
	byOrg, err := w.orgs.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{})
	if err != nil || len(byOrg.Handshakes) != 3 {
		t.Fatal(byOrg, err)
	}
	_, err = w.orgs.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &types.HandshakeParty{Id: aws.String(outsiderID), Type: types.HandshakePartyTypeAccount}})
	wantCode(t, err, "HandshakeConstraintViolationException")

	// An SCP denying organizations:LeaveOrganization keeps it in.
	must(t)(w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy}))
	stay := w.policy(types.PolicyTypeServiceControlPolicy, "stay",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`)
	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(stay), TargetId: aws.String(outsiderID)}))
	_, err = outsider.LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	wantCode(t, err, "AccessDeniedException")
	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(stay), TargetId: aws.String(outsiderID)}))
	must(t)(outsider.LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{}))
	_, err = outsider.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	_, err = w.orgs.LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	wantCode(t, err, "MasterCannotLeaveOrganizationException")
}
