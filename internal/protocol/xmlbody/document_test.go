package xmlbody

import (
	"errors"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/s3api"
)

func TestDecodeDocument(t *testing.T) {
	for _, tc := range []struct {
		name, root, body string
		into             func() any
		ok               bool
	}{
		{"tagging", "Tagging", `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`, func() any { return &s3api.Tagging{} }, true},
		{"empty tag set", "Tagging", `<Tagging><TagSet/></Tagging>`, func() any { return &s3api.Tagging{} }, true},
		{"unknown members skipped", "Tagging", `<Tagging><TagSet/><Newer>x</Newer></Tagging>`, func() any { return &s3api.Tagging{} }, true},
		{"comment after the root", "Tagging", "<Tagging><TagSet/></Tagging>\n<!-- c -->\n", func() any { return &s3api.Tagging{} }, true},
		{"no root name to check", "", `<Anything><TagSet/></Anything>`, func() any { return &s3api.Tagging{} }, true},
		{"required attribute", "AccessControlPolicy", `<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>a</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
			func() any { return &s3api.AccessControlPolicy{} }, true},

		{"wrong root", "Tagging", `<Foo/>`, func() any { return &s3api.Tagging{} }, false},
		{"wrong root with the right members", "Tagging", `<Foo><TagSet/></Foo>`, func() any { return &s3api.Tagging{} }, false},
		{"required member missing", "Tagging", `<Tagging/>`, func() any { return &s3api.Tagging{} }, false},
		{"required member of a list item missing", "Tagging", `<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>`, func() any { return &s3api.Tagging{} }, false},
		{"list item under another name", "Tagging", `<Tagging><TagSet><Foo><Key>k</Key><Value>v</Value></Foo></TagSet></Tagging>`, func() any { return &s3api.Tagging{} }, false},
		{"second document", "Tagging", `<Tagging><TagSet/></Tagging><Tagging/>`, func() any { return &s3api.Tagging{} }, false},
		{"text after the root", "Tagging", `<Tagging><TagSet/></Tagging>junk`, func() any { return &s3api.Tagging{} }, false},
		{"required attribute missing", "AccessControlPolicy", `<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>a</ID></Grantee></Grant></AccessControlList></AccessControlPolicy>`,
			func() any { return &s3api.AccessControlPolicy{} }, false},
		{"flattened required list missing", "Delete", `<Delete><Quiet>true</Quiet></Delete>`, func() any { return &s3api.Delete{} }, false},
		{"versioning without required members", "VersioningConfiguration", `<VersioningConfiguration/>`, func() any { return &s3api.VersioningConfiguration{} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := DecodeDocument(strings.NewReader(tc.body), tc.into(), tc.root)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrSyntax) {
				t.Fatalf("err = %v, want ErrSyntax", err)
			}
		})
	}
	// Decode stays lenient: it reads outputs, whose root names the caller knows.
	if err := Decode(strings.NewReader(`<Foo/>`), &s3api.Tagging{}); err != nil {
		t.Errorf("Decode: %v", err)
	}
}
