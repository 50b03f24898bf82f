package authz

import (
	"context"
	"errors"

	"github.com/doppel-aws/doppel/internal/policy"
	"github.com/doppel-aws/doppel/internal/request"
)

// Denial is what a denied Check found, carried as the Cause of the
// AccessDenied error Authorize returns: a service that words the denial
// its own way (S3 quotes the resource, and tells other accounts nothing)
// formats it from these facts, never by reading the message.
type Denial struct {
	// Request names the caller, action and resource as the message does.
	Request  policy.Request
	Effect   policy.Effect     // ImplicitDeny or ExplicitDeny
	DeniedBy policy.PolicyType // the policy type that denied
	// Statements are the matched statements that decided: the explicit
	// deny (empty for an implicit deny).
	Statements []policy.TraceEntry
}

func (d *Denial) Error() string { return "denied by " + d.DeniedBy.String() }

// DenialOf returns the Denial behind an error from Authorize, nil when the
// error is not a denial.
func DenialOf(err error) *Denial {
	var d *Denial
	if errors.As(err, &d) {
		return d
	}
	return nil
}

func newDenial(ctx context.Context, c Check, d policy.Decision) *Denial {
	p := &anonymous
	if info := request.From(ctx); info != nil && info.Principal != nil {
		p = info.Principal
	}
	den := &Denial{Request: policy.Request{PrincipalARN: p.ARN, Action: c.Action, Resource: c.Resource}, Effect: d.Effect, DeniedBy: d.DeniedBy}
	if den.Request.Resource == "" {
		den.Request.Resource = "*"
	}
	for _, t := range d.Trace {
		if t.Deciding {
			den.Statements = append(den.Statements, t)
		}
	}
	return den
}
