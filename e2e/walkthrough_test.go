package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWalkthrough follows examples/cross-account-assume-role/README.md with
// the example's own files: the role in B made by create-role.sh (AWS CLI,
// B's root) and by role-in-b/ (Terraform, B's root), the user in A by
// create-user.sh (AWS CLI, A's root), then the seed configuration with
// alice's key against each role.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	tl := needTools(t)
	w := newWorld(t)
	profiles := w.profileFiles()
	dir := filepath.Join(repoRoot(t), seedExample)
	asRoot := func(account string) []string {
		return []string{"AWS_CONFIG_FILE=" + filepath.Join(profiles, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(profiles, "credentials"),
			"AWS_PROFILE=" + account}
	}

	runScript(t, tl, filepath.Join(dir, "create-role.sh"), "", nil, asRoot(w.b.Name))
	out := runScript(t, tl, filepath.Join(dir, "create-user.sh"), "", nil, asRoot(w.a.Name))
	var alice key
	dec := json.NewDecoder(strings.NewReader(out))
	for {
		var doc struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("create-user.sh printed %q: %v", out, err)
		}
		if doc.AccessKey.AccessKeyId != "" {
			alice = key{doc.AccessKey.AccessKeyId, doc.AccessKey.SecretAccessKey}
		}
	}
	if alice.id == "" {
		t.Fatalf("create-user.sh printed no access key:\n%s", out)
	}

	// The same role, made with Terraform; the user's policy allows only
	// role_in_account_b, so widen it for this second role.
	roleTF := newWorkdir(t, seedExample+"/role-in-b", asRoot(w.b.Name)...)
	roleTF.writeFile("case.auto.tfvars.json", `{"role_name": "role_in_account_b_tf"}`)
	roleTF.must("apply", "-auto-approve", "-input=false")
	mustCLI(t, t.TempDir(), asRoot(w.a.Name), "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume-tf-role",
		"--policy-document", allowAssume("arn:aws:iam::"+w.b.ID+":role/role_in_account_b_tf"))

	for _, tt := range []struct{ name, role, bucket string }{
		{"role from the CLI", "role_in_account_b", "walkthrough-cli-role"},
		{"role from Terraform", "role_in_account_b_tf", "walkthrough-tf-role"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tf := newWorkdir(t, seedExample, w.env(alice, "")...)
			tf.writeFile("case.auto.tfvars.json", `{"role_arn": "arn:aws:iam::`+w.b.ID+`:role/`+tt.role+`", "bucket": "`+tt.bucket+`"}`)
			tf.must("apply", "-auto-approve", "-input=false")
			// The README's check: the bucket is listed by B's root, not A's.
			inB := mustCLI(t, t.TempDir(), asRoot(w.b.Name), "s3", "ls")
			inA := mustCLI(t, t.TempDir(), asRoot(w.a.Name), "s3", "ls")
			if !strings.Contains(inB, tt.bucket) || strings.Contains(inA, tt.bucket) {
				t.Errorf("aws s3 ls as B:\n%s\nas A:\n%s\nwant %s in B only", inB, inA, tt.bucket)
			}
		})
	}
}

// TestWalkthroughMatchesExample: every command of the example's scripts is
// in its README, so what the reader copies is what the tests run.
func TestWalkthroughMatchesExample(t *testing.T) {
	dir := filepath.Join(repoRoot(t), seedExample)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, script := range []string{"create-role.sh", "create-user.sh", "enable-mfa.sh", "mfa-session.sh"} {
		b, err := os.ReadFile(filepath.Join(dir, script))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || line == "set -eu" || strings.HasPrefix(line, "cd ") {
				continue
			}
			if !bytes.Contains(readme, []byte(line)) {
				t.Errorf("README.md lacks %s's line %q", script, line)
			}
		}
	}
}

// runScript runs an example's shell script in dir (a fresh one if empty)
// with the AWS CLI and the directories path on PATH and the AWS_* variables
// in env; it returns the standard output.
func runScript(t *testing.T, tl tools, script, dir string, path, env []string) string {
	t.Helper()
	home := t.TempDir()
	if dir == "" {
		dir = home
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", script)
	cmd.Dir = dir
	path = append(path, filepath.Dir(tl.awsCLI), os.Getenv("PATH"))
	cmd.Env = append([]string{
		"PATH=" + strings.Join(path, string(os.PathListSeparator)),
		"HOME=" + home,
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", script, err, out.String(), errb.String())
	}
	return out.String()
}
