package jsonrpc

import (
	"context"
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
			method := reflect.ValueOf(client).MethodByName(op.Name)
			if !method.IsValid() {
				t.Skipf("aws-sdk-go-v2 has no %s", op.Name)
			}
			in := reflect.New(method.Type().In(1).Elem())
			vectors.PopulateSDK(in.Elem(), 6)
			decoded = nil
			res := method.Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
			if err, _ := res[1].Interface().(error); err != nil {
				t.Fatalf("SDK call: %v", err)
			}
			for _, d := range vectors.CompareSent(in, reflect.ValueOf(decoded), op.Name) {
				if strings.HasSuffix(d, vectors.NotInModel) {
					t.Log(d) // the SDK is newer than the pinned model
					continue
				}
				t.Error(d)
			}
		})
	}
}
