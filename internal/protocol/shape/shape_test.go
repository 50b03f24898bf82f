package shape

import (
	"reflect"
	"strings"
	"testing"
)

type color string

func (color) EnumValues() []string { return []string{"red", "green"} }

type inner struct {
	Key string `locationName:"Key" required:"true" min:"1" max:"3"`
}

type sample struct {
	_       struct{}          `locationName:"Root" xmlURI:"urn:x" payload:"Body" xmlText:"Name"`
	Name    string            `locationName:"name" required:"true" min:"2" pattern:"[a-z]+"`
	Secret  *string           `locationName:"Secret" min:"4" sensitive:"true"`
	Count   *int32            `locationName:"Count" min:"1" max:"10"`
	Color   *color            `locationName:"Color"`
	Items   []inner           `locationName:"Items" locationNameList:"item" max:"1"`
	Flat    []string          `locationName:"Flat" flattened:"true" locationNameList:"F"`
	Tags    map[string]string `locationName:"Tags"`
	Header  *string           `locationName:"x-h" location:"header"`
	Body    []byte            `locationName:"Body" payload:"true"`
	Escaped *string           `locationName:"Escaped" pattern:"[\\u0041-\\u005A]+"`
}

func TestOf(t *testing.T) {
	st := Of(reflect.TypeOf(&sample{}))
	if st != Of(reflect.TypeOf(sample{})) {
		t.Error("plans are not cached per type")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"root", st.LocationName, "Root"},
		{"namespace", st.XMLURI, "urn:x"},
		{"payload", st.Payload.Name, "Body"},
		{"xml text", st.XMLText.GoName, "Name"},
		{"field count", len(st.Fields), 10},
		{"name kind", st.FieldByName("name").Kind, KindString},
		{"count kind", st.FieldByName("Count").Kind, KindInt},
		{"count ptr", st.FieldByName("Count").Ptr, true},
		{"list kind", st.FieldByName("Items").Kind, KindList},
		{"list item name", st.FieldByName("Items").ListItem, "item"},
		{"list item kind", st.FieldByName("Items").Item.Kind, KindStruct},
		{"wrapped list default item", Of(reflect.TypeOf(struct {
			L []string `locationName:"L"`
		}{})).FieldByName("L").ListItem, "member"},
		{"map defaults", st.FieldByName("Tags").MapKey + "/" + st.FieldByName("Tags").MapValue, "key/value"},
		{"flattened child name", st.XMLChild("F").GoName, "Flat"},
		{"header is no XML child", st.XMLChild("x-h") == nil, true},
		{"blob", st.FieldByName("Body").Kind, KindBlob},
		{"java escapes", st.FieldByName("Escaped").Regexp().MatchString("ABC"), true},
		{"anchored like Java matches()", st.FieldByName("Escaped").Regexp().MatchString("aBC"), false},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestProblems(t *testing.T) {
	st := Of(reflect.TypeOf(sample{}))
	tests := []struct {
		name  string
		field string
		value any
		want  string
	}{
		{"short and bad pattern", "name", "A", "2 validation errors detected: Value 'A' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
			"Value 'A' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+"},
		{"ok", "name", "abc", ""},
		{"sensitive values are not echoed", "Secret", "abc", "1 validation error detected: Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to 4"},
		{"range", "Count", int32(11), "1 validation error detected: Value '11' at 'count' failed to satisfy constraint: Member must have value less than or equal to 10"},
		{"enum", "Color", color("blue"), "1 validation error detected: Value 'blue' at 'color' failed to satisfy constraint: Member must satisfy enum value set: [red, green]"},
		{"list length", "Items", []inner{{"a"}, {"b"}}, "1 validation error detected: Value '[{a} {b}]' at 'items' failed to satisfy constraint: Member must have length less than or equal to 1"},
		{"length counts UTF-16 units like Java", "name", "😀", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Problems
			f := st.FieldByName(tc.field)
			p.Check(f, Path("", f), reflect.ValueOf(tc.value))
			got := ""
			if e := p.Err(); e != nil {
				got = e.Message
				if e.Code != "ValidationError" || e.Status != 400 {
					t.Errorf("code %s status %d", e.Code, e.Status)
				}
			}
			if tc.name == "length counts UTF-16 units like Java" {
				// One emoji is two UTF-16 units: long enough, but not [a-z]+.
				if strings.Contains(got, "length") {
					t.Errorf("length counted in runes: %s", got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	t.Run("missing and code", func(t *testing.T) {
		var p Problems
		p.Missing("tags.1.member.key")
		e := p.ErrCode("ValidationException")
		if e.Code != "ValidationException" || e.Message != "1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null" {
			t.Errorf("got %s %q", e.Code, e.Message)
		}
	})
}

// Present reads addressable structures through the field offset and others
// through reflect; both must agree, including for empty non-nil values.
func TestPresent(t *testing.T) {
	type req struct {
		List []string `locationName:"List" required:"true"`
	}
	st := Of(reflect.TypeOf(sample{}))
	full := sample{Secret: new(string), Items: []inner{}, Tags: map[string]string{}, Body: []byte{}}
	tests := []struct {
		name   string
		v      any
		member string
		want   bool
	}{
		{"value member", sample{}, "name", true},
		{"nil pointer", sample{}, "Secret", false},
		{"set pointer", full, "Secret", true},
		{"nil slice", sample{}, "Items", false},
		{"empty slice", full, "Items", true},
		{"nil map", sample{}, "Tags", false},
		{"empty map", full, "Tags", true},
		{"empty blob", full, "Body", true},
		{"nil blob", sample{}, "Body", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := st.FieldByName(tc.member)
			direct := reflect.ValueOf(tc.v)           // not addressable: reflect path
			addr := reflect.New(direct.Type()).Elem() // addressable: offset path
			addr.Set(direct)
			if got := f.Present(direct); got != tc.want {
				t.Errorf("Present(value) = %v, want %v", got, tc.want)
			}
			if got := f.Present(addr); got != tc.want {
				t.Errorf("Present(addressable) = %v, want %v", got, tc.want)
			}
		})
	}
	if f := Of(reflect.TypeOf(req{})).Fields[0]; !f.Present(reflect.ValueOf(&req{}).Elem()) {
		t.Error("a required list is present even when nil")
	}
	var body, attrs []string
	for _, f := range st.BodyFields {
		body = append(body, f.Name)
	}
	for _, f := range st.AttrFields {
		attrs = append(attrs, f.Name)
	}
	if got := strings.Join(body, ","); got != "name,Secret,Count,Color,Items,Flat,Tags,Body,Escaped" || len(attrs) != 0 {
		t.Errorf("BodyFields %s, AttrFields %v", got, attrs)
	}
}
