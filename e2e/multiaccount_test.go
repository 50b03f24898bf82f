package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/bootstrap"
	"github.com/doppel-aws/doppel/internal/testclients"
)

const (
	stateBucket = "tfstate-shared"
	stateKey    = "multi-account/terraform.tfstate"
)

// TestMultiAccount runs examples/multi-account as its README does: doppel
// with the accounts of accounts.yaml; bootstrap/ applied as each account's
// root through the profiles doppel writes; then the multi-account
// configuration as the identity account's user, its state in the shared
// account's bucket with a lock file. It applies and destroys cleanly, and
// while one Terraform holds the state lock another is refused.
//
// It runs with every provider testclients.Providers finds.
func TestMultiAccount(t *testing.T) {
	t.Parallel()
	needTools(t)
	for _, p := range testclients.Providers(t) {
		t.Run("aws "+p.Version, func(t *testing.T) {
			t.Parallel()
			multiAccount(t, p)
		})
	}
}

func multiAccount(t *testing.T, p testclients.Provider) {
	cfg, err := bootstrap.Load(filepath.Join(repoRoot(t), "examples/multi-account/accounts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var opts []doppeltest.Option
	for _, a := range cfg.Accounts {
		opts = append(opts, doppeltest.WithAccount(a.ID, a.Name))
	}
	srv := doppeltest.NewServer(t, opts...)
	w := &world{t: t, srv: srv}

	profiles := w.profileFiles()
	boot := newWorkdirFor(t, p, "examples/multi-account/bootstrap", w.proxyEnv(),
		"AWS_CONFIG_FILE="+filepath.Join(profiles, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(profiles, "credentials"))
	boot.must("apply", "-auto-approve", "-input=false")
	var outputs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(boot.must("output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	user := key{outputs["access_key_id"].Value, outputs["secret_access_key"].Value}
	if !strings.HasPrefix(user.id, "AKIA") || user.secret == "" {
		t.Fatalf("bootstrap outputs = %v", outputs)
	}

	env := w.env(user, "")
	tf := newWorkdirFor(t, p, "examples/multi-account", env...)
	tf.must("apply", "-auto-approve", "-input=false")

	if got := w.bucketsOf("workload-b"); !slices.Contains(got, "multi-account-data-b") {
		t.Errorf("workload-b's buckets = %v", got)
	}
	if got := w.bucketsOf("workload-c"); !slices.Contains(got, "multi-account-logs-c") {
		t.Errorf("workload-c's buckets = %v", got)
	}
	if got := w.bucketsOf("identity"); len(got) != 0 {
		t.Errorf("the identity account has buckets %v, want none", got)
	}
	shared := w.s3("shared")
	ctx := context.Background()
	if _, err := shared.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(stateBucket), Key: aws.String(stateKey)}); err != nil {
		t.Errorf("the state object: %v", err)
	}
	if lockHeld(t, shared) {
		t.Errorf("the lock file outlived the apply")
	}

	t.Run("a second lock is refused", func(t *testing.T) {
		// terraform console holds the state lock while it runs; a plan
		// from another working directory must then fail to take it.
		holder := tf.start("console")
		deadline := time.Now().Add(2 * time.Minute)
		for !lockHeld(t, shared) {
			if time.Now().After(deadline) || holder.exited() {
				holder.stop()
				t.Fatalf("terraform console never took the lock:\n%s", holder.output())
			}
			time.Sleep(200 * time.Millisecond)
		}
		other := newWorkdirFor(t, p, "examples/multi-account", env...)
		out, code := other.run("plan", "-input=false", "-lock-timeout=0s")
		if code == 0 || !strings.Contains(flat(out), "Error acquiring the state lock") {
			t.Errorf("plan while locked exited %d, want a failure acquiring the state lock:\n%s", code, out)
		}
		if !strings.Contains(flat(out), "PreconditionFailed") {
			t.Errorf("the refusal should name S3's PreconditionFailed (the conditional PUT of the lock file):\n%s", out)
		}
		holder.stop()
		if lockHeld(t, shared) {
			t.Errorf("terraform console exited, its lock file stayed")
		}
	})

	tf.must("destroy", "-auto-approve", "-input=false")
	for _, acct := range []string{"workload-b", "workload-c"} {
		if got := w.bucketsOf(acct); len(got) != 0 {
			t.Errorf("after destroy %s's buckets = %v", acct, got)
		}
	}
	if lockHeld(t, shared) {
		t.Errorf("the lock file outlived the destroy")
	}
}

// lockHeld reports whether the S3 backend's lock file exists.
func lockHeld(t *testing.T, c *s3.Client) bool {
	t.Helper()
	_, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(stateBucket), Key: aws.String(stateKey + ".tflock")})
	switch {
	case err == nil:
		return true
	case errorCode(err) == "NotFound":
		return false
	default:
		t.Fatalf("HeadObject of the lock file: %v", err)
		return false
	}
}

// background is a terraform process left running.
type background struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	out   *bytes.Buffer
	done  chan struct{}
}

// start starts terraform with args and a stdin the test closes in stop.
func (w *workdir) start(args ...string) *background {
	w.t.Helper()
	full := append([]string{args[0], "-no-color"}, args[1:]...)
	cmd := exec.Command(w.tl.terraform, full...)
	cmd.Dir = w.dir
	cmd.Env = w.environ()
	b := &background{cmd: cmd, out: new(bytes.Buffer), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = b.out, b.out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	b.stdin = stdin
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { cmd.Wait(); close(b.done) }()
	w.t.Cleanup(b.stop)
	return b
}

func (b *background) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// stop closes stdin (terraform console then exits, releasing its lock) and
// waits; a process that does not exit within a minute is killed.
func (b *background) stop() {
	b.stdin.Close()
	select {
	case <-b.done:
	case <-time.After(time.Minute):
		b.cmd.Process.Kill()
		<-b.done
	}
}

// output is what the process printed; call it after it exited.
func (b *background) output() string { return b.out.String() }
