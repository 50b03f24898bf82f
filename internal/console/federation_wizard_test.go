package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/doppeltest"
)

// The wizard lists the account's OIDC providers and writes GitHub's trust
// policy, which IAM stores.
func TestCreateRoleWizardWebIdentity(t *testing.T) {
	srv := doppeltest.NewServer(t)
	b := srv.Account("account-b")
	ctx := context.Background()
	api := awsiam.NewFromConfig(srv.AWSConfig("account-b"))
	p, err := api.CreateOpenIDConnectProvider(ctx, &awsiam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com"), ClientIDList: []string{"sts.amazonaws.com"}})
	if err != nil {
		t.Fatal(err)
	}
	provider := aws.ToString(p.OpenIDConnectProviderArn)
	c := newClient(t, srv)
	c.signinRoot(b)
	_, body := c.get("/iam/roles/create?new=1")
	mustContain(t, body, "Web identity", "SAML 2.0 federation", provider)
	code, body := c.post("/iam/roles/create", url.Values{"trusted_entity": {"web"}, "oidc_provider": {provider}, "audience": {"sts.amazonaws.com"},
		"github_org": {"octo-org"}, "github_repo": {"app"}, "github_branch": {"main"}})
	if code != 200 {
		t.Fatalf("step 1: %d\n%s", code, body)
	}
	c.post("/iam/roles/create/permissions", url.Values{"action": {"next"}})
	if code, body = c.post("/iam/roles/create/review", url.Values{"action": {"create"}, "role_name": {"github-deploy"}}); code != 200 {
		t.Fatalf("create: %d\n%s", code, body)
	}
	r, err := api.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("github-deploy")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(r.Role.AssumeRolePolicyDocument))
	for _, want := range []string{provider, "sts:AssumeRoleWithWebIdentity", `"token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("trust policy lacks %s:\n%s", want, doc)
		}
	}
}
