package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/internal/bootstrap"
	"github.com/doppel-aws/doppel/internal/clientconfig"
	"github.com/doppel-aws/doppel/internal/server"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// LocalStack's habit, test/test keys, gets AWS's answer; the log says once
// which keys doppel knows (never a secret) and how to get a pair.
func TestUnknownKeyIsRefusedAndExplainedOnce(t *testing.T) {
	ctx := context.Background()
	var logs syncBuffer
	srv, err := server.Open(ctx, server.Options{InMemory: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	if _, err := bootstrap.Apply(ctx, srv.Store, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Gateway)
	defer hs.Close()
	profiles, _, err := clientconfig.Profiles(ctx, srv.Store, hs.URL)
	if err != nil || len(profiles) == 0 {
		t.Fatalf("profiles: %v %v", profiles, err)
	}
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(hs.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	for range 3 {
		_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") {
			t.Fatalf("GetCallerIdentity with test/test: %v, want InvalidClientTokenId", err)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "does not know"); n != 1 {
		t.Errorf("the unknown key was explained %d times, want once:\n%s", n, out)
	}
	for _, p := range profiles {
		if !strings.Contains(out, p.AccessKeyID) {
			t.Errorf("the log does not name %s's key %s:\n%s", p.Name, p.AccessKeyID, out)
		}
		if strings.Contains(out, p.SecretAccessKey) {
			t.Errorf("the log holds %s's secret key", p.Name)
		}
	}
	if !strings.Contains(out, "doppel env ACCOUNT") || !strings.Contains(out, "level=WARN") {
		t.Errorf("the log line is not the warning naming doppel env:\n%s", out)
	}
}
