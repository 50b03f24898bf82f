package awserr

import "testing"

func TestWithHeader(t *testing.T) {
	base := New(404, "NoSuchKey", "The specified key does not exist.").With("Key", "k")
	one := base.WithHeader("x-amz-delete-marker", "true")
	two := one.WithHeader("x-amz-version-id", "v1")
	tests := []struct {
		name string
		e    *Error
		want []Field
	}{
		{"original untouched", base, nil},
		{"one header", one, []Field{{"x-amz-delete-marker", "true"}}},
		{"headers keep order", two, []Field{{"x-amz-delete-marker", "true"}, {"x-amz-version-id", "v1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.e.Headers) != len(tc.want) {
				t.Fatalf("headers %v, want %v", tc.e.Headers, tc.want)
			}
			for i, f := range tc.want {
				if tc.e.Headers[i] != f {
					t.Errorf("header %d = %v, want %v", i, tc.e.Headers[i], f)
				}
			}
			if tc.e.Code != "NoSuchKey" || len(tc.e.Fields) != 1 {
				t.Errorf("code or fields lost: %+v", tc.e)
			}
		})
	}
}
