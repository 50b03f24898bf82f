package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestOrganization(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	outsider := organizations.NewFromConfig(w.srv.AWSConfig("outsider"))

	_, err := w.orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")

	w.createOrg()
	if len(w.orgID) != 12 || w.orgID[:2] != "o-" {
		t.Fatalf("organization ID %q", w.orgID)
	}
	_, err = w.orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	wantCode(t, err, "AlreadyInOrganizationException")

	d, err := w.orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatal(err)
	}
	o := d.Organization
	if aws.ToString(o.MasterAccountId) != mgmtID || o.FeatureSet != types.OrganizationFeatureSetAll ||
		aws.ToString(o.Arn) != "arn:aws:organizations::"+mgmtID+":organization/"+w.orgID {
		t.Fatalf("organization %+v", o)
	}
	_, err = outsider.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	_, err = outsider.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")

	root := w.rootID()
	if len(root) != 6 || root[:2] != "r-" {
		t.Fatalf("root ID %q", root)
	}

	// An IAM user without organizations permissions is refused by IAM.
	noPerm := iam.NewFromConfig(w.srv.AWSConfig("mgmt"))
	must(t)(noPerm.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}))
	k, err := noPerm.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	if err != nil {
		t.Fatal(err)
	}
	nobody := organizations.NewFromConfig(w.srv.ConfigFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""))
	_, err = nobody.ListRoots(ctx, &organizations.ListRootsInput{})
	wantCode(t, err, "AccessDeniedException")

	// Empty organizations can be deleted; recreate it for the rest.
	must(t)(w.orgs.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}))
	_, err = w.orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	w.createOrg()
	root = w.rootID()

	// OUs: create, nest, rename, list, parents and children.
	dev, err := w.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("dev"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	devID := aws.ToString(dev.OrganizationalUnit.Id)
	if want := "ou-" + root[2:] + "-"; len(devID) != len(want)+8 || devID[:len(want)] != want {
		t.Fatalf("OU ID %q", devID)
	}
	_, err = w.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("dev")})
	wantCode(t, err, "DuplicateOrganizationalUnitException")
	_, err = w.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String("ou-zzzz-zzzzzzzz"), Name: aws.String("x")})
	wantCode(t, err, "ParentNotFoundException")
	team, err := w.orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(devID), Name: aws.String("team")})
	if err != nil {
		t.Fatal(err)
	}
	teamID := aws.ToString(team.OrganizationalUnit.Id)
	up, err := w.orgs.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(teamID), Name: aws.String("team-1")})
	if err != nil || aws.ToString(up.OrganizationalUnit.Name) != "team-1" {
		t.Fatal(up, err)
	}
	desc, err := w.orgs.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(teamID)})
	if err != nil || aws.ToString(desc.OrganizationalUnit.Name) != "team-1" {
		t.Fatal(desc, err)
	}
	_, err = w.orgs.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-zzzz-zzzzzzzz")})
	wantCode(t, err, "OrganizationalUnitNotFoundException")
	parents, err := w.orgs.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(teamID)})
	if err != nil || aws.ToString(parents.Parents[0].Id) != devID || parents.Parents[0].Type != types.ParentTypeOrganizationalUnit {
		t.Fatal(parents, err)
	}
	ous, err := w.orgs.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(root)})
	if err != nil || len(ous.OrganizationalUnits) != 1 {
		t.Fatal(ous, err)
	}
	tags, err := w.orgs.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(devID)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "a" {
		t.Fatal(tags, err)
	}
	_, err = w.orgs.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(devID)})
	wantCode(t, err, "OrganizationalUnitNotEmptyException")

	// Accounts: vended, listed page by page, moved, described.
	a1 := w.vend("Dev Account", "dev@example.com")
	a2 := w.vend("prod", "prod@example.com")
	failed, err := w.orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("again"), Email: aws.String("DEV@example.com")})
	if err != nil || failed.CreateAccountStatus.State != types.CreateAccountStateInProgress {
		t.Fatal(failed, err)
	}
	st, err := w.orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: failed.CreateAccountStatus.Id})
	if err != nil || st.CreateAccountStatus.State != types.CreateAccountStateFailed || st.CreateAccountStatus.FailureReason != types.CreateAccountFailureReasonEmailAlreadyExists {
		t.Fatal(st, err)
	}
	statuses, err := w.orgs.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []types.CreateAccountState{types.CreateAccountStateSucceeded}})
	if err != nil || len(statuses.CreateAccountStatuses) != 2 {
		t.Fatal(statuses, err)
	}
	var ids []string
	pages := organizations.NewListAccountsPaginator(w.orgs, &organizations.ListAccountsInput{MaxResults: aws.Int32(1)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Accounts) != 1 {
			t.Fatalf("page of %d", len(p.Accounts))
		}
		ids = append(ids, aws.ToString(p.Accounts[0].Id))
	}
	if len(ids) != 3 {
		t.Fatalf("accounts %v", ids)
	}
	_, err = w.orgs.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("!!")})
	wantCode(t, err, "InvalidInputException")

	acct, err := w.orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(a1)})
	if err != nil || aws.ToString(acct.Account.Name) != "Dev Account" || acct.Account.JoinedMethod != types.AccountJoinedMethodCreated || acct.Account.Status != types.AccountStatusActive {
		t.Fatal(acct, err)
	}
	_, err = w.orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(outsiderID)})
	wantCode(t, err, "AccountNotFoundException")

	must(t)(w.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(a1), SourceParentId: aws.String(root), DestinationParentId: aws.String(teamID)}))
	_, err = w.orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(a1), SourceParentId: aws.String(teamID), DestinationParentId: aws.String(teamID)})
	wantCode(t, err, "DuplicateAccountException")
	forParent, err := w.orgs.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(teamID)})
	if err != nil || len(forParent.Accounts) != 1 || aws.ToString(forParent.Accounts[0].Id) != a1 {
		t.Fatal(forParent, err)
	}
	children, err := w.orgs.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(root), ChildType: types.ChildTypeAccount})
	if err != nil || len(children.Children) != 2 {
		t.Fatal(children, err)
	}

	// The vended account's access role: it trusts the management account
	// and has AdministratorAccess.
	memberIAM := iam.NewFromConfig(w.accessRole(a1))
	pols, err := memberIAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("OrganizationAccountAccessRole")})
	if err != nil || len(pols.AttachedPolicies) != 1 || aws.ToString(pols.AttachedPolicies[0].PolicyName) != "AdministratorAccess" {
		t.Fatal(pols, err)
	}

	// A member account, even as an administrator, manages nothing.
	member := organizations.NewFromConfig(w.accessRole(a1))
	_, err = member.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AccessDeniedException")
	md, err := member.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil || aws.ToString(md.Organization.Id) != w.orgID {
		t.Fatal(md, err)
	}

	_, err = w.orgs.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantCode(t, err, "OrganizationNotEmptyException")

	// Closing and removing.
	closing := iam.NewFromConfig(w.accessRole(a2))
	must(t)(w.orgs.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(a2)}))
	acct, err = w.orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(a2)})
	if err != nil || acct.Account.Status != types.AccountStatusSuspended {
		t.Fatal(acct, err)
	}
	_, err = w.orgs.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(a2)})
	wantCode(t, err, "AccountAlreadyClosedException")
	// A closed account's principals can do nothing, and its roles cannot
	// be assumed.
	_, err = closing.ListRoles(ctx, &iam.ListRolesInput{})
	wantDenied(t, err, "because no service control policy allows")
	_, err = sts.NewFromConfig(w.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + a2 + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("closed")})
	wantDenied(t, err, "because no resource control policy allows")
	_, err = w.orgs.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(mgmtID)})
	wantCode(t, err, "MasterCannotLeaveOrganizationException")
	for _, a := range []string{a1, a2} {
		must(t)(w.orgs.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String(a)}))
	}
	_, err = member.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	must(t)(w.orgs.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(teamID)}))
	must(t)(w.orgs.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(devID)}))
	must(t)(w.orgs.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}))
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	a1 := w.vend("one", "one@example.com")

	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"NoBuckets","Effect":"Deny","Action":"s3:CreateBucket","Resource":"*"}]}`
	_, err := w.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("bad"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy,
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`)})
	wantCode(t, err, "MalformedPolicyDocumentException")
	_, err = w.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("bad"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(`{`)})
	wantCode(t, err, "MalformedPolicyDocumentException")
	// An RCP must name its principals.
	_, err = w.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("bad"), Description: aws.String(""), Type: types.PolicyTypeResourceControlPolicy, Content: aws.String(deny)})
	wantCode(t, err, "MalformedPolicyDocumentException")

	cp, err := w.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-buckets"), Description: aws.String("d"), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(deny),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	pid := aws.ToString(cp.Policy.PolicySummary.Id)
	if aws.ToString(cp.Policy.PolicySummary.Arn) != "arn:aws:organizations::"+mgmtID+":policy/"+w.orgID+"/service_control_policy/"+pid {
		t.Fatalf("policy ARN %s", aws.ToString(cp.Policy.PolicySummary.Arn))
	}
	_, err = w.orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-buckets"), Description: aws.String(""), Type: types.PolicyTypeServiceControlPolicy, Content: aws.String(deny)})
	wantCode(t, err, "DuplicatePolicyException")

	_, err = w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String(a1)})
	wantCode(t, err, "PolicyTypeNotEnabledException")

	en, err := w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy})
	if err != nil || len(en.Root.PolicyTypes) != 1 {
		t.Fatal(en, err)
	}
	_, err = w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy})
	wantCode(t, err, "PolicyTypeAlreadyEnabledException")
	_, err = w.orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String("r-zzzz"), PolicyType: types.PolicyTypeResourceControlPolicy})
	wantCode(t, err, "RootNotFoundException")

	// FullAWSAccess is attached to the root and every account.
	targets, err := w.orgs.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
	if err != nil || len(targets.Targets) != 3 {
		t.Fatal(targets, err)
	}
	full, err := w.orgs.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
	if err != nil || !full.Policy.PolicySummary.AwsManaged || aws.ToString(full.Policy.PolicySummary.Arn) != "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess" {
		t.Fatal(full, err)
	}
	_, err = w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: aws.String(a1)})
	wantCode(t, err, "ConstraintViolationException")

	must(t)(w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String(a1)}))
	_, err = w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String(a1)})
	wantCode(t, err, "DuplicatePolicyAttachmentException")
	_, err = w.orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String("333333333333")})
	wantCode(t, err, "TargetNotFoundException")
	for_, err := w.orgs.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(a1), Filter: types.PolicyTypeServiceControlPolicy})
	if err != nil || len(for_.Policies) != 2 {
		t.Fatal(for_, err)
	}
	list, err := w.orgs.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: types.PolicyTypeServiceControlPolicy})
	if err != nil || len(list.Policies) != 2 {
		t.Fatal(list, err)
	}
	_, err = w.orgs.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(pid)})
	wantCode(t, err, "PolicyInUseException")

	// Members never touch their own SCPs.
	member := organizations.NewFromConfig(w.accessRole(a1))
	_, err = member.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String(a1)})
	wantCode(t, err, "AccessDeniedException")
	_, err = member.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: aws.String(a1)})
	wantCode(t, err, "AccessDeniedException")
	_, err = member.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(pid), Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	wantCode(t, err, "AccessDeniedException")

	up, err := w.orgs.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(pid), Name: aws.String("renamed"), Description: aws.String("new")})
	if err != nil || aws.ToString(up.Policy.PolicySummary.Name) != "renamed" || aws.ToString(up.Policy.Content) != deny {
		t.Fatal(up, err)
	}
	_, err = w.orgs.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: aws.String(pid), Content: aws.String(`{"Statement":[]}`)})
	wantCode(t, err, "MalformedPolicyDocumentException")

	must(t)(w.orgs.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(pid), Tags: []types.Tag{{Key: aws.String("k2"), Value: aws.String("v2")}}}))
	must(t)(w.orgs.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(pid), TagKeys: []string{"k"}}))
	tags, err := w.orgs.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(pid)})
	if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "k2" {
		t.Fatal(tags, err)
	}

	must(t)(w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String(a1)}))
	_, err = w.orgs.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(pid), TargetId: aws.String(a1)})
	wantCode(t, err, "PolicyNotAttachedException")
	must(t)(w.orgs.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: aws.String(pid)}))
	_, err = w.orgs.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(pid)})
	wantCode(t, err, "PolicyNotFoundException")

	dis, err := w.orgs.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: aws.String(root), PolicyType: types.PolicyTypeServiceControlPolicy})
	if err != nil || len(dis.Root.PolicyTypes) != 0 {
		t.Fatal(dis, err)
	}
	targets, err = w.orgs.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String("p-FullAWSAccess")})
	if err != nil || len(targets.Targets) != 0 {
		t.Fatal(targets, err)
	}
}
