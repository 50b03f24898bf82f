package xmlbody

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// maxDepth bounds element nesting so hostile bodies cannot exhaust the stack.
const maxDepth = 64

// ErrSyntax wraps every decoding failure: the body is not well-formed XML or
// a value does not fit its member. Callers answer with their protocol's
// error (S3: MalformedXML).
var ErrSyntax = errors.New("malformed XML body")

// Decode reads one XML document from r into v, a pointer to a structure. The
// root element's name is not checked; its children and attributes fill the
// members. Unknown elements are skipped.
func Decode(r io.Reader, v any) error {
	return decodeDocument(r, v, "", false)
}

// DecodeDocument is Decode for a request's document, checked as S3 checks
// one against its published schema (a failure is its MalformedXML, "did not
// validate against our published schema", S3 API Reference, "Error
// responses"; S3 refused aws-sdk-js-v3's BucketLifecycleConfiguration root
// so, aws/aws-sdk-js-v3#2162): the root
// element is named root (unless root is empty), nothing follows it, list
// items carry their item name and every required member is present, so a
// well-formed document that is another operation's (PutBucketTagging sent
// <Foo/>) decodes to an error rather than to an empty input.
//
// Unknown child elements are still skipped: the SDKs send members newer than
// the pinned models (DeleteObjects' per-object ETag, the xxHash checksums of
// CompleteMultipartUpload; see TestDecodesEverySDKInput in restxml), which S3
// accepts, and refusing them would turn those requests into errors.
func DecodeDocument(r io.Reader, v any, root string) error {
	return decodeDocument(r, v, root, true)
}

func decodeDocument(r io.Reader, v any, root string, strict bool) error {
	d := &decoder{Decoder: xml.NewDecoder(r), strict: strict}
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root != "" && start.Name.Local != root {
			return fmt.Errorf("%w: root element <%s>, want <%s>", ErrSyntax, start.Name.Local, root)
		}
		sv := reflect.ValueOf(v).Elem()
		if st := shape.Of(sv.Type()); st.XMLText != nil {
			err = decodeValue(d, start, st.XMLText, sv.Field(st.XMLText.Index), 0)
		} else {
			err = decodeStruct(d, start, sv, 0)
		}
		if err == nil && strict {
			err = d.end()
		}
		return wrap(err)
	}
}

// DecodeElement decodes the element that start opened into v, a pointer to a structure.
func DecodeElement(d *xml.Decoder, start xml.StartElement, v any) error {
	return wrap(decodeStruct(&decoder{Decoder: d}, start, reflect.ValueOf(v).Elem(), 0))
}

// decoder is an xml.Decoder and whether it checks the document (DecodeDocument).
type decoder struct {
	*xml.Decoder
	strict bool
}

// end reads what follows the root element: space, comments and processing
// instructions only.
func (d *decoder) end() error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return fmt.Errorf("%w: element <%s> after the root element", ErrSyntax, t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: text after the root element", ErrSyntax)
			}
		}
	}
}

func wrap(err error) error {
	if err == nil || errors.Is(err, ErrSyntax) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrSyntax, err)
}

func decodeStruct(d *decoder, start xml.StartElement, sv reflect.Value, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested too deeply", ErrSyntax)
	}
	st := shape.Of(sv.Type())
	// seen marks the required members found, by position in st.Required.
	var seen uint64
	mark := func(f *shape.Field) {
		if !d.strict || !f.Required {
			return
		}
		for i, r := range st.Required[:min(len(st.Required), 64)] {
			if r == f {
				seen |= 1 << uint(i)
			}
		}
	}
	for _, a := range start.Attr {
		if f := st.XMLChild(a.Name.Local); f != nil && f.Attr {
			v, err := parseScalar(f, a.Value)
			if err != nil {
				return err
			}
			f.Set(sv, v)
			mark(f)
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			f := st.XMLChild(t.Name.Local)
			if f == nil || f.Attr {
				if err := skip(d); err != nil {
					return err
				}
				continue
			}
			if err := decodeMember(d, t, f, sv, depth+1); err != nil {
				return err
			}
			mark(f)
		case xml.EndElement:
			if d.strict {
				for i, r := range st.Required[:min(len(st.Required), 64)] {
					if seen&(1<<uint(i)) == 0 {
						return fmt.Errorf("%w: <%s> has no %s", ErrSyntax, start.Name.Local, r.Name)
					}
				}
			}
			return nil
		}
	}
}

// decodeMember decodes child element start into member f of sv.
func decodeMember(d *decoder, start xml.StartElement, f *shape.Field, sv reflect.Value, depth int) error {
	fv := sv.Field(f.Index)
	switch f.Kind {
	case shape.KindList:
		if f.Flattened {
			item := reflect.New(f.Type.Elem()).Elem()
			if err := decodeValue(d, start, f.Item, item, depth); err != nil {
				return err
			}
			fv.Set(reflect.Append(fv, item))
			return nil
		}
		return decodeList(d, f, fv, depth)
	case shape.KindMap:
		if fv.IsNil() {
			fv.Set(reflect.MakeMap(f.Type))
		}
		if f.Flattened {
			return decodeEntry(d, f, fv, depth)
		}
		return decodeEntries(d, f, fv, depth)
	}
	return decodeValue(d, start, f, fv, depth)
}

