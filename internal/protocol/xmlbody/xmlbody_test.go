package xmlbody

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/s3api"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		body string
		into any
		want any
	}{
		{"tagging with namespace and whitespace", `<?xml version="1.0"?>
<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <TagSet>
    <Tag><Key>k1</Key><Value>v1</Value></Tag>
    <Tag><Key>k2</Key><Value></Value></Tag>
  </TagSet>
</Tagging>`, &s3api.Tagging{}, &s3api.Tagging{TagSet: []s3api.Tag{{Key: "k1", Value: "v1"}, {Key: "k2", Value: ""}}}},
		{"flattened list and booleans", `<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object><Quiet>true</Quiet></Delete>`,
			&s3api.Delete{}, &s3api.Delete{Objects: []s3api.ObjectIdentifier{{Key: "a"}, {Key: "b", VersionId: api.String("v")}}, Quiet: api.Bool(true)}},
		{"attribute with namespace prefix", `<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
			&s3api.AccessControlPolicy{}, &s3api.AccessControlPolicy{Grants: []s3api.Grant{{Grantee: &s3api.Grantee{Type: s3api.TypeCanonicalUser, ID: api.String("abc")}, Permission: api.Ptr(s3api.PermissionREAD)}}}},
		{"unknown elements are skipped", `<Tagging><Extra><Deep>x</Deep></Extra><TagSet></TagSet></Tagging>`, &s3api.Tagging{}, &s3api.Tagging{TagSet: []s3api.Tag{}}},
		{"deeply nested unknown elements are skipped", "<Tagging>" + strings.Repeat("<x>", 100000) + strings.Repeat("</x>", 100000) + "</Tagging>", &s3api.Tagging{}, &s3api.Tagging{}},
		{"integers and timestamps", `<LifecycleConfiguration><Rule><Status>Enabled</Status><Expiration><Days>30</Days><Date>2024-01-02T00:00:00.000Z</Date></Expiration></Rule></LifecycleConfiguration>`,
			&s3api.BucketLifecycleConfiguration{}, &s3api.BucketLifecycleConfiguration{Rules: []s3api.LifecycleRule{{Status: s3api.ExpirationStatusEnabled,
				Expiration: &s3api.LifecycleExpiration{Days: api.Int32(30), Date: api.Time(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC))}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Decode(strings.NewReader(tc.body), tc.into); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.into, tc.want) {
				t.Errorf("got  %+v\nwant %+v", tc.into, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct{ name, body string }{
		{"empty", ``},
		{"not XML", `{"json": true}`},
		{"unclosed", `<Tagging><TagSet>`},
		{"bad integer", `<LifecycleConfiguration><Rule><Expiration><Days>thirty</Days></Expiration></Rule></LifecycleConfiguration>`},
		{"bad boolean", `<Delete><Quiet>yes please</Quiet></Delete>`},
		{"element inside a value", `<Tagging><TagSet><Tag><Key><b>k</b></Key></Tag></TagSet></Tagging>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any = &s3api.Tagging{}
			switch {
			case strings.Contains(tc.body, "Lifecycle"), strings.Contains(tc.body, "<Rule>"):
				v = &s3api.BucketLifecycleConfiguration{}
			case strings.Contains(tc.body, "Delete"):
				v = &s3api.Delete{}
			}
			err := Decode(strings.NewReader(tc.body), v)
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("err = %v, want ErrSyntax", err)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	var b bytes.Buffer
	Element(&b, "AccessControlPolicy", "http://s3.amazonaws.com/doc/2006-03-01/", "", reflect.ValueOf(s3api.AccessControlPolicy{
		Owner:  &s3api.Owner{ID: api.String("o")},
		Grants: []s3api.Grant{{Grantee: &s3api.Grantee{Type: s3api.TypeCanonicalUser, ID: api.String("o")}, Permission: api.Ptr(s3api.PermissionFULLCONTROL)}},
	}), api.TimeMillis)
	want := `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList><Owner><ID>o</ID></Owner></AccessControlPolicy>`
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}

// FuzzDecode: arbitrary bodies decode into S3's input documents or fail with
// ErrSyntax, never panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`,
		`<Delete><Object><Key>a</Key></Object><Quiet>true</Quiet></Delete>`,
		`<LifecycleConfiguration><Rule><Filter><And><Prefix>p</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`,
		`<AccessControlPolicy><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>u</URI></Grantee></Grant></AccessControlList></AccessControlPolicy>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"e"</ETag></Part></CompleteMultipartUpload>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, v := range []any{&s3api.Tagging{}, &s3api.Delete{}, &s3api.BucketLifecycleConfiguration{}, &s3api.AccessControlPolicy{}, &s3api.CompletedMultipartUpload{}, &s3api.CORSConfiguration{}} {
			if err := Decode(strings.NewReader(body), v); err != nil && !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v is not ErrSyntax", err)
			}
		}
	})
}

func TestAppendISO8601(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"whole seconds", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02T03:04:05Z"},
		{"milliseconds", time.Date(2024, 12, 31, 23, 59, 59, 123e6, time.UTC), "2024-12-31T23:59:59.123Z"},
		{"nanoseconds", time.Date(2024, 1, 2, 3, 4, 5, 7, time.UTC), "2024-01-02T03:04:05.000000007Z"},
		{"other zone is shown in UTC", time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), "2024-01-02T02:04:05Z"},
		{"year out of range falls back", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "10000-01-01T00:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendISO8601(nil, tc.t)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if got := tc.t.UTC().Format(ISO8601); got != tc.want {
				t.Errorf("time.Format disagrees: %s", got)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "abc/def", "abc/def"},
		{"empty", "", ""},
		{"escape after a plain prefix", "arn:aws:iam::1:role/a&b", "arn:aws:iam::1:role/a&amp;b"},
		{"escape last byte", "a>", "a&gt;"},
		{"markup", `<a href="x">&'</a>`, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"},
		{"whitespace kept as references", "a\nb\tc\rd", "a&#xA;b&#x9;c&#xD;d"},
		{"control characters are not XML", "a\x01b", "a\uFFFDb"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"multi-byte", "é😀", "é😀"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			EscapeText(&b, tc.in)
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestAppendTime(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		p    api.TimePrecision
		want string
	}{
		{"as is", ts, api.TimeAsIs, "2024-01-02T03:04:05.123456789Z"},
		{"seconds", ts, api.TimeSeconds, "2024-01-02T03:04:05Z"},
		{"millis", ts, api.TimeMillis, "2024-01-02T03:04:05.123Z"},
		{"millis pads", time.Date(2024, 1, 2, 3, 4, 5, 500e6, time.UTC), api.TimeMillis, "2024-01-02T03:04:05.500Z"},
		{"millis of a whole second", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), api.TimeMillis, "2024-01-02T03:04:05.000Z"},
		{"millis below a millisecond", time.Date(2024, 1, 2, 3, 4, 5, 999, time.UTC), api.TimeMillis, "2024-01-02T03:04:05.000Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendTime(nil, tc.t, tc.p)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// BenchmarkEscapePolicyDocument escapes a URL-encoded trust policy, the
// longest plain text in IAM answers.
func BenchmarkEscapePolicyDocument(b *testing.B) {
	doc := "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A111111111111%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
	var buf bytes.Buffer
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		buf.Reset()
		EscapeText(&buf, doc)
	}
}
