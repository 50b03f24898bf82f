package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/go-jose/go-jose/v4"

	"github.com/doppel-aws/doppel/doppeltest"
)

// mintToken asks GET /_doppel/oidc/ISSUER/token, signed as account's root
// (or unsigned when account is ""), and returns the status and the token or
// the error body.
func mintToken(t testing.TB, srv *doppeltest.Server, account, issuer string, q url.Values) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/oidc/"+issuer+"/token?"+q.Encode(), nil)
	if account != "" {
		a := srv.Account(account)
		sum := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
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
	var out struct{ Value string }
	if err := json.Unmarshal(b, &out); err != nil || out.Value == "" {
		t.Fatalf("mint answer %s", b)
	}
	return 200, out.Value
}

func mustMint(t *testing.T, srv *doppeltest.Server, issuer string, kv ...string) string {
	t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	status, tok := mintToken(t, srv, "account-a", issuer, q)
	if status != 200 {
		t.Fatalf("mint %s %v: %d %s", issuer, q, status, tok)
	}
	return tok
}

func trustFederated(provider string, actions []string, cond map[string]map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Federated": provider},
			"Action": actions, "Condition": cond,
		}},
	})
	return string(b)
}

// webIdentityWorld: in account B, IAM OIDC providers for GitHub Actions and
// HCP Terraform (no thumbprints), and roles trusting them as their docs say.
func webIdentityWorld(t testing.TB) *doppeltest.Server {
	t.Helper()
	srv := doppeltest.NewServer(t)
	ctx := context.Background()
	c := iam.NewFromConfig(srv.AWSConfig("account-b"))
	const b = "222222222222"
	gh := "arn:aws:iam::" + b + ":oidc-provider/token.actions.githubusercontent.com"
	tf := "arn:aws:iam::" + b + ":oidc-provider/app.terraform.io"
	for url, aud := range map[string]string{"https://token.actions.githubusercontent.com": "sts.amazonaws.com", "https://app.terraform.io": "aws.workload.identity"} {
		if _, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(url), ClientIDList: []string{aud}}); err != nil {
			t.Fatal(err)
		}
	}
	web := []string{"sts:AssumeRoleWithWebIdentity"}
	roles := map[string]string{
		"gh-main": trustFederated(gh, web, map[string]map[string]any{
			"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
			"StringLike":   {"token.actions.githubusercontent.com:sub": "repo:octo-org/app:ref:refs/heads/main"},
		}),
		// GitHub's further claim keys.
		"gh-prod": trustFederated(gh, []string{"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}, map[string]map[string]any{
			"StringEquals": {
				"token.actions.githubusercontent.com:aud":         "sts.amazonaws.com",
				"token.actions.githubusercontent.com:repository":  "octo-org/app",
				"token.actions.githubusercontent.com:environment": "prod",
			},
		}),
		"tf-apply": trustFederated(tf, web, map[string]map[string]any{
			"StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
			"StringLike":   {"app.terraform.io:sub": "organization:acme:project:*:workspace:prod:run_phase:apply"},
		}),
	}
	for name, trust := range roles {
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
			t.Fatal(name, err)
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonS3FullAccess")}); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

// anonymousSTS is an STS client with no credentials at all, as a CI job has.
func anonymousSTS(srv *doppeltest.Server) *sts.Client {
	cfg := srv.AWSConfig("account-a")
	cfg.Credentials = aws.AnonymousCredentials{}
	return sts.NewFromConfig(cfg)
}

func assumeWeb(srv *doppeltest.Server, role, token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return anonymousSTS(srv).AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::222222222222:role/" + role), RoleSessionName: aws.String("ci"),
		WebIdentityToken: aws.String(token),
	})
}

