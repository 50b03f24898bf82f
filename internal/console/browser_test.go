package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/chromedp/chromedp"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/mfa"
)

var update = flag.Bool("update", false, "copy the browser test's main screenshots to docs/screenshots")

// screenshotsForREADME are the steps whose screenshots the README shows.
var screenshotsForREADME = map[string]bool{
	"01-signin": true, "03-create-role-trusted-entity": true, "04-create-role-permissions": true,
	"05-create-role-review": true, "06-role-page": true, "07-trust-map": true, "08-access-denied": true, "09-activity": true, "11-user-mfa": true,
}

// findChromium returns Debian's chromium (scripts/tools.sh installs it), or
// DOPPEL_CHROMIUM.
func findChromium(t *testing.T) string {
	if p := os.Getenv("DOPPEL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: the console's browser test needs Debian's chromium package " +
		"(scripts/tools.sh installs it; or set DOPPEL_CHROMIUM, or DOPPEL_SKIP_E2E=1 to skip)")
	return ""
}

// artifactsDir is where the screenshots go: $DOPPEL_ARTIFACTS/console, or a
// directory kept after the test.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("DOPPEL_ARTIFACTS")
	if dir == "" {
		d, err := os.MkdirTemp("", "doppel-console-")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	dir = filepath.Join(dir, "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	shot []string
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) text(id string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		b.t.Fatalf("text of #%s: %v", id, err)
	}
	return strings.TrimSpace(s)
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.shot = append(b.shot, name)
}

func (b *browser) signinRoot(a doppeltest.Account) {
	b.t.Helper()
	b.do("root sign-in",
		chromedp.Navigate(b.base+"/signin?mode=root"),
		chromedp.WaitVisible(chromedp.ID("access_key_id")),
		chromedp.SendKeys(chromedp.ID("account"), a.Name),
		chromedp.SendKeys(chromedp.ID("access_key_id"), a.AccessKeyID),
		chromedp.SendKeys(chromedp.ID("secret_access_key"), a.SecretAccessKey),
	)
	b.screenshotOnce("01-signin")
	b.do("root sign-in submit", chromedp.Click(chromedp.ID("signin-submit")), chromedp.WaitVisible(chromedp.ID("home-arn")))
}

func (b *browser) screenshotOnce(name string) {
	for _, s := range b.shot {
		if s == name {
			return
		}
	}
	b.screenshot(name)
}

func (b *browser) signout() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("signin-submit")))
}

