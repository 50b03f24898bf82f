package jsonrpc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// FuzzDecode: arbitrary bodies decode or fail with an *awserr.Error, never
// panic; what decodes encodes back to valid JSON.
func FuzzDecode(f *testing.F) {
	f.Add("CreateAccount", `{"Email":"a@example.com","AccountName":"a","Tags":[{"Key":"k","Value":"v"}]}`)
	f.Add("ListAccounts", `{"MaxResults":1e400,"NextToken":null}`)
	f.Add("CreatePolicy", `{"Content":"{}","Description":"d","Name":"n","Type":"SERVICE_CONTROL_POLICY","Tags":[null,{}]}`)
	f.Add("TagResource", `{"ResourceId":"r","Tags":{"not":"a list"}}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		_, in, err := Decode(organizationsapi.Service, prefix+op, strings.NewReader(body))
		if err != nil {
			if _, ok := err.(*awserr.Error); !ok {
				t.Fatalf("error %T is not *awserr.Error", err)
			}
			return
		}
		var b bytes.Buffer
		AppendOutput(&b, in)
		if !json.Valid(b.Bytes()) {
			t.Fatalf("re-encoded input is not JSON: %s", b.String())
		}
	})
}

func BenchmarkDecodeCreateAccount(b *testing.B) {
	body := `{"Email":"a@example.com","AccountName":"team-a","RoleName":"OrgAdmin","Tags":[{"Key":"k","Value":"v"}]}`
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(organizationsapi.Service, prefix+"CreateAccount", strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
