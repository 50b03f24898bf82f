package saml

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/doppel-aws/doppel/internal/store"
)

// IdPEntityID is the entity ID of doppel's local identity provider; the
// name resolves nowhere.
const IdPEntityID = "https://saml.doppel.local/idp"

// table holds the local IdP's key and certificate.
const table = "saml-idp"

// IdP is doppel's local SAML identity provider.
type IdP struct {
	st  store.Store
	now func() time.Time

	mu   sync.Mutex
	key  *rsa.PrivateKey
	cert []byte // DER
}

// NewIdP returns the local IdP over st (now is the clock; time.Now when nil).
func NewIdP(st store.Store, now func() time.Time) *IdP {
	if now == nil {
		now = time.Now
	}
	return &IdP{st: st, now: now}
}

type idpRecord struct {
	Key  []byte `json:"key"`  // PKCS #8
	Cert []byte `json:"cert"` // DER
}

// keys loads, or makes once, the IdP's key and self-signed certificate.
func (p *IdP) keys(ctx context.Context) (*rsa.PrivateKey, []byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.key != nil {
		return p.key, p.cert, nil
	}
	var rec idpRecord
	err := p.st.Update(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(table, "idp")
		if err == nil {
			return json.Unmarshal(raw, &rec)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
		now := p.now()
		tmpl := &x509.Certificate{
			SerialNumber: serial,
			Subject:      pkix.Name{CommonName: "doppel local SAML IdP"},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.AddDate(20, 0, 0),
			KeyUsage:     x509.KeyUsageDigitalSignature,
		}
		if rec.Cert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key); err != nil {
			return err
		}
		if rec.Key, err = x509.MarshalPKCS8PrivateKey(key); err != nil {
			return err
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return tx.Put(table, "idp", b)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("saml: the local IdP's key: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(rec.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("saml: the local IdP's key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("saml: the local IdP's key is not RSA")
	}
	p.key, p.cert = rk, rec.Cert
	return p.key, p.cert, nil
}

// Metadata returns the IdP's SAML 2.0 metadata, for CreateSAMLProvider.
func (p *IdP) Metadata(ctx context.Context, ssoURL string) (string, error) {
	_, cert, err := p.keys(ctx)
	if err != nil {
		return "", err
	}
	d := etree.NewDocument()
	ed := d.CreateElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", nsMetadata)
	ed.CreateAttr("xmlns:ds", nsDSig)
	ed.CreateAttr("entityID", IdPEntityID)
	sso := ed.CreateElement("md:IDPSSODescriptor")
	sso.CreateAttr("protocolSupportEnumeration", nsProtocol)
	kd := sso.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(cert))
	nf := sso.CreateElement("md:NameIDFormat")
	nf.SetText("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
	s := sso.CreateElement("md:SingleSignOnService")
	s.CreateAttr("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect")
	s.CreateAttr("Location", ssoURL)
	d.Indent(2)
	return d.WriteToString()
}

// ResponseRequest is what a signed response should say.
type ResponseRequest struct {
	Roles       []string // "ROLE_ARN,PROVIDER_ARN" pairs
	Subject     string
	SessionName string // RoleSessionName; the subject when empty
	TTL         time.Duration
	// Attributes are further attributes (SessionDuration, PrincipalTag:K,
	// SourceIdentity... under their full names).
	Attributes map[string][]string
	// Audience and Recipient default to AWS's sign-in endpoint.
	Audience, Recipient string
}

// Response returns a base64 SAMLResponse whose Assertion the IdP signs.
func (p *IdP) Response(ctx context.Context, r ResponseRequest) (string, error) {
	key, cert, err := p.keys(ctx)
	if err != nil {
		return "", err
	}
	now := p.now().UTC()
	ttl := r.TTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	ts := func(t time.Time) string { return t.Format("2006-01-02T15:04:05Z") }
	aud, rcpt := r.Audience, r.Recipient
	if aud == "" {
		aud = AWSRecipient
	}
	if rcpt == "" {
		rcpt = AWSRecipient
	}
	session := r.SessionName
	if session == "" {
		session = r.Subject
	}

	d := etree.NewDocument()
	resp := d.CreateElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("xmlns:saml", nsAssertion)
	resp.CreateAttr("ID", newID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", ts(now))
	resp.CreateAttr("Destination", rcpt)
	resp.CreateElement("saml:Issuer").SetText(IdPEntityID)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")

	a := etree.NewElement("saml:Assertion")
	// Declared on the Assertion too, so it stands alone once signed.
	a.CreateAttr("xmlns:saml", nsAssertion)
	a.CreateAttr("ID", newID())
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(now))
	a.CreateElement("saml:Issuer").SetText(IdPEntityID)
	subj := a.CreateElement("saml:Subject")
	nameID := subj.CreateElement("saml:NameID")
	nameID.CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
	nameID.SetText(r.Subject)
	sc := subj.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", ts(now.Add(ttl)))
	scd.CreateAttr("Recipient", rcpt)
	cond := a.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(now.Add(-time.Minute)))
	cond.CreateAttr("NotOnOrAfter", ts(now.Add(ttl)))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(aud)
	as := a.CreateElement("saml:AuthnStatement")
	as.CreateAttr("AuthnInstant", ts(now))
	as.CreateAttr("SessionIndex", newID())
	as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	attrs := a.CreateElement("saml:AttributeStatement")
	add := func(name string, vals []string) {
		at := attrs.CreateElement("saml:Attribute")
		at.CreateAttr("Name", name)
		for _, v := range vals {
			at.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	add(AttrRole, r.Roles)
	add(AttrRoleSessionName, []string{session})
	for k, v := range r.Attributes {
		add(k, v)
	}

	sc2, err := dsig.NewSigningContext(key, [][]byte{cert})
	if err != nil {
		return "", err
	}
	sc2.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	sig, err := sc2.ConstructSignature(a, true)
	if err != nil {
		return "", err
	}
	// The schema puts the Signature right after the Issuer.
	a.InsertChildAt(1, sig)
	resp.AddChild(a)
	out, err := d.WriteToBytes()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("_%x", b)
}
