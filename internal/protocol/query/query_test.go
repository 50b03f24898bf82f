package query

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

func form(s string) url.Values {
	v, err := url.ParseQuery(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestDecodeIAM(t *testing.T) {
	tests := []struct {
		name string
		body string
		want any
	}{
		{
			name: "create user with tags",
			body: "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&Tags.member.2.Value=",
			want: &iamapi.CreateUserInput{UserName: "alice", Path: api.String("/team/"), Tags: []iamapi.Tag{{Key: "k1", Value: "v1"}, {Key: "k2", Value: ""}}},
		},
		{
			name: "list items in index order, gaps closed",
			body: "Action=CreateUser&Version=2010-05-08&UserName=bob&Tags.member.10.Key=b&Tags.member.10.Value=2&Tags.member.2.Key=a&Tags.member.2.Value=1",
			want: &iamapi.CreateUserInput{UserName: "bob", Tags: []iamapi.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}},
		},
		{
			name: "empty list",
			body: "Action=CreateUser&Version=2010-05-08&UserName=bob&Tags=",
			want: &iamapi.CreateUserInput{UserName: "bob", Tags: []iamapi.Tag{}},
		},
		{
			name: "integer and enum",
			body: "Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Inactive",
			want: &iamapi.UpdateAccessKeyInput{AccessKeyId: "AKIAIOSFODNN7EXAMPLE", Status: iamapi.StatusTypeInactive},
		},
		{
			name: "optional integer",
			body: "Action=ListUsers&Version=2010-05-08&MaxItems=10",
			want: &iamapi.ListUsersInput{MaxItems: api.Int32(10)},
		},
		{
			name: "no input members",
			body: "Action=GetAccountSummary&Version=2010-05-08",
			want: &iamapi.GetAccountSummaryInput{},
		},
		{
			name: "version omitted",
			body: "Action=GetUser",
			want: &iamapi.GetUserInput{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			op, in, err := Decode(iamapi.Service, form(tc.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if op.Name != form(tc.body).Get("Action") {
				t.Errorf("op = %s", op.Name)
			}
			if !reflect.DeepEqual(in, tc.want) {
				t.Errorf("got  %#v\nwant %#v", in, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, body, code, msg string
	}{
		{"missing action", "Version=2010-05-08&UserName=a", "MissingAction", "The request is missing an action or a required parameter."},
		{"unknown action", "Action=CreateUsr&Version=2010-05-08", "InvalidAction", "Could not find operation CreateUsr for version 2010-05-08"},
		{"wrong version", "Action=CreateUser&Version=2011-06-15&UserName=a", "InvalidAction", "Could not find operation CreateUser for version 2011-06-15"},
		{"required missing", "Action=CreateUser&Version=2010-05-08", "ValidationError",
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"too long and bad pattern", "Action=CreateUser&Version=2010-05-08&UserName=" + strings.Repeat("a", 65) + "&Path=nope", "ValidationError",
			"2 validation errors detected: Value 'nope' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); " +
				"Value '" + strings.Repeat("a", 65) + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"empty string below min", "Action=GetUser&Version=2010-05-08&UserName=", "ValidationError",
			"2 validation errors detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"nested list item path", "Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Value=v", "ValidationError",
			"1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"},
		{"enum outside set", "Action=UpdateAccessKey&Version=2010-05-08&AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Off", "ValidationError",
			"1 validation error detected: Value 'Off' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"},
		{"range", "Action=ListUsers&Version=2010-05-08&MaxItems=0", "ValidationError",
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"not an integer", "Action=ListUsers&Version=2010-05-08&MaxItems=ten", "InvalidParameterValue",
			"Value (ten) for parameter MaxItems is invalid. Expected an integer."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(iamapi.Service, form(tc.body))
			e, ok := err.(*awserr.Error)
			if !ok {
				t.Fatalf("err = %v, want *awserr.Error", err)
			}
			if e.Code != tc.code || e.Message != tc.msg || e.Status != 400 {
				t.Errorf("got %d %s %q\nwant 400 %s %q", e.Status, e.Code, e.Message, tc.code, tc.msg)
			}
		})
	}
}

func TestAppendResponse(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		svc  *api.Service
		op   string
		out  any
		want string
	}{
		{
			name: "create user",
			svc:  iamapi.Service,
			op:   "CreateUser",
			out: &iamapi.CreateUserOutput{User: &iamapi.User{Path: "/", UserName: "a&b", UserId: "AIDAEXAMPLE", Arn: "arn:aws:iam::111111111111:user/a", CreateDate: created,
				Tags: []iamapi.Tag{{Key: "k", Value: "v"}}}},
			want: `<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User><Path>/</Path><UserName>a&amp;b</UserName><UserId>AIDAEXAMPLE</UserId><Arn>arn:aws:iam::111111111111:user/a</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate><Tags><member><Key>k</Key><Value>v</Value></member></Tags></User></CreateUserResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></CreateUserResponse>`,
		},
		{
			name: "no result wrapper",
			svc:  iamapi.Service,
			op:   "DeleteUser",
			want: `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></DeleteUserResponse>`,
		},
		{
			name: "nil output, required list is sent empty",
			svc:  iamapi.Service,
			op:   "ListUsers",
			out:  &iamapi.ListUsersOutput{},
			want: `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users></Users></ListUsersResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></ListUsersResponse>`,
		},
		{
			name: "map",
			svc:  iamapi.Service,
			op:   "GetAccountSummary",
			out:  &iamapi.GetAccountSummaryOutput{SummaryMap: map[iamapi.SummaryKeyType]int32{iamapi.SummaryKeyTypeUsers: 2, iamapi.SummaryKeyTypeGroups: 1}},
			want: `<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountSummaryResult><SummaryMap><entry><key>Groups</key><value>1</value></entry><entry><key>Users</key><value>2</value></entry></SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetAccountSummaryResponse>`,
		},
		{
			name: "sts caller identity",
			svc:  stsapi.Service,
			op:   "GetCallerIdentity",
			out:  &stsapi.GetCallerIdentityOutput{Account: api.String("111111111111"), Arn: api.String("arn:aws:iam::111111111111:root"), UserId: api.String("111111111111")},
			want: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>111111111111</UserId><Account>111111111111</Account><Arn>arn:aws:iam::111111111111:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			AppendResponse(&b, tc.svc, tc.svc.Operation(tc.op), tc.out, "rid")
			if b.String() != tc.want {
				t.Errorf("got  %s\nwant %s", b.String(), tc.want)
			}
		})
	}
}

func TestAppendError(t *testing.T) {
	tests := []struct {
		name string
		err  *awserr.Error
		want string
	}{
		{"sender", iamapi.ErrNoSuchEntityException("The user with name bob cannot be found."),
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message></Error><RequestId>rid</RequestId></ErrorResponse>`},
		{"receiver", awserr.Internal(nil),
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>The request processing has failed because of an unknown error, exception or failure.</Message></Error><RequestId>rid</RequestId></ErrorResponse>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			AppendError(&b, iamapi.Service, tc.err, "rid")
			if b.String() != tc.want {
				t.Errorf("got  %s\nwant %s", b.String(), tc.want)
			}
		})
	}
}

// TestConcurrentDecode exercises the plan and pattern caches from many
// goroutines (run with -race).
func TestConcurrentDecode(t *testing.T) {
	bodies := []string{
		"Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D&Path=%2F",
		"Action=PutUserPolicy&Version=2010-05-08&UserName=u&PolicyName=p&PolicyDocument=%7B%7D",
	}
	done := make(chan error)
	for i := range 8 {
		go func() {
			_, _, err := Decode(iamapi.Service, form(bodies[i%len(bodies)]))
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
