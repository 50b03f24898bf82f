package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

func init() {
	register("health", command{summary: "check that a doppel answers (exit 0 when healthy): the container image's health check", run: runHealth})
}

// runHealth asks /_doppel/health, so that an image without curl (the
// container image is only doppel) can have a health check.
func runHealth(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doppel health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://"+defaultAddr, "the doppel to ask, as `URL`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: doppel health [--url URL]\n\nExits 0 when the doppel at URL answers /_doppel/health, 1 when it does not.\n\nFlags:")
		printFlags(stderr, fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(*url + "/_doppel/health")
	if err != nil {
		fmt.Fprintln(stderr, "doppel health:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "doppel health: %s answered %s\n", *url, resp.Status)
		return 1
	}
	fmt.Fprintf(stdout, "%s", body)
	return 0
}
