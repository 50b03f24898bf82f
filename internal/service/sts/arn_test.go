package sts

import "testing"

func TestRoleName(t *testing.T) {
	tests := []struct {
		arn, path, name string
		parses, role    bool
	}{
		{"arn:aws:iam::222222222222:role/deploy", "/", "deploy", true, true},
		{"arn:aws:iam::222222222222:role/a/b/deploy", "/a/b/", "deploy", true, true},
		{"arn:aws:iam::222222222222:role/", "", "", true, false},
		{"arn:aws:iam::222222222222:role/a/", "", "", true, false},
		{"arn:aws:iam::222222222222:user/deploy", "", "", true, false},
		{"arn:aws:iam::2222:role/deploy", "", "", true, false},
		{"arn:aws:iam:us-east-1:222222222222:role/deploy", "", "", true, false},
		{"arn:aws-cn:iam::222222222222:role/deploy", "", "", true, false},
		{"arn:aws:sts::222222222222:assumed-role/deploy/s", "", "", true, false},
		{"arn:aws:iam::222222222222:role/with:colon", "/", "with:colon", true, true},
		{"arn:aws:iam::222222222222", "", "", false, false},
		{"arn::iam::222222222222:role/x", "", "", false, false},
		{"arn:aws:::222222222222:role/x", "", "", false, false},
		{"nrn:aws:iam::222222222222:role/x", "", "", false, false},
		{"", "", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			a, ok := parseARN(tt.arn)
			if ok != tt.parses {
				t.Fatalf("parseARN ok = %v, want %v", ok, tt.parses)
			}
			if !ok {
				return
			}
			path, name, ok := roleName(a)
			if ok != tt.role || path != tt.path || name != tt.name {
				t.Errorf("roleName = %q %q %v, want %q %q %v", path, name, ok, tt.path, tt.name, tt.role)
			}
		})
	}
}

func TestCharset(t *testing.T) {
	tests := []struct {
		set  *charset
		s    string
		want bool
	}{
		{namePattern, "botocore-session-1700000000", true},
		{namePattern, "a+b=c,d.e@f_G-9", true},
		{namePattern, "a:b", false},
		{namePattern, "a b", false},
		{namePattern, "é", false},
		{externalIDPattern, "arn:aws:x/y", true},
		{externalIDPattern, "a b", false},
		{serialPattern, "arn:aws:iam::111111111111:mfa/alice", true},
		{tokenCodePattern, "123456", true},
		{tokenCodePattern, "12345a", false},
		{accessKeyPattern, "AKIA_2345", true},
		{accessKeyPattern, "AKIA-2345", false},
		{namePattern, "", true},
	}
	for _, tt := range tests {
		if got := tt.set.MatchString(tt.s); got != tt.want {
			t.Errorf("%+v.MatchString(%q) = %v, want %v", tt.set, tt.s, got, tt.want)
		}
	}
}
