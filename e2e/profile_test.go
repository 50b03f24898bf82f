package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// profileFiles writes an AWS config and credentials file as doppel renders
// them (internal/clientconfig: region and endpoint_url in the config file,
// keys in the credentials file) with the accounts' root profiles and extra
// ones; it returns the directory, whose files are named config and
// credentials, as the AWS CLI expects under ~/.aws.
func (w *world) profileFiles(extra ...clientconfig.Profile) string {
	w.t.Helper()
	var ps []clientconfig.Profile
	for _, a := range w.srv.Accounts {
		ps = append(ps, clientconfig.Profile{Name: a.Name, Account: a.ID, AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey,
			Region: clientconfig.DefaultRegion, EndpointURL: w.srv.URL})
	}
	ps = append(ps, extra...)
	dir := w.t.TempDir()
	cfg, creds, err := clientconfig.WriteFiles(dir, ps)
	if err != nil {
		w.t.Fatal(err)
	}
	for from, to := range map[string]string{cfg: "config", creds: "credentials"} {
		if err := os.Rename(from, filepath.Join(dir, to)); err != nil {
			w.t.Fatal(err)
		}
	}
	return dir
}

// TestSeedWithProfile: the seed's advice, credentials outside the
// configuration. Terraform finds alice's keys and doppel's endpoint in the
// profile AWS_PROFILE names, in files like the ones doppel writes; no AWS_*
// key or endpoint variable is set.
func TestSeedWithProfile(t *testing.T) {
	t.Parallel()
	w, alice := seedWorld(t)
	dir := w.profileFiles(clientconfig.Profile{Name: "alice", Account: w.a.ID, AccessKeyID: alice.id, SecretAccessKey: alice.secret,
		Region: clientconfig.DefaultRegion, EndpointURL: w.srv.URL})
	tf := newWorkdir(t, seedExample,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_PROFILE=alice")
	tf.writeFile("case.auto.tfvars.json", `{"bucket": "from-a-profile"}`)
	tf.must("apply", "-auto-approve", "-input=false")
	if got := w.bucketsOf(w.b.Name); !slices.Contains(got, "from-a-profile") {
		t.Errorf("account B's buckets = %v, want from-a-profile", got)
	}
}
