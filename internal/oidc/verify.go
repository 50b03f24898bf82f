package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// MaxTokenLen is the longest token read: STS's model allows a
// WebIdentityToken of at most 20,000 characters.
const MaxTokenLen = 20000

// Why a token is refused. STS maps them to AWS's errors.
var (
	// ErrMalformed: not a compact JWS with a JSON object payload, an
	// algorithm outside the accepted ones ("none", HS256...), or claims of
	// the wrong type.
	ErrMalformed = errors.New("oidc: malformed token")
	// ErrUnknownKey: the issuer has no key with the token's kid (or the
	// token names none), or the header's algorithm is not the key's.
	ErrUnknownKey = errors.New("oidc: no verification key for the token")
	// ErrSignature: the signature does not verify with the issuer's key.
	ErrSignature = errors.New("oidc: bad signature")
)

// acceptedAlgs are the algorithms a token may name at all. Symmetric ones
// are absent on purpose: an HS256 token "signed" with a public key must never
// verify, and "none" is no signature.
var acceptedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.ES256, jose.ES384, jose.ES512}

// Token is a parsed, not yet verified, token.
type Token struct {
	jws    *jose.JSONWebSignature
	Claims map[string]any // numbers are json.Number
	Issuer string         // the iss claim
}

// Parse reads a compact JWS and its claims without verifying anything, so
// the caller can learn the issuer and choose the keys.
func Parse(token string) (*Token, error) {
	if len(token) > MaxTokenLen {
		return nil, ErrMalformed
	}
	jws, err := jose.ParseSignedCompact(token, acceptedAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, ErrMalformed
	}
	claims, err := decodeClaims(jws.UnsafePayloadWithoutVerification())
	if err != nil {
		return nil, err
	}
	iss, ok := claims["iss"].(string)
	if !ok || iss == "" {
		return nil, ErrMalformed
	}
	return &Token{jws: jws, Claims: claims, Issuer: iss}, nil
}

func decodeClaims(payload []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var claims map[string]any
	if err := d.Decode(&claims); err != nil || claims == nil || d.More() {
		return nil, ErrMalformed
	}
	return claims, nil
}

// Verify checks t's signature with the key of the issuer is (which must be
// the issuer t claims to come from: the caller looked it up by t.Issuer).
func (s *Issuers) Verify(ctx context.Context, is Issuer, t *Token) error {
	if t.typ() == grantType {
		// A request token is a credential for doppel, never an ID token.
		return ErrUnknownKey
	}
	return s.verifySignature(ctx, is, t)
}

func (s *Issuers) verifySignature(ctx context.Context, is Issuer, t *Token) error {
	if t.Issuer != is.URL && t.Issuer != is.URL+"/" {
		// A token names its issuer; another issuer's keys never vouch for it.
		return ErrUnknownKey
	}
	k, found, err := s.key(ctx, is, false)
	if err != nil {
		return err
	}
	h := t.jws.Signatures[0].Header
	if !found || h.KeyID == "" || h.KeyID != k.KeyID || h.Algorithm != k.Algorithm {
		return ErrUnknownKey
	}
	pub := k.Public()
	if _, err := t.jws.Verify(&pub); err != nil {
		return ErrSignature
	}
	return nil
}

// ExpiredError is a token whose exp has passed.
type ExpiredError struct{ Now, Exp int64 }

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("oidc: token expired at %d, now %d", e.Exp, e.Now)
}

// ErrNotYetValid: nbf or iat lies in the future beyond the allowed skew.
var ErrNotYetValid = errors.New("oidc: token not yet valid")

// clockSkew is the leeway for nbf and iat: issuers' clocks run a little
// ahead of the verifier's.
const clockSkew = 5 * time.Minute

// CheckTimes applies the registered time claims at now: exp is required and
// must be in the future; nbf and iat, when present, must not be in the
// future (beyond a small skew).
func CheckTimes(claims map[string]any, now time.Time) error {
	exp, ok, err := numericDate(claims, "exp")
	if err != nil || !ok {
		return ErrMalformed
	}
	if now.Unix() >= exp {
		return &ExpiredError{Now: now.Unix(), Exp: exp}
	}
	for _, k := range []string{"nbf", "iat"} {
		v, ok, err := numericDate(claims, k)
		if err != nil {
			return ErrMalformed
		}
		if ok && v > now.Add(clockSkew).Unix() {
			return ErrNotYetValid
		}
	}
	return nil
}

// numericDate reads a NumericDate claim (RFC 7519: seconds, possibly
// fractional).
func numericDate(claims map[string]any, k string) (int64, bool, error) {
	v, ok := claims[k]
	if !ok {
		return 0, false, nil
	}
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, true, ErrMalformed
	}
	if i, err := n.Int64(); err == nil {
		return i, true, nil
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return 0, true, ErrMalformed
	}
	return int64(f), true, nil
}

// Audiences returns the aud claim as a list (it is a string or an array of
// strings).
func Audiences(claims map[string]any) ([]string, error) {
	switch v := claims["aud"].(type) {
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, a := range v {
			s, ok := a.(string)
			if !ok {
				return nil, ErrMalformed
			}
			out = append(out, s)
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, ErrMalformed
}
