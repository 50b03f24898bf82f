// Command gen writes the Go types, operation tables and handler interfaces of
// one AWS service from its api-2.json model in the pinned aws-sdk-go module.
//
//	go run ./gen -model iam/2010-05-08 -pkg iamapi
//
// The output is committed; builds never need the models.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

const sdkModule = "github.com/aws/aws-sdk-go"

type model struct {
	Metadata   metadata             `json:"metadata"`
	Operations map[string]operation `json:"operations"`
	Shapes     map[string]*shape    `json:"shapes"`
}

type metadata struct {
	APIVersion     string `json:"apiVersion"`
	EndpointPrefix string `json:"endpointPrefix"`
	SigningName    string `json:"signingName"`
	Protocol       string `json:"protocol"`
	XMLNamespace   string `json:"xmlNamespace"`
	TargetPrefix   string `json:"targetPrefix"`
	JSONVersion    string `json:"jsonVersion"`
	ServiceID      string `json:"serviceId"`
}

type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input        *shapeRef  `json:"input"`
	Output       *shapeRef  `json:"output"`
	Errors       []shapeRef `json:"errors"`
	HTTPChecksum struct {
		RequestChecksumRequired bool `json:"requestChecksumRequired"`
	} `json:"httpChecksum"`
	HTTPChecksumRequired bool `json:"httpChecksumRequired"`
}

type xmlNS struct {
	Prefix string `json:"prefix"`
	URI    string `json:"uri"`
}

type shapeRef struct {
	Shape         string `json:"shape"`
	Location      string `json:"location"`
	LocationName  string `json:"locationName"`
	ResultWrapper string `json:"resultWrapper"`
	XMLNamespace  *xmlNS `json:"xmlNamespace"`
	XMLAttribute  bool   `json:"xmlAttribute"`
	Flattened     bool   `json:"flattened"`
	Streaming     bool   `json:"streaming"`
	QueryName     string `json:"queryName"`
}

