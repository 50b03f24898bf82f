package s3_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signedPostFields returns the form fields of a SigV4 POST policy with the
// given conditions (the signature fields added to them), signed by acct.
func signedPostFields(acct doppeltest.Account, now time.Time, expires time.Time, conditions []any, extra map[string]string) map[string]string {
	date := now.UTC().Format("20060102")
	cred := acct.AccessKeyID + "/" + date + "/us-east-1/s3/aws4_request"
	amzDate := now.UTC().Format("20060102T150405Z")
	conditions = append(conditions, map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"x-amz-credential": cred}, map[string]string{"x-amz-date": amzDate})
	doc, _ := json.Marshal(map[string]any{"expiration": expires.UTC().Format("2006-01-02T15:04:05.000Z"), "conditions": conditions})
	policy := base64.StdEncoding.EncodeToString(doc)
	k := hmacSHA256([]byte("AWS4"+acct.SecretAccessKey), date)
	k = hmacSHA256(k, "us-east-1")
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	f := map[string]string{"policy": policy, "x-amz-algorithm": "AWS4-HMAC-SHA256", "x-amz-credential": cred, "x-amz-date": amzDate,
		"x-amz-signature": hex.EncodeToString(hmacSHA256(k, policy))}
	for n, v := range extra {
		f[n] = v
	}
	return f
}

// postForm sends a multipart form with fields (key first, as browsers
// keep the form's order) and then the file.
func postForm(t *testing.T, url string, fields map[string]string, filename, content string) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if k, ok := fields["key"]; ok {
		_ = w.WriteField("key", k)
	}
	for n, v := range fields {
		if n != "key" {
			_ = w.WriteField(n, v)
		}
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = io.WriteString(fw, content)
	_ = w.Close()
	req, _ := http.NewRequest("POST", url, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// TestE2EPostObject: browser-based uploads with a SigV4 POST policy; the
// policy's expiry, signature and conditions refused as S3 refuses them,
// and refused uploads store nothing.
func TestE2EPostObject(t *testing.T) {
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "post-uploads")
	acct := srv.Account("account-a")
	now := time.Now()
	url := srv.URL + "/post-uploads"
	conds := []any{map[string]string{"bucket": "post-uploads"}, []any{"starts-with", "$key", "user/"}, []any{"content-length-range", 1, 20},
		[]any{"starts-with", "$Content-Type", "text/"}, map[string]string{"x-amz-meta-color": "blue"}}
	ok := signedPostFields(acct, now, now.Add(time.Hour), conds, map[string]string{"key": "user/${filename}", "Content-Type": "text/plain", "x-amz-meta-color": "blue"})

	resp, body := postForm(t, url, ok, "notes.txt", "posted text")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("ETag") == "" || resp.Header.Get("Location") != srv.URL+"/post-uploads/user/notes.txt" {
		t.Fatalf("POST: %s %v %s", resp.Status, resp.Header, body)
	}
	got, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("user/notes.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(data) != "posted text" || aws.ToString(got.ContentType) != "text/plain" || got.Metadata["color"] != "blue" || aws.ToString(got.ETag) != resp.Header.Get("ETag") {
		t.Errorf("stored: %q %q %v %s", data, aws.ToString(got.ContentType), got.Metadata, aws.ToString(got.ETag))
	}

	with := func(f map[string]string, k, v string) map[string]string {
		c := map[string]string{}
		for n, x := range f {
			c[n] = x
		}
		c[k] = v
		return c
	}
	tampered := with(ok, "policy", base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00Z","conditions":[]}`)))
	for _, tc := range []struct {
		name    string
		fields  map[string]string
		content string
		status  int
		want    string
	}{
		{"expired policy", signedPostFields(acct, now, now.Add(-time.Minute), conds, map[string]string{"key": "user/x", "Content-Type": "text/plain", "x-amz-meta-color": "blue"}), "x",
			403, "<Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message>"},
		{"tampered policy", tampered, "x", 403, "<Code>SignatureDoesNotMatch</Code>"},
		{"key outside the prefix", with(ok, "key", "other/x"), "x", 403, `<Message>Invalid according to Policy: Policy Condition failed: [&quot;starts-with&quot;, &quot;$key&quot;, &quot;user/&quot;]</Message>`},
		{"metadata changed", with(ok, "x-amz-meta-color", "red"), "x", 403, `Policy Condition failed: [&quot;eq&quot;, &quot;$x-amz-meta-color&quot;, &quot;blue&quot;]`},
		{"field the policy does not name", with(ok, "x-amz-meta-extra", "1"), "x", 403, "<Message>Invalid according to Policy: Extra input fields: x-amz-meta-extra</Message>"},
		{"too large", ok, strings.Repeat("x", 21), 400, "<Code>EntityTooLarge</Code>"},
		{"too small", ok, "", 400, "<Code>EntityTooSmall</Code>"},
		{"no signature", with(ok, "x-amz-signature", ""), "x", 400, "<Code>InvalidRequest</Code>"},
		{"SigV2", with(ok, "AWSAccessKeyId", acct.AccessKeyID), "x", 400, "Please use AWS4-HMAC-SHA256."},
		{"anonymous, no policy", map[string]string{"key": "user/anon"}, "x", 403, "<Code>AccessDenied</Code>"},
		{"another account's keys", signedPostFields(srv.Account("account-b"), now, now.Add(time.Hour), conds, map[string]string{"key": "user/b", "Content-Type": "text/plain", "x-amz-meta-color": "blue"}), "x",
			403, "<Code>AccessDenied</Code>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "no signature" {
				delete(tc.fields, "x-amz-signature")
			}
			resp, body := postForm(t, url, tc.fields, "refused.txt", tc.content)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s %s", resp.Status, body)
			}
		})
	}
	l, err := a.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b})
	if err != nil || len(l.Contents) != 1 {
		t.Errorf("refused uploads stored something: %+v %v", l.Contents, err)
	}

	// A checksum field is verified as PutObject verifies the header.
	condsSum := append(conds, []any{"starts-with", "$x-amz-checksum-crc32", ""})
	bad := signedPostFields(acct, now, now.Add(time.Hour), condsSum, map[string]string{"key": "user/sum.txt", "Content-Type": "text/plain", "x-amz-meta-color": "blue", "x-amz-checksum-crc32": "AAAAAA=="})
	if resp, body := postForm(t, url, bad, "f", "checked"); resp.StatusCode != 400 || !strings.Contains(body, "<Code>BadDigest</Code>") {
		t.Errorf("wrong checksum: %s %s", resp.Status, body)
	}
	if _, err := a.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("user/sum.txt")}); errCode(err) != "NotFound" {
		t.Errorf("a wrong checksum stored the object: %v", err)
	}
	good := signedPostFields(acct, now, now.Add(time.Hour), condsSum, map[string]string{"key": "user/sum.txt", "Content-Type": "text/plain", "x-amz-meta-color": "blue", "x-amz-checksum-crc32": "rQO6gw=="})
	if resp, body := postForm(t, url, good, "f", "checked"); resp.StatusCode != 204 {
		t.Errorf("right checksum: %s %s", resp.Status, body)
	}

	// success_action_status 201 answers a PostResponse; a redirect, 303.
	conds201 := append(conds, map[string]string{"success_action_status": "201"})
	resp, body = postForm(t, url, signedPostFields(acct, now, now.Add(time.Hour), conds201, map[string]string{"key": "user/201.txt", "Content-Type": "text/plain", "x-amz-meta-color": "blue", "success_action_status": "201"}), "f", "created")
	if resp.StatusCode != 201 || !strings.Contains(body, "<PostResponse><Location>"+srv.URL+"/post-uploads/user/201.txt</Location><Bucket>post-uploads</Bucket><Key>user/201.txt</Key><ETag>") {
		t.Errorf("201: %s %s", resp.Status, body)
	}
	condsRedirect := append(conds, map[string]string{"success_action_redirect": "http://app.example.com/done?x=1"})
	resp, _ = postForm(t, url, signedPostFields(acct, now, now.Add(time.Hour), condsRedirect, map[string]string{"key": "user/r.txt", "Content-Type": "text/plain", "x-amz-meta-color": "blue", "success_action_redirect": "http://app.example.com/done?x=1"}), "f", "redirected")
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "http://app.example.com/done?") || !strings.Contains(loc, "key=user%2Fr.txt") || !strings.Contains(loc, "bucket=post-uploads") || !strings.Contains(loc, "etag=") {
		t.Errorf("redirect: %s %s", resp.Status, loc)
	}
}

