package api_test

import (
	"context"
	"errors"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

func TestServices(t *testing.T) {
	tests := []struct {
		name string
		svc  *api.Service
		want api.Service
		ops  int
	}{
		{"iam", iamapi.Service, api.Service{Name: "iam", Protocol: "query", APIVersion: "2010-05-08", XMLNamespace: "https://iam.amazonaws.com/doc/2010-05-08/"}, 159},
		{"sts", stsapi.Service, api.Service{Name: "sts", Protocol: "query", APIVersion: "2011-06-15", XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/"}, 8},
		{"s3", s3api.Service, api.Service{Name: "s3", Protocol: "rest-xml", APIVersion: "2006-03-01", XMLNamespace: "http://s3.amazonaws.com/doc/2006-03-01/"}, 99},
		{"organizations", organizationsapi.Service, api.Service{Name: "organizations", Protocol: "json", APIVersion: "2016-11-28", TargetPrefix: "AWSOrganizationsV20161128", JSONVersion: "1.1"}, 55},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.svc
			if s.Name != tc.want.Name || s.Protocol != tc.want.Protocol || s.APIVersion != tc.want.APIVersion || s.XMLNamespace != tc.want.XMLNamespace ||
				s.TargetPrefix != tc.want.TargetPrefix || s.JSONVersion != tc.want.JSONVersion {
				t.Errorf("service = %+v", s)
			}
			if len(s.Operations) != tc.ops {
				t.Errorf("%d operations, want %d", len(s.Operations), tc.ops)
			}
			for _, op := range s.Operations {
				if s.Operation(op.Name) != op || op.Service != s {
					t.Errorf("operation %s is not indexed", op.Name)
				}
				if op.NewInput() == nil || op.NewOutput() == nil {
					t.Errorf("operation %s: nil input or output", op.Name)
				}
			}
			if s.Operation("Nope") != nil {
				t.Error("unknown operation found")
			}
		})
	}
}

func TestOperationFacts(t *testing.T) {
	tests := []struct {
		name      string
		op        *api.Operation
		method    string
		uri       string
		wrapper   string
		code      int
		errorCode string
	}{
		{"iam result wrapper", iamapi.Service.Operation("CreateUser"), "POST", "/", "CreateUserResult", 0, "EntityAlreadyExists"},
		{"iam no output", iamapi.Service.Operation("DeleteUser"), "POST", "/", "", 0, "NoSuchEntity"},
		{"s3 response code", s3api.Service.Operation("DeleteObject"), "DELETE", "/{Bucket}/{Key+}", "", 204, ""},
		{"s3 subresource", s3api.Service.Operation("PutBucketTagging"), "PUT", "/{Bucket}?tagging", "", 0, ""},
		{"sts", stsapi.Service.Operation("AssumeRole"), "POST", "/", "AssumeRoleResult", 0, "MalformedPolicyDocument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := tc.op
			if op.Method != tc.method || op.RequestURI != tc.uri || op.ResultWrapper != tc.wrapper || op.ResponseCode != tc.code {
				t.Errorf("op = %+v", op)
			}
			if tc.errorCode == "" {
				return
			}
			for _, e := range op.Errors {
				if e == tc.errorCode {
					return
				}
			}
			t.Errorf("errors %v lack %s", op.Errors, tc.errorCode)
		})
	}
}

func TestModelledErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    *awserr.Error
		code   string
		status int
		server bool
	}{
		{"iam sender", iamapi.ErrNoSuchEntityException("m"), "NoSuchEntity", 404, false},
		{"iam receiver", iamapi.ErrServiceFailureException("m"), "ServiceFailure", 500, true},
		{"sts", stsapi.ErrExpiredTokenException("m"), "ExpiredTokenException", 400, false},
		{"s3", s3api.ErrNoSuchBucket("m"), "NoSuchBucket", 404, false},
		{"organizations", organizationsapi.ErrAccountNotFoundException("m"), "AccountNotFoundException", 400, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.err
			if e.Code != tc.code || e.Status != tc.status || e.Server != tc.server || e.Message != "m" {
				t.Errorf("got %+v", e)
			}
		})
	}
}

// users implements one IAM operation; the rest come from Unimplemented.
type users struct{ iamapi.Unimplemented }

func (users) GetUser(_ context.Context, in *iamapi.GetUserInput) (*iamapi.GetUserOutput, error) {
	return &iamapi.GetUserOutput{User: &iamapi.User{UserName: api.ToString(in.UserName)}}, nil
}

func TestInvoke(t *testing.T) {
	ctx := context.Background()
	out, err := iamapi.Service.Operation("GetUser").Invoke(ctx, users{}, &iamapi.GetUserInput{UserName: api.String("bob")})
	if err != nil || out.(*iamapi.GetUserOutput).User.UserName != "bob" {
		t.Fatalf("GetUser = %v, %v", out, err)
	}
	tests := []struct {
		name    string
		svc     *api.Service
		h       any
		op      string
		code    string
		status  int
		message string
	}{
		{"query", iamapi.Service, users{}, "CreateUser", "InvalidAction", 400, "Could not find operation CreateUser for version 2010-05-08"},
		{"sts", stsapi.Service, stsapi.Unimplemented{}, "GetCallerIdentity", "InvalidAction", 400, "Could not find operation GetCallerIdentity for version 2011-06-15"},
		{"rest-xml", s3api.Service, s3api.Unimplemented{}, "GetBucketAcl", "NotImplemented", 501, "A header you provided implies functionality that is not implemented"},
		{"json", organizationsapi.Service, organizationsapi.Unimplemented{}, "ListRoots", "UnknownOperationException", 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op := tc.svc.Operation(tc.op)
			out, err := op.Invoke(ctx, tc.h, op.NewInput())
			var e *awserr.Error
			if out != nil || !errors.As(err, &e) {
				t.Fatalf("got %v, %v", out, err)
			}
			if e.Code != tc.code || e.Status != tc.status || e.Message != tc.message {
				t.Errorf("got %d %s %q", e.Status, e.Code, e.Message)
			}
		})
	}
}

func TestValues(t *testing.T) {
	if api.ToString(nil) != "" || api.ToString(api.String("a")) != "a" || api.ToInt32(api.Int32(3)) != 3 || api.ToInt64(nil) != 0 ||
		!api.ToBool(api.Bool(true)) || api.ToBool(nil) || api.Deref(api.Ptr(s3api.BucketVersioningStatusEnabled)) != "Enabled" || !api.ToTime(nil).IsZero() {
		t.Error("pointer helpers disagree with their values")
	}
}
