package query

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/api/stsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// TestAllOperations runs every IAM and STS operation through the codec with
// no parameters and an empty output: decoding gives an input or a
// ValidationError, encoding gives well-formed XML.
func TestAllOperations(t *testing.T) {
	for _, svc := range []*api.Service{iamapi.Service, stsapi.Service} {
		for _, op := range svc.Operations {
			t.Run(svc.Name+"/"+op.Name, func(t *testing.T) {
				_, in, err := Decode(svc, url.Values{"Action": {op.Name}, "Version": {svc.APIVersion}})
				if err != nil {
					if e, ok := err.(*awserr.Error); !ok || e.Code != "ValidationError" {
						t.Fatalf("Decode: %v", err)
					}
				} else if in == nil {
					t.Fatal("Decode returned no input")
				}
				var b bytes.Buffer
				AppendResponse(&b, svc, op, op.NewOutput(), "r")
				if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
					t.Fatalf("response is not XML: %v\n%s", err, b.String())
				}
			})
		}
	}
}
