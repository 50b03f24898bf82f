package awspolicies

import (
	"encoding/json"
	"testing"
)

func TestCatalogue(t *testing.T) {
	if err := Err(); err != nil {
		t.Fatal(err)
	}
	if n := len(All()); n < 1400 {
		t.Fatalf("catalogue has %d policies, want the whole of it", n)
	}
	tests := []struct {
		name, arn, version string
	}{
		{"AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess", "v1"},
		{"ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", ""},
		{"PowerUserAccess", "arn:aws:iam::aws:policy/PowerUserAccess", ""},
		{"IAMFullAccess", "arn:aws:iam::aws:policy/IAMFullAccess", ""},
		{"IAMReadOnlyAccess", "arn:aws:iam::aws:policy/IAMReadOnlyAccess", ""},
		{"AmazonS3FullAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess", ""},
		{"AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", ""},
		{"service-role path", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", ""},
		{"job-function path", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Lookup(tc.arn)
			if p == nil {
				t.Fatalf("%s missing", tc.arn)
			}
			if tc.version != "" && p.DefaultVersionID != tc.version {
				t.Errorf("default version = %s, want %s", p.DefaultVersionID, tc.version)
			}
			var doc struct{ Statement []any }
			if err := json.Unmarshal([]byte(p.Document), &doc); err != nil || len(doc.Statement) == 0 {
				t.Errorf("document %q does not parse to statements: %v", p.Document, err)
			}
			if p.Created.IsZero() {
				t.Error("no creation date")
			}
		})
	}
	if Lookup("arn:aws:iam::aws:policy/NoSuchPolicy") != nil {
		t.Error("unknown ARN found")
	}
}
