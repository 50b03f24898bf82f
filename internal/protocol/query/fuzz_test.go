package query

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// FuzzDecode feeds arbitrary form bodies to the decoder: it must return an
// input or an *awserr.Error, never panic, and what it decodes must encode.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=k&Tags.member.1.Value=v",
		"Action=ListUsers&MaxItems=99999999999999999999",
		"Action=UpdateAccessKey&AccessKeyId=AKIA&Status=Active",
		"Action=PutUserPolicy&UserName=u&PolicyName=p&PolicyDocument=%7B%7D",
		"Action=CreateUser&UserName=a&Tags.member.0.Key=&Tags.member.-1.Value=&Tags.member.99999999999.Key=x",
		"Action=AssumeRole&RoleArn=arn:aws:iam::1:role/r&RoleSessionName=s&PolicyArns.member.1.arn=x&Tags.member.1.Key=k",
		"Action=GetAccountSummary&SummaryMap.entry.1.key=Users",
		"Action=CreateUser&UserName=a&Tags=&Tags.member.1=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		op, _, err := Decode(iamapi.Service, form)
		if err == nil {
			var b bytes.Buffer
			AppendResponse(&b, iamapi.Service, op, op.NewOutput(), "r")
			if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
				t.Fatalf("response is not XML: %v", err)
			}
			return
		}
		if _, ok := err.(*awserr.Error); !ok {
			t.Fatalf("error %T is not *awserr.Error", err)
		}
		if _, _, err := Decode(stsapi.Service, form); err != nil {
			if _, ok := err.(*awserr.Error); !ok {
				t.Fatalf("error %T is not *awserr.Error", err)
			}
		}
	})
}
