// Package shape turns the struct tags of the generated API types into cached
// per-type plans that the codecs (query, restxml, jsonrpc) walk, and checks
// model constraints the way AWS's validation layer reports them.
//
// Tags (written by internal/api/gen, or by tests through reflect.StructOf):
//
//	locationName      wire name (query key, XML element, header, URI label, query parameter)
//	location          "", header, headers (prefix map), uri, querystring, statusCode
//	locationNameList  list item element name ("member" when empty, unless flattened)
//	locationNameKey   map key element name ("key"); locationNameValue likewise ("value")
//	flattened         list or map items repeat without a wrapper
//	xmlAttribute      encoded as an attribute of the parent element
//	xmlURI, xmlPrefix XML namespace of the element
//	timestampFormat   iso8601, rfc822, unixTimestamp (else the location's default)
//	streaming         blob body as io.Reader / io.ReadCloser
//	payload           on a member: it is the body; on "_": names the payload member
//	statusWhenSet     output member: the response status when it is present (S3's 206)
//	required, min, max, pattern, sensitive   model constraints
package shape

import (
	"net/textproto"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Kind is how a member is represented on the wire.
type Kind uint8

// Kinds of members.
const (
	KindString Kind = iota + 1
	KindBool
	KindInt // int32 or int64
	KindFloat
	KindTime
	KindBlob   // []byte
	KindStream // io.Reader / io.ReadCloser
	KindStruct
	KindList
	KindMap
)

// Field is one member of a structure.
type Field struct {
	Index     int
	GoName    string
	Name      string // locationName
	Location  string
	Type      reflect.Type // the field's Go type
	Kind      Kind
	Ptr       bool         // scalar behind a pointer (optional) or struct pointer
	Elem      reflect.Type // scalar or struct type without the pointer
	ListItem  string       // locationNameList
	MapKey    string
	MapValue  string
	Flattened bool
	Attr      bool
	XMLURI    string
	XMLPrefix string
	MemberURI string
	TSFormat  string
	Payload   bool
	Required  bool
	Sensitive bool
	Min, Max  *float64
	Pattern   string

	// Item describes list items and map values; Key describes map keys.
	Item *Field
	Key  *Field

	// PathName is how validation messages name the member: its name with a
	// lower-case first letter ("userName").
	PathName string
	// HeaderKey is Name in net/http's canonical form, for header members.
	HeaderKey string
	// EnumValues lists a generated enum type's values (nil for plain strings).
	EnumValues []string
	// StatusWhenSet is the response status when this output member is
	// present (0: no effect).
	StatusWhenSet int

	// Offset is the member's offset within the structure, for reading it
	// without reflection (Present, restxml's header encoder).
	Offset uintptr

	nilable bool // pointer, slice, map or interface: absent when nil

	once sync.Once
	re   *regexp.Regexp
	plan atomic.Pointer[Struct]
}

// Plan returns the plan of the structure a struct member (or list item)
// holds, cached on the field so hot loops skip the type lookup.
func (f *Field) Plan() *Struct {
	if p := f.plan.Load(); p != nil {
		return p
	}
	p := Of(f.Elem)
	f.plan.Store(p)
	return p
}

// Struct is the plan of one structure type.
type Struct struct {
	Type         reflect.Type
	Fields       []*Field
	Payload      *Field // the payload member, or nil
	LocationName string // root element name when the structure is a body
	XMLURI       string
	XMLPrefix    string
	XMLText      *Field // the member whose text is the whole element (GetBucketLocation)
	// BodyFields are the members written as child elements (no location,
	// not attributes) and AttrFields those written as attributes, in
	// order: encoders walk them without filtering every field per value.
	BodyFields []*Field
	AttrFields []*Field
	// Required are the required members among BodyFields and AttrFields:
	// the ones an XML document must carry (xmlbody.DecodeDocument).
	Required []*Field
	byName   map[string]*Field
	xmlChild map[string]*Field
}

// FieldByName returns the member with locationName name.
func (s *Struct) FieldByName(name string) *Field { return s.byName[name] }

// XMLChild returns the body member that an XML child element (or attribute)
// named name belongs to: flattened lists repeat under their item name.
func (s *Struct) XMLChild(name string) *Field { return s.xmlChild[name] }

var plans sync.Map // reflect.Type -> *Struct

var (
	timeType = reflect.TypeOf(time.Time{})
	byteType = reflect.TypeOf([]byte(nil))
)

// Of returns the plan of struct type t (or of the struct t points to).
func Of(t reflect.Type) *Struct {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if p, ok := plans.Load(t); ok {
		return p.(*Struct)
	}
	p, _ := plans.LoadOrStore(t, build(t))
	return p.(*Struct)
}

func build(t reflect.Type) *Struct {
	s := &Struct{Type: t, byName: map[string]*Field{}, xmlChild: map[string]*Field{}}
	xmlText := ""
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "_" {
			s.LocationName = sf.Tag.Get("locationName")
			s.XMLURI = sf.Tag.Get("xmlURI")
			s.XMLPrefix = sf.Tag.Get("xmlPrefix")
			xmlText = sf.Tag.Get("xmlText")
			continue
		}
		if !sf.IsExported() {
			continue
		}
		f := fieldOf(sf.Type, sf.Tag)
		f.Index = i
		f.Offset = sf.Offset
		switch sf.Type.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
			f.nilable = true
		}
		f.GoName = sf.Name
		f.PathName = strings.ToLower(sf.Name[:1]) + sf.Name[1:]
		if f.Name == "" {
			f.Name = sf.Name
		}
		s.Fields = append(s.Fields, f)
		s.byName[f.Name] = f
		if f.Payload {
			s.Payload = f
		}
		if f.Location == "" {
			name := f.Name
			if f.Kind == KindList && f.Flattened && f.ListItem != "" {
				name = f.ListItem
			}
			if f.Attr {
				// Attributes match on their local name (xsi:type -> type).
				if i := strings.IndexByte(name, ':'); i >= 0 {
					name = name[i+1:]
				}
			}
			s.xmlChild[name] = f
			if f.Required {
				s.Required = append(s.Required, f)
			}
			if f.Attr {
				s.AttrFields = append(s.AttrFields, f)
			} else {
				s.BodyFields = append(s.BodyFields, f)
			}
		}
	}
	for _, f := range s.Fields {
		if xmlText != "" && f.GoName == xmlText {
			s.XMLText = f
		}
	}
	return s
}

