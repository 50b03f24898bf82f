package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/doppel-aws/doppel/internal/identity"
)

// A kind of server under test: how to start one, and whether its answers are
// real AWS answers (the ceiling's are not: it sends the same 1 KiB to every
// request, so the SDK cannot parse them for most operations).
type kind struct {
	name   string
	start  func(addr, pprofAddr string) (*exec.Cmd, error)
	pprof  bool   // serve Go's profiler (doppel's --pprof) on a second port
	health string // path answered once serving, or "" to poll a signed call only
	real   bool
	setup  bool // needs the IAM/S3 world created before load
}

// proc is a running server.
type proc struct {
	kind   *kind
	cmd    *exec.Cmd
	pid    int
	url    string
	pprof  string        // the profiler's base URL, if any
	exited chan struct{} // closed when the process has ended
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (k *kind) spawn() (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var pprofAddr, pprofURL string
	if k.pprof {
		if pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		pprofURL = "http://" + pprofAddr + "/debug/pprof/"
	}
	cmd, err := k.start(addr, pprofAddr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.name, err)
	}
	p := &proc{kind: k, cmd: cmd, pid: cmd.Process.Pid, url: "http://" + addr, pprof: pprofURL, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()
	return p, nil
}

// gone returns an error if the process has ended.
func (p *proc) gone() error {
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited: %v", p.kind.name, p.cmd.ProcessState)
	default:
		return nil
	}
}

// stop asks the server to stop (SIGTERM) and kills it if it has not within
// five seconds.
func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// waitReady polls until the server answers a signed GetCallerIdentity (and,
// first, its health path if it has one) and returns how long each took from
// start. It polls without pause beyond 100 µs: the figure is start-up time,
// so the poller should not add much to it.
func (p *proc) waitReady(started time.Time, c *clients, limit time.Duration) (health, first time.Duration, err error) {
	deadline := started.Add(limit)
	hc := &http.Client{Timeout: time.Second}
	if p.kind.health != "" {
		for {
			resp, err := hc.Get(p.url + p.kind.health)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if err := p.gone(); err != nil {
				return 0, 0, err
			}
			if time.Now().After(deadline) {
				return 0, 0, fmt.Errorf("%s: no healthy answer within %s (last: %v)", p.kind.name, limit, err)
			}
			time.Sleep(100 * time.Microsecond)
		}
		health = time.Since(started)
	}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := answered(p.kind, callerIdentity(ctx, c))
		cancel()
		if err == nil {
			return health, time.Since(started), nil
		}
		if err := p.gone(); err != nil {
			return 0, 0, err
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("%s: no answer to GetCallerIdentity within %s: %v", p.kind.name, limit, err)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// The ceiling: a Go HTTP server that reads the request body and answers
// every request with the same 1 KiB, in a process of its own so that its
// CPU time is accounted like the others'.
const ceilingFlag = "serve-ceiling"

var ceilingBody = []byte(strings.Repeat("0123456789abcdef", 64))

func serveCeiling(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body is the least any server must do to keep the
		// connection alive (net/http closes it after 256 KiB unread).
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", "1024")
		w.Write(ceilingBody)
	}))
}

func ceilingKind() *kind {
	return &kind{name: "ceiling", start: func(addr, _ string) (*exec.Cmd, error) {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(self, "-"+ceilingFlag, addr)
		cmd.Stderr = os.Stderr
		return cmd, cmd.Start()
	}}
}

func doppelKind(binary, bootstrapFile, dataRoot string) *kind {
	return &kind{name: "doppel", health: "/_doppel/health", real: true, setup: true,
		start: func(addr, pprofAddr string) (*exec.Cmd, error) {
			args := []string{"serve", "--addr", addr, "--log-level", "warn", "--bootstrap", bootstrapFile}
			if pprofAddr != "" {
				args = append(args, "--pprof", pprofAddr)
			}
			if dataRoot == "" {
				args = append(args, "--in-memory")
			} else {
				dir, err := os.MkdirTemp(dataRoot, "doppel-data-")
				if err != nil {
					return nil, err
				}
				args = append(args, "--data", dir)
			}
			cmd := exec.Command(binary, args...)
			cmd.Stderr = os.Stderr
			return cmd, cmd.Start()
		}}
}

