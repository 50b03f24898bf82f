package gateway

import (
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// sseRequestHeaders are the SSE-S3/SSE-KMS request headers of a write.
var sseRequestHeaders = []string{
	"X-Amz-Server-Side-Encryption",
	"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
	"X-Amz-Server-Side-Encryption-Context",
}

// checkS3ReadHeaders refuses what S3 refuses in headers the operation's
// model does not carry, so the decoder would drop them: SSE-S3 and SSE-KMS
// headers on GetObject and HeadObject are a 400 (S3 API Reference,
// GetObject: "If you include the header in your GetObject requests for the
// object that uses these types of keys, you'll get an HTTP 400 Bad Request
// error"), InvalidArgument naming the header.
func checkS3ReadHeaders(op string, h http.Header) error {
	if op != "GetObject" && op != "HeadObject" {
		return nil
	}
	for _, name := range sseRequestHeaders {
		if v, ok := h[name]; ok {
			lower := strings.ToLower(name)
			val := ""
			if len(v) > 0 {
				val = v[0]
			}
			return awserr.New(http.StatusBadRequest, "InvalidArgument", lower+" header is not supported for this operation.").
				With("ArgumentName", lower).With("ArgumentValue", val)
		}
	}
	return nil
}
