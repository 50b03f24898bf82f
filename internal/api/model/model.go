// Package model reads AWS service models (api-2.json, and the shapes of the
// protocol test vectors) and holds the one set of decisions that turns a
// shape into Go: member types, pointers for optional scalars, and the struct
// tags the codecs read (see internal/protocol/shape). The generator writes Go
// source from it; the protocol tests build the same types with reflect.
package model

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Model is a service model.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the model's metadata block.
type Metadata struct {
	APIVersion     string `json:"apiVersion"`
	EndpointPrefix string `json:"endpointPrefix"`
	SigningName    string `json:"signingName"`
	Protocol       string `json:"protocol"`
	XMLNamespace   string `json:"xmlNamespace"`
	TargetPrefix   string `json:"targetPrefix"`
	JSONVersion    string `json:"jsonVersion"`
	ServiceID      string `json:"serviceId"`
}

// Operation is one operation of the model.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input        *Ref  `json:"input"`
	Output       *Ref  `json:"output"`
	Errors       []Ref `json:"errors"`
	HTTPChecksum struct {
		RequestChecksumRequired bool `json:"requestChecksumRequired"`
	} `json:"httpChecksum"`
	HTTPChecksumRequired bool `json:"httpChecksumRequired"`
	Deprecated           bool `json:"deprecated"`
}

// XMLNamespace is an xmlNamespace trait.
type XMLNamespace struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

// Ref is a reference to a shape: a member, list member, map key or value,
// or an operation's input or output.
type Ref struct {
	Shape         string        `json:"shape"`
	Location      string        `json:"location"`
	LocationName  string        `json:"locationName"`
	ResultWrapper string        `json:"resultWrapper"`
	XMLNamespace  *XMLNamespace `json:"xmlNamespace"`
	XMLAttribute  bool          `json:"xmlAttribute"`
	Flattened     bool          `json:"flattened"`
	Streaming     bool          `json:"streaming"`
	// TimestampFormat on a member overrides the shape's.
	TimestampFormat string `json:"timestampFormat"`
}

// Shape is one shape of the model.
type Shape struct {
	Type            string        `json:"type"`
	Members         Members       `json:"members"`
	Required        []string      `json:"required"`
	Member          *Ref          `json:"member"`
	Key             *Ref          `json:"key"`
	Value           *Ref          `json:"value"`
	Enum            []string      `json:"enum"`
	Min             *json.Number  `json:"min"`
	Max             *json.Number  `json:"max"`
	Pattern         string        `json:"pattern"`
	Flattened       bool          `json:"flattened"`
	LocationName    string        `json:"locationName"`
	Location        string        `json:"location"` // older models put a member's location on its shape
	XMLNamespace    *XMLNamespace `json:"xmlNamespace"`
	Payload         string        `json:"payload"`
	TimestampFormat string        `json:"timestampFormat"`
	Streaming       bool          `json:"streaming"`
	Sensitive       bool          `json:"sensitive"`
	Exception       bool          `json:"exception"`
	Fault           bool          `json:"fault"`
	EventStream     bool          `json:"eventstream"`
	// XMLText names the member whose text is the whole body element (not in
	// the models; see the generator's overlay).
	XMLText string `json:"-"`
	// StatusWhenSet maps an output member to the HTTP status a response
	// has when that member is present (S3's 206 with Content-Range; not in
	// the models; see the generator's overlay).
	StatusWhenSet map[string]int `json:"-"`
	Error         *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
}

// Members keeps the model's member order, which XML bodies follow.
type Members struct {
	Names []string
	Refs  map[string]*Ref
}

// UnmarshalJSON reads a members object in order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return err
	}
	ms.Refs = map[string]*Ref{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var r Ref
		if err := dec.Decode(&r); err != nil {
			return err
		}
		ms.Names = append(ms.Names, name)
		ms.Refs[name] = &r
	}
	_, err := dec.Token()
	return err
}

