package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/blob"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
	"github.com/doppel-aws/doppel/internal/store"
)

const (
	accountA = "111111111111"
	accountB = "222222222222"
)

// fakeAuthz records every Check and denies those deny returns true for.
type fakeAuthz struct {
	mu     sync.Mutex
	checks []authz.Check
	deny   func(c authz.Check, p *identity.Principal) bool
}

func (f *fakeAuthz) Authorize(ctx context.Context, c authz.Check) error {
	f.mu.Lock()
	f.checks = append(f.checks, c)
	deny := f.deny
	f.mu.Unlock()
	p := caller(ctx)
	if deny != nil && deny(c, p) {
		// As authz.Engine denies: IAM's wording, with the facts as the cause.
		d := &authz.Denial{Request: policy.Request{PrincipalARN: p.ARN, Action: c.Action, Resource: c.Resource}, Effect: policy.ImplicitDeny, DeniedBy: policy.TypeIdentity}
		return awserr.AccessDenied(policy.DenyMessage(&d.Request, d.Effect, d.DeniedBy)).Wrap(d)
	}
	return nil
}

func (f *fakeAuthz) reset() []authz.Check {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.checks
	f.checks = nil
	return c
}

type harness struct {
	t     *testing.T
	svc   *Service
	authz *fakeAuthz
	blobs *blob.Memory
	store store.Store
	now   time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, authz: &fakeAuthz{}, blobs: blob.NewMemory(), store: store.NewMemory(), now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	svc, err := New(Config{Store: h.store, Blobs: h.blobs, Authorizer: h.authz, Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	return h
}

// as returns a context for a request by the root user of account in region.
func as(account, region string) context.Context {
	p := &identity.Principal{Kind: identity.Root, Account: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account}
	if account == "" {
		p = &identity.Principal{Kind: identity.Anonymous}
	}
	return request.With(context.Background(), &request.Info{ID: "req", Service: "s3", Region: region, Principal: p})
}

// code returns the AWS error code of err, or "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "not an awserr: " + err.Error()
}

func status(err error) int {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func field(err error, name string) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if f.Name == name {
				return f.Value
			}
		}
	}
	return ""
}

// must returns v, and panics (failing the test run) on an unexpected error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func body(s string) io.Reader { return strings.NewReader(s) }

func readAll(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
