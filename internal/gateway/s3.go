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
	setS3RequestID(c)
	bucket, key, pathErr := s3PathParts(r, g.cfg.Hostnames)
	if pathErr == nil {
		if cors, ok := g.s3Handler().(s3CORS); ok {
			if r.Method == http.MethodOptions {
				g.serveS3Preflight(c, r, cors, bucket, key)
				return
			}
			// An actual cross-origin request gets the bucket's CORS
			// headers whatever its outcome, errors included.
			if r.Header.Get("Origin") != "" {
				cors.CORSHeaders(r.Context(), bucket, r.Method, r.Header, c.w.Header())
			}
		}
		if post, ok := g.s3Handler().(s3Post); ok && isPostObject(r, bucket, key) {
			g.serveS3Post(c, r, post, bucket)
			return
		}
	}
	r, _, err := g.authenticate(c, r)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	if pathErr != nil {
		g.writeError(c, asAWS(pathErr))
		return
	}
	if c.info.Region == "" {
		c.info.Region = "us-east-1"
	}
	var query url.Values // most object requests have none: no map to make
	if q := r.URL.RawQuery; q != "" && !onlyOperationID(q) {
		query = r.URL.Query()
	}
	op, err := g.s3router.Route(r.Method, bucket, key, query, r.Header)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	c.info.Operation = op.Name
	if err := checkS3ReadHeaders(op.Name, r.Header); err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	in, err := restxml.DecodePath(op, r, bucket, key, query)
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
	setS3RequestID(c)
	restxml.WriteError(c.w, c.method, e, c.id.s3, c.id.id2)
}

// setS3RequestID sets x-amz-request-id and x-amz-id-2, under their canonical
// keys and sharing one backing array: they go on every S3 answer.
func setS3RequestID(c *call) {
	h := c.w.Header()
	ids := [...]string{c.id.s3, c.id.id2}
	vals := ids[:]
	h["X-Amz-Request-Id"] = vals[0:1:1]
	h["X-Amz-Id-2"] = vals[1:2:2]
}

// onlyOperationID reports whether a query string is only the x-id=Operation
// parameter that the SDKs add to S3 requests (GetObject, PutObject, ...) for
// their own bookkeeping; S3 ignores it, so such a request routes and decodes
// as if it had no query.
func onlyOperationID(q string) bool {
	return strings.HasPrefix(q, "x-id=") && !strings.ContainsAny(q, "&;")
}
