// Package clientconfig tells AWS clients where doppel is and which
// credentials to use: an AWS shared config file and credentials file with a
// profile per account, and the `export` lines of `doppel env ACCOUNT`.
package clientconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

// DefaultRegion is the region every profile is given.
const DefaultRegion = "us-east-1"

// File names inside the data directory.
const (
	ConfigFileName      = "aws-config"
	CredentialsFileName = "aws-credentials"
)

// Profile is what a client needs to act as one account's root user.
type Profile struct {
	Name            string // the account's name
	Account         string // its ID
	AccessKeyID     string
	SecretAccessKey string
	Region          string
	EndpointURL     string
	// CABundle is the file of doppel's CA certificate (ca.pem in the data
	// directory), for HTTPS to doppel and through its proxy; "" for none.
	CABundle string
	// SessionToken is set for temporary credentials: those of a member
	// account's access role, for accounts whose root has no keys.
	SessionToken string
	// CredentialProcess, for an account whose root has no keys, is the
	// command the profile runs for credentials (`doppel env
	// --credential-process NAME`); such a profile has no keys.
	CredentialProcess string
}

// ErrNoRootKey is returned for an account whose handed-out root key is gone
// (deleted or deactivated through IAM).
var ErrNoRootKey = errors.New("clientconfig: account has no active root access key")

// Profiles returns a profile per account, by account ID, for the server at
// endpointURL. Accounts without a usable root key are left out and named in
// skipped.
func Profiles(ctx context.Context, st store.Store, endpointURL string) (profiles []Profile, skipped []string, err error) {
	err = st.View(ctx, func(tx store.Tx) error {
		accts, err := identity.ListAccounts(tx)
		if err != nil {
			return err
		}
		for _, a := range accts {
			p, err := profileOf(tx, a, endpointURL)
			if errors.Is(err, ErrNoRootKey) {
				skipped = append(skipped, a.Name)
				continue
			}
			if err != nil {
				return err
			}
			profiles = append(profiles, p)
		}
		return nil
	})
	return profiles, skipped, err
}

// ForAccount returns the profile of the account named (or numbered) account.
func ForAccount(ctx context.Context, st store.Store, account, endpointURL string) (Profile, error) {
	var p Profile
	err := st.View(ctx, func(tx store.Tx) error {
		a, err := identity.GetAccountByName(tx, account)
		if errors.Is(err, store.ErrNotFound) && identity.ValidAccountID(account) {
			a, err = identity.GetAccount(tx, account)
		}
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("clientconfig: no account named %q", account)
		}
		if err != nil {
			return err
		}
		p, err = profileOf(tx, a, endpointURL)
		return err
	})
	return p, err
}

func profileOf(tx store.Tx, a identity.Account, endpointURL string) (Profile, error) {
	k, err := identity.GetAccessKey(tx, a.RootAccessKeyID)
	if errors.Is(err, store.ErrNotFound) || err == nil && k.Status != identity.KeyActive {
		return Profile{}, fmt.Errorf("%w: %s (%s)", ErrNoRootKey, a.Name, a.ID)
	}
	if err != nil {
		return Profile{}, err
	}
	return Profile{
		Name: a.Name, Account: a.ID, AccessKeyID: k.AccessKeyID, SecretAccessKey: k.Secret,
		Region: DefaultRegion, EndpointURL: endpointURL,
	}, nil
}

const accountComment = "# account "

const header = "# Written by doppel; rewritten at every start. One profile per account.\n"

