package restxml

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/xmlbody"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WriteResponse writes op's output out (nil means empty): status (the
// statusCode member, else that of a present statusWhenSet member, else the
// operation's code, else 200), header members,
// then the body: a streaming payload is copied and closed, an XML payload or
// body members are written under their root element in S3's namespace.
// HEAD responses get headers only.
func WriteResponse(w http.ResponseWriter, method string, op *api.Operation, out any) error {
	status := op.ResponseCode
	if status == 0 {
		status = http.StatusOK
	}
	v := reflect.ValueOf(out)
	if out == nil || v.Kind() != reflect.Pointer || v.IsNil() {
		w.WriteHeader(status)
		return nil
	}
	sv := v.Elem()
	st := shape.Of(sv.Type())
	h := w.Header()
	var bodyMembers, statusSet bool
	for _, f := range st.Fields {
		switch f.Location {
		case "header":
			if s, ok := headerText(f, sv.Field(f.Index)); ok {
				h.Set(f.Name, s)
				if f.StatusWhenSet != 0 && !statusSet {
					status = f.StatusWhenSet
				}
			}
		case "headers":
			m := sv.Field(f.Index)
			for _, k := range m.MapKeys() {
				h.Set(f.Name+k.String(), m.MapIndex(k).String())
			}
		case "statusCode":
			fv := sv.Field(f.Index)
			if fv.Kind() == reflect.Pointer && !fv.IsNil() {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Int32 || fv.Kind() == reflect.Int64 {
				if n := int(fv.Int()); n >= 100 && n <= 999 {
					status, statusSet = n, true
				}
			}
		case "":
			if !f.Payload && f.Present(sv) {
				bodyMembers = true
			}
		}
	}
	head := method == http.MethodHead
	if st.XMLText != nil {
		bodyMembers = true // an empty element is an answer too (us-east-1's location)
	}
	if p := st.Payload; p != nil {
		return writePayload(w, status, op, p, sv.Field(p.Index), head)
	}
	if !bodyMembers || head {
		w.WriteHeader(status)
		return nil
	}
	b := buffers.Get().(*bytes.Buffer)
	defer func() { b.Reset(); buffers.Put(b) }()
	b.WriteString(xmlHeader)
	root := st.LocationName
	if root == "" {
		root = op.Name + "Result"
	}
	if st.XMLText != nil {
		writeTextElement(b, root, op.Service, st.XMLText, sv.Field(st.XMLText.Index))
	} else {
		xmlbody.Element(b, root, namespace(op, st.XMLURI), st.XMLPrefix, sv, precision(op))
	}
	return writeXML(w, status, b)
}

func precision(op *api.Operation) api.TimePrecision {
	if op.Service != nil {
		return op.Service.TimePrecision
	}
	return api.TimeAsIs
}

func namespace(op *api.Operation, uri string) string {
	if uri != "" {
		return uri
	}
	if op.Service != nil {
		return op.Service.XMLNamespace
	}
	return ""
}

// writeTextElement writes <root xmlns="...">text</root> (GetBucketLocation);
// an absent value is an empty element, S3's answer for us-east-1.
func writeTextElement(b *bytes.Buffer, root string, svc *api.Service, f *shape.Field, v reflect.Value) {
	b.WriteString("<" + root)
	if svc != nil && svc.XMLNamespace != "" {
		b.WriteString(` xmlns="` + svc.XMLNamespace + `"`)
	}
	b.WriteString(">")
	if s, ok := headerText(f, v); ok {
		xmlbody.EscapeText(b, s)
	}
	b.WriteString("</" + root + ">")
}

func writePayload(w http.ResponseWriter, status int, op *api.Operation, p *shape.Field, v reflect.Value, head bool) error {
	switch p.Kind {
	case shape.KindStream:
		if v.IsNil() {
			w.WriteHeader(status)
			return nil
		}
		body := v.Interface().(io.Reader)
		if c, ok := body.(io.Closer); ok {
			defer c.Close()
		}
		w.WriteHeader(status)
		if head {
			return nil
		}
		_, err := io.Copy(w, body)
		return err
	case shape.KindStruct:
		if v.IsNil() {
			w.WriteHeader(status)
			return nil
		}
		if head {
			w.WriteHeader(status)
			return nil
		}
		b := buffers.Get().(*bytes.Buffer)
		defer func() { b.Reset(); buffers.Put(b) }()
		b.WriteString(xmlHeader)
		st := shape.Of(p.Elem)
		name := p.Name
		uri, prefix := p.XMLURI, p.XMLPrefix
		if uri == "" {
			uri, prefix = namespace(op, st.XMLURI), st.XMLPrefix
		}
		xmlbody.Element(b, name, uri, prefix, v.Elem(), precision(op))
		return writeXML(w, status, b)
	}
	// String and blob payloads (GetBucketPolicy) are the raw body.
	var raw []byte
	switch {
	case p.Kind == shape.KindBlob:
		raw = v.Bytes()
	case v.Kind() == reflect.Pointer:
		if !v.IsNil() {
			raw = []byte(v.Elem().String())
		}
	default:
		raw = []byte(v.String())
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(status)
	if head {
		return nil
	}
	_, err := w.Write(raw)
	return err
}

func writeXML(w http.ResponseWriter, status int, b *bytes.Buffer) error {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// headerText formats a header member; ok is false when it is absent.
func headerText(f *shape.Field, v reflect.Value) (string, bool) {
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Slice || v.Kind() == reflect.Map {
		if v.IsNil() {
			return "", false
		}
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch f.Kind {
	case shape.KindString:
		return v.String(), true
	case shape.KindBool:
		return strconv.FormatBool(v.Bool()), true
	case shape.KindInt:
		return strconv.FormatInt(v.Int(), 10), true
	case shape.KindFloat:
		return xmlbody.FormatFloat(v.Float(), v.Type().Bits()), true
	case shape.KindTime:
		return xmlbody.FormatTime(v.Interface().(time.Time), f.TSFormat, "rfc822"), true
	case shape.KindBlob:
		return base64.StdEncoding.EncodeToString(v.Bytes()), true
	case shape.KindList:
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i], _ = headerText(f.Item, v.Index(i))
		}
		return joinComma(parts), true
	}
	return "", false
}

func joinComma(parts []string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p)
	}
	return b.String()
}

