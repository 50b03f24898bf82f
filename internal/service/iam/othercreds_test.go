package iam

import (
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func TestServiceSpecificCredentials(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "dev"}))
	c := must(s.CreateServiceSpecificCredential(ctx, &iamapi.CreateServiceSpecificCredentialInput{UserName: "dev", ServiceName: "codecommit.amazonaws.com"})).ServiceSpecificCredential
	if c.ServiceUserName != "dev-at-"+acct || len(c.ServicePassword) != 44 || !strings.HasPrefix(c.ServiceSpecificCredentialId, "ACCA") {
		t.Fatalf("CreateServiceSpecificCredential = %+v", c)
	}
	if k := h.authz.last().Context["iam:ServiceSpecificCredentialServiceName"]; len(k) != 1 || k[0] != "codecommit.amazonaws.com" {
		t.Errorf("condition key = %v", k)
	}
	must(s.CreateServiceSpecificCredential(ctx, &iamapi.CreateServiceSpecificCredentialInput{UserName: "dev", ServiceName: "codecommit.amazonaws.com"}))
	must(s.CreateServiceSpecificCredential(ctx, &iamapi.CreateServiceSpecificCredentialInput{UserName: "dev", ServiceName: "cassandra.amazonaws.com"}))
	tests := []struct {
		name string
		in   iamapi.CreateServiceSpecificCredentialInput
		code string
	}{
		{"third for one service", iamapi.CreateServiceSpecificCredentialInput{UserName: "dev", ServiceName: "codecommit.amazonaws.com"}, "LimitExceeded"},
		{"unsupported service", iamapi.CreateServiceSpecificCredentialInput{UserName: "dev", ServiceName: "s3.amazonaws.com"}, "NotSupportedService"},
		{"missing user", iamapi.CreateServiceSpecificCredentialInput{UserName: "ghost", ServiceName: "codecommit.amazonaws.com"}, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateServiceSpecificCredential(ctx, &tc.in)
			wantErr(t, err, tc.code, "", 0)
		})
	}
	if l := must(s.ListServiceSpecificCredentials(ctx, &iamapi.ListServiceSpecificCredentialsInput{UserName: api.String("dev"), ServiceName: api.String("codecommit.amazonaws.com")})); len(l.ServiceSpecificCredentials) != 2 {
		t.Fatalf("list for codecommit = %+v", l)
	}
	reset := must(s.ResetServiceSpecificCredential(ctx, &iamapi.ResetServiceSpecificCredentialInput{UserName: api.String("dev"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId})).ServiceSpecificCredential
	if k := h.authz.last().Context["iam:ServiceSpecificCredentialServiceName"]; len(k) != 1 || k[0] != "codecommit.amazonaws.com" {
		t.Errorf("Reset's condition key = %v", k)
	}
	if reset.ServicePassword == c.ServicePassword {
		t.Error("ResetServiceSpecificCredential kept the password")
	}
	must(s.UpdateServiceSpecificCredential(ctx, &iamapi.UpdateServiceSpecificCredentialInput{UserName: api.String("dev"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId, Status: iamapi.StatusTypeInactive}))
	_, err := s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "dev"})
	wantErr(t, err, "DeleteConflict", "", 409)
	_, err = s.DeleteServiceSpecificCredential(ctx, &iamapi.DeleteServiceSpecificCredentialInput{UserName: api.String("dev"), ServiceSpecificCredentialId: "ACCANOSUCHCREDENTIAL0"})
	wantErr(t, err, "NoSuchEntity", "", 404)
	for _, m := range must(s.ListServiceSpecificCredentials(ctx, &iamapi.ListServiceSpecificCredentialsInput{UserName: api.String("dev")})).ServiceSpecificCredentials {
		must(s.DeleteServiceSpecificCredential(ctx, &iamapi.DeleteServiceSpecificCredentialInput{UserName: api.String("dev"), ServiceSpecificCredentialId: m.ServiceSpecificCredentialId}))
	}
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "dev"}))
}
