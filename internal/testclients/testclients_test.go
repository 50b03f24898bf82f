package testclients

import (
	"os"
	"path/filepath"
	"testing"
)

// A DOPPEL_* variable wins over the candidates, and one that names nothing
// runnable is a missing tool, never a silent fallback to whatever is on PATH.
func TestLookup(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	notExe := filepath.Join(dir, "data")
	if err := os.WriteFile(notExe, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        string
		candidates []string
		want       string
	}{
		{name: "variable names an executable", env: exe, candidates: []string{"sh"}, want: exe},
		{name: "variable names a missing file", env: filepath.Join(dir, "nope"), candidates: []string{exe}, want: ""},
		{name: "variable names a file that is not executable", env: notExe, candidates: []string{exe}, want: ""},
		{name: "no variable: first candidate found", candidates: []string{filepath.Join(dir, "nope"), exe}, want: exe},
		{name: "no variable, no candidate", candidates: []string{filepath.Join(dir, "nope")}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOPPEL_TEST_TOOL", tt.env)
			got, err := Lookup("DOPPEL_TEST_TOOL", tt.candidates...)
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Errorf("Lookup = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMirrorVersion(t *testing.T) {
	dir := t.TempDir()
	if v := MirrorVersion(dir); v != "" {
		t.Errorf("empty mirror: %q", v)
	}
	for _, v := range []string{"5.100.0", "6.9.0", "6.47.1", "6.10.2"} {
		if err := os.MkdirAll(filepath.Join(dir, "registry.terraform.io/hashicorp/aws", v, "linux_amd64"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if v := MirrorVersion(dir); v != "6.47.1" {
		t.Errorf("MirrorVersion = %q, want 6.47.1", v)
	}
	if MirrorVersion("") != "" || MirrorVersion(filepath.Join(dir, "nope")) != "" {
		t.Error("a missing mirror has a version")
	}
}
