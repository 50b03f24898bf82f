package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/doppel-aws/doppel/internal/console"
	"github.com/doppel-aws/doppel/internal/server"
)

func init() {
	register("serve", command{summary: "start the local AWS endpoint (IAM, STS, S3)", run: runServe})
}

const defaultAddr = "127.0.0.1:4566"

func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	started := time.Now()
	fs := flag.NewFlagSet("doppel serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", defaultAddr, "`HOST:PORT` to listen on (loopback unless told otherwise)")
	dataDir := fs.String("data", ".doppel", "data `DIR`ectory: state, object bytes, generated AWS config files")
	inMemory := fs.Bool("in-memory", false, "keep all state in memory; nothing is written")
	bootstrapFile := fs.String("bootstrap", "", "YAML `FILE` declaring accounts, applied at every start")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "text or json")
	pprofAddr := fs.String("pprof", "", "serve Go's profiler (net/http/pprof) on this loopback `HOST:PORT`")
	hostnames := fs.String("hostname", "", "extra comma-separated host `NAMES` for virtual-hosted S3 (bucket.NAME)")
	tlsCert := fs.String("tls-cert", "", "PEM certificate `FILE` for HTTPS instead of one from doppel's CA (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key `FILE` of --tls-cert")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: doppel serve [flags]\n\nStarts a local AWS endpoint serving IAM, STS and S3 on one port, over HTTP\nand HTTPS alike (certificates from a local CA made once in the data\ndirectory: ca.pem), and a proxy for AWS host names (HTTPS_PROXY).\n\nFlags:")
		printFlags(fs.Output(), fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "doppel serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "doppel serve:", err)
		return 2
	}

	setGCPercent()

	// Signals are caught before anything is announced, so a SIGTERM sent as
	// soon as the ready line appears still stops the server gracefully.
	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(stop)

	ctx := context.Background()
	srv, err := server.Open(ctx, server.Options{
		DataDir: *dataDir, InMemory: *inMemory, Logger: log,
		Hostnames:   splitList(*hostnames),
		TLSCertFile: *tlsCert, TLSKeyFile: *tlsKey,
	})
	if err != nil {
		fmt.Fprintln(stderr, "doppel serve:", err)
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		srv.Shutdown(ctx)
		fmt.Fprintln(stderr, "doppel serve:", err)
		return 1
	}
	endpoint := "http://" + ln.Addr().String()
	accounts, err := setUpAccounts(ctx, srv, *bootstrapFile, *dataDir, *inMemory, endpoint, srv.CA.Path())
	if err != nil {
		ln.Close()
		srv.Shutdown(ctx)
		fmt.Fprintln(stderr, "doppel serve:", err)
		return 1
	}

	if *pprofAddr != "" {
		if err := servePprof(*pprofAddr, log); err != nil {
			ln.Close()
			srv.Shutdown(ctx)
			fmt.Fprintln(stderr, "doppel serve: --pprof:", err)
			return 1
		}
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "doppel is serving IAM, STS and S3 at %s (ready in %s)\n", endpoint, time.Since(started).Round(time.Microsecond))
	fmt.Fprintf(stdout, "Console: %s%s/\n", endpoint, console.Prefix)
	printTLS(stdout, ln.Addr().String(), srv.CA.Path())
	printAccounts(stdout, accounts, *dataDir, *inMemory)

	select {
	case err := <-served:
		if err != nil {
			fmt.Fprintln(stderr, "doppel serve:", err)
		}
		srv.Shutdown(ctx)
		return 1
	case sig := <-stop:
		log.Info("stopping", "signal", sig.String())
	}
	// In-flight requests get 30 s to finish; a second signal stops at once.
	shutdownCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "doppel serve: shutdown:", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// servePprof starts the profiler on a loopback address: it exposes the
// process's memory, so it never listens elsewhere.
func servePprof(addr string, log *slog.Logger) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("profiler listening", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	go http.Serve(ln, mux)
	return nil
}

// defaultGCPercent is the garbage collector's target when GOGC is not set.
// doppel's live heap is small and its garbage is per request, so Go's
// default of 100 collects often for little: 200 cost about 8% less CPU per
// GetObject in the benchmark harness (bench/PROFILES.md) for about 5 MiB
// more resident memory under load. GOGC in the environment still decides.
const defaultGCPercent = 200

func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(defaultGCPercent)
	}
}
