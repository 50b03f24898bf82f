// Package saml is SAML 2.0 for AssumeRoleWithSAML: it reads an identity
// provider's metadata (its entity ID and signing certificates), verifies a
// signed SAMLResponse with goxmldsig and returns the assertion's facts, and
// runs doppel's own local identity provider (a key and certificate kept in
// the store, its metadata, and responses it signs) so federation can be
// tried end to end offline.
//
// Only what the signature covers is read: a response is parsed, the signed
// element (the Response or its one Assertion) is verified, and every fact
// comes from the verified copy goxmldsig returns, never from the document as
// received, so wrapped or injected elements are ignored.
package saml

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// Namespaces and names AWS uses (IAM User Guide, "Configure SAML assertions
// for the authentication response").
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	// AWSRecipient is where AWS takes SAML responses: the Recipient and
	// Audience of an assertion meant for AWS.
	AWSRecipient = "https://signin.aws.amazon.com/saml"
	// AWSAudienceURN is the other audience AWS accepts.
	AWSAudienceURN = "urn:amazon:webservices"

	AttrRole            = "https://aws.amazon.com/SAML/Attributes/Role"
	AttrRoleSessionName = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	AttrSessionDuration = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	AttrSourceIdentity  = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
	AttrPrincipalTag    = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
	AttrTransitiveTags  = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
)

// MaxResponseLen is the longest SAMLResponse read (the STS model's limit on
// SAMLAssertion, in base64 characters).
const MaxResponseLen = 100000

var (
	// ErrMalformed: not base64, not XML, not a SAML Response with exactly
	// one Assertion, or metadata without a usable certificate.
	ErrMalformed = errors.New("saml: malformed response")
	// ErrSignature: no signature over the Response or the Assertion, or one
	// that does not verify with the provider's certificates.
	ErrSignature = errors.New("saml: signature invalid")
)

// Assertion holds the facts of a verified response.
type Assertion struct {
	Issuer        string
	Subject       string // the NameID
	SubjectFormat string // its Format
	Recipient     string // SubjectConfirmationData's Recipient
	Audiences     []string
	// Conditions' window, and SubjectConfirmationData's NotOnOrAfter (zero
	// when absent).
	NotBefore, NotOnOrAfter, SubjectNotOnOrAfter time.Time
	Attributes                                   map[string][]string
}

// Metadata is what an IdP's metadata says about its signing.
type Metadata struct {
	EntityID string
	Certs    []*x509.Certificate
}

// ParseMetadata reads an EntityDescriptor's entity ID and the certificates
// of its IDPSSODescriptor's KeyDescriptors for signing (or for any use).
func ParseMetadata(doc string) (Metadata, error) {
	var m Metadata
	d := etree.NewDocument()
	if err := d.ReadFromString(doc); err != nil {
		return m, ErrMalformed
	}
	root := d.Root()
	if root == nil || root.Tag != "EntityDescriptor" || root.NamespaceURI() != nsMetadata {
		return m, ErrMalformed
	}
	m.EntityID = root.SelectAttrValue("entityID", "")
	for _, sso := range root.ChildElements() {
		if sso.Tag != "IDPSSODescriptor" {
			continue
		}
		for _, kd := range sso.ChildElements() {
			if kd.Tag != "KeyDescriptor" || (kd.SelectAttrValue("use", "signing") != "signing") {
				continue
			}
			for _, c := range kd.FindElements(".//X509Certificate") {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Text()), ""))
				if err != nil {
					continue
				}
				if cert, err := x509.ParseCertificate(der); err == nil {
					m.Certs = append(m.Certs, cert)
				}
			}
		}
	}
	if m.EntityID == "" || len(m.Certs) == 0 {
		return m, ErrMalformed
	}
	return m, nil
}

