// Package xmlbody encodes and decodes structures as AWS XML bodies, driven by
// the shape plans: the query protocol's <OpResult> contents and rest-xml
// payloads use the same rules (element names, flattened lists, member and
// entry wrappers, attributes, namespaces).
package xmlbody

import (
	"bytes"
	"encoding/base64"
	"github.com/doppel-aws/doppel/internal/api"
	"math"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// ISO8601 is the timestamp layout AWS XML bodies use, e.g. 2024-01-02T03:04:05Z.
// Fractional seconds are sent only when present.
const ISO8601 = "2006-01-02T15:04:05.999999999Z"

// FormatTime formats t in the named timestampFormat; def applies when format is empty.
func FormatTime(t time.Time, format, def string) string {
	if format == "" {
		format = def
	}
	switch format {
	case "rfc822":
		return t.UTC().Format(time.RFC1123[:len(time.RFC1123)-3] + "GMT")
	case "unixTimestamp":
		return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', -1, 64)
	default:
		return t.UTC().Format(ISO8601)
	}
}

// Members writes the child elements of structure value sv (attributes are the
// caller's, see Element).
func Members(b *bytes.Buffer, sv reflect.Value, p api.TimePrecision) {
	members(b, shape.Of(sv.Type()), sv, p)
}

func members(b *bytes.Buffer, st *shape.Struct, sv reflect.Value, p api.TimePrecision) {
	for _, f := range st.BodyFields {
		if f.Present(sv) {
			field(b, f, sv.Field(f.Index), p)
		}
	}
}

// Element writes structure value sv as element name, with namespace uri
// (prefix optional) and its attribute members.
func Element(b *bytes.Buffer, name, uri, prefix string, sv reflect.Value, p api.TimePrecision) {
	element(b, shape.Of(sv.Type()), name, uri, prefix, sv, p)
}

func element(b *bytes.Buffer, st *shape.Struct, name, uri, prefix string, sv reflect.Value, p api.TimePrecision) {
	b.WriteByte('<')
	b.WriteString(name)
	writeNS(b, uri, prefix)
	for _, f := range st.AttrFields {
		if !f.Present(sv) {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(f.Name)
		b.WriteString(`="`)
		escape(b, scalarText(f, deref(sv.Field(f.Index))))
		b.WriteByte('"')
	}
	b.WriteByte('>')
	members(b, st, sv, p)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

func writeNS(b *bytes.Buffer, uri, prefix string) {
	if uri == "" {
		return
	}
	if prefix != "" {
		b.WriteString(` xmlns:` + prefix + `="`)
	} else {
		b.WriteString(` xmlns="`)
	}
	escape(b, uri)
	b.WriteByte('"')
}

func deref(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// field writes member f holding v (maybe a pointer).
func field(b *bytes.Buffer, f *shape.Field, v reflect.Value, p api.TimePrecision) {
	switch f.Kind {
	case shape.KindList:
		list(b, f, v, p)
	case shape.KindMap:
		mapValue(b, f, v, p)
	case shape.KindStream:
		// Streams are bodies, never XML members.
	default:
		value(b, f, f.Name, f.XMLURI, f.XMLPrefix, v, p)
	}
}

// value writes one element named name holding v: a structure or a scalar.
func value(b *bytes.Buffer, f *shape.Field, name, uri, prefix string, v reflect.Value, p api.TimePrecision) {
	v = deref(v)
	if !v.IsValid() {
		return
	}
	switch f.Kind {
	case shape.KindStruct:
		st := f.Plan()
		if uri == "" {
			// The namespace may sit on the structure's shape (S3's Grantee).
			uri, prefix = st.XMLURI, st.XMLPrefix
		}
		element(b, st, name, uri, prefix, v, p)
	case shape.KindList:
		// A list inside a list (rare): wrapped as a member element.
		b.WriteString("<" + name + ">")
		list(b, f, v, p)
		b.WriteString("</" + name + ">")
	case shape.KindMap:
		b.WriteString("<" + name + ">")
		mapValue(b, f, v, p)
		b.WriteString("</" + name + ">")
	default:
		b.WriteByte('<')
		b.WriteString(name)
		writeNS(b, uri, prefix)
		b.WriteByte('>')
		appendScalar(b, f, v, p)
		b.WriteString("</")
		b.WriteString(name)
		b.WriteByte('>')
	}
}

func list(b *bytes.Buffer, f *shape.Field, v reflect.Value, p api.TimePrecision) {
	if f.Flattened {
		name := f.ListItem
		if name == "" {
			name = f.Name
		}
		for i := 0; i < v.Len(); i++ {
			value(b, f.Item, name, f.XMLURI, f.XMLPrefix, v.Index(i), p)
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(f.Name)
	writeNS(b, f.XMLURI, f.XMLPrefix)
	b.WriteByte('>')
	for i := 0; i < v.Len(); i++ {
		value(b, f.Item, f.ListItem, f.Item.XMLURI, "", v.Index(i), p)
	}
	b.WriteString("</")
	b.WriteString(f.Name)
	b.WriteByte('>')
}

func mapValue(b *bytes.Buffer, f *shape.Field, v reflect.Value, p api.TimePrecision) {
	keys := v.MapKeys()
	// Sorted keys keep bodies deterministic (golden files, caches).
	sortValues(keys)
	entry := func(k reflect.Value) {
		value(b, f.Key, f.MapKey, "", "", k, p)
		value(b, f.Item, f.MapValue, "", "", v.MapIndex(k), p)
	}
	if f.Flattened {
		for _, k := range keys {
			b.WriteString("<" + f.Name + ">")
			entry(k)
			b.WriteString("</" + f.Name + ">")
		}
		return
	}
	b.WriteString("<" + f.Name + ">")
	for _, k := range keys {
		b.WriteString("<entry>")
		entry(k)
		b.WriteString("</entry>")
	}
	b.WriteString("</" + f.Name + ">")
}

func sortValues(keys []reflect.Value) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].String() < keys[j-1].String(); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// appendScalar writes a non-pointer scalar value as escaped XML text.
func appendScalar(b *bytes.Buffer, f *shape.Field, v reflect.Value, p api.TimePrecision) {
	switch f.Kind {
	case shape.KindString:
		escape(b, v.String())
	case shape.KindInt:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), v.Int(), 10))
	case shape.KindBool:
		b.Write(strconv.AppendBool(b.AvailableBuffer(), v.Bool()))
	case shape.KindTime:
		if f.TSFormat == "" || f.TSFormat == "iso8601" {
			b.Write(AppendTime(b.AvailableBuffer(), timeOf(v), p))
			return
		}
		escape(b, scalarText(f, v))
	default:
		escape(b, scalarText(f, v))
	}
}

// timeOf reads a time.Time without boxing it when v is addressable.
func timeOf(v reflect.Value) time.Time {
	if v.CanAddr() {
		return *(*time.Time)(v.Addr().UnsafePointer())
	}
	return v.Interface().(time.Time)
}

// AppendTime appends t as an ISO 8601 UTC timestamp with precision p.
func AppendTime(dst []byte, t time.Time, p api.TimePrecision) []byte {
	switch p {
	case api.TimeSeconds:
		return AppendISO8601(dst, t.Truncate(time.Second))
	case api.TimeMillis:
		t = t.Truncate(time.Millisecond)
		if t.Nanosecond() == 0 {
			dst = AppendISO8601(dst, t)
			return append(dst[:len(dst)-1], ".000Z"...)
		}
		dst = AppendISO8601(dst, t)
		// AppendISO8601 trims trailing zeros; put them back (.5Z -> .500Z).
		frac := len(dst) - 1 - bytes.LastIndexByte(dst, '.') - 1
		dst = dst[:len(dst)-1]
		for ; frac < 3; frac++ {
			dst = append(dst, '0')
		}
		return append(dst, 'Z')
	}
	return AppendISO8601(dst, t)
}

// AppendISO8601 appends t in UTC as 2006-01-02T15:04:05Z, with fractional
// seconds only when present, without time.Format's allocations.
func AppendISO8601(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, ISO8601)
	}
	dst = append(dst, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, 'Z')
}