func fieldOf(t reflect.Type, tag reflect.StructTag) *Field {
	f := &Field{
		Type:      t,
		Name:      tag.Get("locationName"),
		Location:  tag.Get("location"),
		ListItem:  tag.Get("locationNameList"),
		MapKey:    tag.Get("locationNameKey"),
		MapValue:  tag.Get("locationNameValue"),
		Flattened: tag.Get("flattened") == "true",
		Attr:      tag.Get("xmlAttribute") == "true",
		XMLURI:    tag.Get("xmlURI"),
		XMLPrefix: tag.Get("xmlPrefix"),
		MemberURI: tag.Get("memberXMLURI"),
		TSFormat:  tag.Get("timestampFormat"),
		Payload:   tag.Get("payload") == "true",
		Required:  tag.Get("required") == "true",
		Sensitive: tag.Get("sensitive") == "true",
		Pattern:   tag.Get("pattern"),
		Min:       number(tag.Get("min")),
		Max:       number(tag.Get("max")),
	}
	f.StatusWhenSet, _ = strconv.Atoi(tag.Get("statusWhenSet"))
	if f.Location == "header" {
		f.HeaderKey = textproto.CanonicalMIMEHeaderKey(f.Name)
	}
	f.Elem = t
	if t.Kind() == reflect.Pointer {
		f.Ptr = true
		f.Elem = t.Elem()
	}
	switch {
	case tag.Get("streaming") == "true" || t.Kind() == reflect.Interface:
		f.Kind = KindStream
	case f.Elem == timeType:
		f.Kind = KindTime
	case t == byteType:
		f.Kind = KindBlob
	case f.Elem.Kind() == reflect.Struct:
		f.Kind = KindStruct
	case t.Kind() == reflect.Slice:
		f.Kind = KindList
		f.Item = fieldOf(t.Elem(), itemTag(tag))
		f.Item.Name = f.ListItem
	case t.Kind() == reflect.Map:
		f.Kind = KindMap
		f.Key = fieldOf(t.Key(), "")
		f.Item = fieldOf(t.Elem(), itemTag(tag))
	default:
		f.Kind = scalarKind(f.Elem.Kind())
		if e, ok := reflect.Zero(f.Elem).Interface().(Enum); ok {
			f.EnumValues = e.EnumValues()
		}
	}
	if f.Kind == KindList && f.ListItem == "" && !f.Flattened {
		f.ListItem = "member"
		f.Item.Name = "member"
	}
	if f.Kind == KindMap {
		if f.MapKey == "" {
			f.MapKey = "key"
		}
		if f.MapValue == "" {
			f.MapValue = "value"
		}
	}
	return f
}

