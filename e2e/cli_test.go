package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestCLIRoleProfile: the AWS CLI's role profile (role_arn, source_profile,
// external_id) reaches B, and S3 transfers made through it land in B's
// bucket: `aws s3 sync` of many files and `aws s3 cp` of a file large
// enough for the CLI to go multipart (its default threshold and part size
// are 8 MiB).
func TestCLIRoleProfile(t *testing.T) {
	t.Parallel()
	w, alice := seedWorld(t)
	home := w.profileFiles(clientconfig.Profile{Name: "alice", Account: w.a.ID, AccessKeyID: alice.id, SecretAccessKey: alice.secret,
		Region: clientconfig.DefaultRegion, EndpointURL: w.srv.URL})
	roleProfile := fmt.Sprintf("\n[profile b-admin]\nrole_arn = arn:aws:iam::%s:role/%s\nsource_profile = alice\nexternal_id = %s\nregion = us-east-1\nendpoint_url = %s\n",
		w.b.ID, seedRole, seedExternalID, w.srv.URL)
	appendFile(t, filepath.Join(home, "config"), roleProfile)
	cli := func(args ...string) string {
		t.Helper()
		return mustCLI(t, home, nil, append(args, "--profile", "b-admin")...)
	}

	var who struct{ Account, Arn string }
	if err := json.Unmarshal([]byte(cli("sts", "get-caller-identity", "--output", "json")), &who); err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + w.b.ID + ":assumed-role/" + seedRole + "/"; who.Account != w.b.ID || !strings.HasPrefix(who.Arn, want) {
		t.Fatalf("caller = %+v, want account %s and an ARN starting %s", who, w.b.ID, want)
	}

	// A wrong external ID in the profile: the CLI's AssumeRole is refused.
	bad := strings.Replace(roleProfile, "external_id = "+seedExternalID, "external_id = guess", 1)
	bad = strings.Replace(bad, "[profile b-admin]", "[profile b-guess]", 1)
	appendFile(t, filepath.Join(home, "config"), bad)
	r := awsCLI(t, home, nil, "sts", "get-caller-identity", "--profile", "b-guess")
	if want := "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + w.b.ID + ":role/" + seedRole; r.exit == 0 || !strings.Contains(r.stderr, "AccessDenied") || !strings.Contains(r.stderr, want) {
		t.Errorf("wrong external ID: exit %d, stderr %q; want AccessDenied and %q", r.exit, r.stderr, want)
	}

	const bucket = "cli-transfers"
	cli("s3", "mb", "s3://"+bucket)

	src := t.TempDir()
	const files = 40
	for i := range files {
		dir := filepath.Join(src, fmt.Sprintf("dir%d", i%4))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%02d.txt", i)), bytes.Repeat([]byte{byte('a' + i%26)}, 100*i+1), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 20<<20)
	rand.Read(big)
	bigPath := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(bigPath, big, 0o600); err != nil {
		t.Fatal(err)
	}
	cli("s3", "sync", src, "s3://"+bucket+"/many/")
	cli("s3", "cp", bigPath, "s3://"+bucket+"/big.bin")

	// What B's root sees: the objects, in B's bucket.
	ctx := context.Background()
	s3b := w.s3(w.b.Name)
	list, err := s3b.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("many/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != files {
		t.Errorf("B's bucket holds %d objects under many/, want %d", len(list.Contents), files)
	}
	head, err := s3b.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("big.bin")})
	if err != nil {
		t.Fatal(err)
	}
	// A multipart object's ETag ends in -PARTS: 20 MiB in 8 MiB parts is 3.
	if aws.ToInt64(head.ContentLength) != int64(len(big)) || !strings.HasSuffix(aws.ToString(head.ETag), `-3"`) {
		t.Errorf("big.bin: %d bytes, ETag %s; want %d bytes uploaded in 3 parts", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag), len(big))
	}

	// And back down through the role: the same bytes.
	back := t.TempDir()
	cli("s3", "cp", "s3://"+bucket+"/big.bin", filepath.Join(back, "big.bin"))
	cli("s3", "sync", "s3://"+bucket+"/many/", filepath.Join(back, "many"))
	if got, err := os.ReadFile(filepath.Join(back, "big.bin")); err != nil || !bytes.Equal(got, big) {
		t.Errorf("big.bin came back different (%d bytes, %v)", len(got), err)
	}
	for i := range files {
		rel := filepath.Join(fmt.Sprintf("dir%d", i%4), fmt.Sprintf("file%02d.txt", i))
		want, _ := os.ReadFile(filepath.Join(src, rel))
		if got, err := os.ReadFile(filepath.Join(back, "many", rel)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s came back different (%d bytes, %v)", rel, len(got), err)
		}
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
