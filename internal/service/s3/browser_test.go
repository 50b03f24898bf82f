package s3_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/chromedp/chromedp"

	"github.com/doppel-aws/doppel/doppeltest"
)

// chromium returns Debian's chromium (scripts/tools.sh installs it), or
// DOPPEL_CHROMIUM.
func chromium(t *testing.T) string {
	if os.Getenv("DOPPEL_SKIP_E2E") == "1" {
		t.Skip("DOPPEL_SKIP_E2E=1")
	}
	if p := os.Getenv("DOPPEL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: this test needs Debian's chromium package (scripts/tools.sh installs it; or set DOPPEL_CHROMIUM, or DOPPEL_SKIP_E2E=1 to skip)")
	return ""
}

// TestBrowserCORSPresigned: a page served from another origin uploads and
// downloads an object with fetch() through presigned URLs, as S3's CORS
// allows it; a method no rule allows fails in the browser and changes
// nothing.
func TestBrowserCORSPresigned(t *testing.T) {
	exe := chromium(t)
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "browser-cors")

	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>app</title><p>app</p>")
	}))
	t.Cleanup(page.Close)
	if _, err := a.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{
		{AllowedOrigins: []string{page.URL}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(60)},
	}}}); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(a)
	put, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("from the browser.txt")})
	if err != nil {
		t.Fatal(err)
	}
	get, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("from the browser.txt")})
	if err != nil {
		t.Fatal(err)
	}
	del, err := ps.PresignDeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("from the browser.txt")})
	if err != nil {
		t.Fatal(err)
	}

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	// eval runs a script that resolves to a string.
	eval := func(what, script string) string {
		t.Helper()
		c, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		s, err := chromedp.Run(c, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	{
		c, cancel := context.WithTimeout(bctx, 30*time.Second)
		err := chromedp.Do(c, chromedp.Navigate(page.URL))
		cancel()
		if err != nil {
			t.Fatalf("open the app page: %v", err)
		}
	}

	// A PUT with a non-safelisted Content-Type: the browser sends a
	// preflight first.
	putResult := eval("upload", fmt.Sprintf(`fetch(%q, {method: "PUT", body: "hello from the browser", headers: {"Content-Type": "application/octet-stream"}})
		.then(r => r.status + " " + (r.headers.get("ETag") || "no etag"), e => "failed: " + e)`, put.URL))
	if !strings.HasPrefix(putResult, `200 "`) {
		t.Errorf("browser PUT: %s", putResult)
	}
	getResult := eval("download", fmt.Sprintf(`fetch(%q).then(r => r.text().then(t => r.status + " " + t + " " + (r.headers.get("ETag") || "no etag")), e => "failed: " + e)`, get.URL))
	if want := "200 hello from the browser " + strings.TrimPrefix(putResult, "200 "); getResult != want {
		t.Errorf("browser GET: %q, want %q", getResult, want)
	}
	// DELETE is in no rule: the preflight is refused and the browser never
	// sends the request.
	delResult := eval("refused delete", fmt.Sprintf(`fetch(%q, {method: "DELETE"}).then(r => "status " + r.status, e => "failed: " + e.name)`, del.URL))
	if delResult != "failed: TypeError" {
		t.Errorf("browser DELETE: %s", delResult)
	}
	// A bucket without CORS: the browser withholds the answer.
	other := newBucket(t, a, "browser-no-cors")
	if _, err := a.PutObject(ctx, &s3.PutObjectInput{Bucket: other, Key: aws.String("k"), Body: strings.NewReader("private")}); err != nil {
		t.Fatal(err)
	}
	getOther, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: other, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if r := eval("read without CORS", fmt.Sprintf(`fetch(%q).then(r => "status " + r.status, e => "failed: " + e.name)`, getOther.URL)); r != "failed: TypeError" {
		t.Errorf("browser GET from a bucket without CORS: %s", r)
	}
	out, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("from the browser.txt")})
	if err != nil {
		t.Fatalf("after the refused DELETE: %v", err)
	}
	out.Body.Close()
	if aws.ToString(out.ContentType) != "application/octet-stream" {
		t.Errorf("stored Content-Type %q", aws.ToString(out.ContentType))
	}
}

// TestBrowserPostForm: a plain HTML form on another origin, with a SigV4
// POST policy, uploads the file the user chose; S3 redirects the browser
// back with the bucket, key and ETag (success_action_redirect).
func TestBrowserPostForm(t *testing.T) {
	exe := chromium(t)
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "browser-form")

	var pageURL string
	done := make(chan string, 1)
	var formHTML string
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/done":
			select {
			case done <- r.URL.RawQuery:
			default:
			}
			fmt.Fprint(w, `<!doctype html><p id="done">uploaded</p>`)
		default:
			fmt.Fprint(w, formHTML)
		}
	}))
	t.Cleanup(page.Close)
	pageURL = page.URL
	now := time.Now()
	conds := []any{map[string]string{"bucket": "browser-form"}, []any{"starts-with", "$key", "form/"}, []any{"starts-with", "$Content-Type", "text/"},
		map[string]string{"success_action_redirect": pageURL + "/done"}, []any{"content-length-range", 1, 1 << 20}}
	fields := signedPostFields(srv.Account("account-a"), now, now.Add(time.Hour), conds,
		map[string]string{"key": "form/${filename}", "Content-Type": "text/plain", "success_action_redirect": pageURL + "/done"})
	var inputs strings.Builder
	inputs.WriteString(`<input type="hidden" name="key" value="` + html.EscapeString(fields["key"]) + `">`)
	for n, v := range fields {
		if n != "key" {
			inputs.WriteString(`<input type="hidden" name="` + html.EscapeString(n) + `" value="` + html.EscapeString(v) + `">`)
		}
	}
	formHTML = `<!doctype html><form id="upload" action="` + srv.URL + `/browser-form" method="post" enctype="multipart/form-data">` +
		inputs.String() + `<input type="file" id="file" name="file"><button type="submit" id="send">Upload</button></form>`

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	c, cancelRun := context.WithTimeout(bctx, 30*time.Second)
	defer cancelRun()
	// The user's file choice, made by script: a DataTransfer sets the
	// file input as a file dialog would.
	choose := `(() => { const dt = new DataTransfer(); dt.items.add(new File(["chosen in the browser"], "report.txt", {type: "text/plain"}));
		document.getElementById("file").files = dt.files; return "ok"; })()`
	if err := chromedp.Do(c, chromedp.Navigate(pageURL+"/"), chromedp.WaitVisible(chromedp.ID("send"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(c, chromedp.Evaluate[string](choose)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(c, chromedp.Click(chromedp.ID("send")), chromedp.WaitVisible(chromedp.ID("done"))); err != nil {
		t.Fatalf("submit: %v", err)
	}
	var q string
	select {
	case q = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("no redirect to /done")
	}
	if !strings.Contains(q, "bucket=browser-form") || !strings.Contains(q, "key=form%2Freport.txt") || !strings.Contains(q, "etag=") {
		t.Errorf("redirect query %q", q)
	}
	out, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("form/report.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(data) != "chosen in the browser" || aws.ToString(out.ContentType) != "text/plain" {
		t.Errorf("stored %q %q", data, aws.ToString(out.ContentType))
	}
}
