// Package policy is doppel's IAM policy engine: it parses and validates policy
// documents once into a compiled form, and evaluates authorization requests
// against them many times, as AWS's "Policy evaluation logic" chapters of the
// IAM User Guide describe. It does no I/O.
//
// Parse a document for the place it is attached:
//
//	p, err := policy.Parse(doc, policy.Identity) // err: *awserr.Error MalformedPolicyDocument
//
// Kinds are Identity, Resource, Trust (a role trust policy), Boundary,
// Session, SCP and RCP; they decide which elements are required or
// forbidden (Principal, Resource) and the size quota (MaxSize). Validate
// reports the same errors plus Access Analyzer-style warnings.
//
// Evaluate a request against every policy that applies:
//
//	d := policy.Evaluate(&policy.Request{
//		PrincipalARN: "arn:aws:iam::111122223333:user/bob",
//		Action:       "s3:CreateBucket",
//		Resource:     "arn:aws:s3:::x",
//		Context:      policy.Context{"aws:SourceIp": {"203.0.113.7"}},
//	}, &policy.Set{Identity: []*policy.Policy{p}})
//	if d.Effect != policy.Allow { return awserr.AccessDenied(d.Message) }
//
// The Request's Context is complete: a key absent from it is absent from the
// request (the engine derives no keys). Key names are case-insensitive.
// Set fields that are nil do not apply; SCPs and RCPs hold one policy per
// organization level, and every level must allow.
//
// Decision.Effect is Allow, ExplicitDeny or ImplicitDeny; Message is AWS's
// AccessDenied text ("User: ARN is not authorized to perform: ACTION on
// resource: ARN because no identity-based policy allows the ACTION action",
// "... with an explicit deny in a service control policy"); Trace lists the
// statements that matched. Explain returns every statement considered, with
// the element that failed to match.
//
// Compiled policies are immutable and safe for concurrent use; Evaluate
// allocates only for the trace of matched statements and for a denial's
// message. Policy.String prints canonical JSON that parses back to the same
// policy.
//
// DecodeEvalFile reads the evaluation file format of `doppel policy eval`.
//
// Where AWS's documentation leaves a choice open, the engine chooses as
// follows (each is commented where it is made):
//   - Principal "*" in a resource policy counts as naming the caller itself,
//     so boundaries and session policies do not limit that grant in the
//     same account;
//   - the "on resource: R" part of a denial message is left out for "*";
//   - when several policy types deny, the message names the first of: RCP,
//     SCP, resource-based policy, identity-based policy, permissions
//     boundary, session policy (cross-account: the trusted side first);
//   - a multi-valued key used without ForAllValues/ForAnyValue behaves like
//     ForAnyValue (negated operators: no value may match);
//   - a policy variable whose key is absent (with no default) or
//     multi-valued makes the value or resource it appears in match nothing.
package policy