func TestWebIdentityCreatesBucket(t *testing.T) {
	srv := webIdentityWorld(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, role, issuer, sub, bucket, wantAud, wantProvider string
	}{
		{"GitHub Actions", "gh-main", "github", "repo:octo-org/app:ref:refs/heads/main", "from-github", "sts.amazonaws.com", "https://token.actions.githubusercontent.com"},
		{"GitHub environment", "gh-prod", "github", "repo:octo-org/app:environment:prod", "from-github-prod", "sts.amazonaws.com", "https://token.actions.githubusercontent.com"},
		{"HCP Terraform apply", "tf-apply", "terraform", "organization:acme:project:infra:workspace:prod:run_phase:apply", "from-terraform", "aws.workload.identity", "https://app.terraform.io"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustMint(t, srv, tc.issuer, "sub", tc.sub)
			out, err := assumeWeb(srv, tc.role, tok)
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(out.SubjectFromWebIdentityToken) != tc.sub || aws.ToString(out.Audience) != tc.wantAud || aws.ToString(out.Provider) != tc.wantProvider {
				t.Errorf("subject %q audience %q provider %q", aws.ToString(out.SubjectFromWebIdentityToken), aws.ToString(out.Audience), aws.ToString(out.Provider))
			}
			if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::222222222222:assumed-role/"+tc.role+"/ci" {
				t.Errorf("AssumedRoleUser %s", got)
			}
			cr := out.Credentials
			cfg := srv.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
			who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil || aws.ToString(who.Account) != "222222222222" {
				t.Fatalf("GetCallerIdentity %v %v", who, err)
			}
			if _, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(tc.bucket)}); err != nil {
				t.Fatal(err)
			}
			// The bucket is account B's.
			if _, err := s3.NewFromConfig(srv.AWSConfig("account-b"), func(o *s3.Options) { o.UsePathStyle = true }).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(tc.bucket)}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func wantWebError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || (msg != "" && !strings.Contains(ae.ErrorMessage(), msg)) {
		t.Fatalf("%s: %s; want %s (%s)", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

// forge signs claims with a key of the test's own, under kid.
func forge(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func claimsOf(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, dst) != nil {
			t.Fatalf("token part %d", i)
		}
	}
	return header, claims
}

func TestWebIdentityRefusals(t *testing.T) {
	srv := webIdentityWorld(t)
	ghMain := mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/main")
	ghHeader, ghClaims := claimsOf(t, ghMain)
	parts := strings.Split(ghMain, ".")
	tampered := func() string {
		c := map[string]any{}
		for k, v := range ghClaims {
			c[k] = v
		}
		c["sub"] = "repo:evil/app:ref:refs/heads/main"
		b, _ := json.Marshal(c)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}()
	unsignedNone := func() string {
		h, _ := json.Marshal(map[string]any{"alg": "none", "kid": ghHeader["kid"]})
		return base64.RawURLEncoding.EncodeToString(h) + "." + parts[1] + "."
	}()
	otherKey := forge(t, ghHeader["kid"].(string), ghClaims)
	now := time.Now().Unix()
	google := forge(t, "k", map[string]any{"iss": "https://accounts.google.com", "aud": "x", "sub": "1", "exp": now + 60})

	// A provider for an issuer doppel does not run.
	ctx := context.Background()
	if _, err := iam.NewFromConfig(srv.AWSConfig("account-b")).CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://accounts.google.com"), ClientIDList: []string{"x"}}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, role, token, code, msg string
	}{
		{"wrong branch", "gh-main", mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/feature"), "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"wrong repository", "gh-main", mustMint(t, srv, "github", "sub", "repo:other-org/app:ref:refs/heads/main"), "AccessDenied", ""},
		{"wrong environment", "gh-prod", mustMint(t, srv, "github", "sub", "repo:octo-org/app:environment:staging"), "AccessDenied", ""},
		{"wrong audience", "gh-main", mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/main", "aud", "sigstore"), "InvalidIdentityToken", "Incorrect token audience"},
		{"expired", "gh-main", mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/main", "claim", fmt.Sprintf("exp=%d", now-60)), "ExpiredTokenException", "Token expired"},
		{"not yet valid", "gh-main", mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/main", "claim", fmt.Sprintf("nbf=%d", now+3600)), "InvalidIdentityToken", ""},
		{"tampered payload", "gh-main", tampered, "InvalidIdentityToken", "could not be validated"},
		{"signed by another key", "gh-main", otherKey, "InvalidIdentityToken", "could not be validated"},
		{"alg none", "gh-main", unsignedNone, "InvalidIdentityToken", ""},
		{"garbage", "gh-main", "not.a.jwt", "InvalidIdentityToken", ""},
		{"HCP Terraform plan phase on an apply role", "tf-apply", mustMint(t, srv, "terraform", "sub", "organization:acme:project:infra:workspace:prod:run_phase:plan"), "AccessDenied", ""},
		// A valid token of issuer X (for its own provider's audience) on a
		// role that trusts provider Y: the trust policy's Federated principal
		// refuses it, even with a subject Y's conditions would accept.
		{"HCP Terraform token on a GitHub role", "gh-main", mustMint(t, srv, "terraform", "sub", "organization:acme:project:infra:workspace:prod:run_phase:apply", "claim", "sub=repo:octo-org/app:ref:refs/heads/main"), "AccessDenied", ""},
		{"GitHub token on the Terraform role", "tf-apply", mustMint(t, srv, "github", "claim", "sub=organization:acme:project:infra:workspace:prod:run_phase:apply"), "AccessDenied", ""},
		// The audience is checked against the token's own issuer's provider.
		{"HCP Terraform token with GitHub's audience", "gh-main", mustMint(t, srv, "terraform", "aud", "sts.amazonaws.com", "claim", "sub=repo:octo-org/app:ref:refs/heads/main"), "InvalidIdentityToken", "Incorrect token audience"},
		{"local issuer without an IAM provider", "gh-main", mustMint(t, srv, "ci-local"), "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://oidc.doppel.local/ci-local"},
		{"issuer doppel does not run", "gh-main", google, "IDPCommunicationError", ""},
		{"role that does not exist", "nobody", ghMain, "AccessDenied", ""},
		{"session tags the trust policy does not allow", "gh-main", mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/main", "claim", `https://aws.amazon.com/tags={"principal_tags":{"team":["ops"]}}`), "AccessDenied", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assumeWeb(srv, tc.role, tc.token)
			wantWebError(t, err, tc.code, tc.msg)
		})
	}

	// Session tags where the trust policy allows sts:TagSession.
	tagged := mustMint(t, srv, "github", "sub", "repo:octo-org/app:environment:prod", "claim", `https://aws.amazon.com/tags={"principal_tags":{"team":["ops"]},"transitive_tag_keys":["team"]}`)
	if _, err := assumeWeb(srv, "gh-prod", tagged); err != nil {
		t.Fatalf("tagged session: %v", err)
	}
}

func TestWebIdentityUnsignedOnly(t *testing.T) {
	srv := doppeltest.NewServer(t)
	// Other unsigned query calls stay refused.
	for _, action := range []string{"GetCallerIdentity", "AssumeRole", "CreateUser"} {
		resp, err := http.Post(srv.URL+"/", "application/x-www-form-urlencoded", strings.NewReader("Action="+action+"&Version=2011-06-15"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !strings.Contains(string(b), "MissingAuthenticationToken") {
			t.Errorf("unsigned %s: %d %s", action, resp.StatusCode, b)
		}
	}
	// Minting needs doppel's credentials: a root's signature.
	if status, body := mintToken(t, srv, "", "github", nil); status != 403 {
		t.Errorf("unsigned mint: %d %s", status, body)
	}
	ctx := context.Background()
	c := iam.NewFromConfig(srv.AWSConfig("account-a"))
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/oidc/github/token", nil)
	sum := sha256.Sum256(nil)
	_ = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("an IAM user minting: %d", resp.StatusCode)
	}
	for _, q := range []url.Values{{"ttl": {"-1h"}}, {"ttl": {"100h"}}, {"sub": {"not-a-github-subject"}}, {"claim": {"iss=https://evil"}}, {"claim": {"novalue"}}} {
		if status, body := mintToken(t, srv, "account-a", "github", q); status != 400 {
			t.Errorf("mint %v: %d %s", q, status, body)
		}
	}
	if status, _ := mintToken(t, srv, "account-a", "Not_A_Name", nil); status != 404 {
		t.Errorf("bad issuer name: %d", status)
	}
}

// The discovery document and JWKS are public, and the JWKS verifies the
// issuer's tokens.
func TestOIDCDiscoveryAndJWKS(t *testing.T) {
	srv := doppeltest.NewServer(t)
	get := func(path string) (int, []byte) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// No key before the first token: a public GET never makes one.
	if status, _ := get("/_doppel/oidc/github/.well-known/jwks"); status != 404 {
		t.Fatalf("JWKS before any token: %d", status)
	}
	tok := mustMint(t, srv, "github")
	status, b := get("/_doppel/oidc/github/.well-known/openid-configuration")
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if status != 200 || json.Unmarshal(b, &disc) != nil || disc.Issuer != "https://token.actions.githubusercontent.com" || !strings.HasPrefix(disc.JWKSURI, srv.URL) {
		t.Fatalf("discovery %d %s", status, b)
	}
	status, b = get(strings.TrimPrefix(disc.JWKSURI, srv.URL))
	var set jose.JSONWebKeySet
	if status != 200 || json.Unmarshal(b, &set) != nil || len(set.Keys) != 1 || !set.Keys[0].IsPublic() {
		t.Fatalf("jwks %d %s", status, b)
	}
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(set.Key(jws.Signatures[0].Header.KeyID)[0]); err != nil {
		t.Fatalf("JWKS does not verify the token: %v", err)
	}
}

// BenchmarkAssumeRoleWithWebIdentity is the exchange end to end on a warm
// server, as a CI job sees it: the SDK sends the unsigned call, doppel
// parses the token, finds the IAM OIDC provider, verifies the RS256
// signature, evaluates the trust policy, issues and seals the session; the
// SDK parses the answer.
func BenchmarkAssumeRoleWithWebIdentity(b *testing.B) {
	srv := webIdentityWorld(b)
	q := url.Values{"sub": {"repo:octo-org/app:ref:refs/heads/main"}, "ttl": {"1h"}}
	status, tok := mintToken(b, srv, "account-a", "github", q)
	if status != 200 {
		b.Fatal(tok)
	}
	c := anonymousSTS(srv)
	in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/gh-main"), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(tok)}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.AssumeRoleWithWebIdentity(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// Session policies and DurationSeconds apply to web identity sessions as to
// AssumeRole's.
func TestWebIdentitySessionLimits(t *testing.T) {
	srv := webIdentityWorld(t)
	ctx := context.Background()
	tok := mustMint(t, srv, "github", "sub", "repo:octo-org/app:ref:refs/heads/main")
	c := anonymousSTS(srv)
	in := func(mod func(*sts.AssumeRoleWithWebIdentityInput)) *sts.AssumeRoleWithWebIdentityInput {
		i := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/gh-main"), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String(tok)}
		mod(i)
		return i
	}
	_, err := c.AssumeRoleWithWebIdentity(ctx, in(func(i *sts.AssumeRoleWithWebIdentityInput) { i.DurationSeconds = aws.Int32(7200) }))
	wantWebError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

	out, err := c.AssumeRoleWithWebIdentity(ctx, in(func(i *sts.AssumeRoleWithWebIdentityInput) { i.DurationSeconds = aws.Int32(900) }))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(aws.ToTime(out.Credentials.Expiration)); d > 15*time.Minute || d < 14*time.Minute {
		t.Errorf("a 900 s session expires in %s", d)
	}

	for name, mod := range map[string]func(*sts.AssumeRoleWithWebIdentityInput){
		"inline session policy": func(i *sts.AssumeRoleWithWebIdentityInput) {
			i.Policy = aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
		},
		"managed session policy": func(i *sts.AssumeRoleWithWebIdentityInput) {
			i.PolicyArns = []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := c.AssumeRoleWithWebIdentity(ctx, in(mod))
			if err != nil {
				t.Fatal(err)
			}
			if out.PackedPolicySize == nil {
				t.Error("no PackedPolicySize")
			}
			cr := out.Credentials
			s3c := s3.NewFromConfig(srv.ConfigFor(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)), func(o *s3.Options) { o.UsePathStyle = true })
			if _, err := s3c.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
				t.Fatalf("ListBuckets: %v", err)
			}
			_, err = s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("limited-by-session-policy")})
			wantWebError(t, err, "AccessDenied", "")
		})
	}

	_, err = c.AssumeRoleWithWebIdentity(ctx, in(func(i *sts.AssumeRoleWithWebIdentityInput) { i.Policy = aws.String(`{"Statement":`) }))
	wantWebError(t, err, "MalformedPolicyDocument", "")
}

