// Package testclients finds the real clients that doppel's end-to-end tests
// drive (Terraform with the AWS provider from a local mirror, the AWS CLI),
// in one way for every test package. scripts/tools.sh exports where they
// are; without it the usual places are searched.
//
// A missing client fails the test: these tests exist to prove doppel works
// with those exact clients, so a missing one must never pass silently.
// DOPPEL_SKIP_E2E=1 skips them on purpose.
package testclients

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// SkipEnv names the variable that skips the end-to-end tests on purpose.
const SkipEnv = "DOPPEL_SKIP_E2E"

func skipIfAsked(t testing.TB) {
	t.Helper()
	if os.Getenv(SkipEnv) == "1" {
		t.Skip(SkipEnv + "=1: end-to-end tests with real clients skipped on request")
	}
}

// Tool returns the path of a client: the one envVar names, else the first of
// names found on PATH.
func Tool(t testing.TB, envVar string, names ...string) string {
	t.Helper()
	skipIfAsked(t)
	p, err := Lookup(envVar, names...)
	if err != nil {
		t.Fatalf("%v (%s=1 skips end-to-end tests on purpose)", err, SkipEnv)
	}
	return p
}

// Lookup is Tool's search: a variable that names nothing runnable is an
// error, never a silent fallback to whatever is on PATH.
func Lookup(envVar string, names ...string) (string, error) {
	if p := os.Getenv(envVar); p != "" {
		lp, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s=%q is not an executable: %w", envVar, p, err)
		}
		return lp, nil
	}
	for _, n := range names {
		if lp, err := exec.LookPath(n); err == nil {
			return lp, nil
		}
	}
	return "", fmt.Errorf("%v not found: install it or set %s to its path", names, envVar)
}

// Terraform returns the terraform binary.
func Terraform(t testing.TB) string {
	t.Helper()
	return Tool(t, "DOPPEL_TERRAFORM", "terraform", "/usr/local/bin/terraform")
}

// AWSCLI returns the AWS CLI.
func AWSCLI(t testing.TB) string {
	t.Helper()
	return Tool(t, "DOPPEL_AWS_CLI", "aws")
}

// ProviderMirror returns a directory laid out for Terraform's
// filesystem_mirror that holds registry.terraform.io/hashicorp/aws: the one
// DOPPEL_TF_PLUGIN_DIR names, else a usual place.
func ProviderMirror(t testing.TB) string {
	t.Helper()
	skipIfAsked(t)
	candidates := []string{os.Getenv("DOPPEL_TF_PLUGIN_DIR")}
	if candidates[0] == "" {
		home, _ := os.UserHomeDir()
		candidates = []string{"/opt/tf-plugins", filepath.Join(home, ".terraform.d/plugins"), "/usr/share/terraform/plugins"}
	}
	for _, d := range candidates {
		if st, err := os.Stat(filepath.Join(d, "registry.terraform.io/hashicorp/aws")); err == nil && st.IsDir() {
			return d
		}
	}
	t.Fatalf("no Terraform provider mirror holding registry.terraform.io/hashicorp/aws in %v: set DOPPEL_TF_PLUGIN_DIR (%s=1 skips end-to-end tests on purpose)", candidates, SkipEnv)
	return ""
}

// TerraformCLIConfig returns the text of a Terraform CLI configuration that
// installs the AWS provider from mirror only: there is no registry access.
func TerraformCLIConfig(mirror string) string {
	return fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror)
}

// Provider is one hashicorp/aws provider the Terraform tests run against:
// its version and the filesystem mirror that holds it alone.
type Provider struct {
	Version string
	Mirror  string
}

// Provider6Env names the mirror of a 6.x provider; Provider6Dir is where
// scripts/provider6.sh builds one when it is unset.
const Provider6Env = "DOPPEL_TF6_PLUGIN_DIR"

// Provider6Dir is the default mirror of the 6.x provider, outside the
// repository: building it takes about an hour, so it is made once per
// machine (scripts/provider6.sh), not by the test suite.
func Provider6Dir() string {
	if d := os.Getenv(Provider6Env); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "doppel", "tf-plugins-6")
}

// Providers returns the providers the Terraform tests run against: the
// one ProviderMirror finds (required), then the 6.x one in Provider6Dir
// when it has been built. Its absence is said in the test log, so a run
// shows which providers it proved.
func Providers(t testing.TB) []Provider {
	t.Helper()
	base := ProviderMirror(t)
	ps := []Provider{{Version: MirrorVersion(base), Mirror: base}}
	dir := Provider6Dir()
	if v := MirrorVersion(dir); v != "" {
		ps = append(ps, Provider{Version: v, Mirror: dir})
	} else {
		t.Logf("no hashicorp/aws 6.x provider in %q: testing with %s only (scripts/provider6.sh builds one; %s names another mirror)", dir, ps[0].Version, Provider6Env)
	}
	return ps
}

// MirrorVersion is the newest hashicorp/aws version a filesystem mirror
// holds, or "" when it holds none.
func MirrorVersion(mirror string) string {
	if mirror == "" {
		return ""
	}
	entries, err := os.ReadDir(filepath.Join(mirror, "registry.terraform.io/hashicorp/aws"))
	if err != nil {
		return ""
	}
	newest := ""
	for _, e := range entries {
		if e.IsDir() && (newest == "" || versionLess(newest, e.Name())) {
			newest = e.Name()
		}
	}
	return newest
}

// versionLess compares dotted numeric versions (5.100.0 < 6.47.1).
func versionLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, errX := strconv.Atoi(as[i])
		y, errY := strconv.Atoi(bs[i])
		if errX != nil || errY != nil {
			return as[i] < bs[i]
		}
		if x != y {
			return x < y
		}
	}
	return len(as) < len(bs)
}
