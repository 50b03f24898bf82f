package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/testclients"
)

// cli runs the AWS CLI as the account's root user.
func (w *world) cli(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(testclients.AWSCLI(t), append(args, "--output", "json")...)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_ACCESS_KEY_ID=" + w.rootID,
		"AWS_SECRET_ACCESS_KEY=" + w.rootSecret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + w.url,
		"AWS_MAX_ATTEMPTS=1",
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// ok runs the CLI and decodes its JSON output into v (when not nil).
func (w *world) ok(t *testing.T, v any, args ...string) {
	t.Helper()
	out, stderr, err := w.cli(t, args...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), out, err)
		}
	}
}

// TestCLI is a black-box test with the AWS CLI (v1): what it sends, what it
// prints, and the errors it reports, as it would against AWS.
func TestCLI(t *testing.T) {
	w := newWorld(t)
	testclients.AWSCLI(t)
	dir := t.TempDir()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`
	docFile := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(docFile, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}

	var user struct {
		User struct{ UserName, Arn, UserId string }
	}
	w.ok(t, &user, "iam", "create-user", "--user-name", "ci", "--path", "/ci/", "--tags", "Key=team,Value=blue")
	if user.User.Arn != "arn:aws:iam::"+account+":user/ci/ci" || !strings.HasPrefix(user.User.UserId, "AIDA") {
		t.Fatalf("create-user = %+v", user)
	}

	var policy struct {
		Policy struct{ Arn, DefaultVersionId string }
	}
	w.ok(t, &policy, "iam", "create-policy", "--policy-name", "list", "--policy-document", "file://"+docFile)
	// The CLI decodes IAM's URL-encoded documents and prints them as JSON.
	var version struct {
		PolicyVersion struct {
			Document struct{ Statement []struct{ Action string } }
		}
	}
	w.ok(t, &version, "iam", "get-policy-version", "--policy-arn", policy.Policy.Arn, "--version-id", policy.Policy.DefaultVersionId)
	if len(version.PolicyVersion.Document.Statement) != 1 || version.PolicyVersion.Document.Statement[0].Action != "s3:ListAllMyBuckets" {
		t.Fatalf("get-policy-version = %+v", version)
	}
	w.ok(t, nil, "iam", "attach-user-policy", "--user-name", "ci", "--policy-arn", policy.Policy.Arn)

	for _, g := range []string{"a", "b", "c"} {
		w.ok(t, nil, "iam", "create-group", "--group-name", "group-"+g)
	}
	// --page-size 1 makes the CLI follow Marker through three pages.
	var groups struct{ Groups []struct{ GroupName string } }
	w.ok(t, &groups, "iam", "list-groups", "--page-size", "1")
	if len(groups.Groups) != 3 || groups.Groups[2].GroupName != "group-c" {
		t.Fatalf("list-groups = %+v", groups)
	}

	png := filepath.Join(dir, "qr.png")
	var mfa struct{ VirtualMFADevice struct{ SerialNumber string } }
	w.ok(t, &mfa, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "ci", "--outfile", png, "--bootstrap-method", "QRCodePNG")
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("QR code file: %v (%d bytes)", err, len(b))
	}
	if mfa.VirtualMFADevice.SerialNumber != "arn:aws:iam::"+account+":mfa/ci" {
		t.Fatalf("serial = %s", mfa.VirtualMFADevice.SerialNumber)
	}

	var role struct{ Role struct{ Arn, RoleId string } }
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	w.ok(t, &role, "iam", "create-role", "--role-name", "app", "--assume-role-policy-document", trust, "--max-session-duration", "7200")
	w.ok(t, nil, "iam", "attach-role-policy", "--role-name", "app", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	var attached struct{ AttachedPolicies []struct{ PolicyName string } }
	w.ok(t, &attached, "iam", "list-attached-role-policies", "--role-name", "app")
	if len(attached.AttachedPolicies) != 1 || attached.AttachedPolicies[0].PolicyName != "ReadOnlyAccess" {
		t.Fatalf("list-attached-role-policies = %+v", attached)
	}
	var got struct {
		Role struct {
			MaxSessionDuration       int
			AssumeRolePolicyDocument struct{ Statement []any }
		}
	}
	w.ok(t, &got, "iam", "get-role", "--role-name", "app")
	if got.Role.MaxSessionDuration != 7200 || len(got.Role.AssumeRolePolicyDocument.Statement) != 1 {
		t.Fatalf("get-role = %+v", got)
	}

	errors := []struct {
		name string
		args []string
		want string
	}{
		{"missing user", []string{"iam", "get-user", "--user-name", "nobody"},
			"An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name nobody cannot be found."},
		{"user with attached policy", []string{"iam", "delete-user", "--user-name", "ci"},
			"An error occurred (DeleteConflict) when calling the DeleteUser operation: Cannot delete entity, must detach all policies first."},
		{"duplicate role", []string{"iam", "create-role", "--role-name", "APP", "--assume-role-policy-document", trust},
			"An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name APP already exists."},
		{"malformed policy", []string{"iam", "create-policy", "--policy-name", "bad", "--policy-document", `{"Statement":[{"Effect":"Allow","Resource":"*"}]}`},
			"An error occurred (MalformedPolicyDocument) when calling the CreatePolicy operation: Policy statement must contain actions."},
		{"attached policy", []string{"iam", "delete-policy", "--policy-arn", policy.Policy.Arn},
			"An error occurred (DeleteConflict) when calling the DeletePolicy operation: Cannot delete a policy attached to entities."},
	}
	for _, tc := range errors {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, err := w.cli(t, tc.args...)
			if err == nil || !strings.Contains(stderr, tc.want) {
				t.Fatalf("err = %v, stderr:\n%s\nwant %q", err, stderr, tc.want)
			}
		})
	}
}
