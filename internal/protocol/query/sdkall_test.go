package query

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// TestSDKParsesEveryOutput calls every IAM and STS operation through
// aws-sdk-go-v2 against a server that answers with the operation's output
// filled with sample values in every member; the SDK must parse each of them.
func TestSDKParsesEveryOutput(t *testing.T) {
	tests := []struct {
		svc    *api.Service
		client any
	}{
		{iamapi.Service, nil},
		{stsapi.Service, nil},
	}
	for _, tc := range tests {
		svc := tc.svc
		outputs := map[string]any{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				t.Error(err)
			}
			// Placeholder inputs may break model constraints; only the
			// output matters here, so a ValidationError is ignored.
			op, _, err := Decode(svc, r.PostForm)
			if op == nil {
				WriteError(w, svc, awserr.From(err), "r")
				return
			}
			out := op.NewOutput()
			vectors.Populate(reflect.ValueOf(out).Elem(), 6, false)
			outputs[op.Name] = out
			WriteResponse(w, svc, op, out, "r")
		}))
		defer srv.Close()
		var client any
		switch svc.Name {
		case "iam":
			client = iam.NewFromConfig(sdkConfig(srv.URL))
		case "sts":
			client = sts.NewFromConfig(sdkConfig(srv.URL))
		}
		for _, op := range svc.Operations {
			t.Run(svc.Name+"/"+op.Name, func(t *testing.T) {
				_, out := vectors.CallSDK(t, client, op.Name, func(in reflect.Value) {
					vectors.FillRequired(in.Elem(), shape.Of(reflect.TypeOf(op.NewInput())))
				})
				for _, d := range vectors.Compare(reflect.ValueOf(outputs[op.Name]), out, op.Name) {
					t.Error(d)
				}
			})
		}
	}
}
