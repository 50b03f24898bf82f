package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkSeedApply measures the wall time of `terraform apply` of the
// seed configuration (examples/cross-account-assume-role: AssumeRole with an
// external ID, then the bucket and its ~20 reads) against doppel and, for
// comparison, against moto_server, which accepts any credentials and
// enforces nothing. Each iteration runs five applies per server, each
// followed by an untimed destroy, alternating between the servers so that
// the machine's load weighs on both alike, and reports each one's median:
//
//	go test -run '^$' -bench SeedApply -benchtime=1x ./e2e
func BenchmarkSeedApply(b *testing.B) {
	const applies = 5
	w, alice := seedWorld(b)
	doppel := newWorkdir(b, seedExample, w.env(alice, "")...)
	// moto takes any key and any role; the role ARN is the seed's.
	moto := newWorkdir(b, seedExample, "AWS_ENDPOINT_URL="+startMoto(b), "AWS_ACCESS_KEY_ID=AKIAMOTOTESTKEY00001",
		"AWS_SECRET_ACCESS_KEY=moto", "AWS_DEFAULT_REGION=us-east-1")
	doppel.quiet, moto.quiet = true, true
	times := map[string][]time.Duration{}
	b.ResetTimer()
	for i := range b.N {
		for j := range applies {
			for _, s := range []struct {
				name string
				tf   *workdir
			}{{"doppel", doppel}, {"moto", moto}} {
				s.tf.writeFile("case.auto.tfvars.json", fmt.Sprintf(`{"bucket": "bench-%d-%d"}`, i, j))
				start := time.Now()
				s.tf.must("apply", "-auto-approve", "-input=false")
				times[s.name] = append(times[s.name], time.Since(start))
				b.StopTimer()
				s.tf.must("destroy", "-auto-approve", "-input=false")
				b.StartTimer()
			}
		}
	}
	for name, ts := range times {
		slices.Sort(ts)
		b.ReportMetric(ts[len(ts)/2].Seconds(), name+"-median-s/apply")
		b.Logf("%s: apply times %v", name, ts)
	}
}

// startMoto starts moto_server on a free port and returns its URL.
func startMoto(b *testing.B) string {
	b.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		b.Fatalf("moto_server is not on PATH: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(path, "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "HOME="+b.TempDir())
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			b.Fatalf("moto_server did not answer at %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
