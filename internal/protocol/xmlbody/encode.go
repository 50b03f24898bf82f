// Package xmlbody encodes and decodes structures as AWS XML bodies, driven by
// the shape plans: the query protocol's <OpResult> contents and rest-xml
// payloads use the same rules (element names, flattened lists, member and
// entry wrappers, attributes, namespaces).
package xmlbody

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"math"
	"reflect"
	"strconv"
	"time"

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
func Members(b *bytes.Buffer, sv reflect.Value) {
	st := shape.Of(sv.Type())
	for _, f := range st.Fields {
		if f.Attr || f.Location != "" || !f.Present(sv) {
			continue
		}
		field(b, f, sv.Field(f.Index))
	}
}

// Element writes structure value sv as element name, with namespace uri
// (prefix optional) and its attribute members.
func Element(b *bytes.Buffer, name, uri, prefix string, sv reflect.Value) {
	b.WriteByte('<')
	b.WriteString(name)
	writeNS(b, uri, prefix)
	st := shape.Of(sv.Type())
	for _, f := range st.Fields {
		if !f.Attr || !f.Present(sv) {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(f.Name)
		b.WriteString(`="`)
		escape(b, scalarText(f, deref(sv.Field(f.Index))))
		b.WriteByte('"')
	}
	b.WriteByte('>')
	Members(b, sv)
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
func field(b *bytes.Buffer, f *shape.Field, v reflect.Value) {
	switch f.Kind {
	case shape.KindList:
		list(b, f, v)
	case shape.KindMap:
		mapValue(b, f, v)
	case shape.KindStream:
		// Streams are bodies, never XML members.
	default:
		value(b, f, f.Name, f.XMLURI, f.XMLPrefix, v)
	}
}

// value writes one element named name holding v: a structure or a scalar.
func value(b *bytes.Buffer, f *shape.Field, name, uri, prefix string, v reflect.Value) {
	v = deref(v)
	if !v.IsValid() {
		return
	}
	switch f.Kind {
	case shape.KindStruct:
		if uri == "" {
			// The namespace may sit on the structure's shape (S3's Grantee).
			st := shape.Of(v.Type())
			uri, prefix = st.XMLURI, st.XMLPrefix
		}
		Element(b, name, uri, prefix, v)
	case shape.KindList:
		// A list inside a list (rare): wrapped as a member element.
		b.WriteString("<" + name + ">")
		list(b, f, v)
		b.WriteString("</" + name + ">")
	case shape.KindMap:
		b.WriteString("<" + name + ">")
		mapValue(b, f, v)
		b.WriteString("</" + name + ">")
	default:
		b.WriteByte('<')
		b.WriteString(name)
		writeNS(b, uri, prefix)
		b.WriteByte('>')
		escape(b, scalarText(f, v))
		b.WriteString("</")
		b.WriteString(name)
		b.WriteByte('>')
	}
}

func list(b *bytes.Buffer, f *shape.Field, v reflect.Value) {
	if f.Flattened {
		name := f.ListItem
		if name == "" {
			name = f.Name
		}
		for i := 0; i < v.Len(); i++ {
			value(b, f.Item, name, f.XMLURI, f.XMLPrefix, v.Index(i))
		}
		return
	}
	b.WriteByte('<')
	b.WriteString(f.Name)
	writeNS(b, f.XMLURI, f.XMLPrefix)
	b.WriteByte('>')
	for i := 0; i < v.Len(); i++ {
		value(b, f.Item, f.ListItem, f.Item.XMLURI, "", v.Index(i))
	}
	b.WriteString("</")
	b.WriteString(f.Name)
	b.WriteByte('>')
}

func mapValue(b *bytes.Buffer, f *shape.Field, v reflect.Value) {
	keys := v.MapKeys()
	// Sorted keys keep bodies deterministic (golden files, caches).
	sortValues(keys)
	entry := func(k reflect.Value) {
		value(b, f.Key, f.MapKey, "", "", k)
		value(b, f.Item, f.MapValue, "", "", v.MapIndex(k))
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

func escape(b *bytes.Buffer, s string) {
	// Fast path: most values need no escaping.
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' || c == '>' || c == '&' || c == '"' || c == '\'' || c < 0x20 || c >= 0x80:
			xml.EscapeText(b, []byte(s))
			return
		}
	}
	b.WriteString(s)
}
