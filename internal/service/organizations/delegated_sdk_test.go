package organizations_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// A delegated administrator reads the organization, and changes nothing.
func TestDelegatedAdministrator(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.createOrg()
	root := w.rootID()
	member := w.vend("security", "security@example.com")
	admin := organizations.NewFromConfig(w.accessRole(member))
	const sp = "securityhub.amazonaws.com"

	_, err := admin.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AccessDeniedException")
	_, err = w.orgs.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(mgmtID), ServicePrincipal: aws.String(sp)})
	wantCode(t, err, "ConstraintViolationException")
	_, err = admin.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(sp)})
	wantCode(t, err, "AccessDeniedException")
	must(t)(w.orgs.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(sp)}))
	_, err = w.orgs.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(sp)})
	wantCode(t, err, "AccountAlreadyRegisteredException")

	list, err := admin.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if err != nil || len(list.Accounts) != 2 {
		t.Fatal(list, err)
	}
	das, err := admin.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(sp)})
	if err != nil || len(das.DelegatedAdministrators) != 1 || aws.ToString(das.DelegatedAdministrators[0].Id) != member {
		t.Fatal(das, err)
	}
	svcs, err := w.orgs.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(member)})
	if err != nil || len(svcs.DelegatedServices) != 1 || aws.ToString(svcs.DelegatedServices[0].ServicePrincipal) != sp {
		t.Fatal(svcs, err)
	}
	_, err = admin.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("mine")})
	wantCode(t, err, "AccessDeniedException")

	must(t)(w.orgs.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(sp)}))
	_, err = w.orgs.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: aws.String(member), ServicePrincipal: aws.String(sp)})
	wantCode(t, err, "AccountNotRegisteredException")
	_, err = admin.ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AccessDeniedException")
}
