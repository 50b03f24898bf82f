package console_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/console"
	"github.com/doppel-aws/doppel/internal/mfa"
)

// clock is a settable time source for the server, so MFA codes are
// predictable and no test sleeps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *client) upload(path, prefix, name, content string) (int, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", c.csrf)
	mw.WriteField("prefix", prefix)
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	return c.read(c.http.Post(c.base+path, mw.FormDataContentType(), &body))
}

var seedRE = regexp.MustCompile(`id="mfa-seed">([A-Z2-7]+)<`)

// TestPagesAsRoot exercises every page as account B's root user: users,
// groups, policies, S3 and the activity log, through the forms a person
// would use.
func TestPagesAsRoot(t *testing.T) {
	srv := doppeltest.NewServer(t)
	b := srv.Account("account-b")
	c := newClient(t, srv)
	c.signinRoot(b)

	steps := []struct {
		name       string
		do         func() (int, string)
		wantStatus int
		want       []string
	}{
		{"home", func() (int, string) { return c.get("/") }, 200, []string{"Console home", "arn:aws:iam::" + b.ID + ":root", "account-a"}},
		{"create user", func() (int, string) {
			return c.post("/iam/users", url.Values{"user_name": {"alice"}, "password": {"Correct-Horse-1"}})
		}, 200, []string{"User alice created.", "Console access</dt><dd>Enabled"}},
		{"users list", func() (int, string) { return c.get("/iam/users") }, 200, []string{">alice</a>"}},
		{"create access key", func() (int, string) { return c.post("/iam/users/alice/keys", url.Values{}) }, 200,
			[]string{"Access key created", "This is the only time that the secret access key can be viewed", `id="secret"`}},
		{"secret shown once", func() (int, string) { return c.get("/iam/users/alice") }, 200, []string{"AKIA"}},
		{"create group", func() (int, string) { return c.post("/iam/groups", url.Values{"group_name": {"readers"}}) }, 200,
			[]string{"User group readers created."}},
		{"add user to group", func() (int, string) {
			return c.post("/iam/users/alice/groups", url.Values{"group": {"readers"}})
		}, 200, []string{"Added to group readers", `/iam/groups/readers">readers</a>`}},
		{"group page lists user", func() (int, string) { return c.get("/iam/groups/readers") }, 200, []string{`/iam/users/alice">alice</a>`}},
		{"attach AWS managed policy to group", func() (int, string) {
			return c.post("/iam/groups/readers/attach", url.Values{"policy": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}})
		}, 200, []string{"Policies attached", "ReadOnlyAccess"}},
		{"policy with errors is refused with findings", func() (int, string) {
			return c.post("/iam/policies/create", url.Values{"policy_name": {"bad"}, "document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`}})
		}, 400, []string{`id="findings"`, "ERROR"}},
		{"create policy", func() (int, string) {
			return c.post("/iam/policies/create", url.Values{"policy_name": {"list-buckets"},
				"document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`}})
		}, 200, []string{"Policy list-buckets created.", "Customer managed", "s3:ListAllMyBuckets"}},
		{"edit policy", func() (int, string) {
			return c.post("/iam/policy?arn="+url.QueryEscape("arn:aws:iam::"+b.ID+":policy/list-buckets"), url.Values{"action": {"save"},
				"document": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*"}]}`}})
		}, 200, []string{"Policy saved as a new default version.", "v2", "s3:GetBucketLocation"}},
		{"policies list filters", func() (int, string) { return c.get("/iam/policies?q=list-buck") }, 200, []string{"list-buckets"}},
		{"AWS managed policy is read-only", func() (int, string) {
			return c.get("/iam/policy?arn=" + url.QueryEscape("arn:aws:iam::aws:policy/AmazonS3FullAccess"))
		}, 200, []string{"AWS managed", `<pre class="json" id="policy-document">`}},
		{"create bucket", func() (int, string) { return c.post("/s3", url.Values{"bucket": {"seed-bucket"}}) }, 200,
			[]string{"Bucket seed-bucket created.", "No objects"}},
		{"upload", func() (int, string) { return c.upload("/s3/seed-bucket/upload", "docs/", "hello.txt", "hello, doppel") }, 200,
			[]string{"Upload succeeded", "docs/hello.txt"}},
		{"browse by prefix", func() (int, string) { return c.get("/s3/seed-bucket") }, 200, []string{"docs/</a>"}},
		{"inside the prefix", func() (int, string) { return c.get("/s3/seed-bucket?prefix=docs%2F") }, 200, []string{"docs/hello.txt", "13 B"}},
		{"download", func() (int, string) { return c.get("/s3/seed-bucket/download?key=docs%2Fhello.txt") }, 200, []string{"hello, doppel"}},
		{"block public access", func() (int, string) {
			return c.post("/s3/seed-bucket/public-access-block", url.Values{"block_public_policy": {"on"}, "restrict_public_buckets": {"on"}})
		}, 200, []string{"Block Public Access settings saved."}},
		{"public bucket policy refused by Block Public Access", func() (int, string) {
			return c.post("/s3/seed-bucket/policy", url.Values{"policy": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::seed-bucket/*"}]}`}})
		}, 200, []string{"Access denied", "because public policies are blocked by the BlockPublicPolicy block public access setting"}},
		{"bucket policy", func() (int, string) {
			return c.post("/s3/seed-bucket/policy", url.Values{"policy": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + b.ID + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::seed-bucket/*"}]}`}})
		}, 200, []string{"Bucket policy saved.", "s3:GetObject"}},
		{"delete object", func() (int, string) {
			return c.post("/s3/seed-bucket/delete", url.Values{"key": {"docs/hello.txt"}, "prefix": {"docs/"}})
		}, 200, []string{"Deleted docs/hello.txt"}},
		{"bad bucket name", func() (int, string) { return c.post("/s3", url.Values{"bucket": {"Not_A_Bucket"}}) }, 200, []string{"InvalidBucketName"}},
		{"bad user name gets the model's validation error", func() (int, string) {
			return c.post("/iam/users", url.Values{"user_name": {"no spaces"}})
		}, 200, []string{"ValidationError", "failed to satisfy constraint"}},
		{"activity", func() (int, string) { return c.get("/activity") }, 200, []string{"iam:CreateUser", "s3:PutObject", "arn:aws:iam::" + b.ID + ":root"}},
		{"trust map without roles", func() (int, string) { return c.get("/trust-map") }, 200, []string{"This account has no roles."}},
	}
	for _, st := range steps {
		code, body := st.do()
		if code != st.wantStatus {
			t.Fatalf("%s: status %d, want %d\n%s", st.name, code, st.wantStatus, body)
		}
		for _, w := range st.want {
			if !strings.Contains(body, w) {
				t.Fatalf("%s: page lacks %q\n%s", st.name, w, body)
			}
		}
	}
}

// TestUserSignInMFASwitchRoleAndDenial: account A's root gives alice a
// console password and a virtual MFA device through the console; alice
// signs in with both, is refused the roles list (no iam:ListRoles), switches
// to a role in B that requires MFA, acts there, and switches back.
func TestUserSignInMFASwitchRoleAndDenial(t *testing.T) {
	clk := newClock()
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clk.now))
	a, b := srv.Account("account-a"), srv.Account("account-b")
	ctx := context.Background()

	iamA := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := iamA.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamA.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	iamB := awsiam.NewFromConfig(srv.AWSConfig("account-b"))
	if _, err := iamB.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("admin-from-a"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + a.ID + `:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamB.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("admin-from-a"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
		t.Fatal(err)
	}

	root := newClient(t, srv)
	root.signinRoot(a)
	root.post("/iam/users/alice/password", url.Values{"password": {"Correct-Horse-1"}})
	code, body := root.post("/iam/users/alice/mfa", url.Values{})
	mustContain(t, body, `src="data:image/png;base64,iVBORw0KGgo`, "Add MFA")
	m := seedRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("MFA setup page: %d\n%s", code, body)
	}
	seed := m[1]
	step := mfa.Step(clk.now())
	c1, _ := mfa.Code(seed, step-1)
	c2, _ := mfa.Code(seed, step)
	_, body = root.post("/iam/users/alice/mfa/enable", url.Values{"serial": {"arn:aws:iam::" + a.ID + ":mfa/alice"}, "code1": {c1}, "code2": {c2}})
	mustContain(t, body, "MFA device assigned", "arn:aws:iam::"+a.ID+":mfa/alice")

	alice := newClient(t, srv)
	alice.get("/signin")
	code, body = alice.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"alice"}, "password": {"Correct-Horse-1"}})
	mustContain(t, body, "Multi-factor authentication", `id="mfa_code"`)
	// The enabling codes were used; the next step's code signs in.
	clk.advance(30 * time.Second)
	reused, _ := mfa.Code(seed, step)
	code, body = alice.post("/signin/mfa", url.Values{"mfa_code": {reused}})
	if code != http.StatusUnauthorized {
		t.Fatalf("a used MFA code signed in: %d", code)
	}
	next, _ := mfa.Code(seed, step+1)
	code, body = alice.post("/signin/mfa", url.Values{"mfa_code": {next}})
	if code != 200 {
		t.Fatalf("MFA sign-in: %d\n%s", code, body)
	}
	mustContain(t, body, "Console home", "arn:aws:iam::"+a.ID+":user/alice", "signed in with MFA")

	code, body = alice.get("/iam/roles")
	if code != http.StatusForbidden {
		t.Fatalf("roles list without iam:ListRoles: %d", code)
	}
	mustContain(t, body, `id="notice-denied"`, "Access denied", "is not authorized to perform: iam:ListRoles")

	code, body = alice.post("/switch-role", url.Values{"account": {"account-b"}, "role": {"admin-from-a"}})
	mustContain(t, body, "Switched role", "arn:aws:sts::"+b.ID+":assumed-role/admin-from-a/alice", `class="role-badge"`)
	code, body = alice.post("/s3", url.Values{"bucket": {"made-by-alice-in-b"}})
	mustContain(t, body, "Bucket made-by-alice-in-b created.")
	code, body = alice.get("/iam/users")
	mustContain(t, body, "is not authorized to perform: iam:ListUsers")
	// Switching again starts from alice, not from the role session (whose
	// AmazonS3FullAccess has no sts:AssumeRole).
	code, body = alice.post("/switch-role", url.Values{"account": {"account-b"}, "role": {"admin-from-a"}})
	mustContain(t, body, "Switched role", "arn:aws:sts::"+b.ID+":assumed-role/admin-from-a/alice")
	code, body = alice.post("/switch-back", url.Values{})
	mustContain(t, body, "Switched back", "arn:aws:iam::"+a.ID+":user/alice")
	if strings.Contains(body, `class="role-badge"`) {
		t.Fatal("still shown as switched after Switch back")
	}

	// The role's session ends after an hour: the console falls back.
	alice.post("/switch-role", url.Values{"account": {b.ID}, "role": {"admin-from-a"}})
	clk.advance(time.Hour + time.Second)
	_, body = alice.get("/")
	mustContain(t, body, "Role session expired")

	// Root of A sees alice's refused call and the engine's explanation.
	_, body = root.get("/activity")
	mustContain(t, body, "arn:aws:iam::"+a.ID+":user/alice", "iam:ListRoles", "AccessDenied", "is not authorized to perform: iam:ListRoles")
	// alice may not read the activity log.
	code, body = alice.get("/activity")
	if code != http.StatusForbidden || !strings.Contains(body, "cloudtrail:LookupEvents") {
		t.Fatalf("activity for alice: %d\n%s", code, body)
	}
	// B's trust map shows account A trusted, with MFA required.
	rootB := newClient(t, srv)
	rootB.signinRoot(b)
	_, body = rootB.get("/trust-map")
	mustContain(t, body, "<svg", "admin-from-a", "Account account-a ("+a.ID+")", "MFA required")
}

// TestSignInRefusals: every wrong answer gets the same message; forms
// without the session's CSRF token are refused.
func TestSignInRefusals(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a, b := srv.Account("account-a"), srv.Account("account-b")
	iamA := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	ctx := context.Background()
	iamA.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("bob")})
	if _, err := iamA.CreateLoginProfile(ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("bob"), Password: aws.String("Bobs-Password-1")}); err != nil {
		t.Fatal(err)
	}
	iamA.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("nopassword")})

	cases := []struct {
		name string
		form url.Values
	}{
		{"root with another account's key", url.Values{"mode": {"root"}, "account": {a.ID}, "access_key_id": {b.AccessKeyID}, "secret_access_key": {b.SecretAccessKey}}},
		{"root with a wrong secret", url.Values{"mode": {"root"}, "account": {a.ID}, "access_key_id": {a.AccessKeyID}, "secret_access_key": {"x" + a.SecretAccessKey}}},
		{"root with an unknown key", url.Values{"mode": {"root"}, "account": {a.ID}, "access_key_id": {"AKIAXXXXXXXXXXXXXXXX"}, "secret_access_key": {"x"}}},
		{"unknown account", url.Values{"mode": {"iam"}, "account": {"999999999999"}, "user": {"bob"}, "password": {"Bobs-Password-1"}}},
		{"unknown user", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"carol"}, "password": {"Bobs-Password-1"}}},
		{"wrong password", url.Values{"mode": {"iam"}, "account": {"account-a"}, "user": {"bob"}, "password": {"bobs-password-1"}}},
		{"user without a console password", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"nopassword"}, "password": {""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, srv)
			c.get("/signin")
			code, body := c.post("/signin", tc.form)
			if code != http.StatusUnauthorized || !strings.Contains(body, "Your authentication information is incorrect. Please try again.") {
				t.Fatalf("status %d\n%s", code, body)
			}
			if code, _ := c.get("/iam/roles"); code != 200 || !strings.Contains(c.last, "Sign in") {
				t.Fatalf("a refused sign-in left a session: %d", code)
			}
		})
	}

	t.Run("failed and good sign-ins are on the account's activity", func(t *testing.T) {
		c := newClient(t, srv)
		c.signinRoot(a)
		_, body := c.get("/activity")
		mustContain(t, body, "signin:ConsoleLogin", "arn:aws:iam::"+a.ID+":user/bob", "Failed authentication",
			"HIDDEN_DUE_TO_SECURITY_REASONS", "arn:aws:iam::"+a.ID+":root")
	})
	t.Run("user name is case-insensitive, as IAM names are", func(t *testing.T) {
		c := newClient(t, srv)
		c.get("/signin")
		code, body := c.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"BOB"}, "password": {"Bobs-Password-1"}})
		if code != 200 || !strings.Contains(body, ":user/bob") {
			t.Fatalf("status %d\n%s", code, body)
		}
	})
	t.Run("sign-in without the form's CSRF token", func(t *testing.T) {
		c := newClient(t, srv)
		c.get("/signin")
		code, _ := c.post("/signin", url.Values{"csrf": {"forged"}, "mode": {"root"}, "account": {a.ID}, "access_key_id": {a.AccessKeyID}, "secret_access_key": {a.SecretAccessKey}})
		if code != http.StatusForbidden {
			t.Fatalf("status %d", code)
		}
	})
	t.Run("signed-in POST without the CSRF token", func(t *testing.T) {
		c := newClient(t, srv)
		c.signinRoot(a)
		code, _ := c.post("/iam/users", url.Values{"csrf": {"forged"}, "user_name": {"mallory"}})
		if code != http.StatusForbidden {
			t.Fatalf("status %d", code)
		}
		if _, err := iamA.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("mallory")}); err == nil {
			t.Fatal("a forged form created a user")
		}
	})
	t.Run("POST without a session", func(t *testing.T) {
		c := newClient(t, srv)
		code, _ := c.post("/iam/users", url.Values{"user_name": {"mallory"}})
		if code != http.StatusUnauthorized {
			t.Fatalf("status %d", code)
		}
	})
	t.Run("sign out ends the session", func(t *testing.T) {
		c := newClient(t, srv)
		c.signinRoot(a)
		c.post("/signout", url.Values{})
		code, body := c.get("/iam/roles")
		if code != 200 || !strings.Contains(body, `action="/_doppel/console/signin"`) {
			t.Fatalf("after sign-out: %d\n%s", code, body)
		}
	})
}

// TestPasswordResetAtSignIn: a user created with "must create a new password
// at next sign-in" changes it before the session starts, through
// ChangePassword as that user.
func TestPasswordResetAtSignIn(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	root := newClient(t, srv)
	root.signinRoot(a)
	_, body := root.post("/iam/users", url.Values{"user_name": {"carol"}, "password": {"First-Password-1"}, "reset_required": {"on"}})
	mustContain(t, body, "User carol created.", "IAMUserChangePassword")

	c := newClient(t, srv)
	c.get("/signin")
	_, body = c.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"carol"}, "password": {"First-Password-1"}})
	mustContain(t, body, "Change password", `id="new_password"`)
	steps := []struct {
		name       string
		form       url.Values
		wantStatus int
		want       string
	}{
		{"retyped differently", url.Values{"old_password": {"First-Password-1"}, "new_password": {"Second-Password-2"}, "confirm_password": {"Second-Password-3"}},
			http.StatusBadRequest, "The new passwords do not match."},
		{"wrong old password", url.Values{"old_password": {"nope"}, "new_password": {"Second-Password-2"}, "confirm_password": {"Second-Password-2"}},
			http.StatusBadRequest, "The old password is incorrect."},
		{"changed", url.Values{"old_password": {"First-Password-1"}, "new_password": {"Second-Password-2"}, "confirm_password": {"Second-Password-2"}},
			http.StatusOK, "arn:aws:iam::" + a.ID + ":user/carol"},
	}
	for _, st := range steps {
		code, body := c.post("/signin/reset", st.form)
		if code != st.wantStatus || !strings.Contains(body, st.want) {
			t.Fatalf("%s: status %d\n%s", st.name, code, body)
		}
	}
	// The new password signs in straight away.
	c2 := newClient(t, srv)
	c2.get("/signin")
	code, body := c2.post("/signin", url.Values{"mode": {"iam"}, "account": {a.ID}, "user": {"carol"}, "password": {"Second-Password-2"}})
	if code != 200 || !strings.Contains(body, "Console home") {
		t.Fatalf("sign-in with the new password: %d\n%s", code, body)
	}
}

// TestSessionCookie checks the cookie's attributes.
func TestSessionCookie(t *testing.T) {
	srv := doppeltest.NewServer(t)
	resp, err := http.Get(srv.URL + "/_doppel/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies = %v", cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure || ck.Path != "/_doppel/console/" || len(ck.Value) < 40 {
		t.Fatalf("cookie = %+v", ck)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

// linkRE finds the console's own links and form actions on a page.
var linkRE = regexp.MustCompile(`(?:href|action)="(/_doppel/console/[^"]*)"`)

// TestLinksNeedingEscapesWork follows the links a page writes for names
// that need escaping (a policy ARN, folder prefixes and keys with "/", "+",
// spaces, "&", "%" and non-ASCII letters): each opens what it names, once
// decoded, never an error page. Templates once escaped these values
// themselves, and html/template then escaped them again.
func TestLinksNeedingEscapesWork(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	ctx := context.Background()
	s3c := awss3.NewFromConfig(srv.AWSConfig("account-a"), func(o *awss3.Options) { o.UsePathStyle = true })
	const bucket = "links"
	const key = "dir a+b&c%d/ünïcode file.txt"
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("the content")}); err != nil {
		t.Fatal(err)
	}
	iamc := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := iamc.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p+q=r@s"), Path: aws.String("/team/"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv)
	c.signinRoot(a)
	follow := func(page, contains string) string {
		t.Helper()
		code, body := c.get(page)
		if code != 200 {
			t.Fatalf("%s: %d", page, code)
		}
		for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
			link := html.UnescapeString(m[1])
			if strings.Contains(link, contains) || strings.Contains(mustUnescape(t, link), contains) {
				return strings.TrimPrefix(link, console.Prefix)
			}
		}
		t.Fatalf("%s has no link to %q:\n%s", page, contains, body)
		return ""
	}
	// The folder, then the object's download.
	folder := follow("/s3/"+bucket, "prefix=")
	code, body := c.get(folder)
	if code != 200 || !strings.Contains(body, "ünïcode file.txt") {
		t.Fatalf("the folder link %s: %d, the object not listed:\n%s", folder, code, body)
	}
	download := follow(folder, "download?key=")
	resp, err := c.http.Get(c.base + download)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != "the content" {
		t.Errorf("the download link %s: %d %q", download, resp.StatusCode, got)
	}
	// The policy page from the policies list, and saving through its form.
	policy := follow("/iam/policies", "arn=")
	code, body = c.get(policy)
	if code != 200 || !strings.Contains(html.UnescapeString(body), "arn:aws:iam::"+a.ID+":policy/team/p+q=r@s") || strings.Contains(body, "InvalidInput") {
		t.Fatalf("the policy link %s: %d\n%s", policy, code, body)
	}
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}