// itemTag keeps what list items and map values inherit from their member.
func itemTag(tag reflect.StructTag) reflect.StructTag {
	var parts []string
	if v := tag.Get("timestampFormat"); v != "" {
		parts = append(parts, `timestampFormat:`+strconv.Quote(v))
	}
	if v := tag.Get("memberXMLURI"); v != "" {
		parts = append(parts, `xmlURI:`+strconv.Quote(v))
	}
	return reflect.StructTag(strings.Join(parts, " "))
}

func scalarKind(k reflect.Kind) Kind {
	switch k {
	case reflect.String:
		return KindString
	case reflect.Bool:
		return KindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return KindInt
	case reflect.Float32, reflect.Float64:
		return KindFloat
	}
	panic("shape: unsupported member kind " + k.String())
}

func number(s string) *float64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &v
}

// Regexp returns the member's pattern compiled for Go, anchored as Java's
// String.matches anchors it, or nil when there is none or RE2 cannot express it.
func (f *Field) Regexp() *regexp.Regexp {
	f.once.Do(func() {
		if f.Pattern == "" {
			return
		}
		re, err := regexp.Compile(`^(?:` + javaToRE2(f.Pattern) + `)$`)
		if err == nil {
			f.re = re
		}
	})
	return f.re
}

// javaToRE2 rewrites the Java regex escapes the models use (\uXXXX) into RE2's.
func javaToRE2(p string) string {
	if !strings.Contains(p, `\u`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			if p[i+1] == 'u' && i+5 < len(p) {
				b.WriteString(`\x{` + p[i+2:i+6] + `}`)
				i += 5
				continue
			}
			b.WriteString(p[i : i+2])
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Enum is implemented by generated enum types.
type Enum interface{ EnumValues() []string }

// IsEnum reports whether t is a generated enum type.
func IsEnum(t reflect.Type) bool {
	return t.Kind() == reflect.String && t.Implements(reflect.TypeOf((*Enum)(nil)).Elem())
}

// Set stores v into the field of struct value sv, allocating the pointer for
// optional scalars.
func (f *Field) Set(sv reflect.Value, v reflect.Value) {
	fv := sv.Field(f.Index)
	if f.Ptr && v.Kind() != reflect.Pointer {
		p := reflect.New(f.Elem)
		p.Elem().Set(v)
		fv.Set(p)
		return
	}
	fv.Set(v)
}

// Present reports whether member f of sv holds a value that should be sent.
// Required non-pointer scalars are always present.
func (f *Field) Present(sv reflect.Value) bool {
	if !f.nilable {
		return true
	}
	if f.Required && (f.Kind == KindList || f.Kind == KindMap) {
		return true
	}
	if sv.CanAddr() {
		// The first word of a pointer, map, slice or interface is nil
		// exactly when the value is (reflect.Value.IsNil): reading it
		// directly skips building a reflect.Value per field, which
		// encoders do for every member of every listed item.
		return *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(sv.UnsafeAddr()), f.Offset)) != nil
	}
	return !sv.Field(f.Index).IsNil()
}
