package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/doppel-aws/doppel/doppeltest"
)

// The in-process benchmarks drive doppel's whole server (gateway, SigV4,
// decoding, authorization, service, encoding) through net/http and the same
// aws-sdk-go-v2 calls as the harness, so that a CPU profile shows where a
// request's time goes:
//
//	go test ./bench -run '^$' -bench GetObject -benchtime 2000x -cpuprofile /tmp/cpu.out
//	go tool pprof -top -focus 'doppel-aws/doppel/internal' bench.test /tmp/cpu.out
//
// The client's own work (signing, parsing) is in the profile too; focus on
// doppel's packages to leave it out.

func newWorld(b *testing.B) *world {
	b.Helper()
	srv := doppeltest.NewServer(b)
	a, bb := srv.Account("account-a"), srv.Account("account-b")
	w, err := setUp(context.Background(), srv.URL, newTransport(64),
		rootKey{a.AccessKeyID, a.SecretAccessKey}, rootKey{bb.AccessKeyID, bb.SecretAccessKey})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

func loop(b *testing.B, w *world, o op) {
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := o(ctx, w, 0, i); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetObject1KiB(b *testing.B)     { loop(b, newWorld(b), getSmall) }
func BenchmarkPutObject1KiB(b *testing.B)     { loop(b, newWorld(b), putSmallOp) }
func BenchmarkGetCallerIdentity(b *testing.B) { loop(b, newWorld(b), callerIdentityOp) }
func BenchmarkAssumeRole(b *testing.B)        { loop(b, newWorld(b), assumeRoleOp) }
func BenchmarkListRoles(b *testing.B)         { loop(b, newWorld(b), listRolesOp) }

// BenchmarkListObjectsV2 lists 1,000-key pages of a bucket of 10,000 keys
// (the harness uses 100,000; filling that in-process takes too long for a
// benchmark's set-up).
func BenchmarkListObjectsV2(b *testing.B) {
	const keys = 10_000
	w := newWorld(b)
	ctx := context.Background()
	for i := range keys {
		if err := putList(ctx, w.user, listKey(i)); err != nil {
			b.Fatal(err)
		}
	}
	loop(b, w, listOp(keys))
}

// BenchmarkHTTPFloor is the same client against an in-process ceiling
// handler: what net/http and the SDK cost without doppel.
func BenchmarkHTTPFloor(b *testing.B) {
	ln := newCeilingListener(b)
	k := ceilingKind()
	w := ceilingWorld("http://"+ln, newTransport(64), newRootKey())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := answered(k, getSmall(ctx, w, 0, 0)); err != nil {
			b.Fatal(err)
		}
	}
}

func newCeilingListener(b *testing.B) string {
	b.Helper()
	addr, err := freeAddr()
	if err != nil {
		b.Fatal(err)
	}
	go serveCeiling(addr)
	for range 100 {
		if resp, err := http.Get("http://" + addr); err == nil {
			resp.Body.Close()
			return addr
		}
	}
	b.Fatal("ceiling did not start")
	return ""
}

// BenchmarkStartInProcess is the in-process part of start-up (issue 2):
// open an in-memory store, apply the default accounts, listen, answer a
// signed GetCallerIdentity, shut down. The harness's start-up figure adds
// the process's exec and the Go runtime's initialization to this.
func BenchmarkStartInProcess(b *testing.B) {
	ctx := context.Background()
	hc := newTransport(1)
	b.ReportAllocs()
	for b.Loop() {
		srv := doppeltest.NewServer(b)
		a := srv.Account("account-a")
		if err := callerIdentity(ctx, newClients(srv.URL, hc, a.AccessKeyID, a.SecretAccessKey, "")); err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}