// serverSPKI is the base64 SHA-256 of the public key of the certificate a
// TLS doppeltest server presents, fetched through a client that trusts only
// the server's CA.
func serverSPKI(t *testing.T, srv *doppeltest.Server) string {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + "/_doppel/health")
	if err != nil {
		t.Fatalf("TLS to %s: %v", srv.URL, err)
	}
	resp.Body.Close()
	sum := sha256.Sum256(resp.TLS.PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// startBrowser starts headless Chromium for the console of srv (over
// HTTPS when srv is a TLS server); it stops with the test.
func startBrowser(t *testing.T, srv *doppeltest.Server) *browser {
	t.Helper()
	exe := findChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	if strings.HasPrefix(srv.URL, "https://") {
		// Trust the server's certificate by its key alone, as a browser
		// that imported doppel's CA would: nothing else is accepted.
		opts = append(opts, chromedp.Flag("ignore-certificate-errors-spki-list", serverSPKI(t, srv)))
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx, base: srv.URL + "/_doppel/console", dir: artifactsDir(t)}
	t.Logf("screenshots in %s", b.dir)
	// Start the browser without a timeout: a timeout on the first run
	// would stop the whole browser later.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	return b
}

// TestBrowserSeedSteps walks the seed's console steps in headless Chromium:
// sign in to account B as root, create the role that trusts account A with
// an external ID and MFA required, attach AmazonS3FullAccess, read the ARN on
// the role page. The API part then shows A's user can assume the role only
// with the external ID and an MFA code. Last, an IAM user with limited rights
// signs in and is refused the roles list. Each step is a screenshot.
func TestBrowserSeedSteps(t *testing.T) {
	if os.Getenv("DOPPEL_SKIP_E2E") == "1" {
		t.Skip("DOPPEL_SKIP_E2E=1")
	}
	srv := doppeltest.NewServer(t)
	accA, accB := srv.Account("account-a"), srv.Account("account-b")
	b := startBrowser(t, srv)

	// a. Sign in to account B; IAM > Roles > Create role.
	b.signinRoot(accB)
	b.screenshot("02-home")
	b.do("roles list", chromedp.Click(chromedp.CSS(`nav.services a[href$="/iam/roles"]`)), chromedp.WaitVisible(chromedp.ID("create-role")))
	b.do("create role", chromedp.Click(chromedp.ID("create-role")), chromedp.WaitVisible(chromedp.ID("trust-form")))
	// b-e. Another AWS account, A's account ID, Require external ID, Require MFA.
	const externalID = "my_external_id"
	b.do("trusted entity",
		chromedp.Click(chromedp.ID("te-account")),
		chromedp.Click(chromedp.ID("acct-other")),
		chromedp.SendKeys(chromedp.ID("account_id"), accA.ID),
		chromedp.Click(chromedp.ID("require_external_id")),
		chromedp.SendKeys(chromedp.ID("external_id"), externalID),
		chromedp.Click(chromedp.ID("require_mfa")),
	)
	b.screenshot("03-create-role-trusted-entity")
	b.do("next", chromedp.Click(chromedp.ID("next-1")), chromedp.WaitVisible(chromedp.ID("permissions-form")))
	// f. Attach AmazonS3FullAccess, found by searching.
	b.do("search policies",
		chromedp.SendKeys(chromedp.ID("policy-search"), "AmazonS3Full"),
		chromedp.Click(chromedp.ID("policy-search-submit")),
		// The page after the search, not the one before it.
		chromedp.WaitVisible(chromedp.CSS(`table#policy-table[data-query="AmazonS3Full"]`)),
		chromedp.WaitVisible(chromedp.ID("pick-AmazonS3FullAccess")),
		chromedp.Click(chromedp.ID("pick-AmazonS3FullAccess")),
	)
	b.screenshot("04-create-role-permissions")
	b.do("next", chromedp.Click(chromedp.ID("next-2")), chromedp.WaitVisible(chromedp.ID("review-form")))
	// g. Name, review the trust policy, create.
	b.do("name", chromedp.SendKeys(chromedp.ID("role_name"), "role_in_account_b"),
		chromedp.SendKeys(chromedp.ID("description"), "Terraform from account A"))
	review := b.text("review-trust")
	for _, want := range []string{`"AWS": "arn:aws:iam::` + accA.ID + `:root"`, `"sts:ExternalId": "` + externalID + `"`, `"aws:MultiFactorAuthPresent": "true"`} {
		if !strings.Contains(review, want) {
			t.Fatalf("review trust policy lacks %s:\n%s", want, review)
		}
	}
	b.screenshot("05-create-role-review")
	b.do("create", chromedp.Click(chromedp.ID("create-role-submit")), chromedp.WaitVisible(chromedp.ID("role-arn")))
	roleARN := b.text("role-arn")
	if want := "arn:aws:iam::" + accB.ID + ":role/role_in_account_b"; roleARN != want {
		t.Fatalf("role page ARN %q, want %q", roleARN, want)
	}
	b.do("copy ARN", chromedp.Click(chromedp.ID("copy-arn")))
	// The button says so once the clipboard took the text.
	copied, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`new Promise(resolve => {
		const b = document.getElementById("copy-arn"), start = Date.now();
		(function poll() {
			if (b.textContent === "Copied" || Date.now() - start > 3000) { resolve(b.textContent); return; }
			setTimeout(poll, 50);
		})();
	})`, chromedp.EvalAwaitPromise))
	if err != nil || copied != "Copied" {
		t.Errorf("copy button says %q (%v) after a click", copied, err)
	}
	b.screenshot("06-role-page")
	b.do("trust map", chromedp.Navigate(b.base+"/trust-map"), chromedp.WaitVisible(chromedp.ID("trust-map")))
	b.screenshot("07-trust-map")

	// The API part: A's user assumes the role the console created.
	assumeWithAPI(t, srv, roleARN, externalID)

	// A user of B with rights to list buckets only is refused the roles list.
	ctxAPI := context.Background()
	iamB := awsiam.NewFromConfig(srv.AWSConfig("account-b"))
	must(t, func() error {
		_, err := iamB.CreateUser(ctxAPI, &awsiam.CreateUserInput{UserName: aws.String("viewer")})
		return err
	})
	must(t, func() error {
		_, err := iamB.CreateLoginProfile(ctxAPI, &awsiam.CreateLoginProfileInput{UserName: aws.String("viewer"), Password: aws.String("Viewer-Password-1")})
		return err
	})
	must(t, func() error {
		_, err := iamB.PutUserPolicy(ctxAPI, &awsiam.PutUserPolicyInput{UserName: aws.String("viewer"), PolicyName: aws.String("buckets-only"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)})
		return err
	})
	b.signout()
	b.do("IAM user sign-in",
		chromedp.Navigate(b.base+"/signin?mode=iam"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("account"), accB.ID),
		chromedp.SendKeys(chromedp.ID("user"), "viewer"),
		chromedp.SendKeys(chromedp.ID("password"), "Viewer-Password-1"),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("home-arn")),
		chromedp.Navigate(b.base+"/iam/roles"),
		chromedp.WaitVisible(chromedp.ID("notice-denied")),
	)
	denied := b.text("notice-denied")
	if !strings.Contains(denied, "arn:aws:iam::"+accB.ID+":user/viewer is not authorized to perform: iam:ListRoles") {
		t.Fatalf("denial notice: %q", denied)
	}
	b.screenshot("08-access-denied")
	b.do("buckets", chromedp.Navigate(b.base+"/s3"), chromedp.WaitVisible(chromedp.ID("buckets-table")))
	b.signout()
	b.signinRoot(accB)
	b.do("activity", chromedp.Navigate(b.base+"/activity"), chromedp.WaitVisible(chromedp.ID("activity-table")))
	if act := b.text("activity-table"); !strings.Contains(act, "iam:ListRoles") || !strings.Contains(act, "AccessDenied") {
		t.Fatalf("activity lacks the denial:\n%s", act)
	}
	b.screenshot("09-activity")
	b.do("bucket page", chromedp.Navigate(b.base+"/s3/seed-bucket-in-b"), chromedp.WaitVisible(chromedp.ID("objects-table")))
	b.screenshot("10-s3-bucket")

	// A user with a console password and a virtual MFA device: the QR code
	// is shown (a data: image the page's Content-Security-Policy allows).
	b.do("create user",
		chromedp.Navigate(b.base+"/iam/users"),
		chromedp.SendKeys(chromedp.ID("new-user-name"), "operator"),
		chromedp.SendKeys(chromedp.ID("new-user-password"), "Operator-Password-1"),
		chromedp.Click(chromedp.ID("create-user")),
		chromedp.WaitVisible(chromedp.ID("user-name")),
		chromedp.Click(chromedp.ID("assign-mfa")),
		chromedp.WaitVisible(chromedp.ID("mfa-qr")),
	)
	width, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`new Promise(resolve => {
		const img = document.getElementById("mfa-qr");
		if (img.complete) { resolve(img.naturalWidth); return; }
		img.onload = () => resolve(img.naturalWidth);
		img.onerror = () => resolve(0);
	})`, chromedp.EvalAwaitPromise))
	if err != nil || width == 0 {
		t.Fatalf("QR code image not shown: width %d, %v", width, err)
	}
	b.screenshot("11-user-mfa")

	if *update {
		copyScreenshots(t, b.dir)
	}
}

