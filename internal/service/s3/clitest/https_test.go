package clitest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/testclients"
)

// TestCLIOverHTTPS drives the AWS CLI over HTTPS with AWS_CA_BUNDLE set to
// doppel's CA, and nothing else to trust: STS, IAM and S3, and a bucket
// whose policy denies insecure transport.
func TestCLIOverHTTPS(t *testing.T) {
	testclients.AWSCLI(t)
	srv := doppeltest.NewTLSServer(t)
	if out := aws(t, srv, "sts", "get-caller-identity", "--output", "text"); !strings.Contains(out, "111111111111") {
		t.Errorf("get-caller-identity: %s", out)
	}
	aws(t, srv, "iam", "create-user", "--user-name", "cli-tls")
	aws(t, srv, "s3", "mb", "s3://cli-tls")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::cli-tls","arn:aws:s3:::cli-tls/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	aws(t, srv, "s3api", "put-bucket-policy", "--bucket", "cli-tls", "--policy", policy)
	src := filepath.Join(t.TempDir(), "hello.txt")
	os.WriteFile(src, []byte("hello over tls"), 0o600)
	aws(t, srv, "s3", "cp", src, "s3://cli-tls/hello.txt")
	if out := aws(t, srv, "s3", "cp", "s3://cli-tls/hello.txt", "-"); out != "hello over tls" {
		t.Errorf("cp back: %q", out)
	}
	// Over HTTPS the CLI frames uploads aws-chunked (unsigned, with a
	// checksum trailer); as on S3, the object does not keep that encoding.
	if out := aws(t, srv, "s3api", "head-object", "--bucket", "cli-tls", "--key", "hello.txt"); strings.Contains(out, "ContentEncoding") {
		t.Errorf("the object kept the upload's framing as its Content-Encoding:\n%s", out)
	}

	// The same CLI over plain HTTP is refused with AWS's AccessDenied.
	env := replaceEnv(srv.Env("account-a"), "AWS_ENDPOINT_URL=http://"+srv.Addr)
	out, err := awsMayFail(t, env, "s3", "cp", "s3://cli-tls/hello.txt", "-")
	if err == nil || !strings.Contains(out, "AccessDenied") && !strings.Contains(out, "403") {
		t.Errorf("plain HTTP to a secure-transport bucket: %v\n%s", err, out)
	}

	// Without the CA, the CLI does not trust doppel (no insecure switch).
	noCA := replaceEnv(srv.Env("account-a"), "AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt")
	if out, err := awsMayFail(t, noCA, "sts", "get-caller-identity"); err == nil {
		t.Errorf("the CLI trusted doppel without its CA:\n%s", out)
	}
}

// TestCLIThroughProxy: with HTTPS_PROXY pointing at doppel and no endpoint
// setting, the CLI talks to sts.amazonaws.com, iam.amazonaws.com and
// s3.amazonaws.com, and doppel answers.
func TestCLIThroughProxy(t *testing.T) {
	testclients.AWSCLI(t)
	srv := doppeltest.NewServer(t)
	a := srv.Account("account-a")
	env := []string{
		"AWS_ACCESS_KEY_ID=" + a.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + a.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CA_BUNDLE=" + srv.CAFile(),
		"HTTPS_PROXY=http://" + srv.Addr, "HTTP_PROXY=http://" + srv.Addr, "NO_PROXY=",
	}
	if out := awsWithEnv(t, env, "sts", "get-caller-identity", "--output", "text"); !strings.Contains(out, "arn:aws:iam::111111111111:root") {
		t.Errorf("get-caller-identity through the proxy: %s", out)
	}
	awsWithEnv(t, env, "iam", "create-user", "--user-name", "via-proxy")
	awsWithEnv(t, env, "s3", "mb", "s3://cli-proxy")
	if out := awsWithEnv(t, env, "s3", "ls"); !strings.Contains(out, "cli-proxy") {
		t.Errorf("s3 ls through the proxy: %s", out)
	}
	// Another region's endpoints, unmodified.
	if out := awsWithEnv(t, env, "sts", "get-caller-identity", "--region", "eu-west-1", "--output", "text"); !strings.Contains(out, "111111111111") {
		t.Errorf("eu-west-1 through the proxy: %s", out)
	}
	if out := aws(t, srv, "iam", "list-users", "--output", "text"); !strings.Contains(out, "via-proxy") {
		t.Errorf("the user created through the proxy is not in doppel: %s", out)
	}
}

func replaceEnv(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return append(out, kv)
}

// awsMayFail runs the CLI and returns its combined output and error.
func awsMayFail(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testclients.AWSCLI(t), args...)
	home := t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
