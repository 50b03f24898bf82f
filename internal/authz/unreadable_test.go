package authz

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/policy"
)

// A stored policy that does not parse (an earlier build stored it) is
// decided as a policy that grants nothing, never as a server fault, and is
// logged once (issue 13).
func TestUnreadableStoredPolicies(t *testing.T) {
	const bad = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringFooBar":{"aws:SourceAccount":"x"}}}]}`
	const badIdentity = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringFooBar":{"aws:SourceAccount":"x"}}}]}`
	src := newSource()
	src.principals[acctA+"/user/eve"] = PrincipalPolicies{Identity: []NamedDocument{{Name: "user/eve/inline/bad", Document: badIdentity}}}
	src.principals[acctA+"/user/ann"] = PrincipalPolicies{
		Identity: []NamedDocument{{Name: "user/ann/inline/s3", Document: doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)}},
		Boundary: &NamedDocument{Name: "arn:aws:iam::111122223333:policy/bad", Document: badIdentity},
	}
	var logs bytes.Buffer
	e := New(Config{Policies: src, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	eve := *bob
	eve.Name, eve.ARN = "eve", "arn:aws:iam::111122223333:user/eve"
	ann := *bob
	ann.Name, ann.ARN = "ann", "arn:aws:iam::111122223333:user/ann"
	res := Stored(policy.Resource, "bucket policy", bad)
	if res.Unreadable == nil || len(res.Statements) != 0 {
		t.Fatalf("Stored = %+v, want an unreadable policy with no statements", res)
	}
	for _, tc := range []struct {
		name  string
		err   func() error
		allow bool
	}{
		{"owner account's identity policies still work", func() error {
			return e.Authorize(ctxFor(bob), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k", ResourceAccount: acctA, ResourcePolicy: res})
		}, true},
		{"the grant to everyone it held is not made", func() error {
			return e.Authorize(ctxFor(anon), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k", ResourceAccount: acctA, ResourcePolicy: res})
		}, false},
		{"an unreadable identity policy grants nothing", func() error {
			return e.Authorize(ctxFor(&eve), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k"})
		}, false},
		{"an unreadable boundary allows nothing", func() error {
			return e.Authorize(ctxFor(&ann), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k"})
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 3 {
				err := tc.err()
				if tc.allow && err != nil || !tc.allow && !isAccessDenied(err) {
					t.Fatalf("err = %v, want allowed=%v and never a server fault", err, tc.allow)
				}
			}
		})
	}
	if n := strings.Count(logs.String(), "stored policy does not parse"); n != 3 {
		t.Errorf("%d warnings, want one per unreadable policy (3):\n%s", n, logs.String())
	}
}

func isAccessDenied(err error) bool {
	var ae *awserr.Error
	return errors.As(err, &ae) && ae.Code == "AccessDenied"
}
