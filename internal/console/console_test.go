package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/console"
)

// client is a browser without JavaScript: cookies, forms, and the CSRF
// token of the last page it read.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
	last string // the last page's body
}

func newClient(t testing.TB, srv *doppeltest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: srv.URL + console.Prefix, http: &http.Client{Jar: jar}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) read(resp *http.Response, err error) (int, string) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = string(b)
	if m := csrfRE.FindStringSubmatch(c.last); m != nil {
		c.csrf = m[1]
	}
	return resp.StatusCode, c.last
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	return c.read(c.http.Get(c.base + path))
}

// post submits a form with the current CSRF token.
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", c.csrf)
	}
	return c.read(c.http.PostForm(c.base+path, form))
}

func (c *client) signinRoot(a doppeltest.Account) {
	c.t.Helper()
	c.get("/signin?mode=root")
	code, body := c.post("/signin", url.Values{"mode": {"root"}, "account": {a.Name},
		"access_key_id": {a.AccessKeyID}, "secret_access_key": {a.SecretAccessKey}})
	if code != 200 || !strings.Contains(body, "Console home") {
		c.t.Fatalf("root sign-in: %d\n%s", code, body)
	}
}

func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q:\n%s", w, body)
		}
	}
}

// TestCreateRoleWizardSeed walks the seed's first step without a browser:
// in account B, Create role trusting account A with an external ID and MFA,
// attach AmazonS3FullAccess, and read the ARN from the role page. The role
// IAM stored is then read back through the API.
func TestCreateRoleWizardSeed(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a, b := srv.Account("account-a"), srv.Account("account-b")
	c := newClient(t, srv)
	c.signinRoot(b)

	c.get("/iam/roles/create?new=1")
	code, body := c.post("/iam/roles/create", url.Values{"trusted_entity": {"account"}, "account_choice": {"other"},
		"account_id": {a.ID}, "require_external_id": {"on"}, "external_id": {"seed-external-id"}, "require_mfa": {"on"}})
	if code != 200 {
		t.Fatalf("step 1: %d\n%s", code, body)
	}
	mustContain(t, body, "Add permissions")
	code, body = c.post("/iam/roles/create/permissions", url.Values{"action": {"search"}, "q": {"AmazonS3Full"}})
	mustContain(t, body, "AmazonS3FullAccess")
	code, body = c.post("/iam/roles/create/permissions", url.Values{"action": {"next"}, "policy": {"arn:aws:iam::aws:policy/AmazonS3FullAccess"}})
	mustContain(t, body, "Name, review, and create", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
	wantTrust := `{
	"Version": "2012-10-17",
	"Statement": [
		{
			"Effect": "Allow",
			"Principal": {
				"AWS": "arn:aws:iam::` + a.ID + `:root"
			},
			"Action": "sts:AssumeRole",
			"Condition": {
				"StringEquals": {
					"sts:ExternalId": "seed-external-id"
				},
				"Bool": {
					"aws:MultiFactorAuthPresent": "true"
				}
			}
		}
	]
}`
	mustContain(t, html.UnescapeString(body), wantTrust)
	code, body = c.post("/iam/roles/create/review", url.Values{"action": {"create"}, "role_name": {"role_in_account_b"},
		"description": {"Terraform from account A"}, "tag_key": {"team"}, "tag_value": {"platform"}})
	if code != 200 {
		t.Fatalf("create: %d\n%s", code, body)
	}
	wantARN := "arn:aws:iam::" + b.ID + ":role/role_in_account_b"
	mustContain(t, body, "Role role_in_account_b created.", `id="role-arn">`+wantARN+`<`, "AmazonS3FullAccess", "external ID seed-external-id", "MFA required")

	api := awsiam.NewFromConfig(srv.AWSConfig("account-b"))
	got, err := api.GetRole(context.Background(), &awsiam.GetRoleInput{RoleName: aws.String("role_in_account_b")})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
	if doc != wantTrust {
		t.Errorf("stored trust policy:\n%s\nwant:\n%s", doc, wantTrust)
	}
	if aws.ToString(got.Role.Description) != "Terraform from account A" || len(got.Role.Tags) != 1 {
		t.Errorf("role = %+v", got.Role)
	}
	att, err := api.ListAttachedRolePolicies(context.Background(), &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("role_in_account_b")})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/AmazonS3FullAccess" {
		t.Fatalf("attached = %+v, %v", att, err)
	}
	code, body = c.get("/iam/roles")
	mustContain(t, body, "role_in_account_b", "Account: "+a.ID)

	// Delete detaches the managed policy first, as the console does.
	if _, err := api.PutRolePolicy(context.Background(), &awsiam.PutRolePolicyInput{RoleName: aws.String("role_in_account_b"),
		PolicyName: aws.String("inline"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	_, body = c.post("/iam/roles/role_in_account_b/delete", url.Values{})
	mustContain(t, body, "Role role_in_account_b deleted", "No roles to display")
	if _, err := api.GetRole(context.Background(), &awsiam.GetRoleInput{RoleName: aws.String("role_in_account_b")}); err == nil {
		t.Fatal("the role is still there")
	}
}
