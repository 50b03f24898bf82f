package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// A grant is what a CI job holds instead of doppel's credentials: like the
// ACTIONS_ID_TOKEN_REQUEST_TOKEN GitHub gives a job, it lets its bearer ask
// one issuer for ID tokens with a fixed subject and claims, choosing only
// the audience, until it expires. It is a JWS signed with the issuer's key
// under its own type, which Verify never accepts as an ID token.
const (
	grantType     = "doppel-id-token-request+jwt"
	grantAudience = "doppel:id-token-request"
	// claimsClaim carries the grant's extra claims for the ID tokens.
	claimsClaim = "doppel_claims"
	// ttlClaim carries the ID tokens' lifetime in seconds (0: the issuer's).
	ttlClaim = "doppel_ttl"
)

// ErrGrant: a request token that is not a live grant of this issuer.
var ErrGrant = errors.New("oidc: not a valid ID-token request token")

// Grant returns a request token for ID tokens of is with r's subject and
// claims (r.Audience is ignored: the bearer names it), good for life.
func (s *Issuers) Grant(ctx context.Context, is Issuer, r MintRequest, life time.Duration) (string, error) {
	if life <= 0 || life > MaxTTL {
		return "", &RequestError{"a request token lives from 1s to 24h"}
	}
	if r.TTL < 0 || r.TTL > MaxTTL {
		return "", &RequestError{"ttl must be between 1s and 24h"}
	}
	// Refuse now what minting would refuse later.
	probe := r
	probe.Audience = "probe"
	if _, err := s.Mint(ctx, is, probe); err != nil {
		return "", err
	}
	now := s.now().UTC()
	payload, err := json.Marshal(map[string]any{
		"iss": is.URL, "aud": grantAudience, "sub": r.Subject, "iat": now.Unix(), "exp": now.Add(life).Unix(),
		claimsClaim: r.Claims, ttlClaim: int64(r.TTL / time.Second),
	})
	if err != nil {
		return "", err
	}
	k, _, err := s.key(ctx, is, true)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: is.Alg, Key: k}, (&jose.SignerOptions{}).WithType(grantType))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Redeem mints an ID token for audience with a grant of is.
func (s *Issuers) Redeem(ctx context.Context, is Issuer, grant, audience string) (string, error) {
	t, err := Parse(grant)
	if err != nil || t.typ() != grantType {
		return "", ErrGrant
	}
	if err := s.verifySignature(ctx, is, t); err != nil {
		return "", ErrGrant
	}
	if CheckTimes(t.Claims, s.now()) != nil || t.Claims["aud"] != grantAudience {
		return "", ErrGrant
	}
	r := MintRequest{Audience: audience}
	r.Subject, _ = t.Claims["sub"].(string)
	if c, ok := t.Claims[claimsClaim].(map[string]any); ok {
		r.Claims = c
	}
	if n, ok := t.Claims[ttlClaim].(json.Number); ok {
		secs, _ := n.Int64()
		r.TTL = time.Duration(secs) * time.Second
	}
	return s.Mint(ctx, is, r)
}

// typ is the token's JOSE type header, "" when absent.
func (t *Token) typ() string {
	v, _ := t.jws.Signatures[0].Header.ExtraHeaders[jose.HeaderType].(string)
	return v
}
