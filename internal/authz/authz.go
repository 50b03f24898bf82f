// Package authz is the bridge between a request and the policy engine: it
// takes the caller (from request.Info), the action and resource a service
// names, finds every policy that applies, asks internal/policy for a decision,
// and turns a denial into AWS's AccessDenied with AWS's message.
package authz

import (
	"context"

	"github.com/doppel-aws/doppel/internal/policy"
)

// Check is one authorization question a service asks before it acts.
type Check struct {
	Action          string // "iam:CreateUser", "s3:GetObject", "sts:AssumeRole"
	Resource        string // the resource ARN ("*" for actions without a resource type)
	ResourceAccount string // the account that owns the resource ("" for "*")

	// ResourcePolicy is the resource's own policy, if it has one, parsed
	// with the kind that decides how it combines: policy.Resource for a
	// bucket policy, policy.Trust for a role's trust policy (sts:AssumeRole,
	// sts:TagSession, sts:SetSourceIdentity). Services load stored documents
	// with Stored.
	ResourcePolicy *policy.Policy

	// Context holds the service-specific condition keys of this request
	// (s3:prefix, iam:PolicyARN, sts:ExternalId, aws:RequestTag/k, aws:TagKeys,
	// aws:ResourceTag/k ...). Global keys about the caller and the connection
	// (aws:PrincipalArn, aws:SourceIp, aws:CurrentTime, aws:MultiFactorAuthPresent
	// ...) are added by the Authorizer from request.Info.
	Context map[string][]string
}

// Authorizer decides Checks. Authorize returns nil when the request is
// allowed, and an *awserr.Error (AccessDenied, with AWS's message naming the
// principal, action, resource and reason) when it is not.
type Authorizer interface {
	Authorize(ctx context.Context, c Check) error
}

// PolicySource gives the Authorizer the identity-side policies of a principal:
// IAM implements it from its store. Documents are raw JSON as stored.
type PolicySource interface {
	// PrincipalPolicies returns the identity policies that apply to an IAM user
	// (inline, attached managed, and those of its groups) or a role (inline and
	// attached managed), and its permissions boundary ("" when none), with the
	// principal's tags (aws:PrincipalTag/*). kind is "user" or "role"; name is
	// the user or role name in account.
	PrincipalPolicies(ctx context.Context, account, kind, name string) (PrincipalPolicies, error)
	// ManagedPolicyDocument returns the default version of a managed policy
	// (customer or AWS managed) by ARN, for session PolicyArns.
	ManagedPolicyDocument(ctx context.Context, arn string) (string, error)
}

// PrincipalPolicies is what PolicySource returns for one principal.
type PrincipalPolicies struct {
	Identity []NamedDocument
	Boundary *NamedDocument
	Tags     map[string]string
}

// NamedDocument is a policy document and a name for traces and messages
// (the policy ARN for managed policies, "user/NAME/inline/POLICY" for inline).
type NamedDocument struct {
	Name     string
	Document string
}
