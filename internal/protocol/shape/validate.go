package shape

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf16"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// Problems collects model-constraint violations in AWS's wording, e.g.
//
//	1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null
//
// Paths use the member names with a lower-case first letter, list items as
// "tags.1.member.key", as AWS's validation layer names them.
type Problems struct {
	msgs []string
}

// Path joins a parent path and a member's PathName the way AWS prints them.
func Path(parent string, f *Field) string {
	if parent == "" {
		return f.PathName
	}
	return parent + "." + f.PathName
}

// Missing records a required member that was absent.
func (p *Problems) Missing(path string) {
	p.msgs = append(p.msgs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", path))
}

func (p *Problems) add(f *Field, path, value, constraint string) {
	if f.Sensitive {
		// AWS leaves sensitive values out of the message.
		p.msgs = append(p.msgs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, constraint))
		return
	}
	p.msgs = append(p.msgs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", value, path, constraint))
}

// Check records the violations of f's constraints by v, the decoded value of
// member f (without its pointer).
func (p *Problems) Check(f *Field, path string, v reflect.Value) {
	switch f.Kind {
	case KindString:
		s := v.String()
		n := float64(utf16Len(s))
		if f.Min != nil && n < *f.Min {
			p.add(f, path, s, fmt.Sprintf("Member must have length greater than or equal to %s", num(*f.Min)))
		}
		if f.Max != nil && n > *f.Max {
			p.add(f, path, s, fmt.Sprintf("Member must have length less than or equal to %s", num(*f.Max)))
		}
		if re := f.Regexp(); re != nil && !re.MatchString(s) {
			p.add(f, path, s, "Member must satisfy regular expression pattern: "+f.Pattern)
		}
		if vals := f.EnumValues; vals != nil {
			found := false
			for _, ev := range vals {
				if ev == s {
					found = true
					break
				}
			}
			if !found {
				p.add(f, path, s, "Member must satisfy enum value set: ["+strings.Join(vals, ", ")+"]")
			}
		}
	case KindInt, KindFloat:
		var n float64
		if f.Kind == KindInt {
			n = float64(v.Int())
		} else {
			n = v.Float()
		}
		if f.Min != nil && n < *f.Min {
			p.add(f, path, fmt.Sprint(v.Interface()), fmt.Sprintf("Member must have value greater than or equal to %s", num(*f.Min)))
		}
		if f.Max != nil && n > *f.Max {
			p.add(f, path, fmt.Sprint(v.Interface()), fmt.Sprintf("Member must have value less than or equal to %s", num(*f.Max)))
		}
	case KindList, KindMap, KindBlob:
		n := float64(v.Len())
		if f.Min != nil && n < *f.Min {
			p.add(f, path, listString(v), fmt.Sprintf("Member must have length greater than or equal to %s", num(*f.Min)))
		}
		if f.Max != nil && n > *f.Max {
			p.add(f, path, listString(v), fmt.Sprintf("Member must have length less than or equal to %s", num(*f.Max)))
		}
	}
}

// Err returns the ValidationError (the query protocol's code) for what was
// collected, or nil.
func (p *Problems) Err() *awserr.Error { return p.ErrCode("ValidationError") }

// ErrCode is Err with another code: JSON services answer ValidationException.
func (p *Problems) ErrCode(code string) *awserr.Error {
	if len(p.msgs) == 0 {
		return nil
	}
	noun := "errors"
	if len(p.msgs) == 1 {
		noun = "error"
	}
	return awserr.New(http.StatusBadRequest, code,
		fmt.Sprintf("%d validation %s detected: %s", len(p.msgs), noun, strings.Join(p.msgs, "; ")))
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
		if utf16.RuneLen(r) < 0 {
			n += 2 // invalid rune: counted as the replacement character and more
		}
	}
	return n
}

func num(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(f)
}

// listString prints a list the way Java's toString does: [a, b].
func listString(v reflect.Value) string {
	if v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.String {
		return fmt.Sprint(v.Interface())
	}
	parts := make([]string, v.Len())
	for i := range parts {
		parts[i] = v.Index(i).String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
