package jsonrpc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// TestDecodesEverySDKInput sends every Organizations operation from
// aws-sdk-go-v2 with every input member set and checks each one arrives.
// Sample values ignore model constraints, so the decoder runs without them.
func TestDecodesEverySDKInput(t *testing.T) {
	svc := organizationsapi.Service
	var decoded any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		op := svc.Operation(strings.TrimPrefix(target, svc.TargetPrefix+"."))
		if op == nil {
			WriteError(w, svc, UnknownOperation())
			return
		}
		var obj map[string]any
		dec := json.NewDecoder(r.Body)
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			t.Errorf("%s: body: %v", op.Name, err)
		}
		in := op.NewInput()
		d := decoder{}
		d.structure(obj, "", reflect.ValueOf(in).Elem())
		if d.err != nil {
			t.Errorf("%s: %v", op.Name, d.err)
		}
		decoded = in
		WriteResponse(w, svc, nil)
	}))
	defer srv.Close()
	client := organizations.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	})
	for _, op := range svc.Operations {
		t.Run(op.Name, func(t *testing.T) {
			in, _ := vectors.CallSDK(t, client, op.Name, func(in reflect.Value) {
				vectors.PopulateSDK(in.Elem(), 6)
				decoded = nil
			})
			vectors.CheckSent(t, in, reflect.ValueOf(decoded), op.Name)
		})
	}
}
