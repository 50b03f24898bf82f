package restxml

import (
	"encoding/xml"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/s3api"
)

// TestAllOperations builds every S3 operation's plan, binds an empty request
// and writes an empty output: no panics, bodies are XML.
func TestAllOperations(t *testing.T) {
	for _, op := range s3api.Service.Operations {
		t.Run(op.Name, func(t *testing.T) {
			r := httptest.NewRequest(op.Method, "http://s3/b/k", nil)
			if _, err := Decode(op, r, map[string]string{"Bucket": "b", "Key": "k"}); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			rec := httptest.NewRecorder()
			if err := WriteResponse(rec, "GET", op, op.NewOutput()); err != nil {
				t.Fatalf("WriteResponse: %v", err)
			}
			if body := rec.Body.String(); strings.HasPrefix(body, "<?xml") {
				if err := xml.Unmarshal([]byte(body), new(struct{})); err != nil {
					t.Fatalf("body is not XML: %v\n%s", err, body)
				}
			}
		})
	}
}
