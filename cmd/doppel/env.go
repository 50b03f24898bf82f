package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

func init() {
	register("env", command{summary: "print export lines that point AWS clients at an account", run: runEnv})
}

func runEnv(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doppel env", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", ".doppel", "the data `DIR`ectory of the running doppel")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: doppel env [--data DIR] ACCOUNT\n\nPrints shell export lines (AWS_ENDPOINT_URL, HTTP_PROXY, AWS_ACCESS_KEY_ID,\nAWS_SECRET_ACCESS_KEY, AWS_REGION) for ACCOUNT's root user, by name or ID:\n\n  eval \"$(doppel env account-b)\"\n\nFlags:")
		printFlags(fs.Output(), fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	p, err := clientconfig.ReadProfile(*dataDir, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "doppel env:", err)
		return 1
	}
	fmt.Fprint(stdout, clientconfig.EnvLines(p))
	return 0
}
