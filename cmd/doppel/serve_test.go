package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

var (
	buildOnce sync.Once
	binDir    string
	binErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildDoppel builds the binary once per test run.
func buildDoppel(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "doppel-bin-"); binErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "doppel"), ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "doppel")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `doppel serve` and waits until it prints its endpoint.
func startServe(t *testing.T, bin string, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd, logs, _ := startServeReady(t, bin, args...)
	return cmd, logs
}

// startServeReady is startServe that also returns the line announcing the
// endpoint (with the start-up time).
func startServeReady(t *testing.T, bin string, args ...string) (*exec.Cmd, *strings.Builder, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var printed strings.Builder
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			printed.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "doppel is serving") {
				ready <- sc.Text()
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case line := <-ready:
		return cmd, &logs, line
	case <-time.After(20 * time.Second):
		t.Fatalf("doppel serve did not start:\n%s\n%s", printed.String(), logs.String())
	}
	return nil, nil, ""
}

func stopServe(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("doppel serve after SIGTERM: %v", err)
	}
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestServeLifecycle starts the real binary on a data directory, changes
// state through the API, stops it with SIGTERM, starts it again, and finds
// the state, the accounts and their keys unchanged; files are private.
func TestServeLifecycle(t *testing.T) {
	bin := buildDoppel(t)
	data := filepath.Join(t.TempDir(), "state")
	addr := freeAddr(t)
	cmd, logs := startServe(t, bin, "--addr", addr, "--data", data)

	resp, err := http.Get("http://" + addr + "/_doppel/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %d", resp.StatusCode)
	}
	p, err := clientconfig.ReadProfile(data, "account-b")
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, "")}
	ctx := context.Background()
	if _, err := iam.NewFromConfig(cfg).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("survivor")}); err != nil {
		t.Fatal(err)
	}
	stopServe(t, cmd)
	if strings.Contains(logs.String(), p.SecretAccessKey) {
		t.Fatal("a secret access key appears in the log")
	}
	if !strings.Contains(logs.String(), "operation=CreateUser") || !strings.Contains(logs.String(), "account=222222222222") {
		t.Fatalf("no request line for CreateUser in the log:\n%s", logs.String())
	}

	if m := mode(t, data); m != 0o700 {
		t.Errorf("data directory mode %o, want 700", m)
	}
	entries, err := os.ReadDir(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if m := mode(t, filepath.Join(data, e.Name())); !e.IsDir() && m != 0o600 || e.IsDir() && m != 0o700 {
			t.Errorf("%s has mode %o", e.Name(), m)
		}
	}

	cmd, _ = startServe(t, bin, "--addr", addr, "--data", data)
	again, err := clientconfig.ReadProfile(data, "account-b")
	if err != nil {
		t.Fatal(err)
	}
	if again.AccessKeyID != p.AccessKeyID {
		t.Fatalf("account-b's root key changed across a restart: %s -> %s", p.AccessKeyID, again.AccessKeyID)
	}
	if _, err := iam.NewFromConfig(cfg).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("survivor")}); err != nil {
		t.Fatalf("the user created before the restart: %v", err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Arn) != "arn:aws:iam::222222222222:root" {
		t.Fatalf("GetCallerIdentity after restart: %v %v", out, err)
	}
	stopServe(t, cmd)
}

// TestServeBootstrapFile applies a bootstrap file with a chosen root key.
func TestServeBootstrapFile(t *testing.T) {
	bin := buildDoppel(t)
	dir := t.TempDir()
	boot := filepath.Join(dir, "accounts.yaml")
	const akid, secret = "AKIAEXAMPLEROOT00001", "0123456789012345678901234567890123456789"
	if err := os.WriteFile(boot, []byte(fmt.Sprintf(`accounts:
  - id: "333333333333"
    name: shared
    root:
      access_key_id: %s
      secret_access_key: %s
`, akid, secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd, _ := startServe(t, bin, "--addr", addr, "--in-memory", "--bootstrap", boot)
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider(akid, secret, "")}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Account) != "333333333333" {
		t.Fatalf("GetCallerIdentity with the bootstrap file's key: %v %v", out, err)
	}
	stopServe(t, cmd)

	// A malformed file stops the start with a message naming the line.
	if err := os.WriteFile(boot, []byte("accounts:\n  - id: \"12\"\n    name: bad\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := exec.Command(bin, "serve", "--addr", freeAddr(t), "--in-memory", "--bootstrap", boot).CombinedOutput()
	if err == nil || !strings.Contains(string(res), "accounts.yaml:2") {
		t.Fatalf("malformed bootstrap file: err=%v\n%s", err, res)
	}
}

// doppel serve raises the GC target unless the user chose one with GOGC.
func TestGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	t.Run("GOGC unset", func(t *testing.T) {
		if v, ok := os.LookupEnv("GOGC"); ok {
			os.Unsetenv("GOGC")
			defer os.Setenv("GOGC", v)
		}
		setGCPercent()
		if got := debug.SetGCPercent(100); got != defaultGCPercent {
			t.Fatalf("GC percent %d, want %d", got, defaultGCPercent)
		}
	})
	t.Run("GOGC set", func(t *testing.T) {
		t.Setenv("GOGC", "100")
		setGCPercent()
		if got := debug.SetGCPercent(100); got != 100 {
			t.Fatalf("GC percent %d with GOGC=100, want it left alone", got)
		}
	})
}
