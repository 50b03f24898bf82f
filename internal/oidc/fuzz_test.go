package oidc

import (
	"context"
	"testing"
)

// FuzzParseVerify: whatever arrives as a WebIdentityToken, parsing,
// verifying and reading the claims return an error or a token, never panic;
// and nothing verifies but tokens the issuer signed.
func FuzzParseVerify(f *testing.F) {
	s, _ := newIssuers(&testing.T{})
	gh, _ := Named("github")
	good, err := s.Mint(context.Background(), gh, MintRequest{})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, good + "x", "a.b.c", "", "..", "eyJhbGciOiJub25lIn0.e30.", `{"payload":"e30"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		p, err := Parse(tok)
		if err != nil {
			return
		}
		_ = CheckTimes(p.Claims, t0)
		_, _ = Audiences(p.Claims)
		is, ok := ForURL(p.Issuer)
		if !ok {
			return
		}
		if err := s.Verify(context.Background(), is, p); err == nil && tok != good {
			// Only compact forms of the one signed token may verify.
			q, _ := Parse(good)
			if string(q.jws.UnsafePayloadWithoutVerification()) != string(p.jws.UnsafePayloadWithoutVerification()) {
				t.Fatalf("a token doppel did not sign verified: %q", tok)
			}
		}
	})
}
