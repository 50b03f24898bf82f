package clientconfig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ReadProfile reads one account's profile (by account name or ID; "" for the
// first account) back from the files WriteFiles put in dataDir. `doppel env` uses it because the
// running server holds the store's lock.
func ReadProfile(dataDir, account string) (Profile, error) {
	profiles, err := ReadProfiles(dataDir)
	if err != nil {
		return Profile{}, err
	}
	for _, p := range profiles {
		if account == "" || p.Name == account || p.Account == account {
			if p.AccessKeyID == "" || p.SecretAccessKey == "" {
				return Profile{}, fmt.Errorf("clientconfig: %s has no keys for profile %s", filepath.Join(dataDir, CredentialsFileName), p.Name)
			}
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("clientconfig: no account named %q in %s", account, filepath.Join(dataDir, ConfigFileName))
}

// ReadProfiles reads every profile back from the files WriteFiles put in
// dataDir, in file order; a profile without keys has them empty.
func ReadProfiles(dataDir string) ([]Profile, error) {
	configPath := filepath.Join(dataDir, ConfigFileName)
	credsPath := filepath.Join(dataDir, CredentialsFileName)
	config, err := readINI(configPath)
	if err != nil {
		return nil, err
	}
	creds, err := readINI(credsPath)
	if err != nil {
		return nil, err
	}
	var out []Profile
	for _, sec := range config {
		name, ok := strings.CutPrefix(sec.name, "profile ")
		if !ok {
			continue
		}
		p := Profile{Name: name, Account: sec.account, Region: sec.values["region"], EndpointURL: sec.values["endpoint_url"], CABundle: sec.values["ca_bundle"]}
		for _, c := range creds {
			if c.name == name {
				p.AccessKeyID, p.SecretAccessKey = c.values["aws_access_key_id"], c.values["aws_secret_access_key"]
			}
		}
		out = append(out, p)
	}
	return out, nil
}

type section struct {
	name    string
	account string // from the "# account ID" comment above it
	values  map[string]string
}

// readINI reads the small INI dialect WriteFiles writes: [section] headers,
// "key = value" lines, and "#" comments.
func readINI(path string) ([]section, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("clientconfig: %s does not exist; start doppel with this data directory first (--data)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("clientconfig: %w", err)
	}
	var out []section
	var account string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, accountComment):
			account = strings.TrimPrefix(line, accountComment)
		case strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			out = append(out, section{name: strings.TrimSpace(line[1 : len(line)-1]), account: account, values: map[string]string{}})
			account = ""
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || len(out) == 0 {
				return nil, fmt.Errorf("clientconfig: %s:%d: not a key = value line in a section", path, n)
			}
			out[len(out)-1].values[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out, sc.Err()
}
