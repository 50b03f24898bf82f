package gateway

import (
	"context"
	"net/http"
)

// s3CORS is what the S3 backend offers for CORS: the answer to a preflight
// and the headers of actual cross-origin requests, from the bucket's CORS
// configuration.
type s3CORS interface {
	Preflight(ctx context.Context, bucket, key string, req http.Header) (http.Header, error)
	CORSHeaders(ctx context.Context, bucket, method string, req, h http.Header)
}

// serveS3Preflight answers an OPTIONS request. Browsers send preflights
// without credentials, so S3 answers them unauthenticated, from the
// bucket's CORS configuration alone (S3 User Guide, "Using cross-origin
// resource sharing (CORS)").
func (g *Gateway) serveS3Preflight(c *call, r *http.Request, cors s3CORS, bucket, key string) {
	c.info.Operation = "PreflightRequest"
	if c.info.Region == "" {
		c.info.Region = "us-east-1"
	}
	h, err := cors.Preflight(r.Context(), bucket, key, r.Header)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	out := c.w.Header()
	for k, v := range h {
		out[k] = v
	}
	out.Set("Content-Length", "0")
	c.w.WriteHeader(http.StatusOK)
}

func (g *Gateway) s3Handler() any {
	if g.s3 == nil {
		return nil
	}
	return g.s3.Handler
}
