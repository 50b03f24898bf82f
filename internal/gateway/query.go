package gateway

import (
	"io"
	"net/http"
	"net/url"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/query"
)

// missingAuth is the query services' answer to an unsigned request.
var missingAuth = awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")

// unsignedOperation reports the query operations AWS serves without a
// signature: the token or assertion they carry is the credential (STS API
// reference, AssumeRoleWithWebIdentity and AssumeRoleWithSAML: "Calling
// ... does not require the use of AWS security credentials"). Every other
// unsigned query request is MissingAuthenticationToken.
func unsignedOperation(service, action string) bool {
	return service == "sts" && (action == "AssumeRoleWithWebIdentity" || action == "AssumeRoleWithSAML")
}

// serveQuery handles the awsQuery protocol (IAM, STS): a form, in the body
// of a POST or in the URL of a GET, with Action and Version.
func (g *Gateway) serveQuery(c *call, r *http.Request) {
	c.w.Header().Set("x-amzn-RequestId", c.id.uuid)
	r, res, err := g.authenticate(c, r)
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	form, err := readForm(r, g.cfg.MaxBodyBytes)
	if res.Anonymous && (err != nil || !unsignedOperation(c.backend.Service.Name, form.Get("Action"))) {
		g.writeError(c, missingAuth)
		return
	}
	if err != nil {
		g.writeError(c, asAWS(err))
		return
	}
	svc := c.backend.Service
	op, in, err := query.Decode(svc, form)
	if op != nil {
		c.info.Operation = op.Name
	} else {
		c.info.Operation = form.Get("Action")
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
	query.WriteResponse(c.w, svc, op, out, c.id.uuid)
}

// readForm merges the URL's query parameters with a form-encoded body.
func readForm(r *http.Request, limit int64) (url.Values, error) {
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, malformedQuery(err)
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return form, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		return nil, err
	}
	bodyForm, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, malformedQuery(err)
	}
	for k, v := range bodyForm {
		form[k] = append(form[k], v...)
	}
	return form, nil
}

func malformedQuery(err error) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedQueryString", "The query string or form body is not well-formed.").Wrap(err)
}

func writeQueryError(c *call, svc *api.Service, e *awserr.Error) {
	if svc == nil {
		svc = &api.Service{XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/"}
	}
	c.w.Header().Set("x-amzn-RequestId", c.id.uuid)
	query.WriteError(c.w, svc, e, c.id.uuid)
}