// decodeList reads the items of a wrapped list; any child element is an item.
func decodeList(d *decoder, f *shape.Field, fv reflect.Value, depth int) error {
	if fv.IsNil() {
		fv.Set(reflect.MakeSlice(f.Type, 0, 0))
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if d.strict && t.Name.Local != f.ListItem {
				return fmt.Errorf("%w: <%s> in %s, want <%s>", ErrSyntax, t.Name.Local, f.Name, f.ListItem)
			}
			item := reflect.New(f.Type.Elem()).Elem()
			if err := decodeValue(d, t, f.Item, item, depth+1); err != nil {
				return err
			}
			fv.Set(reflect.Append(fv, item))
		case xml.EndElement:
			return nil
		}
	}
}

// decodeEntries reads the <entry> children of a wrapped map.
func decodeEntries(d *decoder, f *shape.Field, m reflect.Value, depth int) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "entry" {
				if err := skip(d); err != nil {
					return err
				}
				continue
			}
			if err := decodeEntry(d, f, m, depth+1); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// decodeEntry reads the key and value children of one map entry.
func decodeEntry(d *decoder, f *shape.Field, m reflect.Value, depth int) error {
	k := reflect.New(f.Type.Key()).Elem()
	v := reflect.New(f.Type.Elem()).Elem()
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case f.MapKey:
				err = decodeValue(d, t, f.Key, k, depth+1)
			case f.MapValue:
				err = decodeValue(d, t, f.Item, v, depth+1)
			default:
				err = skip(d)
			}
			if err != nil {
				return err
			}
		case xml.EndElement:
			m.SetMapIndex(k, v)
			return nil
		}
	}
}

// decodeValue decodes element start into v, a member value (maybe a pointer)
// of kind f.Kind.
func decodeValue(d *decoder, start xml.StartElement, f *shape.Field, v reflect.Value, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: nested too deeply", ErrSyntax)
	}
	switch f.Kind {
	case shape.KindStruct:
		target := v
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(f.Elem))
			}
			target = v.Elem()
		}
		return decodeStruct(d, start, target, depth)
	case shape.KindList:
		return decodeList(d, f, v, depth)
	case shape.KindMap:
		if v.IsNil() {
			v.Set(reflect.MakeMap(f.Type))
		}
		return decodeEntries(d, f, v, depth)
	}
	text, err := charData(d)
	if err != nil {
		return err
	}
	sv, err := parseScalar(f, text)
	if err != nil {
		return err
	}
	if v.Kind() == reflect.Pointer {
		p := reflect.New(f.Elem)
		p.Elem().Set(sv)
		v.Set(p)
		return nil
	}
	v.Set(sv)
	return nil
}

// charData reads the text of a scalar element up to its end; nested elements are an error.
func charData(d *decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			return "", fmt.Errorf("%w: unexpected element <%s> in a value", ErrSyntax, t.Name.Local)
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

// parseScalar parses text for a scalar member; the result is not a pointer.
func parseScalar(f *shape.Field, s string) (reflect.Value, error) {
	v := reflect.New(f.Elem).Elem()
	switch f.Kind {
	case shape.KindString:
		v.SetString(s)
	case shape.KindBool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return v, fmt.Errorf("%w: %q is not a boolean", ErrSyntax, s)
		}
		v.SetBool(b)
	case shape.KindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return v, fmt.Errorf("%w: %q is not an integer", ErrSyntax, s)
		}
		v.SetInt(n)
	case shape.KindFloat:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil {
			return v, fmt.Errorf("%w: %q is not a number", ErrSyntax, s)
		}
		v.SetFloat(n)
	case shape.KindTime:
		t, err := ParseTime(strings.TrimSpace(s), f.TSFormat, "iso8601")
		if err != nil {
			return v, err
		}
		v.Set(reflect.ValueOf(t))
	case shape.KindBlob:
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
		if err != nil {
			return v, fmt.Errorf("%w: value is not base64", ErrSyntax)
		}
		v.SetBytes(b)
	default:
		return v, fmt.Errorf("%w: member %s cannot hold text", ErrSyntax, f.Name)
	}
	return v, nil
}

// ParseTime parses a timestamp in format (def when empty); ISO 8601 accepts
// fractional seconds and offsets, rfc822 the HTTP date forms.
func ParseTime(s, format, def string) (time.Time, error) {
	if format == "" {
		format = def
	}
	switch format {
	case "unixTimestamp":
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %q is not an epoch timestamp", ErrSyntax, s)
		}
		sec := int64(x)
		return time.Unix(sec, int64((x-float64(sec))*1e9)).UTC(), nil
	case "rfc822":
		for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("%w: %q is not an HTTP date", ErrSyntax, s)
	default:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %q is not an ISO 8601 timestamp", ErrSyntax, s)
		}
		return t.UTC(), nil
	}
}

// skip consumes the rest of the current element without recursion (unlike
// xml.Decoder.Skip), so deeply nested unknown elements cost no stack.
func skip(d *decoder) error {
	depth := 1
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}
