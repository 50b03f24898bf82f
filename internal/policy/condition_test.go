package policy

import (
	"testing"
)

// TestConditions evaluates one Allow statement with a Condition block against
// request contexts. Each case cites the page whose example or rule it checks.
func TestConditions(t *testing.T) {
	const (
		ops     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
		logic   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html"
		multi   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
		element = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"
		mfa     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent"
	)
	tests := []struct {
		name string
		doc  string
		cond string // the Condition element's JSON
		ctx  Context
		want bool
	}{
		{"StringEquals matches", ops, `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, Context{"aws:PrincipalTag/job-category": {"iamuser-admin"}}, true},
		{"StringEquals is case-sensitive", ops, `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, Context{"aws:PrincipalTag/job-category": {"IAMUser-Admin"}}, false},
		{"StringEquals with an absent key is false", ops, `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, nil, false},
		{"StringEqualsIgnoreCase", ops, `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/job-category":"IAMUSER-ADMIN"}}`, Context{"aws:PrincipalTag/job-category": {"iamuser-admin"}}, true},
		{"StringNotEquals with a different value", ops, `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, Context{"aws:RequestedRegion": {"us-east-1"}}, true},
		{"StringNotEquals with an absent key is true", ops, `{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}`, nil, true},
		{"StringNotEquals with one of the listed values is false", ops, `{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}`, Context{"aws:RequestedRegion": {"us-east-1"}}, false},
		{"StringLike with a wildcard", ops, `{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}`, Context{"s3:prefix": {"home/bob/photos"}, "aws:username": {"bob"}}, true},
		{"StringLike variable resolves to another user", ops, `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, Context{"s3:prefix": {"home/eve/x"}, "aws:username": {"bob"}}, false},
		{"StringLike ? matches one character", ops, `{"StringLike":{"aws:userid":"AIDA?"}}`, Context{"aws:userid": {"AIDAX"}}, true},
		{"StringNotLike", ops, `{"StringNotLike":{"aws:userid":"AIDA*"}}`, Context{"aws:userid": {"AROAX:s"}}, true},
		{"several values are ORed", logic, `{"StringEquals":{"aws:PrincipalTag/team":["a","b"]}}`, Context{"aws:PrincipalTag/team": {"b"}}, true},
		{"several keys are ANDed", logic, `{"StringEquals":{"aws:PrincipalTag/team":"a","aws:PrincipalTag/env":"prod"}}`, Context{"aws:PrincipalTag/team": {"a"}, "aws:PrincipalTag/env": {"dev"}}, false},
		{"several operators are ANDed", logic, `{"StringEquals":{"aws:PrincipalTag/team":"a"},"Bool":{"aws:SecureTransport":"true"}}`, Context{"aws:PrincipalTag/team": {"a"}, "aws:SecureTransport": {"false"}}, false},
		{"key names are case-insensitive", element, `{"IpAddress":{"AWS:SOURCEIP":"203.0.113.0/24"}}`, Context{"aws:SourceIp": {"203.0.113.7"}}, true},
		{"NumericLessThan on MFA age", ops, `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, Context{"aws:MultiFactorAuthAge": {"120"}}, true},
		{"NumericLessThan too old", ops, `{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}`, Context{"aws:MultiFactorAuthAge": {"7200"}}, false},
		{"NumericLessThanEquals bound", ops, `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"10"}}, true},
		{"NumericGreaterThan", ops, `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"10"}}, false},
		{"NumericNotEquals absent key", ops, `{"NumericNotEquals":{"s3:max-keys":"10"}}`, nil, true},
		{"Numeric with a non-numeric request value", ops, `{"NumericEquals":{"s3:max-keys":"10"}}`, Context{"s3:max-keys": {"ten"}}, false},
		{"DateGreaterThan ISO 8601", ops, `{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:01Z"}}`, Context{"aws:CurrentTime": {"2026-11-22T05:00:00Z"}}, true},
		{"DateLessThan ISO 8601", ops, `{"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}`, Context{"aws:CurrentTime": {"2026-11-22T05:00:00Z"}}, false},
		{"Date operators compare epoch times", ops, `{"DateGreaterThan":{"aws:EpochTime":"1585699201"}}`, Context{"aws:EpochTime": {"1763787600"}}, true},
		{"DateEquals across formats", ops, `{"DateEquals":{"aws:TokenIssueTime":"2026-01-01T00:00:00Z"}}`, Context{"aws:TokenIssueTime": {"1767225600"}}, true},
		{"Bool true", mfa, `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, Context{"aws:MultiFactorAuthPresent": {"true"}}, true},
		{"Bool with a JSON boolean", mfa, `{"Bool":{"aws:SecureTransport":false}}`, Context{"aws:SecureTransport": {"false"}}, true},
		{"Bool true with long-term keys (key absent) is false", mfa, `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, nil, false},
		{"BoolIfExists false matches long-term keys", mfa, `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},
		{"BoolIfExists false does not match an MFA session", mfa, `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, Context{"aws:MultiFactorAuthPresent": {"true"}}, false},
		{"BinaryEquals", ops, `{"BinaryEquals":{"s3:key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, Context{"s3:key": {"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}, true},
		{"IpAddress IPv4 CIDR", ops, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, Context{"aws:SourceIp": {"203.0.113.200"}}, true},
		{"IpAddress outside the range", ops, `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, Context{"aws:SourceIp": {"198.51.100.1"}}, false},
		{"IpAddress IPv6 CIDR", ops, `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}`, Context{"aws:SourceIp": {"2001:db8:1234:5678::abcd"}}, true},
		{"IpAddress single address", ops, `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, Context{"aws:SourceIp": {"203.0.113.7"}}, true},
		{"NotIpAddress inside the range", ops, `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, Context{"aws:SourceIp": {"203.0.113.7"}}, false},
		{"NotIpAddress absent key", ops, `{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, nil, true},
		{"ArnLike segment wildcards", ops, `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}`, Context{"aws:SourceArn": {"arn:aws:cloudtrail:us-east-2:111122223333:trail/main"}}, true},
		{"ArnLike wildcard does not span a colon", ops, `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}`, Context{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/x"}}, false},
		{"ArnEquals with an account wildcard", ops, `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, Context{"aws:PrincipalArn": {"arn:aws:iam::444455556666:role/admin"}}, true},
		{"ArnNotEquals", ops, `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin"}}`, Context{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/dev"}}, true},
		{"ArnNotLike absent key", ops, `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:x"}}`, nil, true},
		{"Null true: key absent", ops, `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true: key present", ops, `{"Null":{"aws:TokenIssueTime":"true"}}`, Context{"aws:TokenIssueTime": {"2026-01-01T00:00:00Z"}}, false},
		{"Null false: key present", ops, `{"Null":{"aws:TokenIssueTime":"false"}}`, Context{"aws:TokenIssueTime": {"2026-01-01T00:00:00Z"}}, true},
		{"StringEqualsIfExists absent", ops, `{"StringEqualsIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, nil, true},
		{"StringLikeIfExists present and not matching", ops, `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, Context{"ec2:InstanceType": {"m5.large"}}, false},
		{"ForAllValues: every tag key allowed", multi, `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, Context{"aws:TagKeys": {"environment"}}, true},
		{"ForAllValues: one tag key not allowed", multi, `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, Context{"aws:TagKeys": {"environment", "owner"}}, false},
		{"ForAllValues: absent key is true", multi, `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, true},
		{"ForAllValues: empty set is true", multi, `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:TagKeys": {}}, true},
		{"ForAnyValue: one matches", multi, `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, Context{"aws:TagKeys": {"owner", "cost-center"}}, true},
		{"ForAnyValue: absent key is false", multi, `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, nil, false},
		{"ForAnyValue:StringNotEquals: one differs", multi, `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:TagKeys": {"environment", "owner"}}, true},
		{"ForAllValues:StringNotLike: none may match", multi, `{"ForAllValues:StringNotLike":{"aws:TagKeys":["secret*"]}}`, Context{"aws:TagKeys": {"environment", "secret-x"}}, false},
		{"ForAnyValue:StringLike", multi, `{"ForAnyValue:StringLike":{"aws:TagKeys":["env*"]}}`, Context{"aws:TagKeys": {"environment"}}, true},
		{"ForAnyValue:StringEqualsIfExists with the key absent", ops, `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["env"]}}`, nil, true},
		{"variable with default when the tag is absent", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-default-values",
			`{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'company-wide'}"}}`, Context{"s3:prefix": {"company-wide"}}, true},
		{"variable default not used when the key is present", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-default-values",
			`{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'company-wide'}"}}`, Context{"s3:prefix": {"company-wide"}, "aws:PrincipalTag/team": {"red"}}, false},
		{"variable without value makes the value unmatched", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html",
			`{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, Context{"s3:prefix": {"home//x"}}, false},
		{"${*} is a literal asterisk", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars",
			`{"StringLike":{"s3:prefix":"a${*}b"}}`, Context{"s3:prefix": {"axxb"}}, false},
		{"${*} matches an asterisk", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars",
			`{"StringLike":{"s3:prefix":"a${*}b${?}${$}"}}`, Context{"s3:prefix": {"a*b?$"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, stmt(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":`+tc.cond+`}`), Identity)
			d := Evaluate(&Request{PrincipalARN: userBob, Action: "s3:ListBucket", Resource: bucketX, Context: tc.ctx}, &Set{Identity: []*Policy{p}})
			if got := d.Effect == Allow; got != tc.want {
				t.Errorf("condition %s with %v = %v, want %v (per %s)", tc.cond, tc.ctx, got, tc.want, tc.doc)
			}
		})
	}
}

// TestMatching covers the Action and Resource elements.
func TestMatching(t *testing.T) {
	const (
		action   = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
		resource = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
		vars     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
		version  = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html"
	)
	tests := []struct {
		name, doc string
		policy    string
		action    string
		resource  string
		ctx       Context
		want      bool
	}{
		{"action wildcard", action, stmt(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), "s3:GetObjectAcl", bucketX, nil, true},
		{"action is case-insensitive", action, stmt(`{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}`), "s3:GetObject", bucketX, nil, true},
		{"action ? wildcard", action, stmt(`{"Effect":"Allow","Action":"iam:?etUser","Resource":"*"}`), "iam:GetUser", "*", nil, true},
		{"action inner wildcard", action, stmt(`{"Effect":"Allow","Action":"s3:*Object*","Resource":"*"}`), "s3:PutObjectTagging", bucketX, nil, true},
		{"action of another service", action, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), "iam:GetUser", "*", nil, false},
		{"NotAction allows everything else", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html", stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), "s3:GetObject", bucketX, nil, true},
		{"NotAction excludes its actions", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html", stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), "iam:CreateUser", "*", nil, false},
		{"resource is case-sensitive", resource, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::X"}`), "s3:ListBucket", bucketX, nil, false},
		{"resource wildcard in the resource part", resource, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/*"}`), "s3:GetObject", "arn:aws:s3:::x/a/b:c", nil, true},
		{"resource bucket pattern does not match its objects", resource, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x"}`), "s3:GetObject", "arn:aws:s3:::x/k", nil, false},
		{"resource account wildcard", resource, stmt(`{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::*:role/dev"}`), "iam:GetRole", roleDev, nil, true},
		{"NotResource", "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html", stmt(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`), "s3:GetObject", "arn:aws:s3:::secret/k", nil, false},
		{"resource with ${aws:username}", vars, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/home/${aws:username}/*"}`), "s3:GetObject", "arn:aws:s3:::x/home/bob/f", Context{"aws:username": {"bob"}}, true},
		{"resource with ${aws:username} of another user", vars, stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/home/${aws:username}/*"}`), "s3:GetObject", "arn:aws:s3:::x/home/eve/f", Context{"aws:username": {"bob"}}, false},
		{"variables are literal in Version 2008-10-17", version, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/${aws:username}"}}`, "s3:GetObject", "arn:aws:s3:::x/${aws:username}", Context{"aws:username": {"bob"}}, true},
		{"variables are literal without Version", version, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::x/${aws:username}"}}`, "s3:GetObject", "arn:aws:s3:::x/bob", Context{"aws:username": {"bob"}}, false},
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

func TestPatternNoExponentialBacktracking(t *testing.T) {
	p := compilePattern("*a*a*a*a*a*a*a*a*a*a*a*b", true, false)
	s := ""
	for i := 0; i < 2000; i++ {
		s += "a"
	}
	if p.match(s, false, nil) {
		t.Fatal("matched a string without b")
	}
	if !p.match(s+"b", false, nil) {
		t.Fatal("did not match")
	}
}
