package sts

import (
	"regexp"
	"testing"
)

// The written-out tag charsets accept exactly what the model's patterns do.
func TestTagCharsetsMatchTheModelPatterns(t *testing.T) {
	key := regexp.MustCompile(`^[\pL\pZ\pN_.:/=+\-@]+$`)
	value := regexp.MustCompile(`^[\pL\pZ\pN_.:/=+\-@]*$`)
	inputs := []string{"", "team", "Cost Center", "a_b.c:d/e=f+g-h@i", "ünïcødé", "日本語", "٣٤", "Ⅻ", "tab\there",
		"new\nline", "semi;colon", "quote'", "star*", "\u2028", "\u00a0nbsp", "emoji😀", "\xff\xfe", "a#b", "x,y", "100%"}
	for _, s := range inputs {
		if got, want := tagKeyPattern.MatchString(s), key.MatchString(s); got != want {
			t.Errorf("tag key %q: %v, the model's pattern says %v", s, got, want)
		}
		if got, want := tagValuePattern.MatchString(s), value.MatchString(s); got != want {
			t.Errorf("tag value %q: %v, the model's pattern says %v", s, got, want)
		}
	}
}

func FuzzTagCharset(f *testing.F) {
	key := regexp.MustCompile(`^[\pL\pZ\pN_.:/=+\-@]+$`)
	for _, s := range []string{"", "team", "ünï", "\xff", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := tagKeyPattern.MatchString(s), key.MatchString(s); got != want {
			t.Fatalf("tag key %q: %v, the model's pattern says %v", s, got, want)
		}
	})
}
