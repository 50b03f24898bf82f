package restxml

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/xmlbody"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Member roles in a response, from shape's locations.
const (
	outHeader     = iota // location "header": one header
	outPrefixed          // location "headers": a map under a name prefix
	outStatusCode        // location "statusCode"
)

// outPlan is what WriteResponse needs of an output type, computed once: the
// members it writes as headers or status (in field order, which decides
// which status wins) and the members that go in the XML body.
type outPlan struct {
	st     *shape.Struct
	fields []outField
	body   []*shape.Field
}

type outField struct {
	f    *shape.Field
	role int
	// strPtr says the member is a *string (or pointer to a string enum):
	// the common header member, read without reflection.
	strPtr bool
}

var outPlans sync.Map // reflect.Type (a structure) -> *outPlan

func outPlanOf(t reflect.Type) *outPlan {
	if p, ok := outPlans.Load(t); ok {
		return p.(*outPlan)
	}
	st := shape.Of(t)
	p := &outPlan{st: st}
	for _, f := range st.Fields {
		switch f.Location {
		case "header":
			strPtr := f.Type.Kind() == reflect.Pointer && f.Elem.Kind() == reflect.String && f.Kind == shape.KindString
			p.fields = append(p.fields, outField{f: f, role: outHeader, strPtr: strPtr})
		case "headers":
			p.fields = append(p.fields, outField{f: f, role: outPrefixed})
		case "statusCode":
			p.fields = append(p.fields, outField{f: f, role: outStatusCode})
		case "":
			if !f.Payload {
				p.body = append(p.body, f)
			}
		}
	}
	v, _ := outPlans.LoadOrStore(t, p)
	return v.(*outPlan)
}

// pendingHeader is a header value on its way into the response: s itself,
// or bytes [start, end) of the text buffer that formatted it.
type pendingHeader struct {
	key        string
	s          string
	start, end int
}

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
	plan := outPlanOf(sv.Type())
	st := plan.st
	h := w.Header()
	// Header values are gathered first so that a response costs two
	// allocations for them (one string holding every formatted number and
	// date, one []string backing every value) instead of one or two per
	// header; keys are already canonical (shape.Field.HeaderKey), so they
	// are assigned without Header.Set's canonicalization.
	var pendingArr [48]pendingHeader
	var textArr [256]byte
	pending, text := pendingArr[:0], textArr[:0]
	var statusSet bool
	base := v.UnsafePointer() // the output structure
	for _, of := range plan.fields {
		f := of.f
		switch of.role {
		case outHeader:
			// Most of an output's header members are absent: Present
			// skips them by their first word, without building a
			// reflect.Value each.
			if !f.Present(sv) {
				continue
			}
			if of.strPtr {
				pending = append(pending, pendingHeader{key: f.HeaderKey, s: **(**string)(unsafe.Add(base, f.Offset))})
			} else if fv := sv.Field(f.Index); f.Kind == shape.KindString {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue
					}
					fv = fv.Elem()
				}
				pending = append(pending, pendingHeader{key: f.HeaderKey, s: fv.String()})
			} else {
				start := len(text)
				var ok bool
				if text, ok = appendHeaderText(text, f, fv); !ok {
					continue
				}
				pending = append(pending, pendingHeader{key: f.HeaderKey, start: start, end: len(text)})
			}
			if f.StatusWhenSet != 0 && !statusSet {
				status = f.StatusWhenSet
			}
		case outPrefixed:
			m := sv.Field(f.Index)
			if m.Len() == 0 {
				continue
			}
			// S3 answers user metadata in lower case, as it stores it
			// (x-amz-meta-meta1, not X-Amz-Meta-Meta1): boto3 strips the
			// prefix as sent and shows the rest. The key is set directly,
			// bypassing Header.Set's canonicalization.
			for it := m.MapRange(); it.Next(); {
				h[strings.ToLower(f.Name+it.Key().String())] = []string{it.Value().String()}
			}
		case outStatusCode:
			fv := sv.Field(f.Index)
			if fv.Kind() == reflect.Pointer && !fv.IsNil() {
				fv = fv.Elem()
			}
			if fv.Kind() == reflect.Int32 || fv.Kind() == reflect.Int64 {
				if n := int(fv.Int()); n >= 100 && n <= 999 {
					status, statusSet = n, true
				}
			}
		}
	}
	if len(pending) > 0 {
		var all string
		if len(text) > 0 {
			all = string(text)
		}
		vals := make([]string, len(pending))
		for i, ph := range pending {
			if ph.end > ph.start {
				vals[i] = all[ph.start:ph.end]
			} else {
				vals[i] = ph.s
			}
			h[ph.key] = vals[i : i+1 : i+1]
		}
	}
	bodyMembers := false
	for _, f := range plan.body {
		if f.Present(sv) {
			bodyMembers = true
			break
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
	if t, ok := appendHeaderText(nil, f, v); ok {
		xmlbody.EscapeText(b, string(t))
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
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(raw))}
	w.WriteHeader(status)
	if head {
		return nil
	}
	_, err := w.Write(raw)
	return err
}

