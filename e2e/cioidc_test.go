package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestCIOIDCWalkthrough follows examples/ci-oidc/README.md with its own
// files and a `doppel` built from cmd/doppel: trust/ applied by account B's
// root, github-job.sh (the AWS CLI with only a role ARN and a token file),
// and deploy/ applied by Terraform with an HCP Terraform token, each making
// a bucket in B; a feature branch and a plan-phase token are refused.
func TestCIOIDCWalkthrough(t *testing.T) {
	t.Parallel()
	tl := needTools(t)
	bin := t.TempDir()
	doppel := filepath.Join(bin, "doppel")
	buildDoppel(t, doppel)
	w := newWorld(t)

	// The data directory as `doppel serve` leaves it: `doppel oidc token`
	// signs with a root key from its profiles.
	data := t.TempDir()
	var profiles []clientconfig.Profile
	for _, a := range w.srv.Accounts {
		profiles = append(profiles, clientconfig.Profile{Name: a.Name, Account: a.ID, AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey,
			Region: clientconfig.DefaultRegion, EndpointURL: w.srv.URL})
	}
	cfg, creds, err := clientconfig.WriteFiles(data, profiles)
	if err != nil {
		t.Fatal(err)
	}

	trust := newWorkdir(t, "examples/ci-oidc/trust", "AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+creds, "AWS_PROFILE="+w.b.Name)
	trust.must("apply", "-auto-approve", "-input=false")
	var outputs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(trust.must("output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	githubRole, tfcRole := outputs["github_role_arn"].Value, outputs["tfc_role_arn"].Value
	if githubRole == "" || tfcRole == "" {
		t.Fatalf("trust/ outputs %v", outputs)
	}

	// GitHub-style: the job has the endpoint and no keys.
	dir := filepath.Join(repoRoot(t), "examples/ci-oidc")
	job := func(extra ...string) []string {
		return append([]string{"AWS_ENDPOINT_URL=" + w.srv.URL, "AWS_DEFAULT_REGION=us-east-1", "DOPPEL_DATA=" + data, "ROLE_ARN=" + githubRole}, extra...)
	}
	runScript(t, tl, filepath.Join(dir, "github-job.sh"), t.TempDir(), []string{bin}, job())
	if !w.bucketIn(w.b.Name, "ci-oidc-github") {
		t.Errorf("account B's buckets = %v, want ci-oidc-github", w.bucketsOf(w.b.Name))
	}
	cmd := exec.Command("sh", filepath.Join(dir, "github-job.sh"))
	cmd.Dir = t.TempDir()
	cmd.Env = append([]string{"PATH=" + bin + string(os.PathListSeparator) + filepath.Dir(tl.awsCLI) + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + cmd.Dir, "AWS_EC2_METADATA_DISABLED=true"},
		job("BRANCH=feature", "BUCKET=ci-oidc-feature")...)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "AccessDenied") {
		t.Errorf("a feature branch's job: %v\n%s", err, out)
	}

	// HCP-Terraform-style: a token per run phase; the role allows apply only.
	mint := func(phase string) string {
		out, err := exec.Command(doppel, "oidc", "token", "--data", data, "--issuer", "terraform",
			"--sub", "organization:acme:project:infra:workspace:prod:run_phase:"+phase).Output()
		if err != nil {
			t.Fatalf("doppel oidc token: %v", err)
		}
		file := filepath.Join(t.TempDir(), "tfc-token")
		if err := os.WriteFile(file, out, 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	deploy := func(phase, bucket string) (string, int) {
		tf := newWorkdir(t, "examples/ci-oidc/deploy", "AWS_ENDPOINT_URL="+w.srv.URL, "AWS_ENDPOINT_URL_STS="+w.srv.URL,
			"AWS_ROLE_ARN="+tfcRole, "AWS_WEB_IDENTITY_TOKEN_FILE="+mint(phase))
		tf.writeFile("case.auto.tfvars.json", `{"bucket": "`+bucket+`"}`)
		return tf.run("apply", "-auto-approve", "-input=false")
	}
	if out, code := deploy("apply", "ci-oidc-tfc"); code != 0 {
		t.Fatalf("apply-phase run exited %d:\n%s", code, out)
	}
	if !w.bucketIn(w.b.Name, "ci-oidc-tfc") {
		t.Errorf("account B's buckets = %v, want ci-oidc-tfc", w.bucketsOf(w.b.Name))
	}
	if out, code := deploy("plan", "ci-oidc-plan"); code == 0 || !strings.Contains(flat(out), "AccessDenied") {
		t.Errorf("plan-phase token: exit %d\n%s", code, out)
	}
}