// scalarText formats a non-pointer scalar value for an XML body.
func scalarText(f *shape.Field, v reflect.Value) string {
	switch f.Kind {
	case shape.KindString:
		return v.String()
	case shape.KindBool:
		return strconv.FormatBool(v.Bool())
	case shape.KindInt:
		return strconv.FormatInt(v.Int(), 10)
	case shape.KindFloat:
		return FormatFloat(v.Float(), v.Type().Bits())
	case shape.KindTime:
		return FormatTime(v.Interface().(time.Time), f.TSFormat, "iso8601")
	case shape.KindBlob:
		return base64.StdEncoding.EncodeToString(v.Bytes())
	}
	return ""
}

// FormatFloat writes floats as AWS does, with Infinity and NaN spelled out.
func FormatFloat(x float64, bits int) string {
	switch {
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	case math.IsNaN(x):
		return "NaN"
	}
	return strconv.FormatFloat(x, 'f', -1, bits)
}

// EscapeText writes s as XML character data.
func EscapeText(b *bytes.Buffer, s string) { escape(b, s) }

// plainText marks the bytes escape copies as they are, so that the common
// case (ASCII names, ARNs, IDs) is one table lookup per byte.
var plainText = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `&<>"'` {
		t[c] = false
	}
	return t
}()

func escape(b *bytes.Buffer, s string) {
	i := 0
	for i < len(s) && plainText[s[i]] {
		i++
	}
	if i == len(s) {
		b.WriteString(s)
		return
	}
	escapeFrom(b, s, i)
}

// escapeFrom escapes s, whose bytes before i need none.
func escapeFrom(b *bytes.Buffer, s string, i int) {
	start := 0
	for i < len(s) {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '"':
			esc = "&quot;"
		case c == '\'':
			esc = "&apos;"
		case c == '\n':
			esc = "&#xA;"
		case c == '\r':
			esc = "&#xD;"
		case c == '\t':
			esc = "&#x9;"
		case c < 0x20:
			esc = "\uFFFD" // not allowed in XML 1.0
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b.WriteString(s[start:i])
			b.WriteString(esc)
			start = i + width
		}
		i += width
	}
	b.WriteString(s[start:])
}
