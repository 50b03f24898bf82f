// Package jsonrpc is the awsJson1_1 protocol (Organizations): POST / with
// X-Amz-Target "<TargetPrefix>.<Operation>", a JSON body in and out, and
// errors as {"__type":"Code","message":"..."} with an x-amzn-ErrorType header.
//
//	op, in, err := jsonrpc.Decode(organizationsapi.Service, r.Header.Get("X-Amz-Target"), r.Body)
//	out, err := op.Invoke(ctx, handler, in)
//	jsonrpc.WriteResponse(w, organizationsapi.Service, out)   // or
//	jsonrpc.WriteError(w, organizationsapi.Service, awserr.From(err))
package jsonrpc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
	"github.com/doppel-aws/doppel/internal/protocol/xmlbody"
)

// MaxBody caps a JSON request body.
const MaxBody = 8 << 20

// UnknownOperation is the answer to a missing or unknown X-Amz-Target.
func UnknownOperation() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "UnknownOperationException", "")
}

// serialization is the answer to a body that is not the JSON the operation takes.
func serialization(format string, args ...any) *awserr.Error {
	return awserr.Newf(http.StatusBadRequest, "SerializationException", format, args...)
}

// Decode finds the operation named by target and decodes body into a new
// input, checking model constraints (ValidationException in AWS's wording).
func Decode(svc *api.Service, target string, body io.Reader) (*api.Operation, any, error) {
	i := strings.LastIndexByte(target, '.')
	if i < 0 || target[:i] != svc.TargetPrefix {
		return nil, nil, UnknownOperation()
	}
	op := svc.Operation(target[i+1:])
	if op == nil {
		return nil, nil, UnknownOperation()
	}
	in := op.NewInput()
	if err := DecodeInto(body, in); err != nil {
		return op, nil, err
	}
	return op, in, nil
}

// DecodeInto decodes a JSON body into in, a pointer to a structure. An empty
// body is an empty object.
func DecodeInto(body io.Reader, in any) error {
	raw, err := io.ReadAll(io.LimitReader(body, MaxBody+1))
	if err != nil {
		return serialization("The request body could not be read.").Wrap(err)
	}
	if len(raw) > MaxBody {
		return awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is too large.")
	}
	var doc any = map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return serialization("Start of structure or map found where not expected.").Wrap(err)
		}
		// One document: what follows it would be read by nobody, and a body
		// that means two things is refused rather than half read.
		if _, err := dec.Token(); err != io.EOF {
			return serialization("Unexpected content after the end of the JSON document.")
		}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return serialization("Start of structure or map found where not expected.")
	}
	d := decoder{}
	d.structure(obj, "", reflect.ValueOf(in).Elem())
	if d.err != nil {
		return d.err
	}
	if e := d.problems.ErrCode("ValidationException"); e != nil {
		return e
	}
	return nil
}

type decoder struct {
	problems shape.Problems
	err      *awserr.Error
}

func (d *decoder) fail(path string, v any, want string) {
	if d.err == nil {
		d.err = serialization("Value %v at '%s' cannot be read as %s.", v, path, want)
	}
}

func (d *decoder) structure(obj map[string]any, path string, sv reflect.Value) {
	for _, f := range shape.Of(sv.Type()).Fields {
		mpath := shape.Path(path, f)
		raw, ok := obj[f.Name]
		if !ok || raw == nil {
			if f.Required {
				d.problems.Missing(mpath)
			}
			continue
		}
		v, ok := d.value(f, raw, mpath)
		if !ok {
			continue
		}
		f.Set(sv, v)
		d.problems.Check(f, mpath, v)
	}
}

