package jsonrpc

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/vectors"
)

// TestSDKParsesEveryOutput calls every Organizations operation through
// aws-sdk-go-v2 against a server answering with sample values in every
// member of the output; the SDK must parse each of them.
func TestSDKParsesEveryOutput(t *testing.T) {
	svc := organizationsapi.Service
	var sent any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Placeholder inputs may break model constraints; only the output matters.
		op, _, err := Decode(svc, r.Header.Get("X-Amz-Target"), r.Body)
		if op == nil {
			WriteError(w, svc, awserr.From(err))
			return
		}
		out := op.NewOutput()
		vectors.Populate(reflect.ValueOf(out).Elem(), 6, false)
		sent = out
		WriteResponse(w, svc, out)
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
			_, out := vectors.CallSDK(t, client, op.Name, func(in reflect.Value) {
				vectors.FillRequired(in.Elem(), shape.Of(reflect.TypeOf(op.NewInput())))
				sent = nil
			})
			for _, d := range vectors.Compare(reflect.ValueOf(sent), out, op.Name) {
				t.Error(d)
			}
		})
	}
}
