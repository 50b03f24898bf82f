package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/restxml"
)

// serveS3 handles S3's rest-xml protocol, path-style (/bucket/key) and
// virtual-hosted (bucket.localhost/key). Unsigned requests reach the service
// as anonymous: only a bucket policy can let them through.
func (g *Gateway) serveS3(c *call, r *http.Request) {
	h := c.w.Header()
	h.Set("x-amz-request-id", c.id.s3)
	h.Set("x-amz-id-2", c.id.id2)
	r, _, err := g.authenticate(c, r)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	bucket, key, err := s3PathParts(r, g.cfg.Hostnames)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	if c.info.Region == "" {
		c.info.Region = "us-east-1"
	}
	op, err := g.s3router.Route(r.Method, bucket, key, r.URL.Query(), r.Header)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	c.info.Operation = op.Name
	in, err := restxml.Decode(op, r, map[string]string{"Bucket": bucket, "Key": key})
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	out, err := g.invoke(c, r, op, in)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	if err := restxml.WriteResponse(c.w, r.Method, op, out); err != nil && !c.w.wroteHeader {
		g.writeError(c, asAWS(err))
	}
}

// s3PathParts returns the bucket and key a request names. Keys are taken
// from the escaped path as sent and unescaped once: S3 keys may hold "//",
// "..", or an escaped "/", and must not be cleaned.
func s3PathParts(r *http.Request, hostnames []string) (bucket, key string, err error) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	if b := virtualHostBucket(r.Host, hostnames); b != "" {
		key, err = url.PathUnescape(path)
		return b, key, err
	}
	rawBucket, rawKey, _ := strings.Cut(path, "/")
	if bucket, err = url.PathUnescape(rawBucket); err != nil {
		return "", "", err
	}
	key, err = url.PathUnescape(rawKey)
	return bucket, key, err
}

func writeS3Error(c *call, e *awserr.Error) {
	h := c.w.Header()
	h.Set("x-amz-request-id", c.id.s3)
	h.Set("x-amz-id-2", c.id.id2)
	restxml.WriteError(c.w, c.method, e, c.id.s3, c.id.id2)
}