// A CI job holds what GitHub gives one, a request URL and a bearer token,
// and gets ID tokens as actions/core's getIDToken does: GET URL&audience=AUD
// with the bearer. The grant fixes the subject; it is no ID token itself.
func TestOIDCRequestTokenLikeGitHub(t *testing.T) {
	srv := webIdentityWorld(t)
	q := url.Values{"sub": {"repo:octo-org/app:ref:refs/heads/main"}, "life": {"10m"}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/_doppel/oidc/github/request-token?"+q.Encode(), nil)
	a := srv.Account("account-a")
	sum := sha256.Sum256(nil)
	_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey}, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var grant struct{ Value, URL string }
	if resp.StatusCode != 200 || json.Unmarshal(b, &grant) != nil || !strings.Contains(grant.URL, "?") {
		t.Fatalf("request-token: %d %s", resp.StatusCode, b)
	}
	getIDToken := func(url, bearer, audience string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url+"&audience="+audience, nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out struct{ Value string }
		_ = json.Unmarshal(b, &out)
		return resp.StatusCode, out.Value
	}
	// The bearer cannot change the subject.
	status, tok := getIDToken(grant.URL+"&sub=repo:evil/app:ref:refs/heads/main", grant.Value, "sts.amazonaws.com")
	if status != 200 {
		t.Fatalf("getIDToken: %d", status)
	}
	if _, claims := claimsOf(t, tok); claims["sub"] != "repo:octo-org/app:ref:refs/heads/main" || claims["aud"] != "sts.amazonaws.com" {
		t.Fatalf("claims %v", claims)
	}
	if _, err := assumeWeb(srv, "gh-main", tok); err != nil {
		t.Fatal(err)
	}
	_, err = assumeWeb(srv, "gh-main", grant.Value)
	wantWebError(t, err, "InvalidIdentityToken", "")
	if status, _ := getIDToken(grant.URL, "not-a-grant", "sts.amazonaws.com"); status != 401 {
		t.Errorf("garbage bearer: %d", status)
	}
	if status, _ := getIDToken(strings.Replace(grant.URL, "/github/", "/terraform/", 1), grant.Value, "x"); status != 401 {
		t.Errorf("GitHub grant at the Terraform issuer: %d", status)
	}
	if status, _ := getIDToken(grant.URL, tok, "x"); status != 401 {
		t.Errorf("an ID token as the bearer: %d", status)
	}
}
