package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/gateway"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/saml"
)

// doppel's local SAML identity provider, under /_doppel/saml/:
//
//	GET metadata                     its metadata, public as an IdP's is
//	GET response?role=ROLE,PROVIDER  a signed base64 SAMLResponse
//	    &subject=NAME[&session=&ttl=&attr=NAME=VALUE&audience=&recipient=]
//	                                 for the root user of any account only
//	                                 (doppel saml response)
const samlPrefix = "/_doppel/saml/"

func (s *Server) samlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+samlPrefix+"metadata", s.serveSAMLMetadata)
	mux.HandleFunc("GET "+samlPrefix+"response", s.serveSAMLResponse)
}

func (s *Server) serveSAMLMetadata(w http.ResponseWriter, r *http.Request) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	doc, err := s.SAML.Metadata(r.Context(), scheme+"://"+r.Host+samlPrefix+"sso")
	if err != nil {
		gateway.WriteQueryError(w, awserr.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write([]byte(doc))
}

// maxSAMLAttrs bounds the attributes one request may add.
const maxSAMLAttrs = 64

// serveSAMLResponse signs a response, as an IdP does after it has
// authenticated someone: only a holder of doppel's own credentials (an
// account's root, SigV4 for sts) may ask.
func (s *Server) serveSAMLResponse(w http.ResponseWriter, r *http.Request) {
	p, err := s.Gateway.Authenticate(r, "sts")
	if err != nil {
		gateway.WriteQueryError(w, awserr.From(err))
		return
	}
	if p.Kind != identity.Root {
		gateway.WriteQueryError(w, awserr.AccessDenied("Only an account's root user may ask doppel's SAML identity provider for responses."))
		return
	}
	q := r.URL.Query()
	req := saml.ResponseRequest{Roles: q["role"], Subject: q.Get("subject"), SessionName: q.Get("session"),
		// To try misconfigured IdPs: AWS's sign-in endpoint by default.
		Audience: q.Get("audience"), Recipient: q.Get("recipient")}
	if len(req.Roles) == 0 || req.Subject == "" {
		gateway.WriteQueryError(w, awserr.ValidationError("role (ROLE_ARN,PROVIDER_ARN) and subject are required"))
		return
	}
	if t := q.Get("ttl"); t != "" {
		if req.TTL, err = time.ParseDuration(t); err != nil || req.TTL <= 0 || req.TTL > 24*time.Hour {
			gateway.WriteQueryError(w, awserr.ValidationError("ttl must be a duration from 1s to 24h"))
			return
		}
	}
	if len(q["attr"]) > maxSAMLAttrs {
		gateway.WriteQueryError(w, awserr.ValidationError("at most %d attributes", maxSAMLAttrs))
		return
	}
	for _, kv := range q["attr"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			gateway.WriteQueryError(w, awserr.ValidationError("attribute %q is not NAME=VALUE", kv))
			return
		}
		if req.Attributes == nil {
			req.Attributes = map[string][]string{}
		}
		req.Attributes[k] = append(req.Attributes[k], v)
	}
	out, err := s.SAML.Response(r.Context(), req)
	if err != nil {
		gateway.WriteQueryError(w, awserr.Internal(err))
		return
	}
	doc, _ := json.Marshal(map[string]string{"SAMLResponse": out})
	writeJSON(w, doc)
}