type shape struct {
	Type            string       `json:"type"`
	Members         members      `json:"members"`
	Required        []string     `json:"required"`
	Member          *shapeRef    `json:"member"`
	Key             *shapeRef    `json:"key"`
	Value           *shapeRef    `json:"value"`
	Enum            []string     `json:"enum"`
	Min             *json.Number `json:"min"`
	Max             *json.Number `json:"max"`
	Pattern         string       `json:"pattern"`
	Flattened       bool         `json:"flattened"`
	LocationName    string       `json:"locationName"`
	XMLNamespace    *xmlNS       `json:"xmlNamespace"`
	Payload         string       `json:"payload"`
	TimestampFormat string       `json:"timestampFormat"`
	Streaming       bool         `json:"streaming"`
	Sensitive       bool         `json:"sensitive"`
	Exception       bool         `json:"exception"`
	Fault           bool         `json:"fault"`
	Event           bool         `json:"event"`
	EventStream     bool         `json:"eventstream"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
}

func main() {
	modelDir := flag.String("model", "", "service/version directory under models/apis, e.g. iam/2010-05-08")
	pkg := flag.String("pkg", "", "Go package name and output directory")
	flag.Parse()
	if *modelDir == "" || *pkg == "" {
		log.Fatal("usage: gen -model iam/2010-05-08 -pkg iamapi")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", sdkModule).Output()
	if err != nil {
		log.Fatalf("locating %s: %v", sdkModule, err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "models", "apis", *modelDir, "api-2.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var m model
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	src, err := generate(&m, *pkg, *modelDir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*pkg, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*pkg, "api.go"), src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// members keeps the model's member order, which XML bodies follow.
type members struct {
	names []string
	refs  map[string]*shapeRef
}

func (ms *members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	ms.refs = map[string]*shapeRef{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name := t.(string)
		var r shapeRef
		if err := dec.Decode(&r); err != nil {
			return err
		}
		ms.names = append(ms.names, name)
		ms.refs[name] = &r
	}
	return nil
}

// gen holds the state of one generation run.
type gen struct {
	m        *model
	buf      bytes.Buffer
	goNames  map[string]string // shape name -> Go type name (structures and enums)
	inputs   map[string]bool   // structure shapes generated as operation inputs
	used     map[string]bool   // reachable shapes
	typeUsed map[string]string // Go type name -> shape, for collision checks
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.buf, format, args...) }

func exported(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// walk marks every shape reachable from ref.
func (g *gen) walk(name string) {
	if g.used[name] {
		return
	}
	s, ok := g.m.Shapes[name]
	if !ok {
		log.Fatalf("unknown shape %q", name)
	}
	g.used[name] = true
	for _, mn := range s.Members.names {
		g.walk(s.Members.refs[mn].Shape)
	}
	for _, r := range []*shapeRef{s.Member, s.Key, s.Value} {
		if r != nil {
			g.walk(r.Shape)
		}
	}
}

func (g *gen) claim(goName, shapeName string) {
	if prev, ok := g.typeUsed[goName]; ok && prev != shapeName {
		log.Fatalf("Go type %s used by shapes %s and %s", goName, prev, shapeName)
	}
	g.typeUsed[goName] = shapeName
}

func generate(m *model, pkg, modelDir string) ([]byte, error) {
	g := &gen{m: m, goNames: map[string]string{}, inputs: map[string]bool{}, used: map[string]bool{}, typeUsed: map[string]string{}}
	ops := sortedKeys(m.Operations)

	// Shapes reachable from operation inputs and outputs get types; the
	// operation's own input and output get OpInput/OpOutput types of their own.
	for _, on := range ops {
		op := m.Operations[on]
		for _, r := range []*shapeRef{op.Input, op.Output} {
			if r == nil {
				continue
			}
			s := m.Shapes[r.Shape]
			for _, mn := range s.Members.names {
				g.walk(s.Members.refs[mn].Shape)
			}
			if s.Member != nil || s.Key != nil {
				log.Fatalf("operation %s: top-level shape %s is not a structure", on, r.Shape)
			}
		}
		if op.Input != nil {
			g.inputs[op.Input.Shape] = true
		}
	}
	for _, on := range ops {
		g.claim(on+"Input", "")
		g.claim(on+"Output", "")
	}
	for _, sn := range sortedKeys(g.used) {
		s := m.Shapes[sn]
		if s.Type == "structure" || len(s.Enum) > 0 {
			gn := exported(sn)
			g.claim(gn, sn)
			g.goNames[sn] = gn
		}
	}

	g.p("// Code generated by internal/api/gen from aws-sdk-go %s models/apis/%s/api-2.json. DO NOT EDIT.\n\n", sdkVersion(), modelDir)
	g.p("// Package %s holds the wire types, operation table and handler interface of %s (API version %s, protocol %s).\n", pkg, m.Metadata.ServiceID, m.Metadata.APIVersion, m.Metadata.Protocol)
	g.p("package %s\n\n", pkg)
	g.p("import (\n\"context\"\n\"io\"\n\"time\"\n\n\"github.com/doppel-aws/doppel/internal/api\"\n\"github.com/doppel-aws/doppel/internal/awserr\"\n)\n\n")
	g.p("var (\n_ = io.EOF\n_ time.Time\n)\n\n")

	g.service(ops)
	g.handler(ops)
	g.errors()

	for _, on := range ops {
		op := m.Operations[on]
		g.structType(on+"Input", op.Input, true)
		g.structType(on+"Output", op.Output, false)
	}
	for _, sn := range sortedKeys(g.used) {
		s := m.Shapes[sn]
		switch {
		case s.Type == "structure" && !s.Exception:
			g.structBody(g.goNames[sn], s, false)
		case len(s.Enum) > 0:
			g.enum(g.goNames[sn], s)
		}
	}
	src, err := format.Source(g.buf.Bytes())
	if err != nil {
		os.WriteFile("/tmp/gen-broken.go", g.buf.Bytes(), 0o644)
		return nil, fmt.Errorf("formatting generated code: %v", err)
	}
	return src, nil
}

func sdkVersion() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", sdkModule).Output()
	if err != nil {
		return "(unknown version)"
	}
	return strings.TrimSpace(string(out))
}

func (g *gen) service(ops []string) {
	md := g.m.Metadata
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	g.p("// Service describes the service for the gateway and the codecs.\n")
	g.p("var Service = api.NewService(api.Service{\n")
	g.p("Name: %q,\nEndpointPrefix: %q,\nProtocol: %q,\nAPIVersion: %q,\nXMLNamespace: %q,\nTargetPrefix: %q,\nJSONVersion: %q,\n",
		signing, md.EndpointPrefix, md.Protocol, md.APIVersion, md.XMLNamespace, md.TargetPrefix, md.JSONVersion)
	g.p("Errors: errorTable,\n")
	g.p("Operations: []*api.Operation{\n")
	for _, on := range ops {
		op := g.m.Operations[on]
		g.p("{\nName: %q,\nMethod: %q,\nRequestURI: %q,\n", on, op.HTTP.Method, op.HTTP.RequestURI)
		if op.HTTP.ResponseCode != 0 {
			g.p("ResponseCode: %d,\n", op.HTTP.ResponseCode)
		}
		if op.Output != nil && op.Output.ResultWrapper != "" {
			g.p("ResultWrapper: %q,\n", op.Output.ResultWrapper)
		}
		if op.HTTPChecksumRequired || op.HTTPChecksum.RequestChecksumRequired {
			g.p("ChecksumRequired: true,\n")
		}
		if len(op.Errors) > 0 {
			g.p("Errors: []string{")
			for _, e := range op.Errors {
				g.p("%q,", errorCode(e.Shape, g.m.Shapes[e.Shape]))
			}
			g.p("},\n")
		}
		g.p("NewInput: func() any { return new(%sInput) },\n", on)
		g.p("NewOutput: func() any { return new(%sOutput) },\n", on)
		g.p("Invoke: func(ctx context.Context, h any, in any) (any, error) {\nout, err := h.(Handler).%s(ctx, in.(*%sInput))\nif out == nil {\nreturn nil, err\n}\nreturn out, err\n},\n", on, on)
		g.p("},\n")
	}
	g.p("},\n})\n\n")
}

func (g *gen) handler(ops []string) {
	g.p("// Handler is implemented by the service: one method per operation.\n")
	g.p("type Handler interface {\n")
	for _, on := range ops {
		g.p("%s(ctx context.Context, in *%sInput) (*%sOutput, error)\n", on, on, on)
	}
	g.p("}\n\n")
	g.p("// Unimplemented answers every operation with the protocol's \"not implemented\" error. Embed it in a Handler and override what is done.\n")
	g.p("type Unimplemented struct{}\n\n")
	for _, on := range ops {
		g.p("func (Unimplemented) %s(context.Context, *%sInput) (*%sOutput, error) {\nreturn nil, api.NotImplemented(%q, %q, %q)\n}\n\n",
			on, on, on, g.m.Metadata.Protocol, g.m.Metadata.APIVersion, on)
	}
}

func errorCode(name string, s *shape) string {
	if s.Error != nil && s.Error.Code != "" {
		return s.Error.Code
	}
	return name
}

// errors writes the table of modelled errors and one constructor per error.
func (g *gen) errors() {
	var names []string
	for _, sn := range sortedKeys(g.m.Shapes) {
		if g.m.Shapes[sn].Exception {
			names = append(names, sn)
		}
	}
	g.p("var errorTable = []api.ErrorInfo{\n")
	for _, sn := range names {
		s := g.m.Shapes[sn]
		status, sender := 400, !s.Fault
		if s.Error != nil {
			if s.Error.HTTPStatusCode != 0 {
				status = s.Error.HTTPStatusCode
			}
			if s.Error.Code != "" || s.Error.SenderFault {
				sender = s.Error.SenderFault
			}
		}
		if status >= 500 {
			sender = false
		}
		g.p("{Shape: %q, Code: %q, Status: %d, Sender: %v},\n", sn, errorCode(sn, s), status, sender)
	}
	g.p("}\n\n")
	for i, sn := range names {
		g.p("// Err%s returns the modelled %s error with message msg.\n", exported(sn), errorCode(sn, g.m.Shapes[sn]))
		g.p("func Err%s(msg string) *awserr.Error {\nreturn errorTable[%d].New(msg)\n}\n\n", exported(sn), i)
	}
}

// goType returns the Go type of a member referring to shape name.
func (g *gen) goType(ref *shapeRef, required, input bool) string {
	s := g.m.Shapes[ref.Shape]
	ptr := "*"
	if required {
		ptr = ""
	}
	switch s.Type {
	case "structure":
		return "*" + g.goNames[ref.Shape]
	case "list":
		return "[]" + g.elemType(s.Member)
	case "map":
		return "map[" + g.elemType(s.Key) + "]" + g.elemType(s.Value)
	case "string":
		if len(s.Enum) > 0 {
			return ptr + g.goNames[ref.Shape]
		}
		return ptr + "string"
	case "blob":
		if ref.Streaming || s.Streaming {
			if input {
				return "io.Reader"
			}
			return "io.ReadCloser"
		}
		return "[]byte"
	case "boolean":
		return ptr + "bool"
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "float":
		return ptr + "float32"
	case "double":
		return ptr + "float64"
	case "timestamp":
		return ptr + "time.Time"
	}
	log.Fatalf("shape %s: unsupported type %s", ref.Shape, s.Type)
	return ""
}

// elemType is the Go type of a list member or map key/value: values, not pointers.
func (g *gen) elemType(ref *shapeRef) string {
	s := g.m.Shapes[ref.Shape]
	switch s.Type {
	case "structure":
		return g.goNames[ref.Shape]
	case "list", "map":
		return g.goType(ref, true, false)
	}
	return g.goType(ref, true, false)
}

func (g *gen) structType(goName string, ref *shapeRef, input bool) {
	if ref == nil {
		g.p("// %s is empty: the operation has no %s in the model.\n", goName, map[bool]string{true: "input", false: "output"}[input])
		g.p("type %s struct{}\n\n", goName)
		return
	}
	s := g.m.Shapes[ref.Shape]
	g.structBody(goName, s, input || g.inputs[ref.Shape])
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

func goTag(t string) string {
	if strings.Contains(t, "`") {
		return strconv.Quote(t)
	}
	return "`" + t + "`"
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

