package policy

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// String prints the policy as canonical JSON: elements in a fixed order,
// lists always as arrays, condition operators and keys sorted. Parsing the
// output gives an equivalent policy that prints the same.
func (p *Policy) String() string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	field := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSON(&b, name)
		b.WriteByte(':')
	}
	if p.Version != "" {
		field("Version")
		writeJSON(&b, p.Version)
	}
	if p.ID != "" {
		field("Id")
		writeJSON(&b, p.ID)
	}
	field("Statement")
	b.WriteByte('[')
	for i, s := range p.Statements {
		if i > 0 {
			b.WriteByte(',')
		}
		s.print(&b)
	}
	b.WriteString("]}")
	return b.String()
}

func (s *Statement) print(b *strings.Builder) {
	b.WriteByte('{')
	if s.Sid != "" {
		b.WriteString(`"Sid":`)
		writeJSON(b, s.Sid)
		b.WriteByte(',')
	}
	if s.Effect == ExplicitDeny {
		b.WriteString(`"Effect":"Deny"`)
	} else {
		b.WriteString(`"Effect":"Allow"`)
	}
	if s.Principal != nil {
		b.WriteString(`,"Principal":`)
		s.Principal.print(b)
	}
	if s.NotPrincipal != nil {
		b.WriteString(`,"NotPrincipal":`)
		s.NotPrincipal.print(b)
	}
	if s.NotAction {
		b.WriteString(`,"NotAction":`)
	} else {
		b.WriteString(`,"Action":`)
	}
	writeJSON(b, s.Actions)
	if s.Resources != nil {
		if s.NotResource {
			b.WriteString(`,"NotResource":`)
		} else {
			b.WriteString(`,"Resource":`)
		}
		writeJSON(b, s.Resources)
	}
	if len(s.Conditions) > 0 {
		b.WriteString(`,"Condition":{`)
		// Conditions are kept sorted by operator then key (parseConditions).
		for i, c := range s.Conditions {
			if i == 0 || s.Conditions[i-1].Operator != c.Operator {
				if i > 0 {
					b.WriteString("},")
				}
				writeJSON(b, c.Operator)
				b.WriteString(":{")
			} else {
				b.WriteByte(',')
			}
			writeJSON(b, c.Key)
			b.WriteByte(':')
			writeJSON(b, c.Values)
		}
		b.WriteString("}}")
	}
	b.WriteByte('}')
}

func (pr *Principals) print(b *strings.Builder) {
	if pr.Star {
		b.WriteString(`"*"`)
		return
	}
	keys := make([]string, 0, len(pr.Map))
	for k := range pr.Map {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(b, k)
		b.WriteByte(':')
		writeJSON(b, pr.Map[k])
	}
	b.WriteByte('}')
}

// writeJSON writes a string or string slice as JSON, without HTML escaping
// so that printing does not grow the document.
func writeJSON(b *strings.Builder, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings and string slices always encode
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
