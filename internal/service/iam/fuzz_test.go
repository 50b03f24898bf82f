package iam

import (
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api"
)

// FuzzParsePolicyARN: any string either parses into parts that rebuild it,
// or is refused with InvalidInput; never a panic.
func FuzzParsePolicyARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:iam::aws:policy/AdministratorAccess",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
		"arn:aws:iam::111111111111:policy/a/b/c",
		"arn:aws:iam::111111111111:policy/",
		"arn:aws:iam::1:policy/x",
		"arn:aws:iam::111111111111:role/x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := parsePolicyARN(s)
		if err != nil {
			if !strings.Contains(err.Error(), "InvalidInput") {
				t.Fatalf("error %v is not InvalidInput", err)
			}
			return
		}
		if got := "arn:aws:iam::" + ref.account + ":policy" + ref.path + ref.name; got != s {
			t.Fatalf("parts rebuild %q, not %q", got, s)
		}
		if ref.name == "" || strings.Contains(ref.name, "/") || !strings.HasPrefix(ref.path, "/") || !strings.HasSuffix(ref.path, "/") {
			t.Fatalf("bad parts %+v", ref)
		}
	})
}

// FuzzPageMarker: a client-supplied Marker never panics, and a page is
// always a run of the list.
func FuzzPageMarker(f *testing.F) {
	f.Add("", int32(2))
	f.Add("Yg", int32(1))
	f.Add("!!", int32(1000))
	f.Add("eg", int32(0))
	items := []string{"a", "b", "c", "d", "e"}
	f.Fuzz(func(t *testing.T, marker string, max int32) {
		pg, trunc, next, err := page(items, func(s string) string { return s }, api.String(marker), api.Int32(max))
		if err != nil {
			return
		}
		if len(pg) > int(max) || (*trunc) != (next != nil) {
			t.Fatalf("page %v truncated %v next %v for max %d", pg, *trunc, next, max)
		}
		if len(pg) > 0 && !strings.Contains(strings.Join(items, ""), strings.Join(pg, "")) {
			t.Fatalf("page %v is not a run of %v", pg, items)
		}
	})
}
