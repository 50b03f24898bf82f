package restxml

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/xmlbody"
)

// MaxXMLBody caps the XML and non-streaming payloads Decode reads into
// memory; S3's largest XML documents (DeleteObjects with 1000 keys, policies
// of 20 KB) stay well below it. Streaming bodies are never read here.
const MaxXMLBody = 4 << 20

// Decode binds the request to a new input of op: URI labels (values from the
// router's bucket and key, already decoded), headers, x-amz-meta-* prefix
// maps, query parameters and the body. A streaming payload member receives
// r.Body itself, unread.
func Decode(op *api.Operation, r *http.Request, labels map[string]string) (any, error) {
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	return decode(op, r, labelSource{m: labels}, q)
}

// DecodePath is Decode for a request in the router's path form: the Bucket
// and Key labels are bucket and key, and q is r.URL.Query(), parsed once for
// Route and DecodePath. It allocates no label map.
func DecodePath(op *api.Operation, r *http.Request, bucket, key string, q url.Values) (any, error) {
	return decode(op, r, labelSource{bucket: bucket, key: key, path: true}, q)
}

// labelSource gives URI label values: from a map, or S3's two labels.
type labelSource struct {
	m           map[string]string
	bucket, key string
	path        bool
}

func (l labelSource) get(name string) (string, bool) {
	if !l.path {
		v, ok := l.m[name]
		return v, ok
	}
	switch name {
	case "Bucket":
		return l.bucket, true
	case "Key":
		return l.key, true
	}
	return "", false
}

// Member roles in a request, from shape's locations.
const (
	inURI      = iota // location "uri"
	inHeader          // "header"
	inPrefixed        // "headers": a map of the headers under a name prefix
	inQuery           // "querystring", one parameter
	inQueryMap        // "querystring" map: the parameters no member claims
)

// inPlan is what Decode needs of an input type, computed once per
// operation: the members bound outside the body, in field order (the first
// invalid one in that order is the error reported), and whether members sit
// directly in an XML body.
type inPlan struct {
	st          *shape.Struct
	fields      []inField
	queryMaps   []*shape.Field
	bodyMembers bool
	// headers counts the header members; byHeader maps their canonical
	// names to their positions in fields, and prefixed is the one prefix
	// map member (x-amz-meta-), if any. byHeader is nil when the request's
	// headers cannot be walked instead of the members (see decode).
	headers  int
	byHeader map[string]int
	prefixed *shape.Field
}

// maxHeaderPlan bounds the members of a plan whose request headers decode
// walks: the values found sit in an array of that size on the stack.
const maxHeaderPlan = 64

type inField struct {
	f    *shape.Field
	role int
}

var inPlans sync.Map // *api.Operation -> *inPlan

func inPlanOf(op *api.Operation) *inPlan {
	if p, ok := inPlans.Load(op); ok {
		return p.(*inPlan)
	}
	st := shape.Of(reflect.TypeOf(op.NewInput()))
	p := &inPlan{st: st}
	for _, f := range st.Fields {
		switch f.Location {
		case "uri":
			p.fields = append(p.fields, inField{f, inURI})
		case "header":
			p.fields = append(p.fields, inField{f, inHeader})
		case "headers":
			p.fields = append(p.fields, inField{f, inPrefixed})
		case "querystring":
			if f.Kind == shape.KindMap {
				p.queryMaps = append(p.queryMaps, f)
			} else {
				p.fields = append(p.fields, inField{f, inQuery})
			}
		case "":
			p.bodyMembers = p.bodyMembers || !f.Payload
		}
	}
	p.byHeader = map[string]int{}
	// The walk needs each header to name one member and at most one
	// prefix map (S3 has no input with two of either).
	prefixes, shared := 0, false
	for i, inf := range p.fields {
		switch inf.role {
		case inHeader:
			p.headers++
			if _, dup := p.byHeader[inf.f.HeaderKey]; dup {
				shared = true
			}
			p.byHeader[inf.f.HeaderKey] = i
		case inPrefixed:
			prefixes++
			p.prefixed = inf.f
		}
	}
	if shared || prefixes > 1 || len(p.fields) > maxHeaderPlan {
		p.byHeader, p.prefixed = nil, nil
	}
	v, _ := inPlans.LoadOrStore(op, p)
	return v.(*inPlan)
}

var stringMapType = reflect.TypeOf(map[string]string(nil))

