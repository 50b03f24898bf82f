package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

const acct = "111111111111"

// recorder is a fake Authorizer: it records every Check and denies the
// actions listed in deny.
type recorder struct {
	mu     sync.Mutex
	checks []authz.Check
	deny   map[string]bool
}

func (r *recorder) Authorize(_ context.Context, c authz.Check) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, c)
	if r.deny[c.Action] {
		return awserr.AccessDenied("User: arn:aws:iam::" + acct + ":user/someone is not authorized to perform: " + c.Action + " on resource: " + c.Resource)
	}
	return nil
}

func (r *recorder) last() authz.Check {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.checks) == 0 {
		return authz.Check{}
	}
	return r.checks[len(r.checks)-1]
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.checks = nil
	r.mu.Unlock()
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type harness struct {
	svc   *Service
	authz *recorder
	clock *clock
	ctx   context.Context
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	st := store.NewMemory()
	t.Cleanup(func() { st.Close() })
	rec := &recorder{deny: map[string]bool{}}
	c := &clock{t: time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)}
	return &harness{svc: New(st, rec, WithClock(c.now)), authz: rec, clock: c, ctx: asRoot(acct)}
}

func asRoot(account string) context.Context {
	return request.With(context.Background(), &request.Info{
		ID: "req", Service: "iam", Region: "us-east-1",
		Principal: &identity.Principal{Kind: identity.Root, Account: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account},
	})
}

func asUser(account, name string) context.Context {
	return request.With(context.Background(), &request.Info{
		ID: "req", Service: "iam", Region: "us-east-1",
		Principal: &identity.Principal{Kind: identity.User, Account: account, ARN: "arn:aws:iam::" + account + ":user/" + name, Name: name},
	})
}

// must returns v, and fails the running test (by panicking, which the
// testing package reports with the caller's line) when err is not nil. It
// takes the call's two results directly: must(s.GetUser(ctx, in)).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// wantErr checks that err is the AWS error code with message and status.
func wantErr(t *testing.T, err error, code, message string, status int) {
	t.Helper()
	var e *awserr.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if e.Code != code || (message != "" && e.Message != message) || (status != 0 && e.Status != status) {
		t.Fatalf("err = %s %q (%d), want %s %q (%d)", e.Code, e.Message, e.Status, code, message, status)
	}
}

var (
	_ = http.StatusOK
	_ = errors.New
)

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole"}]}`
