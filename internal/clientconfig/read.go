package clientconfig

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadProfile reads the profile of one account (by name or ID) back from the
// files WriteFiles wrote into dir. `doppel env` uses it, because the state
// database is locked while the server runs, and these files are what the
// server wrote for the address it actually listens on.
func ReadProfile(dir, account string) (Profile, error) {
	cfg, err := os.ReadFile(filepath.Join(dir, ConfigFileName))
	if err != nil {
		return Profile{}, fmt.Errorf("clientconfig: %w (has `doppel serve --data %s` been started?)", err, dir)
	}
	creds, err := os.ReadFile(filepath.Join(dir, CredentialsFileName))
	if err != nil {
		return Profile{}, fmt.Errorf("clientconfig: %w", err)
	}
	profiles := map[string]*Profile{}
	var order []string
	sections(cfg, func(section, comment, key, value string) {
		name, ok := strings.CutPrefix(section, "profile ")
		if !ok {
			return
		}
		p := profiles[name]
		if p == nil {
			p = &Profile{Name: name}
			profiles[name] = p
			order = append(order, name)
		}
		if id, ok := strings.CutPrefix(comment, "account "); ok {
			p.Account = id
		}
		switch key {
		case "region":
			p.Region = value
		case "endpoint_url":
			p.EndpointURL = value
		}
	})
	sections(creds, func(section, _, key, value string) {
		p := profiles[section]
		if p == nil {
			return
		}
		switch key {
		case "aws_access_key_id":
			p.AccessKeyID = value
		case "aws_secret_access_key":
			p.SecretAccessKey = value
		}
	})
	for _, name := range order {
		if p := profiles[name]; name == account || p.Account == account {
			if p.AccessKeyID == "" || p.SecretAccessKey == "" {
				return Profile{}, fmt.Errorf("clientconfig: account %q has no root access key in %s", account, dir)
			}
			return *p, nil
		}
	}
	return Profile{}, fmt.Errorf("clientconfig: no account %q in %s (accounts: %s)", account, dir, strings.Join(order, ", "))
}

// sections calls fn for each key = value line of an INI file with its
// section and the last comment seen before that section's header.
func sections(data []byte, fn func(section, comment, key, value string)) {
	var section, comment, pending string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
			pending = strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section, comment, pending = strings.TrimSpace(line[1:len(line)-1]), pending, ""
			fn(section, comment, "", "")
		default:
			k, v, ok := strings.Cut(line, "=")
			if ok {
				fn(section, comment, strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
	}
}