func motoKind(binary string) *kind {
	return &kind{name: "moto", real: true, setup: true, start: func(addr, _ string) (*exec.Cmd, error) {
		host, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(binary, "-H", host, "-p", port)
		// moto logs every request on stderr; that is part of what it costs,
		// but the harness's terminal need not show it.
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		return cmd, cmd.Start()
	}}
}

// rootKey is an account root's access key, made up for the bootstrap file
// as doppel makes access keys (AKIA and 16 characters of A-Z2-7, a
// 40-character secret).
type rootKey struct{ id, secret string }

func newRootKey() rootKey {
	return rootKey{id: identity.NewAccessKeyID(), secret: identity.NewSecretAccessKey()}
}

const (
	accountA = "111111111111"
	accountB = "222222222222"
)

func writeBootstrap(dir string, a, b rootKey) (string, error) {
	path := filepath.Join(dir, "bootstrap.yaml")
	data := fmt.Sprintf(`accounts:
  - id: %q
    name: account-a
    root: {access_key_id: %s, secret_access_key: %q}
  - id: %q
    name: account-b
    root: {access_key_id: %s, secret_access_key: %q}
`, accountA, a.id, a.secret, accountB, b.id, b.secret)
	return path, os.WriteFile(path, []byte(data), 0o600)
}

// buildDoppel builds ./cmd/doppel of the repository in the working
// directory: of its last commit, exported with git archive, unless tree is
// set (then the working tree as it is, others' unfinished edits included).
func buildDoppel(dir string, tree bool) (binary, src string, err error) {
	binary = filepath.Join(dir, "doppel")
	src = "."
	if !tree {
		src = filepath.Join(dir, "src")
		if err := os.Mkdir(src, 0o700); err != nil {
			return "", "", err
		}
		export := exec.Command("sh", "-c", `git archive HEAD | tar -x -C "$0"`, src)
		export.Stderr = os.Stderr
		if err := export.Run(); err != nil {
			return "", "", fmt.Errorf("exporting HEAD (run the harness from the repository root): %w", err)
		}
	}
	cmd := exec.Command("go", "build", "-o", binary, "./cmd/doppel")
	cmd.Dir = src
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/doppel (run the harness from the repository root): %w", err)
	}
	return binary, src, nil
}

// profile collects a CPU profile of d (whole seconds, at least one) from
// the server's profiler into dir/name.pprof, in the background; wait for
// it with the returned function.
func (p *proc) profile(dir, name string, d time.Duration) (wait func()) {
	if p.pprof == "" || dir == "" {
		return func() {}
	}
	secs := max(int(d/time.Second), 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(fmt.Sprintf("%sprofile?seconds=%d", p.pprof, secs))
		if err != nil {
			logf("profile %s: %v", name, err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			logf("profile %s: %s", name, resp.Status)
			return
		}
		f, err := os.Create(filepath.Join(dir, name+".pprof"))
		if err == nil {
			_, err = io.Copy(f, resp.Body)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			logf("profile %s: %v", name, err)
		}
	}()
	return func() { <-done }
}

// saveHeap saves the server's heap profile into dir/name.pprof.
func (p *proc) saveHeap(dir, name string) {
	if p.pprof == "" || dir == "" {
		return
	}
	resp, err := http.Get(p.pprof + "heap")
	if err != nil {
		logf("heap profile: %v", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err != nil {
		logf("heap profile: %v", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		logf("heap profile: %v", err)
	}
}

// fileName turns a scenario's name into a file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '-'
	}, s)
}

var errNotFound = errors.New("not found")

func lookMoto(path string) (string, error) {
	if path == "" {
		return "", errNotFound
	}
	return exec.LookPath(path)
}
