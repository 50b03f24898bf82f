package restxml

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

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
	in := op.NewInput()
	sv := reflect.ValueOf(in).Elem()
	st := shape.Of(sv.Type())
	q := r.URL.Query()
	var bodyMembers bool
	for _, f := range st.Fields {
		switch f.Location {
		case "uri":
			if v, ok := labels[f.Name]; ok {
				if err := setText(f, sv, v, "iso8601"); err != nil {
					return nil, err
				}
			}
		case "header":
			vals := r.Header[f.HeaderKey]
			if len(vals) == 0 {
				continue
			}
			if f.Kind == shape.KindList {
				setList(f, sv, splitHeader(vals))
				continue
			}
			if err := setText(f, sv, strings.Join(vals, ","), "rfc822"); err != nil {
				if f.HeaderKey == "Expires" && f.Kind == shape.KindTime {
					// S3 stores Expires as an unchecked string (modelled as a
					// string in S3's own model; aws-sdk-go-v2 issue #2652), so a
					// value that is not a date must not fail the request. The
					// typed member cannot hold it; it is dropped.
					continue
				}
				return nil, err
			}
		case "headers":
			var m reflect.Value
			prefix := f.Name
			for k, vals := range r.Header {
				if len(k) <= len(prefix) || !strings.EqualFold(k[:len(prefix)], prefix) || len(vals) == 0 {
					continue
				}
				if !m.IsValid() {
					m = reflect.MakeMap(f.Type)
				}
				// Go canonicalizes header names; S3 keeps user metadata
				// keys in lower case.
				m.SetMapIndex(reflect.ValueOf(strings.ToLower(k[len(prefix):])).Convert(f.Type.Key()), reflect.ValueOf(strings.Join(vals, ",")).Convert(f.Type.Elem()))
			}
			if m.IsValid() {
				sv.Field(f.Index).Set(m)
			}
		case "querystring":
			if f.Kind == shape.KindMap {
				continue // filled below from the parameters no member claims
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
		case "":
			bodyMembers = bodyMembers || !f.Payload
		}
	}
	for _, f := range st.Fields {
		if f.Location == "querystring" && f.Kind == shape.KindMap {
			queryMap(f, st, sv, q)
		}
	}
	if err := decodeBody(st, sv, r, bodyMembers); err != nil {
		return nil, err
	}
	return in, nil
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
		_, err := decodeXML(r.Body, sv.Addr().Interface())
		return err
	}
	fv := sv.Field(p.Index)
	switch p.Kind {
	case shape.KindStream:
		fv.Set(reflect.ValueOf(r.Body))
		return nil
	case shape.KindStruct:
		v := reflect.New(p.Elem)
		empty, err := decodeXML(r.Body, v.Interface())
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

// decodeXML decodes an XML body into v; an empty body leaves v unset (empty
// is true): clients send no body for an absent payload.
func decodeXML(r io.Reader, v any) (empty bool, err error) {
	b, err := readAll(r)
	if err != nil {
		return false, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return true, nil
	}
	if err := xmlbody.Decode(bytes.NewReader(b), v); err != nil {
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

// setText parses a header, label or query value into member f.
func setText(f *shape.Field, sv reflect.Value, s, tsDefault string) error {
	v := reflect.New(f.Elem).Elem()
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
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetInt(n)
	case shape.KindFloat:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetFloat(n)
	case shape.KindTime:
		t, err := xmlbody.ParseTime(strings.TrimSpace(s), f.TSFormat, tsDefault)
		if err != nil {
			return invalidArgument(f, s)
		}
		v.Set(reflect.ValueOf(t))
	case shape.KindBlob:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return invalidArgument(f, s)
		}
		v.SetBytes(b)
	default:
		return nil
	}
	f.Set(sv, v)
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
