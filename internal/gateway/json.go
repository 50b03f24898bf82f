package gateway

import (
	"net/http"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/jsonrpc"
)

// serveJSON handles awsJson1_1 (Organizations): the
// operation in X-Amz-Target, the input as a JSON body.
func (g *Gateway) serveJSON(c *call, r *http.Request) {
	c.w.Header().Set("x-amzn-RequestId", c.id.uuid)
	r, res, err := g.authenticate(c, r)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	if res.Anonymous {
		g.writeError(c, missingAuth)
		return
	}
	svc := c.backend.Service
	op, in, err := jsonrpc.Decode(svc, r.Header.Get("X-Amz-Target"), http.MaxBytesReader(nil, r.Body, g.cfg.MaxBodyBytes))
	if op != nil {
		c.info.Operation = op.Name
	}
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	out, err := g.invoke(c, r, op, in)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	jsonrpc.WriteResponse(c.w, svc, out)
}

func writeJSONError(c *call, e *awserr.Error) {
	c.w.Header().Set("x-amzn-RequestId", c.id.uuid)
	jsonrpc.WriteError(c.w, c.backend.Service, e)
}