// Parse reads a model.
func Parse(raw []byte) (*Model, error) {
	var m Model
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Exported returns s with an upper-case first letter: Go names of shapes and members.
func Exported(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// IsRequired reports whether member name of structure s is required.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// ValueMember reports whether member name of s is stored without a pointer:
// required members, except those in headers and query strings (which clients
// may omit and services then answer with their own error).
func (m *Model) ValueMember(s *Shape, name string) bool {
	loc := m.Location(s, name)
	return s.IsRequired(name) && loc != "header" && loc != "querystring"
}

// Location is where member name of s travels: "" (body), header, headers,
// uri, querystring or statusCode.
func (m *Model) Location(s *Shape, name string) string {
	ref := s.Members.Refs[name]
	if ref.Location != "" {
		return ref.Location
	}
	return m.Shapes[ref.Shape].Location
}

// IsStreaming reports whether ref is a streaming blob (an io.Reader body).
func (m *Model) IsStreaming(ref *Ref) bool {
	s := m.Shapes[ref.Shape]
	return s.Type == "blob" && (ref.Streaming || s.Streaming)
}

// StructTag is the tag of a structure's "_" field, or "" when it has none.
func StructTag(s *Shape) string {
	var st []string
	if s.Payload != "" {
		st = append(st, "payload", s.Payload)
	}
	if s.LocationName != "" {
		st = append(st, "locationName", s.LocationName)
	}
	if s.XMLNamespace != nil {
		st = append(st, "xmlURI", s.XMLNamespace.URI, "xmlPrefix", s.XMLNamespace.Prefix)
	}
	st = append(st, "xmlText", s.XMLText)
	return tag(st...)
}

// MemberTag is the struct tag of member name of structure s.
func (m *Model) MemberTag(s *Shape, name string) string {
	ref := s.Members.Refs[name]
	ms := m.Shapes[ref.Shape]
	// A member's own traits win; the shape's apply when the member has none.
	loc := ref.LocationName
	if loc == "" {
		loc = ms.LocationName
	}
	if loc == "" {
		loc = name
	}
	parts := []string{"locationName", loc, "location", m.Location(s, name)}
	switch ms.Type {
	case "list":
		parts = append(parts, "locationNameList", ms.Member.LocationName,
			"flattened", boolTag(ref.Flattened || ms.Flattened))
		if ms.Member.XMLNamespace != nil {
			parts = append(parts, "memberXMLURI", ms.Member.XMLNamespace.URI)
		}
		if ts := m.Shapes[ms.Member.Shape]; ts.Type == "timestamp" {
			parts = append(parts, "timestampFormat", ts.TimestampFormat)
		}
	case "map":
		parts = append(parts, "locationNameKey", ms.Key.LocationName, "locationNameValue", ms.Value.LocationName,
			"flattened", boolTag(ref.Flattened || ms.Flattened))
	case "timestamp":
		f := ref.TimestampFormat
		if f == "" {
			f = ms.TimestampFormat
		}
		parts = append(parts, "timestampFormat", f)
	}
	if ref.XMLNamespace != nil {
		parts = append(parts, "xmlURI", ref.XMLNamespace.URI, "xmlPrefix", ref.XMLNamespace.Prefix)
	}
	parts = append(parts, "xmlAttribute", boolTag(ref.XMLAttribute))
	if m.IsStreaming(ref) {
		parts = append(parts, "streaming", "true")
	}
	if ms.Type == "structure" && ms.EventStream {
		parts = append(parts, "eventstream", "true")
	}
	parts = append(parts, "required", boolTag(s.IsRequired(name)),
		"min", num(ms.Min), "max", num(ms.Max), "pattern", ms.Pattern, "sensitive", boolTag(ms.Sensitive))
	if name == s.Payload {
		parts = append(parts, "payload", "true")
	}
	if st := s.StatusWhenSet[name]; st != 0 {
		parts = append(parts, "statusWhenSet", strconv.Itoa(st))
	}
	return tag(parts...)
}

func tag(parts ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(parts); i += 2 {
		if parts[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(parts[i])
		b.WriteByte(':')
		b.WriteString(strconv.Quote(parts[i+1]))
	}
	return b.String()
}

func boolTag(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func num(n *json.Number) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// ScalarGoType is the Go type of a scalar shape type ("" for non-scalars).
func ScalarGoType(shapeType string) string {
	switch shapeType {
	case "string", "character":
		return "string"
	case "boolean":
		return "bool"
	case "integer":
		return "int32"
	case "long":
		return "int64"
	case "float":
		return "float32"
	case "double":
		return "float64"
	case "timestamp":
		return "time.Time"
	case "blob":
		return "[]byte"
	}
	return ""
}

// Overlay holds facts a pinned model lacks: members to append to existing
// structures, whole new shapes, enum values to append, and outputs for
// operations the pinned model gives none.
type Overlay struct {
	Shapes     map[string]*Shape   `json:"shapes"`
	Enums      map[string][]string `json:"enums"`
	Operations map[string]struct {
		Input  *Ref `json:"input"`
		Output *Ref `json:"output"`
	} `json:"operations"`
}

// Apply merges o into m. A shape that exists gets the overlay's members
// appended (members it already has are kept as they are); a new shape is
// added whole.
func (m *Model) Apply(o *Overlay) {
	for name, s := range o.Shapes {
		cur, ok := m.Shapes[name]
		if !ok {
			m.Shapes[name] = s
			continue
		}
		if cur.Members.Refs == nil {
			cur.Members.Refs = map[string]*Ref{}
		}
		for _, mn := range s.Members.Names {
			if _, has := cur.Members.Refs[mn]; has {
				continue
			}
			cur.Members.Names = append(cur.Members.Names, mn)
			cur.Members.Refs[mn] = s.Members.Refs[mn]
		}
	}
	for name, op := range o.Operations {
		cur, ok := m.Operations[name]
		if !ok {
			continue
		}
		if cur.Input == nil && op.Input != nil {
			cur.Input = op.Input
		}
		if cur.Output == nil && op.Output != nil {
			cur.Output = op.Output
		}
	}
	for name, vals := range o.Enums {
		s, ok := m.Shapes[name]
		if !ok {
			continue
		}
		for _, v := range vals {
			if !slices.Contains(s.Enum, v) {
				s.Enum = append(s.Enum, v)
			}
		}
	}
}