// WriteError writes e as S3 does: e's headers, then
// <Error><Code/><Message/>fields<RequestId/><HostId/></Error>, with no body
// for HEAD requests (clients see only the status) nor for a status that
// may carry none (304 Not Modified, RFC 9110 section 15.4.5).
func WriteError(w http.ResponseWriter, method string, e *awserr.Error, requestID, hostID string) error {
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	h := w.Header()
	for _, f := range e.Headers {
		h.Set(f.Name, f.Value)
	}
	if method == http.MethodHead || !bodyAllowed(status) {
		w.WriteHeader(status)
		return nil
	}
	b := buffers.Get().(*bytes.Buffer)
	defer func() { b.Reset(); buffers.Put(b) }()
	AppendError(b, e, requestID, hostID)
	return writeXML(w, status, b)
}

// AppendError appends S3's error document for e.
func AppendError(b *bytes.Buffer, e *awserr.Error, requestID, hostID string) {
	b.WriteString(xmlHeader)
	b.WriteString("<Error><Code>")
	xmlbody.EscapeText(b, e.Code)
	b.WriteString("</Code><Message>")
	xmlbody.EscapeText(b, e.Message)
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		xmlbody.EscapeText(b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
	b.WriteString("<RequestId>")
	xmlbody.EscapeText(b, requestID)
	b.WriteString("</RequestId><HostId>")
	xmlbody.EscapeText(b, hostID)
	b.WriteString("</HostId></Error>")
}

// bodyAllowed reports whether a response with status may have a body:
// not 1xx, 204 No Content nor 304 Not Modified (RFC 9110 sections 15.2,
// 15.3.5 and 15.4.5; net/http refuses to write one).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
