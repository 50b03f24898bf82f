package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
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
//	GET token?audience= with a bearer       the same for a CI job holding a grant
//	GET request-token?sub=&claim=&life=     a grant ({"value", "url"}), for roots only
//	                                        (doppel oidc runner-env)
const oidcPrefix = "/_doppel/oidc/"

func (s *Server) oidcRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/.well-known/openid-configuration", s.serveOIDCDiscovery)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/.well-known/jwks", s.serveOIDCJWKS)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/jwks", s.serveOIDCJWKS)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/token", s.serveOIDCToken)
	mux.HandleFunc("GET "+oidcPrefix+"{issuer}/request-token", s.serveOIDCGrant)
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
	// These share the console's origin: never let a browser sniff them
	// into something it runs.
	w.Header().Set("X-Content-Type-Options", "nosniff")
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
	if grant, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		s.redeemOIDCGrant(w, r, grant)
		return
	}
	req, is, ok := s.mintRequest(w, r)
	if !ok {
		return
	}
	tok, err := s.Issuers.Mint(r.Context(), is, req)
	if !mintFailed(w, err) {
		// The shape of GitHub's ID-token request endpoint's answer.
		doc, _ := json.Marshal(map[string]string{"value": tok})
		writeJSON(w, doc)
	}
}

// serveOIDCGrant gives a CI job what GitHub gives one: a request URL and a
// bearer token (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN) with which it can
// get ID tokens of one issuer, subject and claims, choosing only the
// audience, for life (default 1h) and without doppel's credentials.
func (s *Server) serveOIDCGrant(w http.ResponseWriter, r *http.Request) {
	req, is, ok := s.mintRequest(w, r)
	if !ok {
		return
	}
	life := time.Hour
	if l := r.URL.Query().Get("life"); l != "" {
		var err error
		if life, err = time.ParseDuration(l); err != nil || life <= 0 {
			gateway.WriteQueryError(w, awserr.ValidationError("life must be a positive duration such as 1h"))
			return
		}
	}
	grant, err := s.Issuers.Grant(r.Context(), is, req, life)
	if mintFailed(w, err) {
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	doc, _ := json.Marshal(map[string]string{
		"value": grant,
		// GitHub's clients append "&audience=...".
		"url": scheme + "://" + r.Host + oidcPrefix + is.Name + "/token?api-version=2.0",
	})
	writeJSON(w, doc)
}

func (s *Server) redeemOIDCGrant(w http.ResponseWriter, r *http.Request, grant string) {
	is, ok := issuerOf(w, r)
	if !ok {
		return
	}
	tok, err := s.Issuers.Redeem(r.Context(), is, grant, r.URL.Query().Get("audience"))
	if errors.Is(err, oidc.ErrGrant) {
		gateway.WriteQueryError(w, awserr.New(http.StatusUnauthorized, "InvalidToken", "The bearer token is not a live ID-token request token of this issuer."))
		return
	}
	if !mintFailed(w, err) {
		doc, _ := json.Marshal(map[string]string{"value": tok})
		writeJSON(w, doc)
	}
}

// mintFailed writes err, if any, and reports whether it did.
func mintFailed(w http.ResponseWriter, err error) bool {
	var re *oidc.RequestError
	switch {
	case err == nil:
		return false
	case errors.As(err, &re):
		gateway.WriteQueryError(w, awserr.ValidationError("%s", re.Msg))
	default:
		gateway.WriteQueryError(w, awserr.Internal(err))
	}
	return true
}

// mintRequest authenticates a root user (SigV4 for sts) and reads what the
// token should say from the query.
func (s *Server) mintRequest(w http.ResponseWriter, r *http.Request) (oidc.MintRequest, oidc.Issuer, bool) {
	fail := func(e *awserr.Error) (oidc.MintRequest, oidc.Issuer, bool) {
		gateway.WriteQueryError(w, e)
		return oidc.MintRequest{}, oidc.Issuer{}, false
	}
	p, err := s.Gateway.Authenticate(r, "sts")
	if err != nil {
		return fail(awserr.From(err))
	}
	if p.Kind != identity.Root {
		return fail(awserr.AccessDenied("Only an account's root user may mint tokens of doppel's OIDC issuers."))
	}
	is, ok := issuerOf(w, r)
	if !ok {
		return oidc.MintRequest{}, oidc.Issuer{}, false
	}
	q := r.URL.Query()
	req := oidc.MintRequest{Subject: q.Get("sub"), Audience: q.Get("aud")}
	if req.Audience == "" {
		// GitHub's ID-token request endpoint names it audience.
		req.Audience = q.Get("audience")
	}
	if t := q.Get("ttl"); t != "" {
		if req.TTL, err = time.ParseDuration(t); err != nil || req.TTL <= 0 {
			return fail(awserr.ValidationError("ttl must be a positive duration such as 15m or 1h"))
		}
	}
	if len(q["claim"]) > maxClaims {
		return fail(awserr.ValidationError("at most %d claims", maxClaims))
	}
	for _, kv := range q["claim"] {
		k, v, err := oidc.ParseClaim(kv)
		if err != nil {
			return fail(awserr.ValidationError("%s", err.Error()))
		}
		if req.Claims == nil {
			req.Claims = map[string]any{}
		}
		req.Claims[k] = v
	}
	return req, is, true
}
