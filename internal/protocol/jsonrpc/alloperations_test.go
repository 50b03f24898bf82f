package jsonrpc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/organizationsapi"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// TestAllOperations runs every Organizations operation through the codec
// with an empty object and an empty output.
func TestAllOperations(t *testing.T) {
	for _, op := range organizationsapi.Service.Operations {
		t.Run(op.Name, func(t *testing.T) {
			_, _, err := Decode(organizationsapi.Service, prefix+op.Name, strings.NewReader("{}"))
			if err != nil {
				if e, ok := err.(*awserr.Error); !ok || e.Code != "ValidationException" {
					t.Fatalf("Decode: %v", err)
				}
			}
			var b bytes.Buffer
			AppendOutput(&b, op.NewOutput())
			if !json.Valid(b.Bytes()) {
				t.Fatalf("output is not JSON: %s", b.String())
			}
		})
	}
}
