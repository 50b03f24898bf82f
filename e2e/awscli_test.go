package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cliResult is what one AWS CLI run printed and how it ended.
type cliResult struct {
	stdout, stderr string
	exit           int
}

// awsCLI runs the AWS CLI with args. home is its HOME (where it caches
// assumed-role credentials, ~/.aws/cli/cache); AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE are home/config and home/credentials unless
// env says otherwise; nothing from the machine's AWS setup leaks in.
func awsCLI(t testing.TB, home string, env []string, args ...string) cliResult {
	t.Helper()
	tl := needTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.awsCLI, args...)
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=",
		"AWS_EC2_METADATA_DISABLED=true",
	}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	t.Logf("aws %s: %v (%s)", strings.Join(args, " "), err, time.Since(start).Round(time.Millisecond))
	var exit *exec.ExitError
	switch {
	case err == nil:
		return cliResult{out.String(), errb.String(), 0}
	case errors.As(err, &exit) && ctx.Err() == nil:
		return cliResult{out.String(), errb.String(), exit.ExitCode()}
	default:
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
		return cliResult{}
	}
}

// mustCLI is awsCLI that fails the test unless the CLI exits 0.
func mustCLI(t testing.TB, home string, env []string, args ...string) string {
	t.Helper()
	r := awsCLI(t, home, env, args...)
	if r.exit != 0 {
		t.Fatalf("aws %s exited %d:\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.exit, r.stdout, r.stderr)
	}
	return r.stdout
}
