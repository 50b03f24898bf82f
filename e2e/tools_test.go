package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/testclients"
)

// tools are the real clients the tests drive.
type tools struct {
	terraform string // the terraform binary
	pluginDir string // a filesystem mirror holding registry.terraform.io/hashicorp/aws
	awsCLI    string // the AWS CLI
}

// shared is a directory that lives for the whole test binary: the Terraform
// CLI configuration.
var shared string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "doppel-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	shared = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needTools returns the clients (internal/testclients finds them): a
// missing one fails the test naming it, never a silent pass;
// DOPPEL_SKIP_E2E=1 skips.
func needTools(t testing.TB) tools {
	t.Helper()
	return tools{
		terraform: testclients.Terraform(t),
		awsCLI:    testclients.AWSCLI(t),
		pluginDir: testclients.ProviderMirror(t),
	}
}

// repoRoot is the module root: the examples live there.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("e2e: cannot locate the source directory")
	}
	return filepath.Dir(filepath.Dir(file))
}

var (
	cliConfigMu    sync.Mutex
	cliConfigPaths = map[string]string{} // mirror -> configuration file
)

// cliConfig writes, once per run and mirror, the Terraform CLI configuration: the
// provider comes from the local mirror (there is no registry access). With
// the mirror's unpacked layout Terraform symlinks the provider into
// .terraform rather than copying its 600 MB, so init is quick. No
// plugin_cache_dir: an init that refreshes a shared cache entry pulls it
// from under another test's running apply ("there is no package ... cached
// in .terraform/providers"), and Terraform does not promise that
// concurrent runs may share one.
func cliConfig(t testing.TB, tl tools) string {
	t.Helper()
	cliConfigMu.Lock()
	defer cliConfigMu.Unlock()
	if path, ok := cliConfigPaths[tl.pluginDir]; ok {
		return path
	}
	path := filepath.Join(shared, fmt.Sprintf("terraformrc-%d", len(cliConfigPaths)))
	cfg := testclients.TerraformCLIConfig(tl.pluginDir)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cliConfigPaths[tl.pluginDir] = path
	return path
}

// workdir is a Terraform working directory holding a copy of an example's
// .tf files, initialised.
type workdir struct {
	t   testing.TB
	tl  tools
	dir string
	env []string // the AWS_* part of the environment

	quiet bool // no log line per command (benchmarks)
}

// newWorkdir copies the .tf files of example (a directory relative to the
// repository root) into a fresh directory and runs terraform init there.
// env is the AWS side of the environment: AWS_ENDPOINT_URL, credentials.
func newWorkdir(t testing.TB, example string, env ...string) *workdir {
	t.Helper()
	return newWorkdirFor(t, testclients.Provider{Mirror: needTools(t).pluginDir}, example, env...)
}

// newWorkdirFor is newWorkdir with provider p's mirror.
func newWorkdirFor(t testing.TB, p testclients.Provider, example string, env ...string) *workdir {
	t.Helper()
	tl := needTools(t)
	tl.pluginDir = p.Mirror
	w := &workdir{t: t, tl: tl, dir: t.TempDir(), env: env}
	src := filepath.Join(repoRoot(t), example)
	tfs, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(tfs) == 0 {
		t.Fatalf("e2e: no .tf files in %s (%v)", src, err)
	}
	for _, f := range tfs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(w.dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w.must("init", "-input=false")
	return w
}

// environ is the whole environment of a terraform process: nothing from the
// machine's AWS setup leaks in (HOME is the working directory, so no
// ~/.aws), and the provider learns where doppel is only from what each test
// passes, as the walkthrough tells users: AWS_ENDPOINT_URL, or endpoint_url
// in the profile AWS_PROFILE names.
func (w *workdir) environ() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + w.dir,
		"TF_CLI_CONFIG_FILE=" + cliConfig(w.t, w.tl),
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		// No instance metadata on a laptop: fail at once instead of
		// probing 169.254.169.254 when credentials are missing.
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if v := os.Getenv("TMPDIR"); v != "" {
		env = append(env, "TMPDIR="+v)
	}
	return append(env, w.env...)
}

// run runs terraform with args and returns its combined output and exit
// code; a process that does not start fails the test.
func (w *workdir) run(args ...string) (string, int) {
	w.t.Helper()
	// A generous bound: the provider retries what it believes transient,
	// and a hung test says less than a failed one.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	full := append([]string{args[0], "-no-color"}, args[1:]...)
	cmd := exec.CommandContext(ctx, w.tl.terraform, full...)
	cmd.Dir = w.dir
	cmd.Env = w.environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	if !w.quiet {
		w.t.Logf("terraform %s: %v (%s)", strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond))
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		return out.String(), exit.ExitCode()
	default:
		w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
		return "", -1
	}
}

// must runs terraform and fails the test unless it exits 0.
func (w *workdir) must(args ...string) string {
	w.t.Helper()
	out, code := w.run(args...)
	if code != 0 {
		w.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// flat joins the output's words with single spaces and drops Terraform's
// diagnostic box, so a message wrapped across lines still matches.
func flat(s string) string {
	s = strings.NewReplacer("│", " ", "╷", " ", "╵", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// writeFile writes a file into the working directory (variables files).
func (w *workdir) writeFile(name, content string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(w.dir, name), []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}
