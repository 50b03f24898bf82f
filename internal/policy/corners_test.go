package policy

import (
	"testing"
)

// TestMatchingCorners holds the corners of issue 13, each to the AWS page
// it follows (disagreements between pages are listed in doc.go).
func TestMatchingCorners(t *testing.T) {
	const (
		resourcePage = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
		arnsPage     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns"
		operators    = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
		gci          = "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
	)
	tests := []struct {
		name, doc string
		policy    string
		action    string
		resource  string
		ctx       Context
		want      bool
	}{
		// A trailing * of the last segment written reaches across colons:
		// AWS managed policies write "arn:aws:codepipeline:*".
		{"short ARN with a trailing * covers the rest", resourcePage, stmt(`{"Effect":"Allow","Action":"codepipeline:*","Resource":"arn:aws:codepipeline:*"}`),
			"codepipeline:GetPipeline", "arn:aws:codepipeline:us-east-1:111122223333:my-pipeline", nil, true},
		{"short ARN with a trailing * still matches its segments", resourcePage, stmt(`{"Effect":"Allow","Action":"codepipeline:*","Resource":"arn:aws:codepipeline:*"}`),
			"codepipeline:GetPipeline", "arn:aws:codebuild:us-east-1:111122223333:project/p", nil, false},
		{"region-level trailing *", resourcePage, stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"arn:aws:ec2:us-east-1:*"}`),
			"ec2:StartInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", nil, true},
		{"region-level trailing * of another region", resourcePage, stmt(`{"Effect":"Allow","Action":"ec2:*","Resource":"arn:aws:ec2:us-east-1:*"}`),
			"ec2:StartInstances", "arn:aws:ec2:eu-west-1:111122223333:instance/i-1", nil, false},
		{"short ARN without a trailing * matches no full ARN", resourcePage, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3"}`),
			"s3:ListBucket", bucketX, nil, false},
		{"* in the resource part spans colons", resourcePage, stmt(`{"Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:us-east-1:111122223333:log-group:app:*"}`),
			"logs:PutLogEvents", "arn:aws:logs:us-east-1:111122223333:log-group:app:log-stream:s1", nil, true},
		{"a segment's * does not span a colon into the next", resourcePage, stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::1*:role/dev"}`),
			"iam:GetRole", "arn:aws:iam::111122223333:role/dev", nil, true},
		// Wildcards in the resource type do not match.
		{"wildcard in an IAM resource type", arnsPage, stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:*/dev"}`),
			"iam:GetRole", roleDev, nil, false},
		{"partial wildcard in an IAM resource type", arnsPage, stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:ro?e/dev"}`),
			"iam:GetRole", roleDev, nil, false},
		{"wildcard in the name after a literal type", arnsPage, stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:role/*"}`),
			"iam:GetRole", roleDev, nil, true},
		{"S3 has no resource type: */ is a bucket wildcard", resourcePage, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::*/*"}`),
			"s3:GetObject", "arn:aws:s3:::x/k", nil, true},
		// Partition wildcards.
		{"partition *", resourcePage, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:*:s3:::x"}`),
			"s3:ListBucket", bucketX, nil, true},
		{"partition * in another partition", resourcePage, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:*:s3:::x"}`),
			"s3:ListBucket", "arn:aws-cn:s3:::x", nil, true},
		{"named partition does not match another", resourcePage, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws-cn:s3:::x"}`),
			"s3:ListBucket", bucketX, nil, false},
		// Policy variables in Bool.
		{"Bool with a policy variable", operators, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"${aws:PrincipalTag/mfa}"}}}`),
			"s3:GetObject", bucketX, Context{"aws:MultiFactorAuthPresent": {"true"}, "aws:PrincipalTag/mfa": {"true"}}, true},
		{"Bool with a policy variable that differs", operators, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"${aws:PrincipalTag/mfa}"}}}`),
			"s3:GetObject", bucketX, Context{"aws:MultiFactorAuthPresent": {"false"}, "aws:PrincipalTag/mfa": {"true"}}, false},
		{"Bool is case-insensitive", operators, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"TRUE"}}}`),
			"s3:GetObject", bucketX, Context{"aws:SecureTransport": {"true"}}, true},
		// Unparseable values: a value that is not of the operator's type
		// never matches, so under a negated operator the condition holds.
		{"NumericNotEquals with an unparseable policy value", operators, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericNotEquals":{"s3:max-keys":"ten"}}}`),
			"s3:ListBucket", bucketX, Context{"s3:max-keys": {"10"}}, true},
		{"NotIpAddress with an unparseable request value", operators, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`),
			"s3:ListBucket", bucketX, Context{"aws:SourceIp": {"not-an-ip"}}, true},
		{"DateLessThan with an unparseable request value", operators, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`),
			"s3:ListBucket", bucketX, Context{"aws:CurrentTime": {"yesterday"}}, false},
		// sts:GetCallerIdentity cannot be denied.
		{"GetCallerIdentity under an explicit deny", gci, stmt(`{"Effect":"Deny","Action":"*","Resource":"*"}`),
			"sts:GetCallerIdentity", "*", nil, true},
		{"GetCallerIdentity without any allow", gci, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`),
			"sts:getcalleridentity", "*", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.policy, Identity)
			d := Evaluate(&Request{PrincipalARN: userBob, Action: tc.action, Resource: tc.resource, Context: tc.ctx}, &Set{Identity: []*Policy{p}})
			if got := d.Effect == Allow; got != tc.want {
				t.Errorf("%s on %s = %v, want %v (per %s)", tc.action, tc.resource, got, tc.want, tc.doc)
			}
		})
	}
}

// Arn* condition operators check each of the six components on its own:
// a trailing * does not reach across colons there (condition operators
// page, "Amazon Resource Name (ARN) condition operators"; see doc.go).
func TestArnConditionStaysInSegments(t *testing.T) {
	p := mustParse(t, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}}`), Identity)
	d := Evaluate(&Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX, Context: Context{"aws:PrincipalArn": {userBob}}}, &Set{Identity: []*Policy{p}})
	if d.Effect == Allow {
		t.Error(`ArnLike "arn:aws:iam::*" matched a full ARN`)
	}
}

