// Package restxml is the rest-xml protocol (S3): operations routed by method,
// path and query string; members bound to the URI, headers, query string and
// an XML or streaming body; errors as <Error> documents.
//
// The gateway turns virtual-hosted requests into path form (bucket, key),
// then:
//
//	op, err := router.Route(r.Method, bucket, key, r.URL.Query(), r.Header)
//	in, err := restxml.Decode(op, r, map[string]string{"Bucket": bucket, "Key": key})
//	out, err := op.Invoke(ctx, handler, in)
//	restxml.WriteResponse(w, r.Method, op, out)           // or
//	restxml.WriteError(w, r.Method, awserr.From(err), requestID, hostID)
//
// Keys are used as given: the gateway must not clean paths (S3 keys may
// contain "//" or ".."), so it should not sit behind http.ServeMux.
package restxml

import (
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// Resource kinds of a path: the service root, a bucket, an object.
const (
	resService = iota
	resBucket
	resObject
	resLiteral // a literal path such as /WriteGetObjectResponse
)

// route is one operation's matching rule, from its requestUri and input.
type route struct {
	op       *api.Operation
	method   string
	resource int
	literal  string            // resLiteral: the path
	query    map[string]string // literal query keys from the requestUri ("" value: key only)
	reqQuery []string          // required querystring members
	reqHdr   []string          // required header members, in canonical form
	score    int
	rank     int // position in the most-specific-first order
}

// routeKey is what every route of a group shares: a request's method and
// resource kind (or literal path, without its slash) select one group.
type routeKey struct {
	method   string
	resource int
	literal  string
}

// group holds the routes of one routeKey, each list in rank order. A route
// that needs query keys is filed under one of them (the first literal key,
// else the first required member): a route can only match when that key is
// in the request, so the router looks at the lists of the request's own
// keys and at the routes that need none, instead of at every route.
type group struct {
	byQuery map[string][]*route
	plain   []*route
}

// Router picks the operation of a rest-xml request.
type Router struct {
	svc    *api.Service
	routes []*route
	groups map[routeKey]*group
	// literals are the literal paths (without their slash) some route has.
	literals map[string]bool
}

// NewRouter indexes svc's operations.
func NewRouter(svc *api.Service) *Router {
	r := &Router{svc: svc, groups: map[routeKey]*group{}, literals: map[string]bool{}}
	for _, op := range svc.Operations {
		r.routes = append(r.routes, newRoute(op))
	}
	// Most specific first; among equals, operations the model has not
	// deprecated, then by name for a stable order (ListBuckets before
	// ListDirectoryBuckets: directory buckets are S3 Express only).
	sort.SliceStable(r.routes, func(i, j int) bool {
		a, b := r.routes[i], r.routes[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.op.Deprecated != b.op.Deprecated {
			return !a.op.Deprecated
		}
		return a.op.Name < b.op.Name
	})
	for i, rt := range r.routes {
		rt.rank = i
		k := routeKey{method: rt.method, resource: rt.resource}
		if rt.resource == resLiteral {
			k.literal = strings.TrimPrefix(rt.literal, "/")
			r.literals[k.literal] = true
		}
		g := r.groups[k]
		if g == nil {
			g = &group{byQuery: map[string][]*route{}}
			r.groups[k] = g
		}
		if q := rt.firstQueryKey(); q != "" {
			g.byQuery[q] = append(g.byQuery[q], rt)
		} else {
			g.plain = append(g.plain, rt)
		}
	}
	return r
}

// firstQueryKey is a query key the route cannot match without ("" if none),
// chosen deterministically.
func (rt *route) firstQueryKey() string {
	if len(rt.query) > 0 {
		keys := make([]string, 0, len(rt.query))
		for k := range rt.query {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys[0]
	}
	if len(rt.reqQuery) > 0 {
		return rt.reqQuery[0]
	}
	return ""
}

func newRoute(op *api.Operation) *route {
	rt := &route{op: op, method: op.Method, query: map[string]string{}}
	path, rawQuery, _ := strings.Cut(op.RequestURI, "?")
	switch {
	case path == "/":
		rt.resource = resService
	case strings.Contains(path, "{Key+}"):
		rt.resource = resObject
	case strings.Contains(path, "{Bucket}"):
		rt.resource = resBucket
	default:
		rt.resource = resLiteral
		rt.literal = path
	}
	if rawQuery != "" {
		for _, kv := range strings.Split(rawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			rt.query[k] = v
		}
	}
	st := shape.Of(reflect.TypeOf(op.NewInput()))
	for _, f := range st.Fields {
		if !f.Required {
			continue
		}
		switch f.Location {
		case "querystring":
			rt.reqQuery = append(rt.reqQuery, f.Name)
		case "header":
			rt.reqHdr = append(rt.reqHdr, textproto.CanonicalMIMEHeaderKey(f.Name))
		}
	}
	rt.score = len(rt.query) + len(rt.reqQuery) + len(rt.reqHdr)
	return rt
}

// matches reports whether the request's query and headers satisfy the route;
// method and resource are the group's.
func (rt *route) matches(q url.Values, h http.Header) bool {
	for k, v := range rt.query {
		got, ok := q[k]
		if !ok || (v != "" && (len(got) == 0 || got[0] != v)) {
			return false
		}
	}
	for _, k := range rt.reqQuery {
		if _, ok := q[k]; !ok {
			return false
		}
	}
	for _, k := range rt.reqHdr {
		// h.Get(k) == "" without canonicalizing k again.
		if v := h[k]; len(v) == 0 || v[0] == "" {
			return false
		}
	}
	return true
}

// best returns the first route of g in rank order that matches, or nil.
func (g *group) best(q url.Values, h http.Header) *route {
	var found *route
	consider := func(list []*route) {
		for _, rt := range list {
			if found != nil && rt.rank > found.rank {
				return
			}
			if rt.matches(q, h) {
				found = rt
				return
			}
		}
	}
	for k := range q {
		if list, ok := g.byQuery[k]; ok {
			consider(list)
		}
	}
	consider(g.plain)
	return found
}

// Route returns the operation for a request in path form: bucket and key are
// empty for the service root, key is empty for a bucket. A method the path's
// resource has no operation for is S3's MethodNotAllowed; a request no
// operation matches otherwise is NotImplemented.
func (r *Router) Route(method, bucket, key string, q url.Values, h http.Header) (*api.Operation, error) {
	res := resService
	switch {
	case key != "":
		res = resObject
	case bucket != "":
		res = resBucket
	}
	if key == "" && r.literals[bucket] {
		if g := r.groups[routeKey{method: method, resource: resLiteral, literal: bucket}]; g != nil {
			if rt := g.best(q, h); rt != nil {
				return rt.op, nil
			}
		}
	}
	g := r.groups[routeKey{method: method, resource: res}]
	if g == nil {
		return nil, MethodNotAllowed(method, res)
	}
	if rt := g.best(q, h); rt != nil {
		return rt.op, nil
	}
	return nil, NotImplemented()
}

// NotImplemented is S3's answer to functionality it does not offer.
func NotImplemented() *awserr.Error {
	return api.NotImplemented(api.ProtocolRestXML, "", "")
}

// MethodNotAllowed is S3's answer to a method the resource does not support;
// S3 names the method and the resource type in the error body.
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
func MethodNotAllowed(method string, res int) *awserr.Error {
	kind := "SERVICE"
	switch res {
	case resBucket:
		kind = "BUCKET"
	case resObject:
		kind = "OBJECT"
	}
	return awserr.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", kind)
}

// Labels matches an escaped request path against a requestUri template
// ("/{Bucket}/{Key+}") and returns the URL-decoded labels; a label ending in
// "+" is greedy and keeps its slashes. ok is false when the path does not fit.
func Labels(requestURI, escapedPath string) (labels map[string]string, ok bool) {
	tmpl, _, _ := strings.Cut(requestURI, "?")
	labels = map[string]string{}
	p := escapedPath
	for tmpl != "" {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			return labels, tmpl == p || tmpl+"/" == p || tmpl == p+"/"
		}
		if !strings.HasPrefix(p, tmpl[:i]) {
			return nil, false
		}
		p = p[i:]
		j := strings.IndexByte(tmpl, '}')
		if j < i {
			return nil, false
		}
		name := tmpl[i+1 : j]
		tmpl = tmpl[j+1:]
		var raw string
		if strings.HasSuffix(name, "+") {
			name = name[:len(name)-1]
			raw, p = p, ""
		} else {
			k := strings.IndexByte(p, '/')
			if k < 0 {
				k = len(p)
			}
			raw, p = p[:k], p[k:]
		}
		v, err := url.PathUnescape(raw)
		if err != nil {
			return nil, false
		}
		labels[name] = v
	}
	return labels, p == ""
}
