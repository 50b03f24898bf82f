package restxml

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
	"github.com/doppel-aws/doppel/internal/awserr"
)

// linearRoute is the router as it was before the index: the first route in
// rank order that matches, else NotImplemented or MethodNotAllowed. The
// indexed Route must agree with it on every request.
func linearRoute(r *Router, method, bucket, key string, q url.Values, h http.Header) (*api.Operation, error) {
	res := resService
	switch {
	case key != "":
		res = resObject
	case bucket != "":
		res = resBucket
	}
	match := func(rt *route, res int) bool {
		return rt.method == method && rt.resource == res && rt.matches(q, h)
	}
	for _, rt := range r.routes {
		if rt.resource == resLiteral && key == "" && "/"+bucket == rt.literal && match(rt, resLiteral) {
			return rt.op, nil
		}
	}
	for _, rt := range r.routes {
		if match(rt, res) {
			return rt.op, nil
		}
	}
	for _, rt := range r.routes {
		if rt.resource == res && rt.method == method {
			return nil, NotImplemented()
		}
	}
	return nil, MethodNotAllowed(method, res)
}

// TestRouteIndexMatchesLinearScan sends, for every route, requests carrying
// its query keys and required headers (all, or without the headers, or with
// the query values changed), under every method and resource kind, and
// compares the indexed router with the linear scan.
func TestRouteIndexMatchesLinearScan(t *testing.T) {
	router := NewRouter(s3api.Service)
	paths := []struct{ bucket, key string }{{"", ""}, {"b", ""}, {"b", "k/x"}, {"WriteGetObjectResponse", ""}, {"WriteGetObjectResponse", "k"}}
	methods := []string{"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"}
	type request struct {
		q url.Values
		h http.Header
	}
	reqs := []request{{url.Values{}, http.Header{}}, {url.Values{"x-id": {"GetObject"}, "prefix": {"a"}}, http.Header{}}}
	for _, rt := range router.routes {
		q, qOther, h := url.Values{}, url.Values{}, http.Header{}
		for k, v := range rt.query {
			q[k] = []string{v}
			qOther[k] = []string{v + "9"}
		}
		for _, k := range rt.reqQuery {
			q[k] = []string{"x"}
			qOther[k] = []string{"x"}
		}
		for _, k := range rt.reqHdr {
			h[k] = []string{"v"}
		}
		reqs = append(reqs, request{q, h}, request{q, http.Header{}}, request{qOther, h})
	}
	n := 0
	for _, p := range paths {
		for _, m := range methods {
			for _, rq := range reqs {
				gotOp, gotErr := router.Route(m, p.bucket, p.key, rq.q, rq.h)
				wantOp, wantErr := linearRoute(router, m, p.bucket, p.key, rq.q, rq.h)
				n++
				if gotOp != wantOp || code(gotErr) != code(wantErr) {
					t.Errorf("%s /%s/%s ?%s %v: got %v %v, want %v %v", m, p.bucket, p.key, rq.q.Encode(), rq.h, name(gotOp), gotErr, name(wantOp), wantErr)
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d requests compared", n)
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	e := err.(*awserr.Error)
	s := e.Code
	for _, f := range e.Fields {
		s += " " + f.Name + "=" + f.Value
	}
	return s
}

func name(op *api.Operation) string {
	if op == nil {
		return "<nil>"
	}
	return op.Name
}

// FuzzRouteIndex: for any method, path, query string and header, the
// indexed router and the linear scan agree.
func FuzzRouteIndex(f *testing.F) {
	f.Add("GET", "b", "", "list-type=2&prefix=a", "")
	f.Add("PUT", "b", "k", "partNumber=1&uploadId=u", "x-amz-copy-source")
	f.Add("POST", "WriteGetObjectResponse", "", "", "x-amz-request-route")
	f.Add("GET", "b", "", "analytics&id=x&versions", "")
	router := NewRouter(s3api.Service)
	f.Fuzz(func(t *testing.T, method, bucket, key, query, header string) {
		q, _ := url.ParseQuery(query)
		h := http.Header{}
		if header != "" {
			h.Set(header, "v")
		}
		gotOp, gotErr := router.Route(method, bucket, key, q, h)
		wantOp, wantErr := linearRoute(router, method, bucket, key, q, h)
		if gotOp != wantOp || code(gotErr) != code(wantErr) {
			t.Errorf("got %v %v, want %v %v", name(gotOp), gotErr, name(wantOp), wantErr)
		}
	})
}