// ConfigFile renders the shared config file: region, endpoint_url and
// ca_bundle per profile. endpoint_url in a profile is honoured by the AWS
// CLI v1 and v2, boto3 and the Go SDK ("Service-specific endpoints" in the
// AWS SDKs and Tools Reference Guide), ca_bundle by the same clients; it
// does no harm to a plain-HTTP endpoint and lets the same profile go
// through doppel's proxy or to an https:// endpoint.
func ConfigFile(profiles []Profile) []byte {
	var b strings.Builder
	b.WriteString(header)
	for _, p := range profiles {
		fmt.Fprintf(&b, "\n# account %s\n[profile %s]\nregion = %s\nendpoint_url = %s\n", p.Account, p.Name, p.Region, p.EndpointURL)
		if p.CABundle != "" {
			fmt.Fprintf(&b, "ca_bundle = %s\n", p.CABundle)
		}
		if p.CredentialProcess != "" {
			fmt.Fprintf(&b, "credential_process = %s\n", p.CredentialProcess)
		}
	}
	return []byte(b.String())
}

// CredentialsFile renders the shared credentials file.
func CredentialsFile(profiles []Profile) []byte {
	var b strings.Builder
	b.WriteString(header)
	for _, p := range profiles {
		if p.AccessKeyID == "" {
			continue // a credential_process profile
		}
		fmt.Fprintf(&b, "\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", p.Name, p.AccessKeyID, p.SecretAccessKey)
	}
	return []byte(b.String())
}

// WriteFiles writes both files into dir with mode 0600, each replaced
// atomically (written beside, then renamed), and returns their paths.
func WriteFiles(dir string, profiles []Profile) (configPath, credentialsPath string, err error) {
	configPath = filepath.Join(dir, ConfigFileName)
	credentialsPath = filepath.Join(dir, CredentialsFileName)
	if err := writeFile(configPath, ConfigFile(profiles)); err != nil {
		return "", "", err
	}
	if err := writeFile(credentialsPath, CredentialsFile(profiles)); err != nil {
		return "", "", err
	}
	return configPath, credentialsPath, nil
}

func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("clientconfig: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	// CreateTemp already makes the file 0600; say so for the reader.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("clientconfig: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("clientconfig: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("clientconfig: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("clientconfig: %w", err)
	}
	return nil
}

// EnvLines renders the shell lines of `doppel env`: eval "$(doppel env
// account-b)" points the AWS CLI, the SDKs and Terraform at doppel as that
// account's root user, trusting doppel's CA (AWS_CA_BUNDLE) for HTTPS. AWS_DEFAULT_REGION is set too because the AWS CLI v1
// and boto3 read only that one; AWS_SESSION_TOKEN and AWS_PROFILE are unset
// because a leftover token makes every request fail (a session token sent
// with a long-term key is refused, as on AWS) and a profile that is not in
// the user's config files stops the CLI before it sends anything.
//
// HTTP_PROXY names doppel too: the SDKs send S3 Control to the endpoint's
// host with the account ID in front (111111111111.127.0.0.1:4566), a name no
// resolver knows, so they must reach it through a proxy; doppel answers
// for the hosts it serves and refuses every other, never forwarding.
// Terraform's AWS provider 6.x reads every bucket's tags that way.
func EnvLines(p Profile) string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"AWS_ENDPOINT_URL", p.EndpointURL},
		{"HTTP_PROXY", p.EndpointURL},
		{"AWS_ACCESS_KEY_ID", p.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", p.SecretAccessKey},
		{"AWS_REGION", p.Region},
		{"AWS_DEFAULT_REGION", p.Region},
		{"AWS_CA_BUNDLE", p.CABundle},
	} {
		if kv[1] == "" && kv[0] == "AWS_CA_BUNDLE" {
			continue // in memory: no file to point at
		}
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], ShellQuote(kv[1]))
	}
	if p.SessionToken != "" {
		fmt.Fprintf(&b, "export AWS_SESSION_TOKEN=%s\nunset AWS_PROFILE\n", ShellQuote(p.SessionToken))
		return b.String()
	}
	b.WriteString("unset AWS_SESSION_TOKEN AWS_PROFILE\n")
	return b.String()
}

// ShellQuote quotes s for POSIX shells: single quotes, with each single
// quote written as '\”. Strings of only safe characters are left bare.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/+=@%,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