// assumeWithAPI: account A's user "terraform", with an MFA device, may
// assume the role only with the external ID and an MFA code; with them it
// creates a bucket in B.
func assumeWithAPI(t *testing.T, srv *doppeltest.Server, roleARN, externalID string) {
	ctx := context.Background()
	iamA := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	must(t, func() error {
		_, err := iamA.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("terraform")})
		return err
	})
	must(t, func() error {
		_, err := iamA.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("terraform"), PolicyName: aws.String("assume"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleARN + `"}]}`)})
		return err
	})
	key, err := iamA.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("terraform")})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := iamA.CreateVirtualMFADevice(ctx, &awsiam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("terraform")})
	if err != nil {
		t.Fatal(err)
	}
	seed, serial := string(dev.VirtualMFADevice.Base32StringSeed), aws.ToString(dev.VirtualMFADevice.SerialNumber)
	step := mfa.Step(time.Now())
	c1, _ := mfa.Code(seed, step-1)
	c2, _ := mfa.Code(seed, step)
	must(t, func() error {
		_, err := iamA.EnableMFADevice(ctx, &awsiam.EnableMFADeviceInput{UserName: aws.String("terraform"), SerialNumber: aws.String(serial),
			AuthenticationCode1: aws.String(c1), AuthenticationCode2: aws.String(c2)})
		return err
	})

	stsA := awssts.NewFromConfig(srv.ConfigFor(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	code, _ := mfa.Code(seed, step+1)
	cases := []struct {
		name       string
		in         awssts.AssumeRoleInput
		wantDenied bool
	}{
		{"no external ID, no MFA", awssts.AssumeRoleInput{}, true},
		{"wrong external ID with MFA fields absent", awssts.AssumeRoleInput{ExternalId: aws.String("wrong")}, true},
		{"external ID without MFA", awssts.AssumeRoleInput{ExternalId: aws.String(externalID)}, true},
		{"external ID and MFA code", awssts.AssumeRoleInput{ExternalId: aws.String(externalID), SerialNumber: aws.String(serial), TokenCode: aws.String(code)}, false},
	}
	var creds *awssts.AssumeRoleOutput
	for _, tc := range cases {
		in := tc.in
		in.RoleArn, in.RoleSessionName = aws.String(roleARN), aws.String("tf")
		out, err := stsA.AssumeRole(ctx, &in)
		var api smithy.APIError
		switch {
		case tc.wantDenied && (err == nil || !errors.As(err, &api) || api.ErrorCode() != "AccessDenied"):
			t.Fatalf("%s: err = %v, want AccessDenied", tc.name, err)
		case !tc.wantDenied && err != nil:
			t.Fatalf("%s: %v", tc.name, err)
		case !tc.wantDenied:
			creds = out
		}
	}
	c := creds.Credentials
	s3B := awss3.NewFromConfig(srv.ConfigFor(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
		func(o *awss3.Options) { o.UsePathStyle = true })
	if _, err := s3B.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("seed-bucket-in-b")}); err != nil {
		t.Fatalf("create bucket in B with the role: %v", err)
	}
}

func must(t *testing.T, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// copyScreenshots refreshes the README's screenshots (go test -run
// TestBrowserSeedSteps ./internal/console -update).
func copyScreenshots(t *testing.T, dir string) {
	dst := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for name := range screenshotsForREADME {
		b, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, fmt.Sprintf("console-%s.png", name)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