// TestRCPSyntax: RCPs follow their own rules
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html).
func TestRCPSyntax(t *testing.T) {
	tests := []struct {
		name, doc string
		ok        bool
		detail    string
	}{
		{"RCPFullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, true, ""},
		{"a Deny with a condition", stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}`), true, ""},
		{"an Allow of anything else", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), false, "Allow"},
		{"a conditional Allow", stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`), false, "Allow"},
		{"NotPrincipal", stmt(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`), false, "NotPrincipal"},
		{"NotAction", stmt(`{"Effect":"Deny","Principal":"*","NotAction":"s3:*","Resource":"*"}`), false, "NotAction"},
		{"a named principal", stmt(`{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`), false, "Principal"},
		{"no Version", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`, false, "Version"},
		{"no Principal", stmt(`{"Effect":"Deny","Action":"s3:*","Resource":"*"}`), false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.doc, RCP)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			pe := ProblemOf(err)
			if pe == nil {
				t.Fatalf("err = %v, want a refusal", err)
			}
			if tc.detail != "" && (pe.Problem != ProblemKindRule || pe.Detail != tc.detail) {
				t.Errorf("problem = %+v, want the RCP rule %s", pe, tc.detail)
			}
		})
	}
}

// TestProblems: a refusal says what is wrong, so services word it.
func TestProblems(t *testing.T) {
	tests := []struct {
		doc    string
		kind   Kind
		want   Problem
		detail string
		stmt   int
	}{
		{`{`, Identity, ProblemJSON, "", -1},
		{`[]`, Identity, ProblemNotObject, "", -1},
		{`{"Version":"2020-01-01","Statement":[]}`, Identity, ProblemVersion, "2020-01-01", -1},
		{`{"Version":"2012-10-17"}`, Identity, ProblemNoStatement, "", -1},
		{stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Maybe","Action":"s3:*","Resource":"*"}`), Identity, ProblemEffect, "Maybe", 1},
		{stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringFooBar":{"aws:x":"y"}}}`), Identity, ProblemConditionOperator, "StringFooBar", 0},
		{stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), Resource, ProblemMissingPrincipal, "", 0},
		{stmt(`{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}`), Resource, ProblemPrincipal, "bob", 0},
		{stmt(`{"Effect":"Allow","Action":"s3","Resource":"*"}`), Identity, ProblemAction, "s3", 0},
		{stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}`), Identity, ProblemResource, "bucket", 0},
		{stmt(`{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}`), Identity, ProblemDuplicateSid, "A", 1},
	}
	for _, tc := range tests {
		_, err := Parse(tc.doc, tc.kind)
		pe := ProblemOf(err)
		if pe == nil || pe.Problem != tc.want || pe.Detail != tc.detail || pe.Statement != tc.stmt {
			t.Errorf("Parse(%s) = %v, problem %+v; want %d %q in statement %d", tc.doc, err, pe, tc.want, tc.detail, tc.stmt)
		}
	}
}
