package gateway

import (
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/protocol/restxml"
)

// s3ControlEndpointPrefix is S3 Control's endpoint prefix in its model. It
// signs as "s3", so the gateway tells it from S3 by the request itself.
const s3ControlEndpointPrefix = "s3-control"

// s3ControlPathPrefix starts every S3 Control request URI in the model.
const s3ControlPathPrefix = "/v20180820/"

// isS3Control reports whether r is for S3 Control rather than S3. Every S3
// Control operation's URI starts with /v20180820/ and carries the
// x-amz-account-id header, which the SDKs also put in front of the host
// (ACCOUNT.s3-control.REGION.amazonaws.com, or ACCOUNT.HOST for a custom
// endpoint). A path-style S3 request to a bucket named "v20180820" has the
// same path but neither the header nor such a host.
func isS3Control(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, s3ControlPathPrefix) {
		return false
	}
	if r.Header.Get("X-Amz-Account-Id") != "" {
		return true
	}
	host := strings.ToLower(r.Host)
	first, _, _ := strings.Cut(host, ".")
	return strings.Contains(host, "s3-control") || isAccountID(first)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// serveS3Control handles S3 Control: rest-xml like S3, but its operations
// are told apart by their URI templates, not by bucket, key and query.
func (g *Gateway) serveS3Control(c *call, r *http.Request) {
	setS3RequestID(c)
	r, _, err := g.authenticate(c, r)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	if c.info.Region == "" {
		c.info.Region = "us-east-1"
	}
	op, labels, err := routeTemplate(c.backend.Service, r.Method, r.URL.EscapedPath())
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	c.info.Operation = op.Name
	in, err := restxml.Decode(op, r, labels)
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

// routeTemplate finds the operation of svc whose method and URI template
// fit the request. A path some operation has, asked with a method none has
// for it, is MethodNotAllowed (the answer the Terraform provider takes to
// mean "fall back to S3's own API"); a path none has is NotImplemented.
func routeTemplate(svc *api.Service, method, escapedPath string) (*api.Operation, map[string]string, error) {
	pathKnown := false
	for _, op := range svc.Operations {
		labels, ok := restxml.Labels(op.RequestURI, escapedPath)
		if !ok {
			continue
		}
		if op.Method == method {
			return op, labels, nil
		}
		pathKnown = true
	}
	if pathKnown {
		return nil, nil, restxml.MethodNotAllowed(method, 0)
	}
	return nil, nil, restxml.NotImplemented()
}
