package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/awserr"
)

func TestParseErrors(t *testing.T) {
	const grammar = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
	big := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 7000) + `"}}`
	tests := []struct {
		name string
		doc  string
		kind Kind
		code string
		msg  string
	}{
		{"not JSON", `{"Version":`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"not an object", `["Statement"]`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"trailing data", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`) + `{}`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"unknown top-level element", `{"Version":"2012-10-17","Statements":[]}`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"unknown version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"missing Statement", `{"Version":"2012-10-17"}`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"empty Statement", `{"Version":"2012-10-17","Statement":[]}`, Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"unknown statement element", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Resources":"*"}`), Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"Action and NotAction", stmt(`{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"missing Effect", stmt(`{"Action":"s3:*","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Missing required field Effect"},
		{"bad Effect", stmt(`{"Effect":"Permit","Action":"s3:*","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"missing Action", stmt(`{"Effect":"Allow","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Policy statement must contain actions."},
		{"empty Action list", stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), Identity, "MalformedPolicyDocument", "Policy statement must contain actions."},
		{"missing Resource", stmt(`{"Effect":"Allow","Action":"s3:*"}`), Identity, "MalformedPolicyDocument", "Policy statement must contain resources."},
		{"action without vendor", stmt(`{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"action with two colons", stmt(`{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Actions/Condition can contain only one colon."},
		{"action with a bad vendor", stmt(`{"Effect":"Allow","Action":"s 3:GetObject","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Vendor s 3 is not valid"},
		{"resource not an ARN", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}`), Identity, "MalformedPolicyDocument", `Resource bucket must be in ARN format or "*".`},
		{"unknown partition", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:awz:s3:::b"}`), Identity, "MalformedPolicyDocument", `Partition "awz" is not valid for resource "arn:awz:s3:::b".`},
		{"ARN without a vendor", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws"}`), Identity, "MalformedPolicyDocument", "Resource vendor must be fully qualified and cannot contain regexes."},
		{"vendor with a wildcard", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s*:::b"}`), Identity, "MalformedPolicyDocument", "Resource vendor must be fully qualified and cannot contain regexes."},
		{"duplicate Sid", stmt(`{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Statement IDs (SID) in a single policy must be unique."},
		{"non-alphanumeric Sid in identity policy", stmt(`{"Sid":"a-b","Effect":"Allow","Action":"s3:*","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"principal in identity policy", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), Identity, "MalformedPolicyDocument", "Policy document should not specify a principal."},
		{"principal in SCP", stmt(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), SCP, "MalformedPolicyDocument", "Policy document should not specify a principal."},
		{"missing principal in bucket policy", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), Resource, "MalformedPolicyDocument", "Missing required field Principal"},
		{"missing principal in trust policy", stmt(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), Trust, "MalformedPolicyDocument", "Missing required field Principal"},
		{"resource in trust policy", stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}`), Trust, "MalformedPolicyDocument", "Has prohibited field Resource"},
		{"invalid AWS principal", stmt(`{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}`), Trust, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"bob"`},
		{"wildcard inside a principal ARN", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}`), Trust, "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/*"`},
		{"unknown principal type", stmt(`{"Effect":"Allow","Principal":{"Users":"111122223333"},"Action":"sts:AssumeRole"}`), Trust, "MalformedPolicyDocument", `Invalid principal in policy: "Users":"111122223333"`},
		{"principal string other than *", stmt(`{"Effect":"Allow","Principal":"111122223333","Action":"sts:AssumeRole"}`), Trust, "MalformedPolicyDocument", `Invalid principal in policy: "111122223333"`},
		{"unknown condition operator", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"bob"}}}`), Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"condition value object", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:username":{"a":"b"}}}}`), Identity, "MalformedPolicyDocument", "Syntax errors in policy."},
		{"condition key without vendor", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"username":"bob"}}}`), Identity, "MalformedPolicyDocument", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"managed policy over 6144 characters", big, Identity, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144"},
		{"trust policy over 2048 characters", `{"Version":"2012-10-17","Statement":{"Sid":"` + strings.Repeat("x", 2100) + `","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`, Trust, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.doc, tc.kind)
			var ae *awserr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("Parse error = %v, want *awserr.Error (per %s)", err, grammar)
			}
			if ae.Code != tc.code || ae.Message != tc.msg {
				t.Errorf("Parse error = %s: %q, want %s: %q", ae.Code, ae.Message, tc.code, tc.msg)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		kind Kind
	}{
		{"statement as an object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity},
		{"no Version", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity},
		{"Version 2008-10-17 and Id", `{"Version":"2008-10-17","Id":"x","Statement":[{"Effect":"Deny","NotAction":"s3:*","NotResource":"*"}]}`, Boundary},
		{"white space does not count toward the quota", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}` + strings.Repeat(" ", 7000), Identity},
		{"trust policy for a service and a federated provider", stmt(`{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"],"Federated":"arn:aws:iam::111122223333:saml-provider/idp"},"Action":["sts:AssumeRole","sts:AssumeRoleWithSAML"]}`), Trust},
		{"bucket policy with every AWS principal form", stmt(`{"Sid":"any text - allowed","Effect":"Allow","Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/a/b","arn:aws:iam::111122223333:role/r","arn:aws:sts::111122223333:assumed-role/r/s","arn:aws:sts::111122223333:federated-user/f"],"CanonicalUser":"` + strings.Repeat("a", 64) + `"},"Action":"s3:*","Resource":"arn:aws:s3:::x/*"}`), Resource},
		{"condition numbers and booleans", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":true}}}`), Identity},
		{"RCP with Principal *", stmt(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}`), RCP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.doc, tc.kind); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestPrintRoundTrip(t *testing.T) {
	doc := `{"Id":"x","Version":"2012-10-17","Statement":{"Sid":"s","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"111122223333"},
		"NotAction":"iam:*","Resource":["arn:aws:s3:::x/${aws:username}/*"],"Condition":{"StringLike":{"s3:prefix":["a<b>","c"]},"Bool":{"aws:SecureTransport":true}}}}`
	p := mustParse(t, doc, Resource)
	want := `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s","Effect":"Allow","Principal":{"AWS":["111122223333"],"Service":["ec2.amazonaws.com"]},"NotAction":["iam:*"],"Resource":["arn:aws:s3:::x/${aws:username}/*"],"Condition":{"Bool":{"aws:SecureTransport":["true"]},"StringLike":{"s3:prefix":["a<b>","c"]}}}]}`
	if got := p.String(); got != want {
		t.Fatalf("String() =\n%s\nwant\n%s", got, want)
	}
	if again := mustParse(t, p.String(), Resource).String(); again != want {
		t.Fatalf("reparsed String() = %s", again)
	}
}

func FuzzParse(f *testing.F) {
	seeds := []string{
		stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`),
		stmt(`{"Sid":"A","Effect":"Deny","NotAction":["iam:*","s3:Get?"],"NotResource":"arn:aws:s3:::x/${aws:username, 'd'}/*","Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*","${*}"]},"Null":{"aws:TokenIssueTime":"true"}}}`),
		stmt(`{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/r"]},"Action":"sts:AssumeRole","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]},"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}`),
		`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}}`,
		`{"Statement":[]}`, `[]`, `null`, `{"Version":1}`,
	}
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, doc string, k uint8) {
		kind := Kind(k % 7)
		p, err := Parse(doc, kind)
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error is not *awserr.Error: %v", err)
			}
			if ProblemOf(err) == nil {
				t.Fatalf("refusal without a ParseError: %v", err)
			}
			return
		}
		// Whatever Parse accepts, Evaluate decides: an effect, and for a
		// denial the policy type and AWS's message (issue 13).
		for _, action := range []string{"s3:GetObject", "sts:AssumeRole", "iam:CreateUser"} {
			req := &Request{PrincipalARN: userBob, Action: action, Resource: bucketX + "/k", ResourceAccount: "444455556666",
				Context: Context{"aws:username": {"bob"}, "aws:SourceIp": {"10.1.2.3"}, "aws:CurrentTime": {"2026-01-01T00:00:00Z"}}}
			set := &Set{Identity: []*Policy{p}}
			switch kind {
			case Resource, Trust:
				set.Resource = p
			case Boundary:
				set.Boundary = p
			case Session:
				set.Session = []*Policy{p}
			case SCP:
				set.SCPs = []*Policy{p}
			case RCP:
				set.RCPs = []*Policy{p}
			}
			if kind != Identity {
				set.Identity = nil
			}
			d := Evaluate(req, set)
			switch d.Effect {
			case Allow:
			case ImplicitDeny, ExplicitDeny:
				if d.Message == "" || d.DeniedBy == TypeNone {
					t.Fatalf("denial without its facts: %+v", d)
				}
			default:
				t.Fatalf("Evaluate decided %v", d.Effect)
			}
		}
		out := p.String()
		p2, err := Parse(out, kind)
		if err != nil {
			var ae *awserr.Error
			if errors.As(err, &ae) && ae.Code == "LimitExceeded" {
				return // printing lists as arrays may push a document over its quota
			}
			t.Fatalf("printed policy does not parse: %v\n%s\nfrom %q", err, out, doc)
		}
		if out2 := p2.String(); out2 != out {
			t.Fatalf("round trip changed the policy:\n%s\n%s", out, out2)
		}
		// Evaluating must never panic either.
		Explain(&Request{PrincipalARN: userBob, Action: "s3:GetObject", Resource: bucketX + "/k", Context: Context{"aws:username": {"bob"}, "aws:TagKeys": {"a"}}},
			&Set{Identity: []*Policy{p}, Resource: p, Boundary: p, Session: []*Policy{p}, SCPs: []*Policy{p}, RCPs: []*Policy{p}})
		Validate(doc, kind)
	})
}
