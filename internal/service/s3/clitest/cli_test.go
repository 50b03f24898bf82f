// Package clitest drives the real AWS CLI (v1) against an in-process doppel:
// `aws s3 mb/sync/ls/cp/rm/rb` of many small files and of one file large
// enough to go multipart. The CLI is found by
// internal/testclients.
package clitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/doppeltest"
	"github.com/doppel-aws/doppel/internal/testclients"
)

// aws runs the CLI with the server's credentials for account-a and returns
// its standard output.
func aws(t *testing.T, srv *doppeltest.Server, args ...string) string {
	t.Helper()
	return awsWithEnv(t, srv.Env("account-a"), args...)
}

// awsWithEnv runs the CLI with env in place of the caller's AWS_ variables.
func awsWithEnv(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testclients.AWSCLI(t), args...)
	home := t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Env = append(cmd.Env, "HOME="+home, "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_PAGER=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

func TestCLISyncAndMultipart(t *testing.T) {
	testclients.AWSCLI(t)
	srv := doppeltest.NewServer(t)
	aws(t, srv, "s3", "mb", "s3://cli-bucket")

	// Many small files, in subdirectories, synced up and back.
	src := t.TempDir()
	const files = 60
	for i := 0; i < files; i++ {
		dir := filepath.Join(src, fmt.Sprintf("d%d", i%4))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.txt", i)), []byte(strings.Repeat(fmt.Sprint(i), i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	aws(t, srv, "s3", "sync", src, "s3://cli-bucket/tree/")
	ls := aws(t, srv, "s3", "ls", "s3://cli-bucket/tree/", "--recursive")
	if n := strings.Count(ls, "\n"); n != files {
		t.Errorf("ls shows %d objects, want %d:\n%s", n, files, ls)
	}
	// A second sync has nothing to do.
	if out := aws(t, srv, "s3", "sync", src, "s3://cli-bucket/tree/"); strings.Contains(out, "upload:") {
		t.Errorf("second sync uploaded again:\n%s", out)
	}
	back := t.TempDir()
	aws(t, srv, "s3", "sync", "s3://cli-bucket/tree/", back)
	for i := 0; i < files; i++ {
		rel := filepath.Join(fmt.Sprintf("d%d", i%4), fmt.Sprintf("f%02d.txt", i))
		got, err := os.ReadFile(filepath.Join(back, rel))
		if err != nil || string(got) != strings.Repeat(fmt.Sprint(i), i+1) {
			t.Errorf("%s came back as %q, %v", rel, got, err)
		}
	}

	// A 20 MiB file goes multipart (the CLI's threshold is 8 MiB).
	big := filepath.Join(t.TempDir(), "big.bin")
	data := bytes.Repeat([]byte("doppel-multipart"), (20<<20)/16)
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	aws(t, srv, "s3", "cp", big, "s3://cli-bucket/big.bin")
	head := aws(t, srv, "s3api", "head-object", "--bucket", "cli-bucket", "--key", "big.bin")
	if !strings.Contains(head, `-3\"`) || !strings.Contains(head, `"ContentLength": 20971520`) {
		t.Errorf("head-object of the multipart upload:\n%s", head)
	}
	down := filepath.Join(t.TempDir(), "down.bin")
	aws(t, srv, "s3", "cp", "s3://cli-bucket/big.bin", down)
	got, err := os.ReadFile(down)
	if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Errorf("downloaded %d bytes, differ from the upload (%v)", len(got), err)
	}

	aws(t, srv, "s3", "rm", "s3://cli-bucket", "--recursive")
	aws(t, srv, "s3", "rb", "s3://cli-bucket")
	if out := aws(t, srv, "s3", "ls"); strings.Contains(out, "cli-bucket") {
		t.Errorf("bucket still listed after rb:\n%s", out)
	}
}
