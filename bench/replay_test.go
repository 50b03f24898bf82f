package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/doppeltest"
)

// The replay benchmarks take the client out of the measure: each signs one
// request with aws-sdk-go-v2 as the harness does, records its bytes, and
// then sends those same bytes again and again on one keep-alive connection,
// reading each answer whole. What is left is the server's own cost (net/http
// plus doppel), which BenchmarkReplayCeiling gives for the bare 1 KiB
// handler: the ratio of the two is the harness's server-CPU ratio without
// the noise of a shared machine.
//
//	go test ./bench -run '^$' -bench Replay -benchtime 20000x -cpuprofile /tmp/cpu.out

// recorder keeps the last request the client sent, as bytes on the wire.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	last []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	raw, err := httputil.DumpRequestOut(req, true)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = raw
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// record runs o once against doppel and returns the request it sent.
func record(b *testing.B, o op) (addr string, raw []byte) {
	b.Helper()
	srv := doppeltest.NewServer(b)
	a, bb := srv.Account("account-a"), srv.Account("account-b")
	rec := &recorder{next: newTransport(4).Transport}
	ctx := context.Background()
	w, err := setUp(ctx, srv.URL, &http.Client{Transport: rec},
		rootKey{a.AccessKeyID, a.SecretAccessKey}, rootKey{bb.AccessKeyID, bb.SecretAccessKey})
	if err != nil {
		b.Fatal(err)
	}
	if err := o(ctx, w, 0, 0); err != nil {
		b.Fatal(err)
	}
	return srv.URL[len("http://"):], rec.last
}

// replay sends raw to addr b.N times on one connection.
func replay(b *testing.B, addr string, raw []byte) {
	b.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		if _, err := conn.Write(raw); err != nil {
			b.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("replayed request: %d %v\n%s", resp.StatusCode, err, body)
		}
	}
	// CPU time (client and server, this process) is steadier than wall time
	// on a shared machine: waiting for a core costs no CPU.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchReplay(b *testing.B, o op) {
	addr, raw := record(b, o)
	replay(b, addr, raw)
}

func BenchmarkReplayGetObject1KiB(b *testing.B)     { benchReplay(b, getSmall) }
func BenchmarkReplayPutObject1KiB(b *testing.B)     { benchReplay(b, putSmallOp) }
func BenchmarkReplayGetCallerIdentity(b *testing.B) { benchReplay(b, callerIdentityOp) }
func BenchmarkReplayAssumeRole(b *testing.B)        { benchReplay(b, assumeRoleOp) }
func BenchmarkReplayListRoles(b *testing.B)         { benchReplay(b, listRolesOp) }

// BenchmarkReplayCeiling replays the GetObject request against the bare
// handler that answers 1 KiB.
func BenchmarkReplayCeiling(b *testing.B) {
	_, raw := record(b, getSmall)
	replay(b, newCeilingListener(b), raw)
}