// value converts a JSON value for member f into its Go value (not a pointer,
// except structures which come back as pointers).
func (d *decoder) value(f *shape.Field, raw any, path string) (reflect.Value, bool) {
	switch f.Kind {
	case shape.KindStruct:
		obj, ok := raw.(map[string]any)
		if !ok {
			d.fail(path, raw, "a structure")
			return reflect.Value{}, false
		}
		p := reflect.New(f.Elem)
		d.structure(obj, path, p.Elem())
		if f.Ptr {
			return p, true
		}
		return p.Elem(), true
	case shape.KindList:
		arr, ok := raw.([]any)
		if !ok {
			d.fail(path, raw, "a list")
			return reflect.Value{}, false
		}
		out := reflect.MakeSlice(f.Type, 0, len(arr))
		for i, item := range arr {
			ipath := path + "." + strconv.Itoa(i+1) + ".member"
			if item == nil {
				continue
			}
			v, ok := d.value(f.Item, item, ipath)
			if !ok {
				continue
			}
			d.problems.Check(f.Item, ipath, v)
			out = reflect.Append(out, v)
		}
		return out, true
	case shape.KindMap:
		obj, ok := raw.(map[string]any)
		if !ok {
			d.fail(path, raw, "a map")
			return reflect.Value{}, false
		}
		out := reflect.MakeMapWithSize(f.Type, len(obj))
		for k, item := range obj {
			if item == nil {
				continue
			}
			v, ok := d.value(f.Item, item, path+"."+k)
			if !ok {
				continue
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(f.Type.Key()), v)
		}
		return out, true
	}
	v := reflect.New(f.Elem).Elem()
	switch f.Kind {
	case shape.KindString:
		s, ok := raw.(string)
		if !ok {
			d.fail(path, raw, "a string")
			return v, false
		}
		v.SetString(s)
	case shape.KindBool:
		b, ok := raw.(bool)
		if !ok {
			d.fail(path, raw, "a boolean")
			return v, false
		}
		v.SetBool(b)
	case shape.KindInt:
		n, ok := raw.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || v.OverflowInt(i) {
			d.fail(path, raw, "an integer")
			return v, false
		}
		v.SetInt(i)
	case shape.KindFloat:
		x, ok := number(raw)
		if !ok {
			d.fail(path, raw, "a number")
			return v, false
		}
		v.SetFloat(x)
	case shape.KindTime:
		t, ok := timestamp(f, raw)
		if !ok {
			d.fail(path, raw, "a timestamp")
			return v, false
		}
		v.Set(reflect.ValueOf(t))
	case shape.KindBlob:
		s, ok := raw.(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if !ok || err != nil {
			d.fail(path, raw, "base64-encoded data")
			return v, false
		}
		v.SetBytes(b)
	default:
		return v, false
	}
	return v, true
}

// number accepts JSON numbers and the strings Smithy uses for non-finite values.
func number(raw any) (float64, bool) {
	switch x := raw.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		switch x {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// timestamp reads epoch seconds (the JSON default) or a formatted string.
func timestamp(f *shape.Field, raw any) (time.Time, bool) {
	switch x := raw.(type) {
	case json.Number:
		secs, err := x.Float64()
		if err != nil {
			return time.Time{}, false
		}
		sec := math.Floor(secs)
		return time.Unix(int64(sec), int64(math.Round((secs-sec)*1e3))*1e6).UTC(), true
	case string:
		t, err := xmlbody.ParseTime(x, f.TSFormat, "iso8601")
		return t, err == nil
	}
	return time.Time{}, false
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WriteResponse writes a 200 response with output out (nil means {}).
func WriteResponse(w http.ResponseWriter, svc *api.Service, out any) error {
	b := buffers.Get().(*bytes.Buffer)
	defer func() { b.Reset(); buffers.Put(b) }()
	AppendOutput(b, out)
	return write(w, svc, http.StatusOK, b)
}

// AppendOutput appends out as a JSON object.
func AppendOutput(b *bytes.Buffer, out any) {
	v := reflect.ValueOf(out)
	if out == nil || v.Kind() != reflect.Pointer || v.IsNil() {
		b.WriteString("{}")
		return
	}
	writeStruct(b, v.Elem())
}

// WriteError writes e: its status, x-amzn-ErrorType, and
// {"__type":"Code","message":"...",...fields}.
func WriteError(w http.ResponseWriter, svc *api.Service, e *awserr.Error) error {
	b := buffers.Get().(*bytes.Buffer)
	defer func() { b.Reset(); buffers.Put(b) }()
	AppendError(b, e)
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	return write(w, svc, status, b)
}

// AppendError appends the error document for e.
func AppendError(b *bytes.Buffer, e *awserr.Error) {
	b.WriteString(`{"__type":`)
	writeString(b, e.Code)
	b.WriteString(`,"message":`)
	writeString(b, e.Message)
	for _, f := range e.Fields {
		b.WriteByte(',')
		writeString(b, f.Name)
		b.WriteByte(':')
		writeString(b, f.Value)
	}
	b.WriteByte('}')
}

func write(w http.ResponseWriter, svc *api.Service, status int, b *bytes.Buffer) error {
	h := w.Header()
	version := svc.JSONVersion
	if version == "" {
		version = "1.1"
	}
	h.Set("Content-Type", "application/x-amz-json-"+version)
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

func writeStruct(b *bytes.Buffer, sv reflect.Value) {
	b.WriteByte('{')
	first := true
	for _, f := range shape.Of(sv.Type()).Fields {
		fv := sv.Field(f.Index)
		if !present(fv) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeString(b, f.Name)
		b.WriteByte(':')
		writeValue(b, f, fv)
	}
	b.WriteByte('}')
}

func present(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return !v.IsNil()
	}
	return true
}

func writeValue(b *bytes.Buffer, f *shape.Field, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		v = v.Elem()
	}
	switch f.Kind {
	case shape.KindStruct:
		writeStruct(b, v)
	case shape.KindList:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, f.Item, v.Index(i))
		}
		b.WriteByte(']')
	case shape.KindMap:
		b.WriteByte('{')
		for i, k := range v.MapKeys() {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k.String())
			b.WriteByte(':')
			writeValue(b, f.Item, v.MapIndex(k))
		}
		b.WriteByte('}')
	case shape.KindString:
		writeString(b, v.String())
	case shape.KindBool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case shape.KindInt:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case shape.KindFloat:
		x := v.Float()
		if math.IsInf(x, 0) || math.IsNaN(x) {
			writeString(b, xmlbody.FormatFloat(x, 64))
			return
		}
		b.WriteString(strconv.FormatFloat(x, 'f', -1, v.Type().Bits()))
	case shape.KindTime:
		t := v.Interface().(time.Time)
		switch f.TSFormat {
		case "iso8601", "rfc822":
			writeString(b, xmlbody.FormatTime(t, f.TSFormat, ""))
		default:
			b.WriteString(xmlbody.FormatTime(t, "unixTimestamp", ""))
		}
	case shape.KindBlob:
		writeString(b, base64.StdEncoding.EncodeToString(v.Bytes()))
	default:
		b.WriteString("null")
	}
}

// writeString writes s as a JSON string.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < 0x20:
				fmt.Fprintf(b, `\u%04x`, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
