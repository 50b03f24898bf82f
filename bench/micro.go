package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// microPackages hold the Go benchmarks of doppel's hot paths (issue 9:
// SigV4 verification, policy evaluation, request decoding and encoding,
// store reads), run at the same commit as the servers.
var microPackages = []string{
	"./internal/sigv4",
	"./internal/policy",
	"./internal/authz",
	"./internal/identity",
	"./internal/protocol/query",
	"./internal/protocol/restxml",
	"./internal/store",
	"./internal/service/s3",
	"./internal/service/sts",
	"./internal/service/iam",
}

// microBench is one line of `go test -bench -benchmem` output.
type microBench struct {
	pkg, name                   string
	nsPerOp, bytesPerOp, allocs string
}

// runMicro runs the packages' benchmarks in dir (the exported commit, or
// the working tree) for benchtime each.
func runMicro(dir, benchtime string) ([]microBench, error) {
	// Upload1GiB (internal/service/s3) is a streaming test, not a hot
	// path, and alone takes longer than all the others.
	args := append([]string{"test", "-run", "^$", "-bench", ".", "-skip", "Upload1GiB", "-benchmem", "-benchtime", benchtime}, microPackages...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return parseMicro(out), fmt.Errorf("go test -bench: %w", err)
	}
	return parseMicro(out), nil
}

// parseMicro reads benchmark lines ("BenchmarkX-2  1000  123 ns/op  45 B/op
// 6 allocs/op") under their "pkg:" headers.
func parseMicro(out []byte) []microBench {
	var bs []microBench
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "github.com/doppel-aws/doppel/")
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		b := microBench{pkg: pkg, name: strings.TrimPrefix(f[0], "Benchmark")}
		// Drop the -GOMAXPROCS suffix.
		if i := strings.LastIndexByte(b.name, '-'); i > 0 {
			b.name = b.name[:i]
		}
		for i := 2; i+1 < len(f); i += 2 {
			switch f[i+1] {
			case "ns/op":
				b.nsPerOp = f[i]
			case "B/op":
				b.bytesPerOp = f[i]
			case "allocs/op":
				b.allocs = f[i]
			}
		}
		if b.nsPerOp != "" {
			bs = append(bs, b)
		}
	}
	return bs
}
