package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/gateway"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/oidc"
)

// The issuers doppel runs, under /_doppel/oidc/ISSUER/ (ISSUER is github,
// terraform or a local issuer's name):
//
//	GET .well-known/openid-configuration   discovery, public as a real issuer's
//	GET .well-known/jwks (and jwks)         the public keys, public too
//	GET token?sub=&aud=&ttl=&claim=K=V      a signed token ({"value": TOKEN}, as
//	                                        GitHub's ID-token endpoint answers), for the root user of
//	                                        any account only (doppel oidc token)
const oidcPrefix = "/_doppel/oidc/"

func (s *Server) oidcRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/.well-known/openid-configuration", s.serveOIDCDiscovery)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/.well-known/jwks", s.serveOIDCJWKS)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/jwks", s.serveOIDCJWKS)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/token", s.serveOIDCToken)
}

func issuerOf(w http.ResponseWriter, r *http.Request) (oidc.Issuer, bool) {
	is, ok := oidc.Named(r.PathValue("issuer"))
	if !ok {
		http.NotFound(w, r)
	}
	return is, ok
}

func writeJSON(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(doc)
}

func (s *Server) serveOIDCDiscovery(w http.ResponseWriter, r *http.Request) {
	is, ok := issuerOf(w, r)
	if !ok {
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	doc, err := oidc.Discovery(is, scheme+"://"+r.Host+oidcPrefix+is.Name+"/.well-known/jwks")
	if err != nil {
		gateway.WriteQueryError(w, awserr.Internal(err))
		return
	}
	writeJSON(w, doc)
}

func (s *Server) serveOIDCJWKS(w http.ResponseWriter, r *http.Request) {
	is, ok := issuerOf(w, r)
	if !ok {
		return
	}
	doc, found, err := s.Issuers.JWKS(r.Context(), is)
	switch {
	case err != nil:
		gateway.WriteQueryError(w, awserr.Internal(err))
	case !found:
		// No token was ever minted: the issuer has no key yet, and a
		// public endpoint does not make one.
		http.NotFound(w, r)
	default:
		writeJSON(w, doc)
	}
}

// maxClaims bounds the claims one mint request may set.
const maxClaims = 64

// serveOIDCToken mints a token, for `doppel oidc token` and CI jobs. Minting
// is what an identity provider does after it authenticated someone, so only
// a holder of doppel's own credentials may ask: the root user of any
// account, with a SigV4 signature for sts.
func (s *Server) serveOIDCToken(w http.ResponseWriter, r *http.Request) {
	p, err := s.Gateway.Authenticate(r, "sts")
	if err != nil {
		gateway.WriteQueryError(w, awserr.From(err))
		return
	}
	if p.Kind != identity.Root {
		gateway.WriteQueryError(w, awserr.AccessDenied("Only an account's root user may mint tokens of doppel's OIDC issuers."))
		return
	}
	is, ok := issuerOf(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	req := oidc.MintRequest{Subject: q.Get("sub"), Audience: q.Get("aud")}
	if req.Audience == "" {
		// GitHub's ID-token request endpoint names it audience.
		req.Audience = q.Get("audience")
	}
	if t := q.Get("ttl"); t != "" {
		if req.TTL, err = time.ParseDuration(t); err != nil || req.TTL <= 0 {
			gateway.WriteQueryError(w, awserr.ValidationError("ttl must be a positive duration such as 15m or 1h"))
			return
		}
	}
	if len(q["claim"]) > maxClaims {
		gateway.WriteQueryError(w, awserr.ValidationError("at most %d claims", maxClaims))
		return
	}
	for _, kv := range q["claim"] {
		k, v, err := oidc.ParseClaim(kv)
		if err != nil {
			gateway.WriteQueryError(w, awserr.ValidationError("%s", err.Error()))
			return
		}
		if req.Claims == nil {
			req.Claims = map[string]any{}
		}
		req.Claims[k] = v
	}
	tok, err := s.Issuers.Mint(r.Context(), is, req)
	var re *oidc.RequestError
	switch {
	case errors.As(err, &re):
		gateway.WriteQueryError(w, awserr.ValidationError("%s", re.Msg))
		return
	case err != nil:
		gateway.WriteQueryError(w, awserr.Internal(err))
		return
	}
	// The shape of GitHub's ID-token request endpoint's answer.
	doc, _ := json.Marshal(map[string]string{"value": tok})
	writeJSON(w, doc)
}
