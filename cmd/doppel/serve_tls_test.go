package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/internal/clientconfig"
)

// TestServeHTTPS: the first start makes a CA in the data directory; the
// port answers HTTPS for clients that trust only ca.pem; the profiles and
// `doppel env` carry it; a second start loads the CA and certificate
// instead of making new ones, and is quick.
func TestServeHTTPS(t *testing.T) {
	bin := buildDoppel(t)
	data := filepath.Join(t.TempDir(), "state")
	addr := freeAddr(t)
	cmd, _, _ := startServeReady(t, bin, "--addr", addr, "--data", data, "--hostname", "doppel.test")
	caPath := filepath.Join(data, "ca.pem")
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, u := range []string{"https://" + addr + "/_doppel/health", "http://" + addr + "/_doppel/health"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		resp.Body.Close()
	}
	config, _ := os.ReadFile(filepath.Join(data, clientconfig.ConfigFileName))
	if !strings.Contains(string(config), "ca_bundle = "+caPath+"\n") || !strings.Contains(string(config), "endpoint_url = http://"+addr+"\n") {
		t.Errorf("aws-config:\n%s", config)
	}
	env, err := exec.Command(bin, "env", "--data", data, "account-a").Output()
	if err != nil || !strings.Contains(string(env), "export AWS_CA_BUNDLE="+caPath+"\n") {
		t.Errorf("doppel env: %v\n%s", err, env)
	}
	p, err := clientconfig.ReadProfile(data, "account-a")
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("https://localhost:" + strings.Split(addr, ":")[1]),
		Credentials: credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.SecretAccessKey, ""),
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		})}
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity over HTTPS to localhost: %v", err)
	}
	stopServe(t, cmd)
	serverPEM, _ := os.ReadFile(filepath.Join(data, "server.pem"))

	cmd, _, ready := startServeReady(t, bin, "--addr", addr, "--data", data, "--hostname", "doppel.test")
	defer stopServe(t, cmd)
	again, _ := os.ReadFile(caPath)
	serverAgain, _ := os.ReadFile(filepath.Join(data, "server.pem"))
	if !bytes.Equal(again, caPEM) || !bytes.Equal(serverAgain, serverPEM) {
		t.Error("a second start made a new CA or server certificate")
	}
	// Reported, not asserted: two shared cores make timing flaky.
	if m := regexp.MustCompile(`ready in (\S+)\)`).FindStringSubmatch(ready); m != nil {
		d, _ := time.ParseDuration(m[1])
		t.Logf("start-up with the CA already made: %s (goal: under 15ms)", d)
	}
}
