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
// reports the same errors plus Access Analyzer-style warnings. A refusal
// carries a *ParseError (ProblemOf): what is wrong, the offending value and
// the statement, so that each service answers with its own API's error and
// words (S3's MalformedPolicy, IAM's MalformedPolicyDocument). This package
// is the only place policy JSON is read: services hold *Policy values
// (Statements, Principals, Conditions, Public, Covers, CoversService) and
// never a second parser.
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
//     multi-valued makes the value or resource it appears in match nothing;
//   - a condition value that is not of its operator's type (a number for
//     Numeric*, a date, an IP address) never matches, on either side, so a
//     negated operator (NumericNotEquals, NotIpAddress, DateNotEquals) holds;
//     IAM stores such documents (Access Analyzer calls them
//     DATA_TYPE_MISMATCH) and AWS does not document how it evaluates them;
//   - a wildcard in the resource type of an IAM or STS ARN in a Resource
//     element ("arn:aws:iam::111122223333:*/dev") matches nothing, as the
//     IAM identifiers page says of "the term user in an IAM ARN"; other
//     services are left alone, since S3's resource part is a bucket name
//     ("arn:aws:s3:::*/*") and doppel knows no list of resource types;
//   - a stored document that no longer parses (written by an earlier
//     build) grants nothing: see Unreadable;
//   - sts:GetCallerIdentity is always allowed, explicit denies included
//     (STS API reference, GetCallerIdentity), offline as live.
//
// Where AWS's pages disagree with each other, the engine follows one and
// says which:
//   - ARN wildcards and colons. The Resource element page says "if the *
//     wildcard is the last character of a resource ARN segment, it can
//     expand to match beyond the colon boundaries", and AWS managed
//     policies write "arn:aws:codepipeline:*"; the condition operators page
//     says the Arn* operators check "each of the six colon-delimited
//     components of the ARN ... separately". The engine does both, each
//     where its page applies: in a Resource element a trailing * of the
//     last segment written reaches across colons; in ArnLike/ArnEquals
//     values it stays in its segment. (A * inside the resource part, the
//     sixth segment, spans colons in both, as before.)
//   - Policy variables in Bool. The policy variables page speaks of
//     variables in the Resource element and in string comparisons; the
//     condition operators page marks Bool as supporting them. The engine
//     follows the operators page: "Bool": {"aws:MultiFactorAuthPresent":
//     "${aws:PrincipalTag/mfa}"} compares with the tag's value.
//   - RCPs. The RCP syntax page allows Effect Allow only in
//     RCPFullAWSAccess; the engine accepts an Allow statement only in that
//     policy's form (Principal, Action and Resource "*", no condition), so
//     the AWS managed RCP parses and no customer RCP can allow.
package policy
