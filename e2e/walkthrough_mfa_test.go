package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// sleepClock is doppel's clock for a script that sleeps: a `sleep` on the
// script's PATH appends its seconds to file instead of waiting, and the
// clock reads real time plus every second slept. The walkthrough's
// `sleep 30` then moves doppel's MFA clock on by a step at once.
//
// The clock also starts half a second into a 30-second MFA step, so that
// real time does not end the step between the script's two codes (which
// would make them two steps apart) while the script runs.
type sleepClock struct {
	file  string
	start time.Duration
}

func newSleepClock(file string) sleepClock {
	const step = 30 * time.Second
	return sleepClock{file: file, start: step - time.Duration(time.Now().UnixNano())%step + step/60}
}

func (c sleepClock) now() time.Time {
	b, _ := os.ReadFile(c.file) // no file yet: nothing slept
	slept := c.start
	for _, f := range strings.Fields(string(b)) {
		if s, err := strconv.ParseFloat(f, 64); err == nil {
			slept += time.Duration(s * float64(time.Second))
		}
	}
	return time.Now().Add(slept)
}

// TestWalkthroughMFA runs the README's MFA variant with its own scripts and
// a `doppel` built from cmd/doppel: enable-mfa.sh as A's root (two codes
// from `doppel mfa code`, 30 seconds apart), mfa-session.sh as alice, then
// the seed configuration with the session's credentials against a role
// that requires MFA.
func TestWalkthroughMFA(t *testing.T) {
	t.Parallel()
	tl := needTools(t)
	bin := t.TempDir()
	clock := newSleepClock(filepath.Join(bin, "slept"))
	shim := "#!/bin/sh\necho \"$1\" >> '" + clock.file + "'\n"
	if err := os.WriteFile(filepath.Join(bin, "sleep"), []byte(shim), 0o700); err != nil {
		t.Fatal(err)
	}
	buildDoppel(t, filepath.Join(bin, "doppel"))

	srv := doppeltest.NewServer(t, doppeltest.WithClock(clock.now))
	w := &world{t: t, srv: srv, a: srv.Account("account-a"), b: srv.Account("account-b")}
	roleARN := w.role(w.b.Name, seedRole, trustAccount(w.a.ID, map[string]any{
		"StringEquals": map[string]any{"sts:ExternalId": seedExternalID},
		"Bool":         map[string]any{"aws:MultiFactorAuthPresent": "true"},
	}), s3FullAccess)
	alice := w.user(w.a.Name, "alice", allowAssume(roleARN))

	// The data directory as `doppel serve` leaves it: the profiles that
	// `doppel mfa code` reads the root's key and the endpoint from.
	run := t.TempDir()
	var profiles []clientconfig.Profile
	for _, a := range srv.Accounts {
		profiles = append(profiles, clientconfig.Profile{Name: a.Name, Account: a.ID, AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey,
			Region: clientconfig.DefaultRegion, EndpointURL: srv.URL})
	}
	if err := os.Mkdir(filepath.Join(run, ".doppel"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, creds, err := clientconfig.WriteFiles(filepath.Join(run, ".doppel"), profiles)
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(repoRoot(t), seedExample)
	runScript(t, tl, filepath.Join(dir, "enable-mfa.sh"), run, []string{bin},
		[]string{"AWS_CONFIG_FILE=" + cfg, "AWS_SHARED_CREDENTIALS_FILE=" + creds, "AWS_PROFILE=account-a"})
	if _, err := os.Stat(filepath.Join(run, "alice-mfa-qr.png")); err != nil {
		t.Errorf("enable-mfa.sh left no QR code: %v", err)
	}
	out := runScript(t, tl, filepath.Join(dir, "mfa-session.sh"), run, []string{bin}, w.env(alice, ""))
	session := map[string]string{}
	for _, f := range strings.Fields(strings.TrimPrefix(strings.TrimSpace(out), "export ")) {
		k, v, _ := strings.Cut(f, "=")
		session[k] = v
	}
	if !strings.HasPrefix(session["AWS_ACCESS_KEY_ID"], "ASIA") || session["AWS_SESSION_TOKEN"] == "" {
		t.Fatalf("mfa-session.sh printed %q", out)
	}

	tf := newWorkdir(t, seedExample, w.env(key{session["AWS_ACCESS_KEY_ID"], session["AWS_SECRET_ACCESS_KEY"]}, session["AWS_SESSION_TOKEN"])...)
	tf.writeFile("case.auto.tfvars.json", `{"bucket": "walkthrough-mfa"}`)
	tf.must("apply", "-auto-approve", "-input=false")
	if !w.bucketIn(w.b.Name, "walkthrough-mfa") {
		t.Errorf("account B's buckets = %v, want walkthrough-mfa", w.bucketsOf(w.b.Name))
	}
}

// buildDoppel builds cmd/doppel into path with the go command that runs the
// tests.
func buildDoppel(t *testing.T, path string) {
	t.Helper()
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", path, "./cmd/doppel")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/doppel: %v\n%s", err, out)
	}
}
