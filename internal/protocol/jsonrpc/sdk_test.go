package jsonrpc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

func orgServer(t *testing.T, reply func(op *api.Operation, in any) (any, error)) *organizations.Client {
	t.Helper()
	svc := organizationsapi.Service
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, in, err := Decode(svc, r.Header.Get("X-Amz-Target"), r.Body)
		var out any
		if err == nil {
			out, err = reply(op, in)
		}
		if err != nil {
			WriteError(w, svc, awserr.From(err))
			return
		}
		WriteResponse(w, svc, out)
	}))
	t.Cleanup(srv.Close)
	return organizations.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	})
}

func TestSDKOrganizations(t *testing.T) {
	requested := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var got *organizationsapi.CreateAccountInput
	c := orgServer(t, func(op *api.Operation, in any) (any, error) {
		switch in := in.(type) {
		case *organizationsapi.CreateAccountInput:
			got = in
			return &organizationsapi.CreateAccountOutput{CreateAccountStatus: &organizationsapi.CreateAccountStatus{
				Id: api.String("car-0123456789abcdef0123456789abcdef"), AccountName: api.String(in.AccountName),
				State: api.Ptr(organizationsapi.CreateAccountStateINPROGRESS), RequestedTimestamp: api.Time(requested),
			}}, nil
		case *organizationsapi.DescribeAccountInput:
			return nil, organizationsapi.ErrAccountNotFoundException("You specified an account that doesn't exist.")
		}
		return nil, UnknownOperation()
	})
	out, err := c.CreateAccount(context.Background(), &organizations.CreateAccountInput{
		Email: aws.String("a@example.com"), AccountName: aws.String("team-a"), RoleName: aws.String("OrgAdmin"),
		IamUserAccessToBilling: orgtypes.IAMUserAccessToBillingAllow, Tags: []orgtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &organizationsapi.CreateAccountInput{Email: "a@example.com", AccountName: "team-a", RoleName: api.String("OrgAdmin"),
		IamUserAccessToBilling: api.Ptr(organizationsapi.IAMUserAccessToBillingALLOW), Tags: []organizationsapi.Tag{{Key: "k", Value: "v"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %#v\nwant %#v", got, want)
	}
	st := out.CreateAccountStatus
	if aws.ToString(st.Id) != "car-0123456789abcdef0123456789abcdef" || aws.ToString(st.AccountName) != "team-a" ||
		st.State != orgtypes.CreateAccountStateInProgress || !aws.ToTime(st.RequestedTimestamp).Equal(requested) {
		t.Errorf("CreateAccountStatus = %+v", st)
	}

	_, err = c.DescribeAccount(context.Background(), &organizations.DescribeAccountInput{AccountId: aws.String("111111111111")})
	var nf *orgtypes.AccountNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.Message) != "You specified an account that doesn't exist." {
		t.Errorf("DescribeAccount: %v, want AccountNotFoundException", err)
	}

	_, err = c.ListRoots(context.Background(), &organizations.ListRootsInput{})
	var ae interface{ ErrorCode() string }
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" {
		t.Errorf("ListRoots: %v", err)
	}
}
