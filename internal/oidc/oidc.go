// Package oidc runs the OpenID Connect issuers doppel emulates, so web
// identity federation works without a network: GitHub Actions
// (https://token.actions.githubusercontent.com), HCP Terraform
// (https://app.terraform.io) and any number of named local issuers
// (https://oidc.doppel.local/NAME). Each issuer has one signing key, made the
// first time it is needed and kept in the store; the package mints tokens
// with the claims the real issuer sets, publishes the public keys (JWKS and
// discovery document), and verifies tokens against them.
//
// It knows nothing of IAM or STS: which issuer an IAM OIDC provider trusts,
// the audience and the trust policy are STS's business.
package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/doppel-aws/doppel/internal/store"
)

// Issuer URLs of the built-in emulations, as the real issuers put them in
// `iss` (GitHub: "About security hardening with OpenID Connect"; HashiCorp:
// "Dynamic provider credentials", workload identity tokens).
const (
	GitHubURL    = "https://token.actions.githubusercontent.com"
	TerraformURL = "https://app.terraform.io"
	// LocalURLPrefix starts the URL of a named local issuer. The name
	// oidc.doppel.local is doppel's own and resolves nowhere.
	LocalURLPrefix = "https://oidc.doppel.local/"
)

// Issuer is one issuer doppel runs.
type Issuer struct {
	Name string // "github", "terraform" or a local issuer's name
	URL  string // the `iss` of its tokens
	// Alg is its signing algorithm: RS256 for the built-ins, as the real
	// ones sign; ES256 for local issuers, so both kinds of key are in use.
	Alg jose.SignatureAlgorithm
}

var builtins = map[string]Issuer{
	"github":    {Name: "github", URL: GitHubURL, Alg: jose.RS256},
	"terraform": {Name: "terraform", URL: TerraformURL, Alg: jose.RS256},
}

// maxNameLen bounds a local issuer's name.
const maxNameLen = 64

// validName: lower-case letters, digits and hyphens, not at either end, so
// a name is one path segment of a URL and a store key without escaping.
func validName(name string) bool {
	if name == "" || len(name) > maxNameLen || name[0] == '-' || name[len(name)-1] == '-' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Named returns the issuer called name: a built-in, or a local issuer when
// the name is valid for one.
func Named(name string) (Issuer, bool) {
	if is, ok := builtins[name]; ok {
		return is, true
	}
	if !validName(name) {
		return Issuer{}, false
	}
	return Issuer{Name: name, URL: LocalURLPrefix + name, Alg: jose.ES256}, true
}

// ForURL returns the issuer doppel runs under the issuer URL u (the `iss` of
// a token, or an IAM OIDC provider's URL with or without https://), and false
// for issuers doppel does not run.
func ForURL(u string) (Issuer, bool) {
	if !strings.HasPrefix(u, "https://") {
		u = "https://" + u
	}
	u = strings.TrimSuffix(u, "/")
	for _, is := range builtins {
		if is.URL == u {
			return is, true
		}
	}
	if name, ok := strings.CutPrefix(u, LocalURLPrefix); ok && validName(name) {
		if _, builtin := builtins[name]; builtin {
			// https://oidc.doppel.local/github is nobody's URL: the
			// built-ins live under their real issuers' URLs only.
			return Issuer{}, false
		}
		return Named(name)
	}
	return Issuer{}, false
}

// table holds one record per issuer: its private key as a JWK.
const table = "oidc-issuers"

// Issuers mints and verifies tokens of the issuers doppel runs, with keys
// kept in a store.
type Issuers struct {
	st  store.Store
	now func() time.Time

	mu   sync.Mutex
	keys map[string]*jose.JSONWebKey // issuer name -> private key, as loaded
}

// New returns the issuers over st; now is the clock (time.Now when nil).
func New(st store.Store, now func() time.Time) *Issuers {
	if now == nil {
		now = time.Now
	}
	return &Issuers{st: st, now: now, keys: map[string]*jose.JSONWebKey{}}
}

// key returns the issuer's private key. With create, a missing key is made
// and stored; without, found is false. Only minting creates keys, so
// unauthenticated requests for a JWKS never write to the store.
func (s *Issuers) key(ctx context.Context, is Issuer, create bool) (k *jose.JSONWebKey, found bool, err error) {
	s.mu.Lock()
	k = s.keys[is.Name]
	s.mu.Unlock()
	if k != nil {
		return k, true, nil
	}
	load := func(tx store.Tx) error {
		raw, err := tx.Get(table, is.Name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		k = new(jose.JSONWebKey)
		if err := k.UnmarshalJSON(raw); err != nil {
			return fmt.Errorf("oidc: stored key of issuer %s: %w", is.Name, err)
		}
		return nil
	}
	if err := s.st.View(ctx, load); err != nil {
		return nil, false, err
	}
	if k == nil && create {
		err = s.st.Update(ctx, func(tx store.Tx) error {
			// Another request may have made it since the View.
			if err := load(tx); err != nil || k != nil {
				return err
			}
			nk, err := newKey(is.Alg)
			if err != nil {
				return err
			}
			raw, err := nk.MarshalJSON()
			if err != nil {
				return err
			}
			k = nk
			return tx.Put(table, is.Name, raw)
		})
		if err != nil {
			return nil, false, err
		}
	}
	if k == nil {
		return nil, false, nil
	}
	s.mu.Lock()
	s.keys[is.Name] = k
	s.mu.Unlock()
	return k, true, nil
}

// newKey makes a signing key for alg, its kid the RFC 7638 thumbprint.
func newKey(alg jose.SignatureAlgorithm) (*jose.JSONWebKey, error) {
	var priv any
	var err error
	switch alg {
	case jose.RS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("oidc: no key for algorithm %s", alg)
	}
	if err != nil {
		return nil, err
	}
	k := &jose.JSONWebKey{Key: priv, Algorithm: string(alg), Use: "sig"}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return k, nil
}

// JWKS returns the issuer's public keys as a JSON Web Key Set; found is
// false when the issuer has never minted a token (no key yet).
func (s *Issuers) JWKS(ctx context.Context, is Issuer) (doc []byte, found bool, err error) {
	k, found, err := s.key(ctx, is, false)
	if err != nil || !found {
		return nil, found, err
	}
	doc, err = json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k.Public()}})
	return doc, true, err
}

// Discovery returns the issuer's OpenID configuration, with its JWKS at
// jwksURI (doppel's own address: the issuer's real host is not doppel).
func Discovery(is Issuer, jwksURI string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"issuer":                                is.URL,
		"jwks_uri":                              jwksURI,
		"subject_types_supported":               []string{"public", "pairwise"},
		"response_types_supported":              []string{"id_token"},
		"id_token_signing_alg_values_supported": []string{string(is.Alg)},
		"claims_supported":                      claimsSupported(is),
		"scopes_supported":                      []string{"openid"},
	})
}

func claimsSupported(is Issuer) []string {
	base := []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"}
	switch is.Name {
	case "github":
		return append(base, githubClaims...)
	case "terraform":
		return append(base, terraformClaims...)
	}
	return base
}
