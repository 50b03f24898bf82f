package authz

import (
	"testing"

	"github.com/doppel-aws/doppel/internal/policy"
)

// A denial carries its facts, so services word it without reading the
// message.
func TestDenialFacts(t *testing.T) {
	e := New(Config{Policies: newSource()})
	rp := Stored(policy.Resource, "bucket policy", doc(`{"Sid":"NoDelete","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::x/*"}`))
	err := e.Authorize(ctxFor(bob), Check{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::x/k", ResourceAccount: acctA, ResourcePolicy: rp})
	d := DenialOf(err)
	if d == nil {
		t.Fatalf("err = %v, want a Denial", err)
	}
	if d.Effect != policy.ExplicitDeny || d.DeniedBy != policy.TypeResource || d.Request.PrincipalARN != bobARN || d.Request.Resource != "arn:aws:s3:::x/k" {
		t.Errorf("denial = %+v", d)
	}
	if len(d.Statements) != 1 || d.Statements[0].Sid != "NoDelete" || d.Statements[0].Policy != "bucket policy" {
		t.Errorf("deciding statements = %+v", d.Statements)
	}
	if got, want := policy.DenyMessageS3(&d.Request, d.Effect, d.DeniedBy), `User: `+bobARN+` is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::x/k" with an explicit deny in a resource-based policy`; got != want {
		t.Errorf("S3 message = %s\nwant %s", got, want)
	}
	if DenialOf(e.Authorize(ctxFor(bob), Check{Action: "s3:GetObject", Resource: "arn:aws:s3:::x/k"})) != nil {
		t.Error("an allowed request has a denial")
	}
}
