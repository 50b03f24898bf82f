package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/doppel-aws/doppel/internal/bootstrap"
	"github.com/doppel-aws/doppel/internal/clientconfig"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/server"
	"github.com/doppel-aws/doppel/internal/store"
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
	profiles, skipped, err := clientconfig.Profiles(ctx, srv.Store, endpoint)
	if err != nil {
		return nil, err
	}
	for i := range profiles {
		profiles[i].CABundle = caBundle
	}
	if !inMemory {
		vended := vendedProfiles(ctx, srv, skipped, dataDir, endpoint)
		for i := range vended {
			vended[i].CABundle = caBundle
		}
		written := append(profiles, vended...)
		if _, _, err := clientconfig.WriteFiles(dataDir, written); err != nil {
			return nil, err
		}
	}
	return profiles, nil
}

// vendedProfiles are profiles for the accounts without root keys that are
// members of an organization (Organizations created them): each gets its
// credentials from `doppel env --credential-process`, as the management
// account's root, through the account's access role.
func vendedProfiles(ctx context.Context, srv *server.Server, names []string, dataDir, endpoint string) []clientconfig.Profile {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return nil
	}
	var out []clientconfig.Profile
	for _, name := range names {
		var id string
		err := srv.Store.View(ctx, func(tx store.Tx) error {
			a, err := identity.GetAccountByName(tx, name)
			id = a.ID
			return err
		})
		if err != nil {
			continue
		}
		if org, _, err := srv.Orgs.AccountOrg(ctx, id); err != nil || org == "" {
			continue
		}
		out = append(out, clientconfig.Profile{Name: name, Account: id, Region: clientconfig.DefaultRegion, EndpointURL: endpoint,
			CredentialProcess: clientconfig.ShellQuote(exe) + " env --data " + clientconfig.ShellQuote(abs) + " --credential-process " + clientconfig.ShellQuote(name)})
	}
	return out
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
