package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/doppel-aws/doppel/internal/bootstrap"
	"github.com/doppel-aws/doppel/internal/clientconfig"
	"github.com/doppel-aws/doppel/internal/server"
)

// setUpAccounts applies the bootstrap file (or, on a first start without
// one, the two default accounts), then writes the AWS config and credentials
// files for the server at endpoint, unless nothing may be written.
func setUpAccounts(ctx context.Context, srv *server.Server, bootstrapFile, dataDir string, inMemory bool, endpoint, caBundle string) ([]clientconfig.Profile, error) {
	var cfg *bootstrap.Config
	if bootstrapFile != "" {
		var err error
		if cfg, err = bootstrap.Load(bootstrapFile); err != nil {
			return nil, err
		}
	}
	if _, err := bootstrap.Apply(ctx, srv.Store, cfg, time.Now()); err != nil {
		return nil, err
	}
	profiles, _, err := clientconfig.Profiles(ctx, srv.Store, endpoint)
	if err != nil {
		return nil, err
	}
	for i := range profiles {
		profiles[i].CABundle = caBundle
	}
	if !inMemory {
		if _, _, err := clientconfig.WriteFiles(dataDir, profiles); err != nil {
			return nil, err
		}
	}
	return profiles, nil
}

func printAccounts(w io.Writer, profiles []clientconfig.Profile, dataDir string, inMemory bool) {
	fmt.Fprintln(w, "\nAccounts (root credentials):")
	for _, p := range profiles {
		fmt.Fprintf(w, "  %-14s %s  %s\n", p.Name, p.Account, p.AccessKeyID)
	}
	fmt.Fprintln(w, "\nPoint a client at an account:")
	if len(profiles) > 0 {
		fmt.Fprintf(w, "  eval \"$(doppel env %s)\"\n", profiles[0].Name)
	}
	if !inMemory {
		abs, err := filepath.Abs(dataDir)
		if err != nil {
			abs = dataDir
		}
		fmt.Fprintf(w, "  or: export AWS_CONFIG_FILE=%s AWS_SHARED_CREDENTIALS_FILE=%s  (one profile per account)\n",
			filepath.Join(abs, clientconfig.ConfigFileName), filepath.Join(abs, clientconfig.CredentialsFileName))
	}
}

// printTLS says how to reach doppel over HTTPS and through its proxy.
func printTLS(w io.Writer, addr, caBundle string) {
	fmt.Fprintf(w, "HTTPS on the same port: https://%s/", addr)
	if caBundle != "" {
		fmt.Fprintf(w, " (trust %s: AWS_CA_BUNDLE)\n", caBundle)
	} else {
		fmt.Fprintf(w, " (CA in memory: curl -o doppel-ca.pem http://%s/_doppel/ca.pem)\n", addr)
	}
	fmt.Fprintf(w, "Proxy for AWS host names: HTTPS_PROXY=http://%s (no endpoint setting needed)\n", addr)
}
