package policy

import (
	"fmt"
	"strings"
	"testing"
)

// benchSet builds 10 identity policies of 10 statements each, mixing action
// and resource wildcards, policy variables and conditions; only the last
// statement of the last policy allows the benchmark request.
func benchSet(b testing.TB) *Set {
	set := &Set{}
	for p := 0; p < 10; p++ {
		var stmts []string
		for s := 0; s < 10; s++ {
			switch {
			case p == 9 && s == 9:
				stmts = append(stmts, `{"Sid":"Home","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::bucket/home/${aws:username}/*",
					"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]},"Bool":{"aws:SecureTransport":"true"}}}`)
			case s%3 == 0:
				stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":["ec2:Describe*","iam:Get%d*"],"Resource":"*"}`, s, s))
			case s%3 == 1:
				stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"s3:*Object","Resource":"arn:aws:s3:::other-%d/*",
					"Condition":{"StringLike":{"aws:PrincipalTag/team":["t%d-*"]}}}`, s, p, s))
			default:
				stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Deny","Action":"s3:Delete*","Resource":"arn:aws:s3:::bucket/*",
					"Condition":{"StringNotEquals":{"aws:PrincipalTag/role":"admin%d"}}}`, s, p))
			}
		}
		set.Identity = append(set.Identity, mustParse(b, `{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`, Identity))
	}
	return set
}

func benchRequest() *Request {
	return &Request{
		PrincipalARN: "arn:aws:iam::111122223333:user/bob",
		Action:       "s3:GetObject",
		Resource:     "arn:aws:s3:::bucket/home/bob/notes.txt",
		Context: Context{
			"aws:username":          {"bob"},
			"aws:SourceIp":          {"203.0.113.7"},
			"aws:SecureTransport":   {"true"},
			"aws:PrincipalTag/team": {"blue"},
			"aws:PrincipalArn":      {"arn:aws:iam::111122223333:user/bob"},
			"aws:CurrentTime":       {"2026-11-22T05:00:00Z"},
		},
	}
}

func BenchmarkEvaluate(b *testing.B) {
	set, req := benchSet(b), benchRequest()
	if d := Evaluate(req, set); d.Effect != Allow {
		b.Fatalf("benchmark request not allowed: %s", d.Message)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(req, set)
	}
}

func BenchmarkEvaluateDenied(b *testing.B) {
	set, req := benchSet(b), benchRequest()
	req.Action = "s3:PutObject"
	if d := Evaluate(req, set); d.Effect != ImplicitDeny {
		b.Fatalf("benchmark request not denied")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Evaluate(req, set)
	}
}

func BenchmarkParse(b *testing.B) {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Home","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::bucket/home/${aws:username}/*",
		"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]},"Bool":{"aws:SecureTransport":"true"}}}]}`
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(doc, Identity); err != nil {
			b.Fatal(err)
		}
	}
}