func (g *gen) structBody(goName string, s *shape, input bool) {
	g.p("type %s struct {\n", goName)
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
	if len(st) > 0 {
		g.p("_ struct{} %s\n", goTag(tag(st...)))
	}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	for _, mn := range s.Members.names {
		ref := s.Members.refs[mn]
		ms := g.m.Shapes[ref.Shape]
		loc := ref.LocationName
		if loc == "" {
			loc = mn
		}
		parts := []string{"locationName", loc, "location", ref.Location}
		if ms.Type == "list" {
			parts = append(parts, "locationNameList", ms.Member.LocationName)
			parts = append(parts, "flattened", boolTag(ref.Flattened || ms.Flattened))
			if ms.Member.XMLNamespace != nil {
				parts = append(parts, "memberXMLURI", ms.Member.XMLNamespace.URI)
			}
		}
		if ms.Type == "map" {
			parts = append(parts, "locationNameKey", ms.Key.LocationName, "locationNameValue", ms.Value.LocationName)
			parts = append(parts, "flattened", boolTag(ref.Flattened || ms.Flattened))
		}
		if ref.XMLNamespace != nil {
			parts = append(parts, "xmlURI", ref.XMLNamespace.URI, "xmlPrefix", ref.XMLNamespace.Prefix)
		}
		parts = append(parts, "xmlAttribute", boolTag(ref.XMLAttribute))
		if ms.Type == "timestamp" {
			parts = append(parts, "timestampFormat", ms.TimestampFormat)
		}
		if ms.Type == "blob" && (ref.Streaming || ms.Streaming) {
			parts = append(parts, "streaming", "true")
		}
		if ms.Type == "structure" && ms.EventStream {
			parts = append(parts, "eventstream", "true")
		}
		parts = append(parts, "required", boolTag(req[mn]))
		parts = append(parts, "min", num(ms.Min), "max", num(ms.Max), "pattern", ms.Pattern, "sensitive", boolTag(ms.Sensitive))
		if mn == s.Payload {
			parts = append(parts, "payload", "true")
		}
		required := req[mn] && ref.Location != "header" && ref.Location != "querystring"
		g.p("%s %s %s\n", exported(mn), g.goType(ref, required, input), goTag(tag(parts...)))
	}
	g.p("}\n\n")
}

func (g *gen) enum(goName string, s *shape) {
	g.p("type %s string\n\n", goName)
	g.p("const (\n")
	seen := map[string]bool{}
	for _, v := range s.Enum {
		cn := goName + enumIdent(v)
		for seen[cn] {
			cn += "_"
		}
		seen[cn] = true
		g.p("%s %s = %q\n", cn, goName, v)
	}
	g.p(")\n\n")
	g.p("// EnumValues lists the values the model allows, for validation.\n")
	g.p("func (%s) EnumValues() []string {\nreturn []string{", goName)
	for _, v := range s.Enum {
		g.p("%q,", v)
	}
	g.p("}\n}\n\n")
}

func enumIdent(v string) string {
	var b strings.Builder
	up := true
	for _, r := range v {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}
