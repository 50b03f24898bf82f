package organizations

import (
	"context"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

// adminPolicies gives every principal AdministratorAccess.
type adminPolicies struct{}

func (adminPolicies) PrincipalPolicies(context.Context, string, string, string) (authz.PrincipalPolicies, error) {
	return authz.PrincipalPolicies{Identity: []authz.NamedDocument{{Name: "admin", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}}, nil
}

func (adminPolicies) ManagedPolicyDocument(context.Context, string) (string, error) {
	return "", awserr.New(404, "NoSuchEntity", "none")
}

// BenchmarkDecideUnderOrgPolicies is the authorizer's share of a GetObject
// by a member account's role: no organization source ("none"), the account
// in an organization with no policy type enabled ("org"), and SCPs and RCPs
// on root, OU, OU and the account ("scp+rcp-depth3").
func BenchmarkDecideUnderOrgPolicies(b *testing.B) {
	ctx := context.Background()
	st := store.NewMemory()
	now := time.Now()
	const mgmt, member = "111111111111", "333333333333"
	declare := func(d Declaration) {
		if err := st.Update(ctx, func(tx store.Tx) error {
			for _, id := range []string{mgmt, member} {
				if _, err := identity.GetAccount(tx, id); err != nil {
					if err := identity.CreateAccount(tx, identity.Account{ID: id, Name: "a" + id}); err != nil {
						return err
					}
				}
			}
			_, err := Apply(tx, d, now)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	svc, err := New(Config{Store: st, Authorizer: authz.New(authz.Config{Policies: adminPolicies{}})})
	if err != nil {
		b.Fatal(err)
	}
	p := &identity.Principal{Kind: identity.AssumedRole, Account: member, ARN: "arn:aws:sts::" + member + ":assumed-role/OrganizationAccountAccessRole/s",
		Name: "OrganizationAccountAccessRole", Session: &identity.Session{RoleARN: "arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"}}
	rctx := request.With(ctx, &request.Info{Service: "s3", Operation: "GetObject", Principal: p, Time: now})
	check := authz.Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::bench/k", ResourceAccount: member}
	run := func(e *authz.Engine) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := e.Decide(rctx, check)
				if err != nil || d.Effect != policy.Allow {
					b.Fatal(d.Message, err)
				}
			}
		}
	}
	gen := func() uint64 { return 1 }
	b.Run("none", run(authz.New(authz.Config{Policies: adminPolicies{}, Generation: gen})))
	declare(Declaration{Management: mgmt, Units: []UnitDeclaration{{Name: "ou1", Units: []UnitDeclaration{{Name: "ou2", Accounts: []string{member}}}}}})
	withOrgs := authz.New(authz.Config{Policies: adminPolicies{}, Orgs: svc, Generation: gen})
	b.Run("org", run(withOrgs))
	targets := []string{"root", "ou1", "ou1/ou2", member}
	declare(Declaration{Management: mgmt, Units: []UnitDeclaration{{Name: "ou1", Units: []UnitDeclaration{{Name: "ou2", Accounts: []string{member}}}}},
		Policies: []PolicyDeclaration{
			{Name: "scp", Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`, Targets: targets},
			{Name: "rcp", Type: typeRCP, Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*"}]}`, Targets: targets},
		}})
	b.Run("scp+rcp-depth3", run(withOrgs))
}