// TestE2EPostObjectBoto3: boto3's generate_presigned_post (SigV4), posted
// with requests, as a Python user does.
func TestE2EPostObjectBoto3(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 with boto3 is needed")
	}
	srv := doppeltest.NewServer(t)
	a := client(srv, "account-a")
	ctx := context.Background()
	b := newBucket(t, a, "boto-post")
	acct := srv.Account("account-a")
	script := `
import boto3, json, requests, sys
from botocore.config import Config
# boto3 signs POST policies with SigV2 in us-east-1 unless told s3v4;
# doppel does not take SigV2 yet.
s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", config=Config(signature_version="s3v4"),
    aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
p = s3.generate_presigned_post("boto-post", "py/${filename}",
    Fields={"success_action_status": "201", "Content-Type": "text/plain"},
    Conditions=[{"success_action_status": "201"}, ["starts-with", "$Content-Type", "text/"], ["content-length-range", 1, 1000]],
    ExpiresIn=600)
r = requests.post(p["url"], data=p["fields"], files={"file": ("hello.txt", b"from boto3")})
print(json.dumps({"status": r.status_code, "body": r.text, "url": p["url"]}))
`
	cmd := exec.Command(py, "-c", script, srv.URL, acct.AccessKeyID, acct.SecretAccessKey)
	cmd.Env = append(os.Environ(), "NO_PROXY=*", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var res struct {
		Status int
		Body   string
		URL    string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Status != 201 || !strings.Contains(res.Body, "<Key>py/hello.txt</Key>") {
		t.Errorf("boto3 POST: %d %s (url %s)", res.Status, res.Body, res.URL)
	}
	got, err := a.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("py/hello.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(data) != "from boto3" || aws.ToString(got.ContentType) != "text/plain" {
		t.Errorf("stored %q %q", data, aws.ToString(got.ContentType))
	}
}
