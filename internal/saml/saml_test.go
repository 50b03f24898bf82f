package saml

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/store"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const pair = "arn:aws:iam::222222222222:role/saml-admin,arn:aws:iam::222222222222:saml-provider/doppel"

func idp(t *testing.T) (*IdP, Metadata) {
	t.Helper()
	p := NewIdP(store.NewMemory(), func() time.Time { return t0 })
	doc, err := p.Metadata(context.Background(), "http://127.0.0.1:4566/_doppel/saml/sso")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetadata(doc)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return p, m
}

func respond(t *testing.T, p *IdP, r ResponseRequest) string {
	t.Helper()
	out, err := p.Response(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestResponseRoundTrip(t *testing.T) {
	p, m := idp(t)
	if m.EntityID != IdPEntityID || len(m.Certs) != 1 {
		t.Fatalf("metadata %+v", m)
	}
	b64 := respond(t, p, ResponseRequest{Roles: []string{pair}, Subject: "alice", Attributes: map[string][]string{AttrPrincipalTag + "team": {"ops"}}})
	a, err := Verify(b64, m, t0)
	if err != nil {
		raw, _ := base64.StdEncoding.DecodeString(b64)
		t.Fatalf("%v\n%s", err, raw)
	}
	if a.Issuer != IdPEntityID || a.Subject != "alice" || a.Recipient != AWSRecipient || len(a.Audiences) != 1 || a.Audiences[0] != AWSRecipient ||
		a.Attributes[AttrRole][0] != pair || a.Attributes[AttrRoleSessionName][0] != "alice" || a.Attributes[AttrPrincipalTag+"team"][0] != "ops" ||
		!a.NotOnOrAfter.Equal(t0.Add(5*time.Minute)) {
		t.Fatalf("assertion %+v", a)
	}
}

func TestVerifyRefuses(t *testing.T) {
	p, m := idp(t)
	_, other := idp(t) // another IdP: another key
	good := respond(t, p, ResponseRequest{Roles: []string{pair}, Subject: "alice"})
	raw, _ := base64.StdEncoding.DecodeString(good)
	doc := string(raw)
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	// Signature wrapping: the signed assertion kept, an unsigned one with
	// another subject added first.
	i := strings.Index(doc, "<saml:Assertion")
	j := strings.Index(doc, "</saml:Assertion>") + len("</saml:Assertion>")
	signed := doc[i:j]
	evil := strings.Replace(signed, ">alice<", ">mallory<", 1)
	evil = evil[:strings.Index(evil, "<ds:Signature")] + evil[strings.Index(evil, "</ds:Signature>")+len("</ds:Signature>"):]
	wrapped := doc[:i] + evil + signed + doc[j:]
	unsigned := doc[:i] + evil + doc[j:]

	for _, tc := range []struct {
		name, b64 string
		m         Metadata
		want      error
	}{
		{"tampered subject", enc(strings.Replace(doc, ">alice<", ">mallory<", 1)), m, ErrSignature},
		{"tampered role", enc(strings.Replace(doc, "role/saml-admin", "role/root-admin", 1)), m, ErrSignature},
		{"another IdP's certificate", good, other, ErrSignature},
		{"no signature", enc(unsigned), m, ErrSignature},
		{"two assertions", enc(wrapped), m, ErrMalformed},
		{"not base64", "%%%", m, ErrMalformed},
		{"not XML", enc("<a"), m, ErrMalformed},
		{"not a Response", enc(signed), m, ErrMalformed},
		{"too long", strings.Repeat("A", MaxResponseLen+4), m, ErrMalformed},
	} {
		if _, err := Verify(tc.b64, tc.m, t0); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// The certificate must be valid when verified.
	if _, err := Verify(good, m, t0.AddDate(30, 0, 0)); !errors.Is(err, ErrSignature) {
		t.Errorf("expired certificate: %v", err)
	}
}

func TestParseMetadataRefuses(t *testing.T) {
	for _, doc := range []string{"", "<x/>", `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="e"/>`} {
		if _, err := ParseMetadata(doc); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseMetadata(%q) = %v", doc, err)
		}
	}
}
