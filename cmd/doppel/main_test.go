package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/doppel-aws/doppel/doppeltest"
)

// Every way of asking for help or the version answers on standard output
// with exit 0; anything unknown prints usage and exits 2.
func TestCommandLine(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string // in stdout for code 0, in stderr otherwise
	}{
		{nil, 0, "Usage: doppel COMMAND"},
		{[]string{"help"}, 0, "Usage: doppel COMMAND"},
		{[]string{"--help"}, 0, "Usage: doppel COMMAND"},
		{[]string{"--version"}, 0, "doppel "},
		{[]string{"-v"}, 0, "doppel "},
		{[]string{"version"}, 0, "doppel "},
		{[]string{"help", "policy"}, 0, "doppel policy eval"},
		{[]string{"policy", "eval", "--help"}, 0, "doppel policy eval"},
		{[]string{"policy", "validate", "-h"}, 0, "doppel policy validate"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"help", "bogus"}, 2, `unknown command "bogus"`},
		{[]string{"policy", "eval", "--bogus", "-"}, 2, "unknown flag --bogus"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := run(c.args, strings.NewReader(""), &stdout, &stderr)
		out := stdout.String()
		if c.code != 0 {
			out = stderr.String()
		}
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("doppel %s = %d, %q; want %d and %q", strings.Join(c.args, " "), code, out, c.code, c.want)
		}
	}
}

// Flags are written --name, as the README writes them, in every
// subcommand's help.
func TestHelpFlagStyle(t *testing.T) {
	for _, cmd := range []string{"serve", "env", "mfa"} {
		var stdout, stderr bytes.Buffer
		if code := run([]string{cmd, "--help"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Errorf("doppel %s --help exited %d", cmd, code)
		}
		help := stdout.String() + stderr.String()
		if !strings.Contains(help, "  --") || strings.Contains(help, "\n  -"+"d") {
			t.Errorf("doppel %s --help does not write flags as --name:\n%s", cmd, help)
		}
	}
}

func TestHealth(t *testing.T) {
	srv := doppeltest.NewServer(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"health", "--url", srv.URL}, strings.NewReader(""), &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), `"status":"ok"`) {
		t.Errorf("doppel health of a running doppel = %d, %q %q", code, stdout.String(), stderr.String())
	}
	srv.Close()
	stdout.Reset()
	if code := run([]string{"health", "--url", srv.URL}, strings.NewReader(""), &stdout, &stderr); code != 1 {
		t.Errorf("doppel health of a stopped doppel = %d, want 1", code)
	}
}
