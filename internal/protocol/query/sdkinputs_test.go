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
	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// TestDecodesEverySDKInput sends every IAM and STS operation from
// aws-sdk-go-v2 with every input member set and checks each one arrives.
// Sample values ignore model constraints, so the decoder runs without them.
func TestDecodesEverySDKInput(t *testing.T) {
	for _, svc := range []*api.Service{iamapi.Service, stsapi.Service} {
		var decoded any
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				t.Error(err)
			}
			op := svc.Operation(r.PostForm.Get("Action"))
			if op == nil {
				WriteError(w, svc, api.InvalidAction(r.PostForm.Get("Action"), svc.APIVersion), "r")
				return
			}
			in := op.NewInput()
			d := decoder{form: r.PostForm}
			d.structure("", "", reflect.ValueOf(in).Elem())
			if d.err != nil {
				t.Errorf("%s: %v", op.Name, d.err)
			}
			decoded = in
			WriteResponse(w, svc, op, nil, "r")
		}))
		defer srv.Close()
		var client any = iam.NewFromConfig(sdkConfig(srv.URL))
		if svc == stsapi.Service {
			client = sts.NewFromConfig(sdkConfig(srv.URL))
		}
		for _, op := range svc.Operations {
			t.Run(svc.Name+"/"+op.Name, func(t *testing.T) {
				in, _ := vectors.CallSDK(t, client, op.Name, func(in reflect.Value) {
					vectors.PopulateSDK(in.Elem(), 6)
					decoded = nil
				})
				vectors.CheckSent(t, in, reflect.ValueOf(decoded), op.Name)
			})
		}
	}
}
