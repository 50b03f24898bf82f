package model

import (
	"encoding/json"
	"testing"
)

const testModel = `{
  "metadata": {"protocol": "rest-xml", "apiVersion": "2014-01-01"},
  "shapes": {
    "In": {"type": "structure", "required": ["Bucket", "Name", "Token"], "payload": "Doc", "members": {
      "Zeta": {"shape": "Str"},
      "Bucket": {"shape": "Str", "location": "uri", "locationName": "Bucket"},
      "Token": {"shape": "Str", "location": "header", "locationName": "x-token"},
      "Name": {"shape": "Name"},
      "Meta": {"shape": "Meta", "location": "headers", "locationName": "x-amz-meta-"},
      "Legacy": {"shape": "HeaderStr"},
      "Items": {"shape": "Items"},
      "When": {"shape": "Stamp", "timestampFormat": "rfc822"},
      "Doc": {"shape": "Doc", "xmlNamespace": {"uri": "urn:x"}},
      "Body": {"shape": "Blob", "streaming": true}
    }},
    "Str": {"type": "string"},
    "HeaderStr": {"type": "string", "location": "header", "locationName": "x-legacy"},
    "Name": {"type": "string", "min": 1, "max": 64, "pattern": "[a-z]+", "sensitive": true},
    "Meta": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
    "Items": {"type": "list", "member": {"shape": "Str", "locationName": "Item"}, "flattened": true, "max": 10},
    "Stamp": {"type": "timestamp", "timestampFormat": "iso8601"},
    "Doc": {"type": "structure", "locationName": "Document", "members": {}},
    "Blob": {"type": "blob"}
  }
}`

func TestMemberTags(t *testing.T) {
	m, err := Parse([]byte(testModel))
	if err != nil {
		t.Fatal(err)
	}
	in := m.Shapes["In"]
	if got := in.Members.Names; len(got) != 10 || got[0] != "Zeta" || got[1] != "Bucket" {
		t.Errorf("member order %v, want the model's", got)
	}
	tests := []struct {
		member string
		tag    string
		value  bool
	}{
		{"Zeta", `locationName:"Zeta"`, false},
		{"Bucket", `locationName:"Bucket" location:"uri" required:"true"`, true},
		{"Token", `locationName:"x-token" location:"header" required:"true"`, false},
		{"Name", `locationName:"Name" required:"true" min:"1" max:"64" pattern:"[a-z]+" sensitive:"true"`, true},
		{"Meta", `locationName:"x-amz-meta-" location:"headers"`, false},
		{"Legacy", `locationName:"x-legacy" location:"header"`, false},
		{"Items", `locationName:"Items" locationNameList:"Item" flattened:"true" max:"10"`, false},
		{"When", `locationName:"When" timestampFormat:"rfc822"`, false},
		{"Doc", `locationName:"Document" xmlURI:"urn:x" payload:"true"`, false},
		{"Body", `locationName:"Body" streaming:"true"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.member, func(t *testing.T) {
			if got := m.MemberTag(in, tc.member); got != tc.tag {
				t.Errorf("tag %s\nwant %s", got, tc.tag)
			}
			if got := m.ValueMember(in, tc.member); got != tc.value {
				t.Errorf("ValueMember = %v, want %v", got, tc.value)
			}
		})
	}
	if got := StructTag(in); got != `payload:"Doc"` {
		t.Errorf("StructTag = %s", got)
	}
}

func TestApply(t *testing.T) {
	m, err := Parse([]byte(testModel))
	if err != nil {
		t.Fatal(err)
	}
	var o Overlay
	if err := json.Unmarshal([]byte(`{
	  "shapes": {
	    "In": {"members": {"Zeta": {"shape": "Name"}, "IfMatch": {"shape": "Str", "location": "header", "locationName": "If-Match"}}},
	    "Kind": {"type": "string", "enum": ["A"]}
	  },
	  "enums": {"Kind": ["B", "A"]},
	  "operations": {"Op": {"input": {"shape": "In"}, "output": {"shape": "In"}}, "Missing": {"output": {"shape": "In"}}}
	}`), &o); err != nil {
		t.Fatal(err)
	}
	m.Operations = map[string]*Operation{"Op": {Name: "Op"}}
	m.Apply(&o)
	in := m.Shapes["In"]
	if n := len(in.Members.Names); n != 11 || in.Members.Names[10] != "IfMatch" {
		t.Errorf("members %v, want IfMatch appended", in.Members.Names)
	}
	if in.Members.Refs["Zeta"].Shape != "Str" {
		t.Error("an existing member was replaced")
	}
	if got := m.MemberTag(in, "IfMatch"); got != `locationName:"If-Match" location:"header"` {
		t.Errorf("tag %s", got)
	}
	if e := m.Shapes["Kind"].Enum; len(e) != 2 || e[1] != "B" {
		t.Errorf("enum %v", e)
	}
	if op := m.Operations["Op"]; op.Output == nil || op.Output.Shape != "In" {
		t.Errorf("Op output %+v, want In", op.Output)
	}
	if op := m.Operations["Op"]; op.Input == nil || op.Input.Shape != "In" {
		t.Errorf("Op input %+v, want In", op.Input)
	}
	if _, ok := m.Operations["Missing"]; ok {
		t.Error("an overlay operation the model lacks was added")
	}
	c := *in
	c.StatusWhenSet = map[string]int{"IfMatch": 206}
	if got := m.MemberTag(&c, "IfMatch"); got != `locationName:"If-Match" location:"header" statusWhenSet:"206"` {
		t.Errorf("statusWhenSet tag %s", got)
	}
}
