package clientconfig

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/bootstrap"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/store"
)

const endpoint = "http://127.0.0.1:4566"

func TestShellQuote(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bare", "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
		{"url", "http://127.0.0.1:4566", "http://127.0.0.1:4566"},
		{"secret with / and +", "wJal/rX+Utn", "wJal/rX+Utn"},
		{"empty", "", "''"},
		{"space", "a b", "'a b'"},
		{"single quote", "it's", `'it'\''s'`},
		{"dollar and backtick", "$HOME`id`", "'$HOME`id`'"},
		{"newline", "a\nb", "'a\nb'"},
	}
	for _, tc := range tests {
		if got := ShellQuote(tc.in); got != tc.want {
			t.Errorf("%s: ShellQuote(%q) = %s, want %s", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestEnvLinesInShell evaluates the lines in a real shell, with values that
// would break naive quoting.
func TestEnvLinesInShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	p := Profile{Name: "a", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x'y $z `w` \"q\"/+", Region: "us-east-1", EndpointURL: "http://localhost:4566/?a=1&b=2", CABundle: "/home/a b/.doppel/ca.pem"}
	script := EnvLines(p) + `printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$AWS_ENDPOINT_URL" "$HTTP_PROXY" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_REGION" "$AWS_DEFAULT_REGION" "${AWS_SESSION_TOKEN-unset}" "$AWS_CA_BUNDLE"`
	cmd := exec.Command(sh, "-c", script)
	cmd.Env = []string{"AWS_SESSION_TOKEN=stale", "AWS_PROFILE=gone"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := strings.Join([]string{p.EndpointURL, p.EndpointURL, p.AccessKeyID, p.SecretAccessKey, "us-east-1", "us-east-1", "unset", p.CABundle}, "|") + "\n"
	if string(out) != want {
		t.Fatalf("shell saw %q, want %q", out, want)
	}
}

func bootstrapped(t *testing.T) store.Store {
	t.Helper()
	st := store.NewMemory()
	if _, err := bootstrap.Apply(context.Background(), st, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestProfiles(t *testing.T) {
	st := bootstrapped(t)
	ctx := context.Background()
	profiles, skipped, err := Profiles(ctx, st, endpoint)
	if err != nil || len(profiles) != 2 || len(skipped) != 0 {
		t.Fatalf("%+v %v %v", profiles, skipped, err)
	}
	for i, want := range []struct{ name, id string }{{"account-a", "111111111111"}, {"account-b", "222222222222"}} {
		p := profiles[i]
		if p.Name != want.name || p.Account != want.id || p.Region != "us-east-1" || p.EndpointURL != endpoint ||
			!identity.ValidAccessKeyID(p.AccessKeyID, "AKIA") || len(p.SecretAccessKey) != 40 {
			t.Errorf("profile %d: %+v", i, p)
		}
	}
	tests := []struct {
		name, account string
		want          string // the profile's name; "" for an error
	}{
		{"by name", "account-b", "account-b"},
		{"by ID", "111111111111", "account-a"},
		{"unknown name", "account-c", ""},
		{"unknown ID", "999999999999", ""},
	}
	for _, tc := range tests {
		p, err := ForAccount(ctx, st, tc.account, endpoint)
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "no account named") {
				t.Errorf("%s: got %+v, %v", tc.name, p, err)
			}
			continue
		}
		if err != nil || p.Name != tc.want {
			t.Errorf("%s: got %+v, %v", tc.name, p, err)
		}
	}

	// IAM deactivates account-a's root key: the account has no profile.
	err = st.Update(ctx, func(tx store.Tx) error {
		k, err := identity.GetAccessKey(tx, profiles[0].AccessKeyID)
		if err != nil {
			return err
		}
		k.Status = identity.KeyInactive
		return identity.PutAccessKey(tx, k)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ForAccount(ctx, st, "account-a", endpoint); !errors.Is(err, ErrNoRootKey) {
		t.Errorf("deactivated key: %v", err)
	}
	if profiles, skipped, _ := Profiles(ctx, st, endpoint); len(profiles) != 1 || len(skipped) != 1 || skipped[0] != "account-a" {
		t.Errorf("with a deactivated key: %+v, skipped %v", profiles, skipped)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	profiles := []Profile{{Name: "account-a", Account: "111111111111", AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Region: "us-east-1", EndpointURL: endpoint, CABundle: "/data/ca.pem"}}
	for range 2 { // the second write replaces the first
		configPath, credsPath, err := WriteFiles(dir, profiles)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct{ path, want string }{
			{configPath, "[profile account-a]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\nca_bundle = /data/ca.pem\n"},
			{credsPath, "[account-a]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"},
		}
		for _, tc := range tests {
			b, err := os.ReadFile(tc.path)
			if err != nil || !strings.Contains(string(b), tc.want) {
				t.Errorf("%s: %q, %v", tc.path, b, err)
			}
			if fi, _ := os.Stat(tc.path); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v", tc.path, fi.Mode().Perm())
			}
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left temporary files: %v", entries)
	}
}

// TestAWSCLIReadsFiles runs the real AWS CLI on the written files: `aws
// configure list` must show the profile's key, secret and region, and a
// request must go to endpoint_url signed with the profile's key.
func TestAWSCLIReadsFiles(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil || testing.Short() {
		t.Skip("needs the AWS CLI")
	}
	var mu sync.Mutex
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
			`<Arn>arn:aws:iam::222222222222:root</Arn><UserId>222222222222</UserId><Account>222222222222</Account>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	defer srv.Close()

	st := bootstrapped(t)
	profiles, _, err := Profiles(context.Background(), st, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	configPath, credsPath, err := WriteFiles(dir, profiles)
	if err != nil {
		t.Fatal(err)
	}
	b := profiles[1]
	run := func(args ...string) string {
		cmd := exec.Command(aws, args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_CONFIG_FILE=" + configPath, "AWS_SHARED_CREDENTIALS_FILE=" + credsPath}
		if v, ok := os.LookupEnv("PYENV_ROOT"); ok {
			cmd.Env = append(cmd.Env, "PYENV_ROOT="+v)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	list := run("configure", "list", "--profile", "account-b")
	for _, want := range []string{"account-b", b.AccessKeyID[len(b.AccessKeyID)-4:], b.SecretAccessKey[len(b.SecretAccessKey)-4:], "us-east-1", "shared-credentials-file", "config-file"} {
		if !strings.Contains(list, want) {
			t.Errorf("aws configure list lacks %q:\n%s", want, list)
		}
	}
	out := run("sts", "get-caller-identity", "--profile", "account-b", "--output", "text")
	if !strings.Contains(out, "222222222222") {
		t.Errorf("get-caller-identity printed %q", out)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(auth, "Credential="+b.AccessKeyID+"/") || !strings.Contains(auth, "/us-east-1/sts/aws4_request") {
		t.Errorf("the CLI did not reach endpoint_url signed as account-b: Authorization %q", auth)
	}
}

func TestReadProfile(t *testing.T) {
	st := bootstrapped(t)
	profiles, _, err := Profiles(context.Background(), st, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	profiles[1].CABundle = dir + "/ca.pem" // survives the round trip
	if _, err := ReadProfile(dir, "account-a"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("before the files exist: %v", err)
	}
	if _, _, err := WriteFiles(dir, profiles); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, account string
		want          *Profile
	}{
		{"by name", "account-a", &profiles[0]},
		{"by ID", "222222222222", &profiles[1]},
		{"unknown", "account-z", nil},
		{"a profile name without its prefix is not an account", "profile account-a", nil},
	}
	for _, tc := range tests {
		got, err := ReadProfile(dir, tc.account)
		if tc.want == nil {
			if err == nil || !strings.Contains(err.Error(), "no account named") {
				t.Errorf("%s: got %+v, %v", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != *tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, *tc.want)
		}
	}
	os.WriteFile(dir+"/"+CredentialsFileName, []byte("[account-a]\nnonsense\n"), 0o600)
	if _, err := ReadProfile(dir, "account-a"); err == nil || !strings.Contains(err.Error(), ":2: not a key = value") {
		t.Errorf("garbled credentials file: %v", err)
	}
}
