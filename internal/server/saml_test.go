package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/doppel-aws/doppel/doppeltest"
)

const (
	samlProviderARN = "arn:aws:iam::222222222222:saml-provider/doppel"
	samlRoleARN     = "arn:aws:iam::222222222222:role/saml-admin"
)

type samlClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *samlClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *samlClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// samlResponse asks doppel's IdP for a response, as account A's root.
func samlResponse(t *testing.T, srv *doppeltest.Server, at time.Time, q url.Values) (int, string) {
	t.Helper()
	a := srv.Account("account-a")
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/saml/response?"+q.Encode(), nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode, string(b)
	}
	var out struct{ SAMLResponse string }
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return 200, out.SAMLResponse
}

func TestAssumeRoleWithSAML(t *testing.T) {
	clock := &samlClock{}
	srv := doppeltest.NewServer(t, doppeltest.WithClock(clock.now))
	ctx := context.Background()
	resp, err := http.Get(srv.URL + "/_doppel/saml/metadata")
	if err != nil {
		t.Fatal(err)
	}
	metadata, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	c := iam.NewFromConfig(srv.AWSConfig("account-b"))
	if _, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("doppel"), SAMLMetadataDocument: aws.String(string(metadata))}); err != nil {
		t.Fatalf("CreateSAMLProvider: %v\n%s", err, metadata)
	}
	// The trust policy AWS's console writes for SAML 2.0 federation.
	for role, provider := range map[string]string{"saml-admin": samlProviderARN, "other-idp": "arn:aws:iam::222222222222:saml-provider/other"} {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}`
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
			t.Fatal(err)
		}
	}
	mint := func(kv ...string) string {
		t.Helper()
		q := url.Values{"role": {samlRoleARN + "," + samlProviderARN}, "subject": {"alice@example.com"}, "session": {"alice"}}
		for i := 0; i+1 < len(kv); i += 2 {
			q[kv[i]] = []string{kv[i+1]}
		}
		status, out := samlResponse(t, srv, clock.now(), q)
		if status != 200 {
			t.Fatalf("response %v: %d %s", q, status, out)
		}
		return out
	}
	assume := func(role, assertion string) (*sts.AssumeRoleWithSAMLOutput, error) {
		cfg := srv.AWSConfig("account-a")
		cfg.Credentials = aws.AnonymousCredentials{}
		return sts.NewFromConfig(cfg).AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{
			RoleArn: aws.String("arn:aws:iam::222222222222:role/" + role), PrincipalArn: aws.String(samlProviderARN), SAMLAssertion: aws.String(assertion),
		})
	}

	out, err := assume("saml-admin", mint("attr", "https://aws.amazon.com/SAML/Attributes/PrincipalTag:team=ops"))
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Subject) != "alice@example.com" || aws.ToString(out.SubjectType) != "persistent" || aws.ToString(out.Issuer) != "https://saml.doppel.local/idp" ||
		aws.ToString(out.Audience) != "https://signin.aws.amazon.com/saml" || aws.ToString(out.NameQualifier) == "" ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::222222222222:assumed-role/saml-admin/alice" {
		t.Errorf("answer %+v %+v", out, out.AssumedRoleUser)
	}
	cr := out.Credentials
	s3c := s3.NewFromConfig(srv.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("from-saml")}); err != nil {
		t.Fatal(err)
	}

	good := mint()
	raw, _ := base64.StdEncoding.DecodeString(good)
	tampered := base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(raw), ">alice@example.com<", ">mallory@example.com<", 1)))
	short := mint("ttl", "1m")
	for _, tc := range []struct {
		name, role, assertion, code, msg string
	}{
		{"bad signature", "saml-admin", tampered, "InvalidIdentityToken", "Response signature invalid"},
		{"another audience", "saml-admin", mint("audience", "https://app.example.com/saml"), "InvalidIdentityToken", ""},
		{"another recipient", "saml-admin", mint("recipient", "https://evil.example.com/saml"), "InvalidIdentityToken", ""},
		{"role not in the assertion", "other-idp", good, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"no session name", "saml-admin", mint("session", "x"), "InvalidIdentityToken", "RoleSessionName in AuthnResponse"},
		{"garbage", "saml-admin", "bm90IHhtbA==", "InvalidIdentityToken", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assume(tc.role, tc.assertion)
			wantWebError(t, err, tc.code, tc.msg)
		})
	}
	// A role whose trust names another provider, with this provider's
	// assertion listing it: the trust policy refuses.
	otherPair := mint("role", "arn:aws:iam::222222222222:role/other-idp,"+samlProviderARN)
	_, err = assume("other-idp", otherPair)
	wantWebError(t, err, "AccessDenied", "")

	clock.add(2 * time.Minute)
	_, err = assume("saml-admin", short)
	wantWebError(t, err, "ExpiredTokenException", "")
}
