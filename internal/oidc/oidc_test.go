package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func newIssuers(t *testing.T) (*Issuers, store.Store) {
	t.Helper()
	st := store.NewMemory()
	return New(st, func() time.Time { return t0 }), st
}

func mint(t *testing.T, s *Issuers, name string, r MintRequest) string {
	t.Helper()
	is, ok := Named(name)
	if !ok {
		t.Fatalf("no issuer %s", name)
	}
	tok, err := s.Mint(context.Background(), is, r)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestMintVerifyRoundTrip(t *testing.T) {
	s, st := newIssuers(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, sub, alg string
		want           map[string]string
	}{
		{"github", "repo:octo-org/app:ref:refs/heads/release", "RS256", map[string]string{
			"aud": "sts.amazonaws.com", "repository": "octo-org/app", "repository_owner": "octo-org",
			"ref": "refs/heads/release", "ref_type": "branch", "iss": GitHubURL,
		}},
		{"github", "repo:octo-org/app:environment:prod", "RS256", map[string]string{"environment": "prod", "ref": "refs/heads/main"}},
		{"github", "repo:octo@12/app@34:ref:refs/tags/v1", "RS256", map[string]string{"repository": "octo/app", "repository_owner_id": "12", "repository_id": "34", "ref_type": "tag"}},
		{"terraform", "organization:acme:project:infra:workspace:prod:run_phase:plan", "RS256", map[string]string{
			"aud": "aws.workload.identity", "terraform_run_phase": "plan", "terraform_workspace_name": "prod",
			"terraform_full_workspace": "organization:acme:project:infra:workspace:prod", "iss": TerraformURL,
		}},
		{"ci-local", "someone", "ES256", map[string]string{"sub": "someone", "iss": LocalURLPrefix + "ci-local"}},
	} {
		tok := mint(t, s, tc.name, MintRequest{Subject: tc.sub})
		p, err := Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		if alg := p.jws.Signatures[0].Header.Algorithm; alg != tc.alg {
			t.Errorf("%s: alg %s, want %s", tc.name, alg, tc.alg)
		}
		is, ok := ForURL(p.Issuer)
		if !ok || is.Name != tc.name {
			t.Fatalf("ForURL(%s) = %v, %v", p.Issuer, is, ok)
		}
		if err := s.Verify(ctx, is, p); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := CheckTimes(p.Claims, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			if p.Claims[k] != v {
				t.Errorf("%s: claim %s = %v, want %s", tc.name, k, p.Claims[k], v)
			}
		}
	}
	// The keys are kept: a new Issuers over the same store verifies.
	tok := mint(t, s, "github", MintRequest{})
	s2 := New(st, func() time.Time { return t0 })
	p, _ := Parse(tok)
	gh, _ := Named("github")
	if err := s2.Verify(ctx, gh, p); err != nil {
		t.Fatalf("after reload: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	s, _ := newIssuers(t)
	ctx := context.Background()
	gh, _ := Named("github")
	tf, _ := Named("terraform")
	good := mint(t, s, "github", MintRequest{})
	tfTok := mint(t, s, "terraform", MintRequest{})
	parts := strings.Split(good, ".")

	// The same claims, signed by another issuer's key: Terraform's key,
	// with GitHub's iss, and the reverse.
	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(payload, &claims)
	delete(claims, "iss")
	withIss := func(c map[string]any, iss string) map[string]any {
		out := map[string]any{}
		for k, v := range c {
			out[k] = v
		}
		out["iss"] = iss
		return out
	}
	forged := func(iss string) string {
		tfParts := strings.Split(tfTok, ".")
		b, _ := json.Marshal(withIss(claims, iss))
		return tfParts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + tfParts[2]
	}

	tampered := func() string {
		c := withIss(claims, GitHubURL)
		c["sub"] = "repo:evil/repo:ref:refs/heads/main"
		b, _ := json.Marshal(c)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}()
	header := func(h map[string]any) string {
		b, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	var hdr map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	_ = json.Unmarshal(hb, &hdr)
	noneTok := header(map[string]any{"alg": "none", "kid": hdr["kid"]}) + "." + parts[1] + "."
	// HS256 "signed" with the issuer's public key as the HMAC secret.
	jwks, _, _ := s.JWKS(ctx, gh)
	hsHeader := header(map[string]any{"alg": "HS256", "kid": hdr["kid"]})
	mac := hmac.New(sha256.New, jwks)
	mac.Write([]byte(hsHeader + "." + parts[1]))
	hsTok := hsHeader + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	otherKid := func() string {
		h := map[string]any{}
		for k, v := range hdr {
			h[k] = v
		}
		h["kid"] = "not-the-key"
		return header(h) + "." + parts[1] + "." + parts[2]
	}()

	for _, tc := range []struct {
		name, tok string
		is        Issuer
		want      error
	}{
		{"tampered payload", tampered, gh, ErrSignature},
		{"github claims signed by terraform", forged(GitHubURL), gh, ErrUnknownKey},
		{"terraform token checked with github keys", tfTok, gh, ErrUnknownKey},
		{"alg none", noneTok, gh, ErrMalformed},
		{"HS256 with the public key", hsTok, gh, ErrMalformed},
		{"kid mismatch", otherKid, gh, ErrUnknownKey},
		{"not a JWT", "abc.def", gh, ErrMalformed},
		{"too long", strings.Repeat("a", MaxTokenLen+1), gh, ErrMalformed},
		{"JSON serialization", `{"payload":"e30","signatures":[]}`, gh, ErrMalformed},
	} {
		p, err := Parse(tc.tok)
		if err == nil {
			err = s.Verify(ctx, tc.is, p)
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A local issuer that never minted has no key.
	p, _ := Parse(forged(LocalURLPrefix + "nobody"))
	nobody, _ := ForURL(LocalURLPrefix + "nobody")
	if err := s.Verify(ctx, nobody, p); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unminted local issuer: %v", err)
	}
	_ = tf
}

func TestCheckTimes(t *testing.T) {
	n := func(v int64) json.Number { return json.Number(itoa(v)) }
	now := t0.Unix()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		ok     bool
		want   error
	}{
		{"valid", map[string]any{"exp": n(now + 60), "iat": n(now), "nbf": n(now)}, true, nil},
		{"no exp", map[string]any{"iat": n(now)}, false, ErrMalformed},
		{"expired", map[string]any{"exp": n(now)}, false, nil},
		{"exp as string", map[string]any{"exp": "123"}, false, ErrMalformed},
		{"nbf in the future", map[string]any{"exp": n(now + 3600), "nbf": n(now + 600)}, false, ErrNotYetValid},
		{"iat within skew", map[string]any{"exp": n(now + 3600), "iat": n(now + 60)}, true, nil},
		{"fractional exp", map[string]any{"exp": json.Number("1e300")}, false, ErrMalformed},
	} {
		err := CheckTimes(tc.claims, t0)
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var ee *ExpiredError
	if err := CheckTimes(map[string]any{"exp": n(now - 5)}, t0); !errors.As(err, &ee) || ee.Exp != now-5 {
		t.Errorf("expired: %v", err)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestNamesAndRequests(t *testing.T) {
	for _, bad := range []string{"", "UPPER", "-x", "x-", "a/b", strings.Repeat("a", 65), "../x"} {
		if _, ok := Named(bad); ok {
			t.Errorf("Named(%q) accepted", bad)
		}
	}
	if is, ok := ForURL("token.actions.githubusercontent.com"); !ok || is.Name != "github" {
		t.Errorf("ForURL without scheme: %v %v", is, ok)
	}
	if _, ok := ForURL(LocalURLPrefix + "github"); ok {
		t.Error("ForURL took a local URL for a built-in issuer")
	}
	if _, ok := ForURL("https://accounts.google.com"); ok {
		t.Error("ForURL accepted an issuer doppel does not run")
	}
	s, _ := newIssuers(t)
	gh, _ := Named("github")
	tf, _ := Named("terraform")
	ctx := context.Background()
	var re *RequestError
	for _, tc := range []struct {
		is Issuer
		r  MintRequest
	}{
		{gh, MintRequest{Subject: "octo-org/repo"}},
		{tf, MintRequest{Subject: "organization:acme:workspace:prod"}},
		{tf, MintRequest{Subject: "organization:acme:project:p:workspace:w:run_phase:destroy"}},
		{gh, MintRequest{TTL: 48 * time.Hour}},
		{gh, MintRequest{Claims: map[string]any{"iss": "https://evil"}}},
	} {
		if _, err := s.Mint(ctx, tc.is, tc.r); !errors.As(err, &re) {
			t.Errorf("Mint(%+v): %v, want a RequestError", tc.r, err)
		}
	}
	if _, _, err := ParseClaim("novalue"); err == nil {
		t.Error("ParseClaim accepted a claim without =")
	}
	if k, v, err := ParseClaim("exp=12"); err != nil || k != "exp" || v != int64(12) {
		t.Errorf("ParseClaim exp: %v %v %v", k, v, err)
	}
	if _, v, _ := ParseClaim(`https://aws.amazon.com/tags={"principal_tags":{"a":["b"]}}`); v == nil {
		t.Error("ParseClaim JSON")
	}
}

func TestGrant(t *testing.T) {
	now := t0
	s := New(store.NewMemory(), func() time.Time { return now })
	ctx := context.Background()
	gh, _ := Named("github")
	tf, _ := Named("terraform")
	g, err := s.Grant(ctx, gh, MintRequest{Subject: "repo:o/r:ref:refs/heads/main", Claims: map[string]any{"environment": "prod"}, TTL: 2 * time.Minute}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Redeem(ctx, gh, g, "sts.amazonaws.com")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := Parse(tok)
	if err := s.Verify(ctx, gh, p); err != nil || p.Claims["environment"] != "prod" || p.Claims["sub"] != "repo:o/r:ref:refs/heads/main" {
		t.Fatalf("redeemed token %v %v", p.Claims, err)
	}
	if exp, _ := p.Claims["exp"].(json.Number).Int64(); exp != t0.Add(2*time.Minute).Unix() {
		t.Errorf("ID token lifetime: exp %d", exp)
	}
	// A grant is never an ID token, and an ID token never a grant.
	gp, _ := Parse(g)
	if err := s.Verify(ctx, gh, gp); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("grant verified as an ID token: %v", err)
	}
	if _, err := s.Redeem(ctx, gh, tok, "x"); !errors.Is(err, ErrGrant) {
		t.Errorf("ID token redeemed: %v", err)
	}
	if _, err := s.Redeem(ctx, tf, g, "x"); !errors.Is(err, ErrGrant) {
		t.Errorf("GitHub grant redeemed at Terraform: %v", err)
	}
	if _, err := s.Grant(ctx, gh, MintRequest{Subject: "bad"}, time.Hour); err == nil {
		t.Error("grant for a subject minting refuses")
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.Redeem(ctx, gh, g, "x"); !errors.Is(err, ErrGrant) {
		t.Errorf("expired grant: %v", err)
	}
}