// Verify decodes a base64 SAMLResponse and verifies its signature with the
// metadata's certificates at now (the certificates must be valid then), and
// returns the assertion. It checks no times, audience or recipient: those
// are the caller's rules.
func Verify(b64 string, m Metadata, now time.Time) (*Assertion, error) {
	if len(b64) > MaxResponseLen {
		return nil, ErrMalformed
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		return nil, ErrMalformed
	}
	d := etree.NewDocument()
	if err := d.ReadFromBytes(raw); err != nil {
		return nil, ErrMalformed
	}
	resp := d.Root()
	if resp == nil || resp.Tag != "Response" || resp.NamespaceURI() != nsProtocol {
		return nil, ErrMalformed
	}
	var assertion *etree.Element
	for _, c := range resp.ChildElements() {
		if c.Tag == "EncryptedAssertion" {
			return nil, ErrMalformed // doppel holds no decryption key
		}
		if c.Tag == "Assertion" && c.NamespaceURI() == nsAssertion {
			if assertion != nil {
				return nil, ErrMalformed // one assertion, no ambiguity
			}
			assertion = c
		}
	}
	if assertion == nil {
		return nil, ErrMalformed
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: m.Certs})
	vc.Clock = dsig.NewFakeClockAt(now)
	var verified *etree.Element
	if hasSignature(resp) {
		v, err := vc.Validate(resp)
		if err != nil {
			return nil, ErrSignature
		}
		for _, c := range v.ChildElements() {
			if c.Tag == "Assertion" && c.NamespaceURI() == nsAssertion {
				verified = c
			}
		}
	} else if hasSignature(assertion) {
		v, err := vc.Validate(assertion)
		if err != nil {
			return nil, ErrSignature
		}
		verified = v
	}
	if verified == nil {
		return nil, ErrSignature
	}
	return readAssertion(verified)
}

func hasSignature(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			return true
		}
	}
	return false
}

// readAssertion reads the facts of a verified Assertion element.
func readAssertion(a *etree.Element) (*Assertion, error) {
	out := &Assertion{Attributes: map[string][]string{}}
	child := func(el *etree.Element, tag string) *etree.Element {
		if el == nil {
			return nil
		}
		for _, c := range el.ChildElements() {
			if c.Tag == tag && c.NamespaceURI() == nsAssertion {
				return c
			}
		}
		return nil
	}
	when := func(el *etree.Element, attr string) (time.Time, error) {
		if el == nil {
			return time.Time{}, nil
		}
		v := el.SelectAttrValue(attr, "")
		if v == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, ErrMalformed
		}
		return t, nil
	}
	var err error
	if iss := child(a, "Issuer"); iss != nil {
		out.Issuer = strings.TrimSpace(iss.Text())
	}
	subject := child(a, "Subject")
	if id := child(subject, "NameID"); id != nil {
		out.Subject = strings.TrimSpace(id.Text())
		out.SubjectFormat = id.SelectAttrValue("Format", "")
	}
	if sc := child(subject, "SubjectConfirmation"); sc != nil {
		scd := child(sc, "SubjectConfirmationData")
		if scd != nil {
			out.Recipient = scd.SelectAttrValue("Recipient", "")
		}
		if out.SubjectNotOnOrAfter, err = when(scd, "NotOnOrAfter"); err != nil {
			return nil, err
		}
	}
	cond := child(a, "Conditions")
	if out.NotBefore, err = when(cond, "NotBefore"); err != nil {
		return nil, err
	}
	if out.NotOnOrAfter, err = when(cond, "NotOnOrAfter"); err != nil {
		return nil, err
	}
	if cond != nil {
		for _, ar := range cond.ChildElements() {
			if ar.Tag != "AudienceRestriction" {
				continue
			}
			for _, au := range ar.ChildElements() {
				if au.Tag == "Audience" {
					out.Audiences = append(out.Audiences, strings.TrimSpace(au.Text()))
				}
			}
		}
	}
	for _, st := range a.ChildElements() {
		if st.Tag != "AttributeStatement" || st.NamespaceURI() != nsAssertion {
			continue
		}
		for _, at := range st.ChildElements() {
			if at.Tag != "Attribute" {
				continue
			}
			name := at.SelectAttrValue("Name", "")
			for _, v := range at.ChildElements() {
				if v.Tag == "AttributeValue" {
					out.Attributes[name] = append(out.Attributes[name], strings.TrimSpace(v.Text()))
				}
			}
		}
	}
	return out, nil
}