func decode(op *api.Operation, r *http.Request, labels labelSource, q url.Values) (any, error) {
	plan := inPlanOf(op)
	in := op.NewInput()
	sv := reflect.ValueOf(in).Elem()
	st := plan.st
	// A request carries fewer headers (about ten from an SDK) than
	// PutObject or GetObject have header members (30 and 15): then one walk
	// over the request's headers, finding each in the plan's index and
	// collecting x-amz-meta-*, replaces a lookup per member and a second
	// walk for the metadata. Members are still bound in field order below.
	var found [maxHeaderPlan][]string
	var meta prefixMap
	walked := plan.byHeader != nil && len(r.Header) < plan.headers
	if walked {
		meta.f = plan.prefixed
		for k, vals := range r.Header {
			if i, ok := plan.byHeader[k]; ok {
				found[i] = vals
			}
			if meta.f != nil {
				meta.add(k, vals)
			}
		}
	}
	for i, inf := range plan.fields {
		f := inf.f
		switch inf.role {
		case inURI:
			if v, ok := labels.get(f.Name); ok {
				if err := setText(f, sv, v, "iso8601"); err != nil {
					return nil, err
				}
			}
		case inHeader:
			var vals []string
			if walked {
				vals = found[i]
			} else {
				vals = r.Header[f.HeaderKey]
			}
			if len(vals) == 0 {
				continue
			}
			if f.Kind == shape.KindList {
				setList(f, sv, splitHeader(vals))
				continue
			}
			v := vals[0]
			if len(vals) > 1 {
				v = strings.Join(vals, ",")
			}
			if err := setText(f, sv, v, "rfc822"); err != nil {
				if f.HeaderKey == "Expires" && f.Kind == shape.KindTime {
					// S3 stores Expires as an unchecked string (modelled as a
					// string in S3's own model; aws-sdk-go-v2 issue #2652), so a
					// value that is not a date must not fail the request. The
					// typed member cannot hold it; it is dropped.
					continue
				}
				return nil, err
			}
		case inPrefixed:
			if !walked {
				meta = prefixMap{f: f} // a map of its own per prefixed member
				for k, vals := range r.Header {
					meta.add(k, vals)
				}
			}
			meta.store(sv)
		case inQuery:
			if len(q) == 0 {
				continue
			}
			vals, ok := q[f.Name]
			if !ok {
				continue
			}
			if f.Kind == shape.KindList {
				setList(f, sv, vals)
				continue
			}
			v := ""
			if len(vals) > 0 {
				v = vals[0]
			}
			if err := setText(f, sv, v, "iso8601"); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range plan.queryMaps {
		queryMap(f, st, sv, q)
	}
	if err := decodeBody(st, sv, r, plan.bodyMembers); err != nil {
		return nil, err
	}
	return in, nil
}

// prefixMap gathers the headers whose names start with a map member's
// prefix (x-amz-meta-), keyed by the rest of the name in lower case: Go
// canonicalizes header names; S3 keeps user metadata keys in lower case.
type prefixMap struct {
	f      *shape.Field
	native map[string]string // the member is a map[string]string
	m      reflect.Value     // otherwise
}

func (p *prefixMap) add(k string, vals []string) {
	prefix := p.f.Name
	if len(k) <= len(prefix) || !strings.EqualFold(k[:len(prefix)], prefix) || len(vals) == 0 {
		return
	}
	name, val := strings.ToLower(k[len(prefix):]), strings.Join(vals, ",")
	if p.f.Type == stringMapType {
		if p.native == nil {
			p.native = map[string]string{}
		}
		p.native[name] = val
		return
	}
	if !p.m.IsValid() {
		p.m = reflect.MakeMap(p.f.Type)
	}
	p.m.SetMapIndex(reflect.ValueOf(name).Convert(p.f.Type.Key()), reflect.ValueOf(val).Convert(p.f.Type.Elem()))
}

// store sets the member when some header matched.
func (p *prefixMap) store(sv reflect.Value) {
	switch {
	case p.native != nil:
		sv.Field(p.f.Index).Set(reflect.ValueOf(p.native))
	case p.m.IsValid():
		sv.Field(p.f.Index).Set(p.m)
	}
}

func decodeBody(st *shape.Struct, sv reflect.Value, r *http.Request, bodyMembers bool) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	p := st.Payload
	if p == nil {
		if !bodyMembers {
			return nil
		}
		// Members straight in the body, under the input's root element.
		_, err := decodeXML(r.Body, sv.Addr().Interface(), st.LocationName)
		return err
	}
	fv := sv.Field(p.Index)
	switch p.Kind {
	case shape.KindStream:
		fv.Set(reflect.ValueOf(r.Body))
		return nil
	case shape.KindStruct:
		v := reflect.New(p.Elem)
		// The payload member's locationName is the document's root element
		// (Tagging, CreateBucketConfiguration, CompleteMultipartUpload).
		empty, err := decodeXML(r.Body, v.Interface(), p.Name)
		if err != nil {
			return err
		}
		if !empty {
			fv.Set(v)
		}
		return nil
	}
	b, err := readAll(r.Body)
	if err != nil {
		return err
	}
	if len(b) == 0 && r.ContentLength <= 0 {
		return nil
	}
	switch p.Kind {
	case shape.KindBlob:
		fv.SetBytes(b)
	case shape.KindString:
		p.Set(sv, reflect.ValueOf(string(b)).Convert(p.Elem))
	default:
		return malformed(fmt.Errorf("payload member %s of kind %d", p.Name, p.Kind))
	}
	return nil
}

func readAll(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxXMLBody+1))
	if err != nil {
		return nil, awserr.New(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly").Wrap(err)
	}
	if len(b) > MaxXMLBody {
		return nil, awserr.New(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	return b, nil
}

// decodeXML decodes an XML body into v, checked as xmlbody.DecodeDocument
// checks it, root being its root element's name (not checked when empty).
// An empty body leaves v unset (empty is true): clients send no body for an
// absent payload (CreateBucket in us-east-1).
func decodeXML(r io.Reader, v any, root string) (empty bool, err error) {
	b, err := readAll(r)
	if err != nil {
		return false, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return true, nil
	}
	if err := xmlbody.DecodeDocument(bytes.NewReader(b), v, root); err != nil {
		return false, malformed(err)
	}
	return false, nil
}

// MalformedXML is S3's answer to a body that is not the XML it expects.
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
func malformed(cause error) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema").Wrap(cause)
}

// setText parses a header, label or query value into member f, straight
// into the field (or into the new value an optional member points to).
func setText(f *shape.Field, sv reflect.Value, s, tsDefault string) error {
	fv := sv.Field(f.Index)
	v, p := fv, reflect.Value{}
	if f.Ptr {
		p = reflect.New(f.Elem)
		v = p.Elem()
	}
	switch f.Kind {
	case shape.KindString:
		v.SetString(s)
	case shape.KindBool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetBool(b)
	case shape.KindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, f.Elem.Bits())
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetInt(n)
	case shape.KindFloat:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), f.Elem.Bits())
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetFloat(n)
	case shape.KindTime:
		t, err := xmlbody.ParseTime(strings.TrimSpace(s), f.TSFormat, tsDefault)
		if err != nil {
			return invalidArgument(f, s)
		}
		// Through the address: reflect.ValueOf(t) would copy t to the heap.
		*v.Addr().Interface().(*time.Time) = t
	case shape.KindBlob:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetBytes(b)
	default:
		return nil
	}
	if f.Ptr {
		fv.Set(p)
	}
	return nil
}

