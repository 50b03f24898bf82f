package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/chromedp/chromedp"

	"github.com/doppel-aws/doppel/doppeltest"
)

// attackPage is an HTML object that, run with the console's origin, reads
// the CSRF token from a console page and creates an IAM user in whatever
// account the browser is signed in to. It says how far it got in the title.
const attackPage = `<!doctype html>
<title>object of account B</title>
<h1 id="loaded">An object of account B</h1>
<script>
document.title = "script ran";
window.attack = function (name) {
  return fetch("/_doppel/console/iam/users", {credentials: "include"})
    .then(function (r) { return r.text(); })
    .then(function (page) {
      var m = page.match(/name="csrf" value="([^"]+)"/);
      if (!m) { return "no token"; }
      var form = new URLSearchParams({csrf: m[1], user_name: name});
      return fetch("/_doppel/console/iam/users", {method: "POST", credentials: "include", body: form})
        .then(function (r) { return "posted " + r.status; });
    })
    .catch(function (e) { return "blocked: " + e; });
};
window.attack("made-by-object-of-b").then(function (s) { document.title = s; });
</script>`

// TestBrowserContentCannotActAsConsole: a person signed in to the console as
// account A opens an HTML object of account B (through a presigned URL, and
// from a public bucket). The page loads, but its script cannot read a
// console page or post a console form: no user appears in A. The same script
// run with the console's origin does create one, so the test has teeth.
func TestBrowserContentCannotActAsConsole(t *testing.T) {
	if os.Getenv("DOPPEL_SKIP_E2E") == "1" {
		t.Skip("DOPPEL_SKIP_E2E=1")
	}
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	accA := srv.Account("account-a")
	s3B := awss3.NewFromConfig(srv.AWSConfig("account-b"), func(o *awss3.Options) { o.UsePathStyle = true })
	iamA := awsiam.NewFromConfig(srv.AWSConfig("account-a"))
	const bucket = "content-of-b"
	if _, err := s3B.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3B.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("page.html"),
		Body: strings.NewReader(attackPage), ContentType: aws.String("text/html")}); err != nil {
		t.Fatal(err)
	}
	// Public too: Block Public Access off and a bucket policy for everyone.
	if _, err := s3B.DeletePublicAccessBlock(ctx, &awss3.DeletePublicAccessBlockInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3B.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	presigned, err := awss3.NewPresignClient(s3B).PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("page.html")})
	if err != nil {
		t.Fatal(err)
	}
	noUser := func(name string) {
		t.Helper()
		_, err := iamA.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String(name)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
			t.Fatalf("user %s in account A: %v, want NoSuchEntity", name, err)
		}
	}

	b := startBrowser(t, srv)
	b.signinRoot(accA)
	for _, tc := range []struct{ name, url string }{
		{"presigned", presigned.URL},
		{"public", srv.URL + "/" + bucket + "/page.html"},
	} {
		b.do("open the object "+tc.name,
			chromedp.Navigate(tc.url),
			chromedp.WaitVisible(chromedp.ID("loaded")),
			// Time for the script's two requests, had it run.
			chromedp.Sleep(time.Second),
		)
		title := run(b, chromedp.Title())
		if got := b.text("loaded"); got != "An object of account B" {
			t.Fatalf("%s: the object did not load: %q", tc.name, got)
		}
		if title != "object of account B" {
			t.Errorf("%s: the object's script ran (title %q)", tc.name, title)
		}
		noUser("made-by-object-of-b")
	}

	// The same script, run with the console's origin (through DevTools, which
	// no page can do), creates the user: what the sandbox prevents is real.
	// The console is still signed in, so the object did not sign it out.
	b.do("control from a console page",
		chromedp.Navigate(b.base+"/"),
		chromedp.WaitVisible(chromedp.ID("home-arn")),
	)
	status := run(b, chromedp.Evaluate[string](attackScript+`; window.attack("made-by-console-origin")`, chromedp.EvalAwaitPromise))
	if status != "posted 200" {
		t.Fatalf("control: %q", status)
	}
	if _, err := iamA.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("made-by-console-origin")}); err != nil {
		t.Fatalf("control: %v", err)
	}
}

// run runs one action that yields a value, failing the test on error.
func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// attackScript is attackPage's function alone, for the control.
var attackScript = func() string {
	s := attackPage[strings.Index(attackPage, "window.attack = "):]
	return s[:strings.Index(s, "window.attack(\"made-by-object-of-b\")")]
}()

// TestBrowserSignInThrottleAndCrossSiteLink: in Chromium, wrong root secrets
// lead to a page that says how long to wait, and the right secret is then
// refused too; and once signed in, a link from another site (localhost is
// another site than 127.0.0.1) opens the console still signed in, though the
// Strict cookie does not travel with it.
func TestBrowserSignInThrottleAndCrossSiteLink(t *testing.T) {
	if os.Getenv("DOPPEL_SKIP_E2E") == "1" {
		t.Skip("DOPPEL_SKIP_E2E=1")
	}
	srv := doppeltest.NewServer(t)
	accA := srv.Account("account-a")
	b := startBrowser(t, srv)

	signin := func(secret string) string {
		b.do("root sign-in",
			chromedp.Navigate(b.base+"/signin?mode=root"),
			chromedp.WaitVisible(chromedp.ID("access_key_id")),
			chromedp.SendKeys(chromedp.ID("account"), accA.ID),
			chromedp.SendKeys(chromedp.ID("access_key_id"), accA.AccessKeyID),
			chromedp.SendKeys(chromedp.ID("secret_access_key"), secret),
			chromedp.Click(chromedp.ID("signin-submit")),
			chromedp.WaitVisible(chromedp.ID("signin-error")),
		)
		return b.text("signin-error")
	}
	for range 5 {
		if msg := signin("wrong-secret"); msg != "Your authentication information is incorrect. Please try again." {
			t.Fatalf("wrong secret: %q", msg)
		}
	}
	if msg := signin(accA.SecretAccessKey); !strings.HasPrefix(msg, "Too many failed sign-in attempts. Wait ") {
		t.Fatalf("the right secret after five wrong ones: %q", msg)
	}
	b.screenshot("throttled-signin")

	// Another account's root is not blocked by A's failures.
	b.signinRoot(srv.Account("account-b"))

	link := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><a id="go" href="`+b.base+`/iam/users">the console</a>`)
	}))
	defer link.Close()
	b.do("follow a link from another site",
		chromedp.Navigate(strings.Replace(link.URL, "127.0.0.1", "localhost", 1)),
		chromedp.Click(chromedp.ID("go")),
		chromedp.WaitVisible(chromedp.ID("users-table")),
	)
	b.do("still signed in", chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(chromedp.ID("home-arn")))
}
