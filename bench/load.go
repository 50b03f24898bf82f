package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

var small = bytes.Repeat([]byte("doppel-b"), 128) // 1 KiB

func putSmall(ctx context.Context, c *clients, key string) error {
	_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(small), ContentLength: aws.Int64(int64(len(small)))})
	return err
}

// op is one request of a scenario; worker and i tell requests apart.
type op func(ctx context.Context, w *world, worker, i int) error

func getSmall(ctx context.Context, w *world, _, _ int) error {
	out, err := w.user.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(smallKey)})
	if err != nil {
		return err
	}
	// The body is read whole, as a client would, so that the response is
	// complete and the connection goes back to the pool.
	n, err := io.Copy(io.Discard, out.Body)
	out.Body.Close()
	if err == nil && n != int64(len(small)) {
		err = fmt.Errorf("GetObject: %d bytes, want %d", n, len(small))
	}
	return err
}

// Overwriting a bounded set of keys keeps the server's memory flat.
func putSmallOp(ctx context.Context, w *world, worker, i int) error {
	return putSmall(ctx, w.user, fmt.Sprintf("put/%d-%d", worker, i%64))
}

func callerIdentityOp(ctx context.Context, w *world, _, _ int) error {
	return callerIdentity(ctx, w.user)
}

func assumeRoleOp(ctx context.Context, w *world, _, _ int) error {
	_, err := w.user.sts.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(w.roleARN), RoleSessionName: aws.String("bench")})
	return err
}

func listRolesOp(ctx context.Context, w *world, _, _ int) error {
	_, err := w.user.iam.ListRoles(ctx, &iam.ListRolesInput{})
	return err
}

// putList writes one key of the ListObjectsV2 bucket (16 bytes).
func putList(ctx context.Context, c *clients, key string) error {
	_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(small[:16]), ContentLength: aws.Int64(16)})
	return err
}

func listKey(i int) string { return fmt.Sprintf("list/%06d", i) }

// listOp lists one page (1,000 keys, the default MaxKeys) from a random
// point of the bucket, as a client paging through it would.
func listOp(keys int) op {
	return func(ctx context.Context, w *world, _, _ int) error {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("list/")}
		if n := rand.IntN(keys); n > 0 {
			in.StartAfter = aws.String(listKey(n - 1))
		}
		_, err := w.user.s3.ListObjectsV2(ctx, in)
		return err
	}
}

func putBigOp(body []byte) op {
	return func(ctx context.Context, w *world, worker, _ int) error {
		_, err := w.user.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("big/%d", worker)),
			Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))})
		return err
	}
}

// result is what one scenario measured on one server.
type result struct {
	Requests int           // answered
	Errors   int           // not answered, or answered with an error
	FirstErr error         // the first of those
	Elapsed  time.Duration // wall time of the run
	CPU      time.Duration // the server process's user+system time over the run
	Client   time.Duration // the harness's own (the client's) user+system time
	Median   time.Duration // client-side latency
	P99      time.Duration
	RSSMax   int64 // highest VmRSS sampled during the run
	Retries  int64 // requests sent twice after the client's closed-connection race
}

func (r result) rps() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// clientPerRequest is the client's CPU per request, in microseconds.
func (r result) clientPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Client.Microseconds()) / float64(r.Requests)
}

// cpuPerRequest is in microseconds.
func (r result) cpuPerRequest() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.CPU.Microseconds()) / float64(r.Requests)
}

// warmUp runs o for a moment unmeasured, so that connections are open and
// caches warm when the measured run starts.
func warmUp(p *proc, w *world, o op, conc int, d time.Duration) {
	drive(p, w, o, conc, min(d/5, 300*time.Millisecond), 0)
}

// drive runs o on conc workers until d has passed or max requests have
// started (whichever comes first; max 0 means no limit), measuring the
// server process p.
func drive(p *proc, w *world, o op, conc int, d time.Duration, max int) (result, error) {
	var (
		started   atomic.Int64
		mu        sync.Mutex
		res       result
		latencies []time.Duration
	)
	cpu0, err := cpuTime(p.pid)
	if err != nil {
		return res, err
	}
	retries0 := closedConnRetries.Load()
	client0, err := cpuTime(os.Getpid())
	if err != nil {
		return res, err
	}
	stopSampling := make(chan struct{})
	sampled := make(chan int64)
	go func() {
		var peak int64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if m, err := readMemory(p.pid); err == nil && m.RSS > peak {
				peak = m.RSS
			}
			select {
			case <-stopSampling:
				sampled <- peak
				return
			case <-t.C:
			}
		}
	}()
	begin := time.Now()
	deadline := begin.Add(d)
	var wg sync.WaitGroup
	for worker := range conc {
		wg.Go(func() {
			var lat []time.Duration
			var ok, bad int
			var firstErr error
			for i := 0; ; i++ {
				if n := started.Add(1); max > 0 && n > int64(max) {
					break
				}
				t0 := time.Now()
				if d > 0 && t0.After(deadline) {
					break
				}
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				err := answered(p.kind, o(ctx, w, worker, i))
				cancel()
				lat = append(lat, time.Since(t0))
				if err != nil {
					bad++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				ok++
			}
			mu.Lock()
			res.Requests += ok
			res.Errors += bad
			if res.FirstErr == nil {
				res.FirstErr = firstErr
			}
			latencies = append(latencies, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(begin)
	res.Retries = closedConnRetries.Load() - retries0
	if client1, err := cpuTime(os.Getpid()); err == nil {
		res.Client = client1 - client0
	}
	cpu1, err := cpuTime(p.pid)
	close(stopSampling)
	res.RSSMax = <-sampled
	if err != nil {
		return res, err
	}
	res.CPU = cpu1 - cpu0
	res.Median, res.P99 = percentile(latencies, 50), percentile(latencies, 99)
	return res, nil
}

// percentile returns the p-th percentile (nearest rank) of ds, sorting it.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := (p*len(ds) + 99) / 100 // ceil(p/100 * n)
	return ds[max(rank, 1)-1]
}
