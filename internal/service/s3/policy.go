package s3

import (
	"strings"

	"github.com/doppel-aws/doppel/internal/authz"
	"github.com/doppel-aws/doppel/internal/policy"
)

// S3's MalformedPolicy messages, by what internal/policy found wrong. They
// are S3's own wording, not IAM's (as S3 answers them, and as the S3
// reimplementations that copy S3's answers, versitygw and MinIO among
// them, reproduce).
var malformedPolicyMessages = map[policy.Problem]string{
	policy.ProblemJSON:               "This policy contains invalid Json",
	policy.ProblemNotObject:          "Policies must be valid JSON and the first byte must be '{'",
	policy.ProblemSyntax:             "Invalid policy syntax.",
	policy.ProblemVersion:            "The policy must contain a valid version string",
	policy.ProblemNoStatement:        "Missing required field Statement",
	policy.ProblemEmptyStatement:     "Could not parse the policy: Statement is empty!",
	policy.ProblemMissingEffect:      "Missing required field Effect",
	policy.ProblemMissingPrincipal:   "Missing required field Principal",
	policy.ProblemPrincipal:          "Invalid principal in policy",
	policy.ProblemMissingAction:      "Missing required field Action",
	policy.ProblemAction:             "Policy has invalid action",
	policy.ProblemMissingResource:    "Missing required field Resource",
	policy.ProblemResource:           "Policy has invalid resource",
	policy.ProblemConditionKey:       "Policy has an invalid condition key",
	policy.ProblemSize:               "Policy exceeds the maximum allowed document size.",
	policy.ProblemPrincipalForbidden: "Invalid policy syntax.",
}

// parseBucketPolicy parses and validates a bucket policy for PutBucketPolicy
// with internal/policy's rules for resource policies, then S3's own: a
// bucket policy speaks only of S3 actions and of this bucket and its
// objects. What it accepts, the engine evaluates.
func parseBucketPolicy(bucket, doc string) (*policy.Policy, error) {
	if !strings.HasPrefix(strings.TrimLeft(doc, " \t\r\n"), "{") {
		return nil, errMalformedPolicy(malformedPolicyMessages[policy.ProblemNotObject])
	}
	p, err := policy.Parse(doc, policy.Resource)
	if err != nil {
		pe := policy.ProblemOf(err)
		if pe == nil {
			return nil, errMalformedPolicy(malformedPolicyMessages[policy.ProblemSyntax])
		}
		switch pe.Problem {
		case policy.ProblemEffect:
			return nil, errMalformedPolicy("Invalid effect: " + pe.Detail)
		case policy.ProblemConditionOperator:
			return nil, errMalformedPolicy("Invalid Condition type : " + pe.Detail)
		}
		if msg, ok := malformedPolicyMessages[pe.Problem]; ok {
			return nil, errMalformedPolicy(msg)
		}
		return nil, errMalformedPolicy(malformedPolicyMessages[policy.ProblemSyntax])
	}
	for _, s := range p.Statements {
		for _, a := range s.Actions {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return nil, errMalformedPolicy(malformedPolicyMessages[policy.ProblemAction])
			}
		}
		for _, r := range s.Resources {
			if !resourceInBucket(bucket, r) {
				return nil, errMalformedPolicy(malformedPolicyMessages[policy.ProblemResource])
			}
		}
	}
	return p, nil
}

// resourceInBucket reports whether a policy resource names this bucket or
// objects in it (a bucket policy may only speak of its own bucket).
func resourceInBucket(bucket, r string) bool {
	if r == "*" {
		return true
	}
	rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return policy.WildcardMatch(name, bucket)
}

// bucketPolicy returns the compiled bucket policy of b, nil when it has
// none. A stored policy that does not parse (written by an earlier build)
// is policy.Unreadable: it grants nothing (see policy.Unreadable).
func bucketPolicy(b *bucketRecord) *policy.Policy {
	if b.Policy == "" {
		return nil
	}
	return authz.Stored(policy.Resource, "bucket policy", b.Policy)
}

// policyIsPublic applies S3's definition of a public bucket policy
// (policy.Policy.Public). An unreadable policy counts as public, the safe
// side for Block Public Access.
func policyIsPublic(p *policy.Policy) bool {
	return p != nil && (p.Unreadable != nil || p.Public())
}
