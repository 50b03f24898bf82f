package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/doppeltest"
)

// BenchmarkGetObjectTLS compares GetObject over HTTPS and plain HTTP on one
// warm server, each client keeping its connection alive: the difference is
// what TLS costs a request once the handshake is behind it.
func BenchmarkGetObjectTLS(b *testing.B) {
	srv := doppeltest.NewTLSServer(b)
	ctx := context.Background()
	for _, size := range []int{4 << 10, 1 << 20} {
		key := aws.String(map[int]string{4 << 10: "4KiB", 1 << 20: "1MiB"}[size])
		setup := s3.NewFromConfig(srv.AWSConfig("account-a"), pathStyle)
		setup.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bench")})
		if _, err := setup.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: key, Body: bytes.NewReader(make([]byte, size))}); err != nil {
			b.Fatal(err)
		}
		for _, proto := range []string{"http", "https"} {
			cfg := srv.AWSConfig("account-a")
			if proto == "http" {
				cfg = plain(srv, cfg)
			}
			c := s3.NewFromConfig(cfg, pathStyle)
			b.Run(*key+"/"+proto, func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bench"), Key: key})
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, out.Body)
					out.Body.Close()
				}
			})
		}
	}
}

// BenchmarkTLSHandshake is full TLS handshakes per second on the port (a
// new connection each time, no session resumption).
func BenchmarkTLSHandshake(b *testing.B) {
	srv := doppeltest.NewTLSServer(b)
	cfg := &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs, ServerName: "localhost"}
	for _, name := range []string{"localhost", "sts.amazonaws.com"} {
		b.Run(name, func(b *testing.B) {
			cfg := cfg.Clone()
			cfg.ServerName = name
			for b.Loop() {
				conn, err := tls.Dial("tcp", srv.Addr, cfg)
				if err != nil {
					b.Fatal(err)
				}
				conn.Close()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
}