func writeXML(w http.ResponseWriter, status int, b *bytes.Buffer) error {
	h := w.Header()
	vals := []string{"application/xml", strconv.Itoa(b.Len())}
	h["Content-Type"] = vals[0:1:1]
	h["Content-Length"] = vals[1:2:2]
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// appendHeaderText appends the text of header member f (value v) to dst; ok
// is false when the member is absent.
func appendHeaderText(dst []byte, f *shape.Field, v reflect.Value) ([]byte, bool) {
	if v.Kind() == reflect.Pointer || v.Kind() == reflect.Slice || v.Kind() == reflect.Map {
		if v.IsNil() {
			return dst, false
		}
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	switch f.Kind {
	case shape.KindString:
		return append(dst, v.String()...), true
	case shape.KindBool:
		return strconv.AppendBool(dst, v.Bool()), true
	case shape.KindInt:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case shape.KindFloat:
		return append(dst, xmlbody.FormatFloat(v.Float(), v.Type().Bits())...), true
	case shape.KindTime:
		return appendTime(dst, timeOf(v), f.TSFormat), true
	case shape.KindBlob:
		return base64.StdEncoding.AppendEncode(dst, v.Bytes()), true
	case shape.KindList:
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst, _ = appendHeaderText(dst, f.Item, v.Index(i))
		}
		return dst, true
	}
	return dst, false
}

// timeOf reads a time.Time value, through its address when it has one
// (Interface would copy it to the heap).
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *v.Addr().Interface().(*time.Time)
	}
	return v.Interface().(time.Time)
}

// appendTime appends t as a header: rfc822 (HTTP's date, headers' default)
// unless the member names another format. The same text as
// xmlbody.FormatTime(t, format, "rfc822").
func appendTime(dst []byte, t time.Time, format string) []byte {
	switch format {
	case "", "rfc822":
		return appendHTTPDate(dst, t)
	case "unixTimestamp":
		return strconv.AppendFloat(dst, float64(t.UnixNano())/1e9, 'f', -1, 64)
	default:
		return t.UTC().AppendFormat(dst, xmlbody.ISO8601)
	}
}

// appendHTTPDate appends t in UTC as http.TimeFormat does
// ("Mon, 02 Jan 2006 15:04:05 GMT"), without time.Format's layout parsing:
// every GetObject and HeadObject sends Last-Modified.
func appendHTTPDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, http.TimeFormat)
	}
	hour, min, sec := t.Clock()
	const days = "SunMonTueWedThuFriSat"
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd := int(t.Weekday()) * 3
	mo := (int(month) - 1) * 3
	return append(dst, days[wd], days[wd+1], days[wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ', months[mo], months[mo+1], months[mo+2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':', byte('0'+sec/10), byte('0'+sec%10),
		' ', 'G', 'M', 'T')
}

// WriteError writes e as S3 does: e's headers, then
// <Error><Code/><Message/>fields<RequestId/><HostId/></Error>, with no body
// for HEAD requests (clients see only the status) nor for a status that
// may carry none (304 Not Modified, RFC 9110 section 15.4.5).
func WriteError(w http.ResponseWriter, method string, e *awserr.Error, requestID, hostID string) error {
	return writeError(w, method, e, requestID, hostID, false)
}

// WriteWrappedError is WriteError with the document S3 Control sends:
// <ErrorResponse><Error><Code/><Message/></Error><RequestId/><HostId/></ErrorResponse>
// (the AWS SDKs' S3 Control clients read the code inside <Error>).
func WriteWrappedError(w http.ResponseWriter, method string, e *awserr.Error, requestID, hostID string) error {
	return writeError(w, method, e, requestID, hostID, true)
}

func writeError(w http.ResponseWriter, method string, e *awserr.Error, requestID, hostID string, wrapped bool) error {
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
	if wrapped {
		appendWrappedError(b, e, requestID, hostID)
	} else {
		AppendError(b, e, requestID, hostID)
	}
	return writeXML(w, status, b)
}

// AppendError appends S3's error document for e.
func AppendError(b *bytes.Buffer, e *awserr.Error, requestID, hostID string) {
	b.WriteString(xmlHeader)
	b.WriteString("<Error>")
	appendErrorFields(b, e)
	appendErrorIDs(b, requestID, hostID)
	b.WriteString("</Error>")
}

func appendWrappedError(b *bytes.Buffer, e *awserr.Error, requestID, hostID string) {
	b.WriteString(xmlHeader)
	b.WriteString("<ErrorResponse><Error>")
	appendErrorFields(b, e)
	b.WriteString("</Error>")
	appendErrorIDs(b, requestID, hostID)
	b.WriteString("</ErrorResponse>")
}

func appendErrorFields(b *bytes.Buffer, e *awserr.Error) {
	b.WriteString("<Code>")
	xmlbody.EscapeText(b, e.Code)
	b.WriteString("</Code><Message>")
	xmlbody.EscapeText(b, e.Message)
	b.WriteString("</Message>")
	for _, f := range e.Fields {
		b.WriteString("<" + f.Name + ">")
		xmlbody.EscapeText(b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
}

func appendErrorIDs(b *bytes.Buffer, requestID, hostID string) {
	b.WriteString("<RequestId>")
	xmlbody.EscapeText(b, requestID)
	b.WriteString("</RequestId><HostId>")
	xmlbody.EscapeText(b, hostID)
	b.WriteString("</HostId>")
}

// bodyAllowed reports whether a response with status may have a body:
// not 1xx, 204 No Content nor 304 Not Modified (RFC 9110 sections 15.2,
// 15.3.5 and 15.4.5; net/http refuses to write one).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
