package query

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
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// server decodes every request with the codec, hands the input to check and
// answers with what reply returns.
func server(t *testing.T, svc *api.Service, reply func(op *api.Operation, in any) (any, error)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("ParseForm: %v", err)
		}
		op, in, err := Decode(svc, r.PostForm)
		var out any
		if err == nil {
			out, err = reply(op, in)
		}
		if err != nil {
			WriteError(w, svc, awserr.From(err), "req-1")
			return
		}
		WriteResponse(w, svc, op, out, "req-1")
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sdkConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func TestSDKIAMCreateUser(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var got *iamapi.CreateUserInput
	srv := server(t, iamapi.Service, func(op *api.Operation, in any) (any, error) {
		got = in.(*iamapi.CreateUserInput)
		return &iamapi.CreateUserOutput{User: &iamapi.User{
			Path: "/team/", UserName: got.UserName, UserId: "AIDAEXAMPLEEXAMPLE01", Arn: "arn:aws:iam::111111111111:user/team/" + got.UserName,
			CreateDate: created, PasswordLastUsed: api.Time(created.Add(time.Hour)),
			PermissionsBoundary: &iamapi.AttachedPermissionsBoundary{PermissionsBoundaryArn: api.String("arn:aws:iam::aws:policy/ReadOnlyAccess"), PermissionsBoundaryType: api.Ptr(iamapi.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy)},
			Tags:                got.Tags,
		}}, nil
	})
	c := iam.NewFromConfig(sdkConfig(srv.URL))
	out, err := c.CreateUser(context.Background(), &iam.CreateUserInput{
		UserName: aws.String("alice"), Path: aws.String("/team/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a b:c/d=e+f@g é")}, {Key: aws.String("empty"), Value: aws.String("")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIn := &iamapi.CreateUserInput{UserName: "alice", Path: api.String("/team/"), Tags: []iamapi.Tag{{Key: "team", Value: "a b:c/d=e+f@g é"}, {Key: "empty", Value: ""}}}
	if !reflect.DeepEqual(got, wantIn) {
		t.Errorf("decoded %#v\nwant %#v", got, wantIn)
	}
	u := out.User
	checks := []struct {
		name      string
		got, want any
	}{
		{"Path", aws.ToString(u.Path), "/team/"},
		{"UserName", aws.ToString(u.UserName), "alice"},
		{"UserId", aws.ToString(u.UserId), "AIDAEXAMPLEEXAMPLE01"},
		{"Arn", aws.ToString(u.Arn), "arn:aws:iam::111111111111:user/team/alice"},
		{"CreateDate", aws.ToTime(u.CreateDate), created},
		{"PasswordLastUsed", aws.ToTime(u.PasswordLastUsed), created.Add(time.Hour)},
		{"BoundaryArn", aws.ToString(u.PermissionsBoundary.PermissionsBoundaryArn), "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		{"BoundaryType", string(u.PermissionsBoundary.PermissionsBoundaryType), "PermissionsBoundaryPolicy"},
		{"Tags", len(u.Tags), 2},
		{"Tag0", aws.ToString(u.Tags[0].Value), "a b:c/d=e+f@g é"},
		{"Tag1", aws.ToString(u.Tags[1].Value), ""},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSDKIAMMapsAndLists(t *testing.T) {
	srv := server(t, iamapi.Service, func(op *api.Operation, in any) (any, error) {
		switch op.Name {
		case "GetAccountSummary":
			return &iamapi.GetAccountSummaryOutput{SummaryMap: map[iamapi.SummaryKeyType]int32{"Users": 3, "Groups": 0}}, nil
		case "ListUsers":
			if mi := in.(*iamapi.ListUsersInput).MaxItems; mi == nil || *mi != 2 {
				t.Errorf("MaxItems = %v", mi)
			}
			return &iamapi.ListUsersOutput{IsTruncated: api.Bool(true), Marker: api.String("m1"), Users: []iamapi.User{
				{Path: "/", UserName: "a", UserId: "AIDA1111111111111111", Arn: "arn:aws:iam::111111111111:user/a", CreateDate: time.Unix(1700000000, 0)},
				{Path: "/", UserName: "b", UserId: "AIDA2222222222222222", Arn: "arn:aws:iam::111111111111:user/b", CreateDate: time.Unix(1700000001, 0)},
			}}, nil
		}
		return nil, api.InvalidAction(op.Name, "2010-05-08")
	})
	c := iam.NewFromConfig(sdkConfig(srv.URL))
	sum, err := c.GetAccountSummary(context.Background(), &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.SummaryMap["Users"] != 3 || len(sum.SummaryMap) != 2 {
		t.Errorf("SummaryMap = %v", sum.SummaryMap)
	}
	lu, err := c.ListUsers(context.Background(), &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if !lu.IsTruncated || aws.ToString(lu.Marker) != "m1" || len(lu.Users) != 2 || aws.ToString(lu.Users[1].UserName) != "b" || !aws.ToTime(lu.Users[1].CreateDate).Equal(time.Unix(1700000001, 0)) {
		t.Errorf("ListUsers = %+v", lu)
	}
}

func TestSDKErrors(t *testing.T) {
	srv := server(t, iamapi.Service, func(op *api.Operation, in any) (any, error) {
		return nil, iamapi.ErrNoSuchEntityException("The user with name bob cannot be found.")
	})
	c := iam.NewFromConfig(sdkConfig(srv.URL))
	tests := []struct {
		name     string
		call     func() error
		code     string
		message  string
		sdkError any
	}{
		{"modelled error", func() error {
			_, err := c.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("bob")})
			return err
		}, "NoSuchEntity", "The user with name bob cannot be found.", &iamtypes.NoSuchEntityException{}},
		{"validation error", func() error {
			_, err := c.ListUsers(context.Background(), &iam.ListUsersInput{MaxItems: aws.Int32(0)})
			return err
		}, "ValidationError", "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			if !errorsAs(err, &ae) {
				t.Fatalf("err = %v", err)
			}
			if ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.message {
				t.Errorf("got %s %q", ae.ErrorCode(), ae.ErrorMessage())
			}
			if tc.sdkError != nil && reflect.TypeOf(ae) != reflect.TypeOf(tc.sdkError) {
				t.Errorf("SDK error type %T, want %T", ae, tc.sdkError)
			}
		})
	}
}

func TestSDKSTS(t *testing.T) {
	exp := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	var got *stsapi.AssumeRoleInput
	srv := server(t, stsapi.Service, func(op *api.Operation, in any) (any, error) {
		switch op.Name {
		case "GetCallerIdentity":
			return &stsapi.GetCallerIdentityOutput{Account: api.String("111111111111"), Arn: api.String("arn:aws:iam::111111111111:root"), UserId: api.String("111111111111")}, nil
		case "AssumeRole":
			got = in.(*stsapi.AssumeRoleInput)
			return &stsapi.AssumeRoleOutput{
				Credentials:      &stsapi.Credentials{AccessKeyId: "ASIAEXAMPLEEXAMPLE01", SecretAccessKey: "s3cr3t", SessionToken: "token", Expiration: exp},
				AssumedRoleUser:  &stsapi.AssumedRoleUser{AssumedRoleId: "AROAEXAMPLE:sess", Arn: "arn:aws:sts::222222222222:assumed-role/r/sess"},
				PackedPolicySize: api.Int32(7),
				SourceIdentity:   api.String("me"),
			}, nil
		}
		return nil, api.InvalidAction(op.Name, "2011-06-15")
	})
	c := sts.NewFromConfig(sdkConfig(srv.URL))
	id, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != "111111111111" || aws.ToString(id.Arn) != "arn:aws:iam::111111111111:root" || aws.ToString(id.UserId) != "111111111111" {
		t.Errorf("GetCallerIdentity = %+v", id)
	}
	ar, err := c.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/r"), RoleSessionName: aws.String("sess"),
		ExternalId: aws.String("ext"), DurationSeconds: aws.Int32(900), SerialNumber: aws.String("arn:aws:iam::111111111111:mfa/u"), TokenCode: aws.String("123456"),
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIn := &stsapi.AssumeRoleInput{RoleArn: "arn:aws:iam::222222222222:role/r", RoleSessionName: "sess", ExternalId: api.String("ext"), DurationSeconds: api.Int32(900),
		SerialNumber: api.String("arn:aws:iam::111111111111:mfa/u"), TokenCode: api.String("123456")}
	if !reflect.DeepEqual(got, wantIn) {
		t.Errorf("decoded %#v\nwant %#v", got, wantIn)
	}
	cr := ar.Credentials
	if aws.ToString(cr.AccessKeyId) != "ASIAEXAMPLEEXAMPLE01" || aws.ToString(cr.SecretAccessKey) != "s3cr3t" || aws.ToString(cr.SessionToken) != "token" || !aws.ToTime(cr.Expiration).Equal(exp) {
		t.Errorf("Credentials = %+v", cr)
	}
	if aws.ToString(ar.AssumedRoleUser.Arn) != "arn:aws:sts::222222222222:assumed-role/r/sess" || aws.ToInt32(ar.PackedPolicySize) != 7 || aws.ToString(ar.SourceIdentity) != "me" {
		t.Errorf("AssumeRole = %+v", ar)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
