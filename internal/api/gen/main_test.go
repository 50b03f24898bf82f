package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/internal/api/model"
)

// TestGeneratedUpToDate regenerates every package in memory and compares it
// with the committed file: an edit to the generator or the pinned models
// must come with `go generate ./internal/api/...`.
func TestGeneratedUpToDate(t *testing.T) {
	dir, version, err := model.SDKDir()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ model, pkg string }{
		{"iam/2010-05-08", "iamapi"},
		{"sts/2011-06-15", "stsapi"},
		{"s3/2006-03-01", "s3api"},
		{"organizations/2016-11-28", "organizationsapi"},
	}
	for _, tc := range tests {
		t.Run(tc.pkg, func(t *testing.T) {
			path := filepath.Join(dir, "models", "apis", tc.model, "api-2.json")
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Skip(err)
			}
			m, err := model.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := applyOverlay(m); err != nil {
				t.Fatal(err)
			}
			src, err := generate(m, loadDocs(filepath.Join(filepath.Dir(path), "docs-2.json")), tc.pkg, tc.model, version)
			if err != nil {
				t.Fatal(err)
			}
			committed, err := os.ReadFile(filepath.Join("..", tc.pkg, "api.go"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(src, committed) {
				t.Errorf("internal/api/%s/api.go is stale: run go generate ./internal/api/...", tc.pkg)
			}
		})
	}
}

func TestEnumIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Active", "Active"},
		{"STANDARD_IA", "STANDARDIA"},
		{"us-east-1", "UsEast1"},
		{"aws:kms", "AwsKms"},
		{"", "Empty"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := enumIdent(tc.in); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	got := wrap("aaa bbb ccc ddd", 7)
	want := []string{"aaa bbb", "ccc ddd"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
}
