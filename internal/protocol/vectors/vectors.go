// Package vectors loads AWS's protocol test vectors (aws-sdk-go's
// models/protocol_tests) for the codec tests, and builds the Go types of
// their shapes with reflect.StructOf from the same decisions the generator
// makes (internal/api/model), so the codecs run their real code paths.
//
// The vectors are written for clients; the codec tests run them inverted:
// an input vector's serialized request is decoded and compared with its
// params, an output vector's result is encoded and compared with its body.
package vectors

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/model"
	"github.com/doppel-aws/doppel/internal/protocol/shape"
)

// Suite is one group of cases sharing shapes.
type Suite struct {
	Description string                  `json:"description"`
	Metadata    model.Metadata          `json:"metadata"`
	Shapes      map[string]*model.Shape `json:"shapes"`
	Cases       []*Case                 `json:"cases"`
}

// Case is one vector.
type Case struct {
	Given      *model.Operation `json:"given"`
	Params     json.RawMessage  `json:"params"`
	Serialized struct {
		Method        string            `json:"method"`
		URI           string            `json:"uri"`
		Body          string            `json:"body"`
		Headers       map[string]string `json:"headers"`
		ForbidHeaders []string          `json:"forbidHeaders"`
		Host          string            `json:"host"`
	} `json:"serialized"`
	Result   json.RawMessage `json:"result"`
	Response struct {
		StatusCode int               `json:"status_code"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	} `json:"response"`
}

var (
	dirOnce sync.Once
	dir     string
	dirErr  error
)

// Load reads models/protocol_tests/<kind>/<protocol>.json from the pinned
// aws-sdk-go module (downloaded into the module cache when missing); kind is
// "input" or "output".
func Load(t testing.TB, kind, protocol string) []*Suite {
	t.Helper()
	dirOnce.Do(func() {
		dir, _, dirErr = model.SDKDir()
	})
	if dirErr != nil {
		t.Fatal(dirErr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "models", "protocol_tests", kind, protocol+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var suites []*Suite
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&suites); err != nil {
		t.Fatalf("parsing %s vectors: %v", protocol, err)
	}
	return suites
}

// Model returns the suite's shapes as a model.
func (s *Suite) Model() *model.Model {
	return &model.Model{Metadata: s.Metadata, Shapes: s.Shapes}
}

// maxDepth bounds how far recursive shapes are unrolled: reflect.StructOf
// cannot build recursive types, and the vectors nest only a few levels.
const maxDepth = 6

// Builder makes Go types for a suite's shapes.
type Builder struct {
	m     *model.Model
	input bool
}

// NewBuilder returns a builder for the suite; input selects io.Reader
// (request) or io.ReadCloser (response) for streaming blobs.
func NewBuilder(s *Suite, input bool) *Builder {
	return &Builder{m: s.Model(), input: input}
}

// Struct returns the struct type of structure shape name.
func (b *Builder) Struct(name string) reflect.Type {
	return b.structType(name, map[string]int{})
}

func (b *Builder) structType(name string, depth map[string]int) reflect.Type {
	s := b.m.Shapes[name]
	depth[name]++
	defer func() { depth[name]-- }()
	var fields []reflect.StructField
	if t := model.StructTag(s); t != "" {
		fields = append(fields, reflect.StructField{Name: "_", PkgPath: "github.com/doppel-aws/doppel/internal/protocol/vectors", Type: reflect.TypeOf(struct{}{}), Tag: reflect.StructTag(t)})
	}
	for _, mn := range s.Members.Names {
		ref := s.Members.Refs[mn]
		if b.m.Shapes[ref.Shape].Type == "structure" && depth[ref.Shape] >= maxDepth {
			continue
		}
		ft := b.memberType(ref, b.m.ValueMember(s, mn), depth)
		if ft == nil {
			continue
		}
		fields = append(fields, reflect.StructField{Name: model.Exported(mn), Type: ft, Tag: reflect.StructTag(b.m.MemberTag(s, mn))})
	}
	return reflect.StructOf(fields)
}

var (
	readerType     = reflect.TypeOf((*io.Reader)(nil)).Elem()
	readCloserType = reflect.TypeOf((*io.ReadCloser)(nil)).Elem()
)

// memberType mirrors the generator's goType.
func (b *Builder) memberType(ref *model.Ref, value bool, depth map[string]int) reflect.Type {
	s := b.m.Shapes[ref.Shape]
	switch s.Type {
	case "structure":
		if depth[ref.Shape] >= maxDepth {
			return nil
		}
		return reflect.PointerTo(b.structType(ref.Shape, depth))
	case "list":
		et := b.elemType(s.Member, depth)
		if et == nil {
			return nil
		}
		return reflect.SliceOf(et)
	case "map":
		kt, vt := b.elemType(s.Key, depth), b.elemType(s.Value, depth)
		if kt == nil || vt == nil {
			return nil
		}
		return reflect.MapOf(kt, vt)
	case "blob":
		if b.m.IsStreaming(ref) {
			if b.input {
				return readerType
			}
			return readCloserType
		}
		return reflect.TypeOf([]byte(nil))
	}
	t := scalarType(s.Type)
	if !value {
		t = reflect.PointerTo(t)
	}
	return t
}

func (b *Builder) elemType(ref *model.Ref, depth map[string]int) reflect.Type {
	if b.m.Shapes[ref.Shape].Type == "structure" {
		if depth[ref.Shape] >= maxDepth {
			return nil
		}
		return b.structType(ref.Shape, depth)
	}
	return b.memberType(ref, true, depth)
}

func scalarType(shapeType string) reflect.Type {
	switch model.ScalarGoType(shapeType) {
	case "string":
		return reflect.TypeOf("")
	case "bool":
		return reflect.TypeOf(false)
	case "int32":
		return reflect.TypeOf(int32(0))
	case "int64":
		return reflect.TypeOf(int64(0))
	case "float32":
		return reflect.TypeOf(float32(0))
	case "float64":
		return reflect.TypeOf(float64(0))
	case "time.Time":
		return reflect.TypeOf(time.Time{})
	}
	panic("vectors: unsupported shape type " + shapeType)
}

// Service returns a one-operation service for the case, with input and
// output types built from the suite's shapes.
func Service(s *Suite, c *Case, protocol string) (*api.Service, *api.Operation) {
	op := &api.Operation{Name: c.Given.Name, Method: c.Given.HTTP.Method, RequestURI: c.Given.HTTP.RequestURI, ResponseCode: c.Given.HTTP.ResponseCode}
	if op.Method == "" {
		op.Method = "POST"
	}
	if op.RequestURI == "" {
		op.RequestURI = "/"
	}
	in := reflect.TypeOf(struct{}{})
	if c.Given.Input != nil {
		in = NewBuilder(s, true).Struct(c.Given.Input.Shape)
	}
	out := reflect.TypeOf(struct{}{})
	if c.Given.Output != nil {
		out = NewBuilder(s, false).Struct(c.Given.Output.Shape)
		op.ResultWrapper = c.Given.Output.ResultWrapper
	}
	op.NewInput = func() any { return reflect.New(in).Interface() }
	op.NewOutput = func() any { return reflect.New(out).Interface() }
	apiVersion := s.Metadata.APIVersion
	svc := api.NewService(api.Service{Name: "svc", Protocol: protocol, APIVersion: apiVersion, XMLNamespace: s.Metadata.XMLNamespace,
		TargetPrefix: s.Metadata.TargetPrefix, JSONVersion: s.Metadata.JSONVersion, Operations: []*api.Operation{op}})
	return svc, op
}

// Value builds a value of type t (a struct type) from a vector's params or
// result JSON: timestamps are epoch seconds, blobs are plain strings.
func Value(t reflect.Type, raw json.RawMessage) (reflect.Value, error) {
	var v any
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return reflect.Value{}, err
		}
	}
	if v == nil {
		v = map[string]any{}
	}
	p := reflect.New(t)
	if err := fill(p.Elem(), nil, v); err != nil {
		return reflect.Value{}, err
	}
	return p, nil
}

func fill(dst reflect.Value, f *shape.Field, v any) error {
	if v == nil {
		return nil // null: the member is absent
	}
	t := dst.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := fill(p.Elem(), f, v); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch {
	case t == reflect.TypeOf(time.Time{}):
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("timestamp %v is not a number", v)
		}
		x, err := n.Float64()
		if err != nil {
			return err
		}
		sec := int64(x)
		dst.Set(reflect.ValueOf(time.Unix(sec, int64((x-float64(sec))*1e9)).UTC()))
		return nil
	case t == readerType || t == readCloserType:
		s, _ := v.(string)
		dst.Set(reflect.ValueOf(io.NopCloser(strings.NewReader(s))))
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want object for %v, got %T", t, v)
		}
		plan := shape.Of(t)
		for k, mv := range m {
			var fld *shape.Field
			for _, pf := range plan.Fields {
				if pf.GoName == model.Exported(k) {
					fld = pf
				}
			}
			if fld == nil {
				return fmt.Errorf("%v has no member %s", t, k)
			}
			if err := fill(dst.Field(fld.Index), fld, mv); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, _ := v.(string)
			dst.SetBytes([]byte(s))
			return nil
		}
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want array, got %T", v)
		}
		out := reflect.MakeSlice(t, len(items), len(items))
		for i, it := range items {
			if err := fill(out.Index(i), nil, it); err != nil {
				return err
			}
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want object, got %T", v)
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, mv := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := fill(ev, nil, mv); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		dst.Set(out)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want string, got %T", v)
		}
		dst.SetString(s)
	case reflect.Bool:
		bv, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want bool, got %T", v)
		}
		dst.SetBool(bv)
	case reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("want number, got %T", v)
		}
		x, err := n.Int64()
		if err != nil {
			return err
		}
		dst.SetInt(x)
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("want number, got %T", v)
		}
		x, err := n.Float64()
		if err != nil {
			return err
		}
		dst.SetFloat(x)
	default:
		return fmt.Errorf("unsupported kind %v", t.Kind())
	}
	return nil
}

// Node is a parsed XML element for structural comparison.
type Node struct {
	Name     string
	Attrs    map[string]string // without namespace declarations
	Text     string
	Children []*Node
}

// ParseXML parses an XML document into a tree. Whitespace-only text is dropped.
func ParseXML(s string) (*Node, error) {
	dec := xml.NewDecoder(strings.NewReader(s))
	root := &Node{}
	stack := []*Node{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: t.Name.Local, Attrs: map[string]string{}}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				n.Attrs[a.Name.Local] = a.Value
			}
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.Text += string(t)
		}
	}
	if len(root.Children) != 1 {
		return nil, fmt.Errorf("want one root element, got %d", len(root.Children))
	}
	return root.Children[0].normalize(), nil
}

// normalize trims text of elements with children and orders children by
// name (member order in a structure is not significant to clients; items of
// one list keep their order). Runs of structured siblings with one name
// (map entries) are sorted by content, since map order is not significant.
func (n *Node) normalize() *Node {
	if len(n.Children) > 0 || strings.TrimSpace(n.Text) == "" {
		n.Text = strings.TrimSpace(n.Text)
	}
	for _, c := range n.Children {
		c.normalize()
	}
	sort.SliceStable(n.Children, func(i, j int) bool { return n.Children[i].Name < n.Children[j].Name })
	for i := 0; i < len(n.Children); {
		j := i
		for j < len(n.Children) && n.Children[j].Name == n.Children[i].Name {
			j++
		}
		run := n.Children[i:j]
		if len(run) > 1 && len(run[0].Children) > 0 && isMapEntry(run[0]) {
			sort.SliceStable(run, func(a, b int) bool { return run[a].String() < run[b].String() })
		}
		i = j
	}
	return n
}

// isMapEntry reports whether n looks like a map entry: exactly a key and a value element.
func isMapEntry(n *Node) bool {
	return len(n.Children) == 2 && n.Name != "member"
}

// String renders the normalized tree compactly, for diffs.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *Node) write(b *strings.Builder) {
	b.WriteString("<" + n.Name)
	keys := make([]string, 0, len(n.Attrs))
	for k := range n.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, " %s=%q", k, n.Attrs[k])
	}
	b.WriteString(">")
	b.WriteString(n.Text)
	for _, c := range n.Children {
		c.write(b)
	}
	b.WriteString("</" + n.Name + ">")
}

// Normalize returns v with times in UTC, for comparing decoded values.
func Normalize(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			Normalize(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				Normalize(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			Normalize(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			Normalize(e)
			v.SetMapIndex(k, e)
		}
	}
}

// Populate fills every member of the structure sv (recursively, to depth)
// with sample values: strings, the first enum value, 1, true, a whole-second
// time, two list items, one map entry. Streams are left alone, and so are
// members outside the body when bodyOnly is set.
func Populate(sv reflect.Value, depth int, bodyOnly bool) {
	for _, f := range shape.Of(sv.Type()).Fields {
		if f.Kind == shape.KindStream || bodyOnly && f.Location != "" {
			continue
		}
		if v, ok := sample(f, depth, bodyOnly); ok {
			sv.Field(f.Index).Set(v)
		}
	}
}

func sample(f *shape.Field, depth int, bodyOnly bool) (reflect.Value, bool) {
	v := reflect.New(f.Elem).Elem()
	switch f.Kind {
	case shape.KindStruct:
		if depth <= 0 {
			return v, false
		}
		p := reflect.New(f.Elem)
		Populate(p.Elem(), depth-1, bodyOnly)
		if f.Ptr {
			return p, true
		}
		return p.Elem(), true
	case shape.KindList:
		if depth <= 0 {
			return v, false
		}
		l := reflect.MakeSlice(f.Type, 0, 2)
		for range 2 {
			item, ok := sample(f.Item, depth-1, bodyOnly)
			if !ok {
				return v, false
			}
			l = reflect.Append(l, item)
		}
		return l, true
	case shape.KindMap:
		m := reflect.MakeMap(f.Type)
		k, _ := sample(f.Key, depth-1, bodyOnly)
		if f.Key.EnumValues == nil {
			// Keys may become header names (x-amz-meta-key): keep them tokens.
			k = reflect.ValueOf("key").Convert(f.Type.Key())
		}
		item, ok := sample(f.Item, depth-1, bodyOnly)
		if !ok {
			return v, false
		}
		m.SetMapIndex(k, item)
		return m, true
	case shape.KindString:
		s := "s<&>\"'"
		if f.EnumValues != nil {
			s = f.EnumValues[0]
		}
		v.SetString(s)
	case shape.KindBool:
		v.SetBool(true)
	case shape.KindInt:
		v.SetInt(1)
	case shape.KindFloat:
		v.SetFloat(1.5)
	case shape.KindTime:
		v.Set(reflect.ValueOf(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)))
	case shape.KindBlob:
		v.SetBytes([]byte("blob"))
	default:
		return v, false
	}
	if f.Ptr {
		p := reflect.New(f.Elem)
		p.Elem().Set(v)
		return p, true
	}
	return v, true
}