// invalidArgument is S3's error for a header or parameter value it cannot
// use; S3 names the argument in the body.
func invalidArgument(f *shape.Field, s string) *awserr.Error {
	return awserr.Newf(http.StatusBadRequest, "InvalidArgument", "Invalid value %q for %s", s, f.Name).
		With("ArgumentName", f.Name).With("ArgumentValue", s)
}

// splitHeader splits comma-separated header values (list members in headers).
func splitHeader(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// setList stores string values into a list member.
func setList(f *shape.Field, sv reflect.Value, vals []string) {
	l := reflect.MakeSlice(f.Type, 0, len(vals))
	for _, s := range vals {
		item := reflect.New(f.Type.Elem()).Elem()
		if item.Kind() != reflect.String {
			continue
		}
		item.SetString(s)
		l = reflect.Append(l, item)
	}
	sv.Field(f.Index).Set(l)
}

// queryMap fills a map member bound to the whole query string with the
// parameters no other member claims.
func queryMap(f *shape.Field, st *shape.Struct, sv reflect.Value, q map[string][]string) {
	m := reflect.MakeMap(f.Type)
	for k, vals := range q {
		if other := st.FieldByName(k); other != nil && other.Location == "querystring" {
			continue
		}
		var v reflect.Value
		if f.Type.Elem().Kind() == reflect.Slice {
			v = reflect.MakeSlice(f.Type.Elem(), 0, len(vals))
			for _, s := range vals {
				v = reflect.Append(v, reflect.ValueOf(s).Convert(f.Type.Elem().Elem()))
			}
		} else if len(vals) > 0 {
			v = reflect.ValueOf(vals[0]).Convert(f.Type.Elem())
		} else {
			continue
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(f.Type.Key()), v)
	}
	if m.Len() > 0 {
		sv.Field(f.Index).Set(m)
	}
}
