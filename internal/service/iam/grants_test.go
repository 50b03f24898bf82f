package iam

import (
	"fmt"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func TestGrantsService(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ns   string
		want bool
	}{
		{"named action", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`, "s3", true},
		{"other service", `{"Statement":[{"Effect":"Allow","Action":["ec2:*"],"Resource":"*"}]}`, "s3", false},
		{"star", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "iam", true},
		{"wildcard service", `{"Statement":[{"Effect":"Allow","Action":"*:List*","Resource":"*"}]}`, "sqs", true},
		// IAM refuses a partial wildcard in the vendor ("Vendor s* is not valid"): such a document is never stored, and grants nothing.
		{"partial wildcard vendor", `{"Statement":[{"Effect":"Allow","Action":"s*:List*","Resource":"*"}]}`, "sqs", false},
		{"deny only", `{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`, "s3", false},
		{"case", `{"Statement":[{"Effect":"Allow","Action":"S3:GetObject","Resource":"*"}]}`, "s3", true},
		{"NotAction of another service", `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, "s3", true},
		{"NotAction of the service", `{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`, "iam", false},
		{"NotAction of some actions", `{"Statement":[{"Effect":"Allow","NotAction":"iam:Create*","Resource":"*"}]}`, "iam", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := grantsService(statementsOf(tc.doc), tc.ns); got != tc.want {
				t.Errorf("grantsService(%s) = %v, want %v", tc.ns, got, tc.want)
			}
		})
	}
}

func TestListPoliciesGrantingServiceAccess(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	must(s.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: "u", PolicyName: "sqs", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`}))
	must(s.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: "u", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}))
	must(s.CreateGroup(ctx, &iamapi.CreateGroupInput{GroupName: "g"}))
	must(s.AttachGroupPolicy(ctx, &iamapi.AttachGroupPolicyInput{GroupName: "g", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	must(s.AddUserToGroup(ctx, &iamapi.AddUserToGroupInput{GroupName: "g", UserName: "u"}))
	o := must(s.ListPoliciesGrantingServiceAccess(ctx, &iamapi.ListPoliciesGrantingServiceAccessInput{Arn: "arn:aws:iam::" + acct + ":user/u", ServiceNamespaces: []string{"s3", "sqs", "kms"}}))
	got := map[string][]string{}
	for _, e := range o.PoliciesGrantingServiceAccess {
		for _, p := range e.Policies {
			got[*e.ServiceNamespace] = append(got[*e.ServiceNamespace], string(p.PolicyType)+" "+p.PolicyName)
		}
	}
	want := map[string]string{
		"s3":  "[MANAGED AmazonS3ReadOnlyAccess MANAGED ReadOnlyAccess]",
		"sqs": "[INLINE sqs MANAGED ReadOnlyAccess]",
		"kms": "[MANAGED ReadOnlyAccess]",
	}
	for ns, w := range want {
		if fmt.Sprint(got[ns]) != w {
			t.Errorf("%s: %v, want %s", ns, got[ns], w)
		}
	}
	_, err := s.ListPoliciesGrantingServiceAccess(ctx, &iamapi.ListPoliciesGrantingServiceAccessInput{Arn: "arn:aws:iam::" + acct + ":role/none", ServiceNamespaces: []string{"s3"}})
	wantErr(t, err, "NoSuchEntity", "", 404)
}
