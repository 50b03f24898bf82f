package jsonrpc

import (
	"bytes"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

const prefix = "AWSOrganizationsV20161128."

func TestDecode(t *testing.T) {
	tests := []struct {
		name, target, body string
		want               any
	}{
		{"create account", prefix + "CreateAccount", `{"Email":"a@example.com","AccountName":"a","Tags":[{"Key":"k","Value":"v"}],"IamUserAccessToBilling":"DENY"}`,
			&organizationsapi.CreateAccountInput{Email: "a@example.com", AccountName: "a", Tags: []organizationsapi.Tag{{Key: "k", Value: "v"}},
				IamUserAccessToBilling: api.Ptr(organizationsapi.IAMUserAccessToBillingDENY)}},
		{"empty body is an empty object", prefix + "DescribeOrganization", ``, &organizationsapi.DescribeOrganizationInput{}},
		{"unknown members are ignored", prefix + "ListAccounts", `{"MaxResults":5,"Other":true}`, &organizationsapi.ListAccountsInput{MaxResults: api.Int32(5)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, in, err := Decode(organizationsapi.Service, tc.target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, tc.want) {
				t.Errorf("got  %#v\nwant %#v", in, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, target, body, code, msg string
	}{
		{"no target", "", `{}`, "UnknownOperationException", ""},
		{"other service's prefix", "AmazonSSM.CreateAccount", `{}`, "UnknownOperationException", ""},
		{"unknown operation", prefix + "Nope", `{}`, "UnknownOperationException", ""},
		{"not JSON", prefix + "ListAccounts", `{"MaxResults":`, "SerializationException", "Start of structure or map found where not expected."},
		{"not an object", prefix + "ListAccounts", `[1]`, "SerializationException", "Start of structure or map found where not expected."},
		{"wrong type", prefix + "ListAccounts", `{"MaxResults":"five"}`, "SerializationException", "Value five at 'maxResults' cannot be read as an integer."},
		{"null", prefix + "ListAccounts", `null`, "SerializationException", "Start of structure or map found where not expected."},
		{"a string", prefix + "ListAccounts", `"x"`, "SerializationException", "Start of structure or map found where not expected."},
		{"two documents", prefix + "ListAccounts", `{} {"MaxResults":5}`, "SerializationException", "Unexpected content after the end of the JSON document."},
		{"trailing garbage", prefix + "ListAccounts", `{}]`, "SerializationException", "Unexpected content after the end of the JSON document."},
		{"structure as a string", prefix + "CreateAccount", `{"Email":"a@example.com","AccountName":"n","Tags":"x"}`, "SerializationException", "Value x at 'tags' cannot be read as a list."},
		{"required missing, sensitive value left out", prefix + "CreateAccount", `{"Email":"nope"}`, "ValidationException",
			"3 validation errors detected: Value at 'email' failed to satisfy constraint: Member must have length greater than or equal to 6; " +
				"Value at 'email' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s@]+@[^\\s@]+\\.[^\\s@]+; " +
				"Value null at 'accountName' failed to satisfy constraint: Member must not be null"},
		{"range", prefix + "ListAccounts", `{"MaxResults":0}`, "ValidationException",
			"1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(organizationsapi.Service, tc.target, strings.NewReader(tc.body))
			e, ok := err.(*awserr.Error)
			if !ok {
				t.Fatalf("err = %v", err)
			}
			if e.Code != tc.code || e.Message != tc.msg || e.Status != 400 {
				t.Errorf("got %d %s %q\nwant 400 %s %q", e.Status, e.Code, e.Message, tc.code, tc.msg)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	t.Run("response", func(t *testing.T) {
		rec := httptest.NewRecorder()
		out := &organizationsapi.DescribeOrganizationOutput{Organization: &organizationsapi.Organization{Id: api.String("o-abcdefghij"),
			FeatureSet:           api.Ptr(organizationsapi.OrganizationFeatureSetALL),
			AvailablePolicyTypes: []organizationsapi.PolicyTypeSummary{{Type: api.Ptr(organizationsapi.PolicyTypeSERVICECONTROLPOLICY)}}}}
		if err := WriteResponse(rec, organizationsapi.Service, out); err != nil {
			t.Fatal(err)
		}
		want := `{"Organization":{"Id":"o-abcdefghij","FeatureSet":"ALL","AvailablePolicyTypes":[{"Type":"SERVICE_CONTROL_POLICY"}]}}`
		if rec.Code != 200 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("got %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	})
	t.Run("timestamps are epoch seconds", func(t *testing.T) {
		var b bytes.Buffer
		AppendOutput(&b, &organizationsapi.DescribeAccountOutput{Account: &organizationsapi.Account{JoinedTimestamp: api.Time(time.Unix(1700000000, 500e6))}})
		if want := `{"Account":{"JoinedTimestamp":1700000000.5}}`; b.String() != want {
			t.Errorf("got %s, want %s", b.String(), want)
		}
	})
	t.Run("error", func(t *testing.T) {
		rec := httptest.NewRecorder()
		e := organizationsapi.ErrConstraintViolationException("You have exceeded \"the\" limit.").With("Reason", "ACCOUNT_NUMBER_LIMIT_EXCEEDED")
		if err := WriteError(rec, organizationsapi.Service, e); err != nil {
			t.Fatal(err)
		}
		want := `{"__type":"ConstraintViolationException","message":"You have exceeded \"the\" limit.","Reason":"ACCOUNT_NUMBER_LIMIT_EXCEEDED"}`
		if rec.Code != 400 || rec.Body.String() != want || rec.Header().Get("X-Amzn-ErrorType") != "ConstraintViolationException" {
			t.Errorf("got %d %q %s", rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body.String())
		}
	})
}
