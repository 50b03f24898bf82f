package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/doppel-aws/doppel/internal/version"
)

func init() {
	register("version", command{summary: "print doppel's version", run: runVersion})
}

func runVersion(args []string, _ io.Reader, stdout, _ io.Writer) int {
	fmt.Fprintf(stdout, "doppel %s %s/%s %s\n", version.String(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	return 0
}
