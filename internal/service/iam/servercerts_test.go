package iam

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// selfSigned returns a PEM certificate valid until notAfter and its PEM key.
func selfSigned(t *testing.T, notAfter time.Time) (cert, key string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "www.example.com"}, NotBefore: notAfter.AddDate(-1, 0, 0), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func TestServerCertificates(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	expires := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cert, key := selfSigned(t, expires)
	_, otherKey := selfSigned(t, expires)

	md := must(s.UploadServerCertificate(ctx, &iamapi.UploadServerCertificateInput{ServerCertificateName: "web", Path: api.String("/cloudfront/"), CertificateBody: cert, PrivateKey: key, CertificateChain: api.String(cert)})).ServerCertificateMetadata
	if md.Arn != "arn:aws:iam::"+acct+":server-certificate/cloudfront/web" || md.ServerCertificateId[:4] != "ASCA" || !md.Expiration.Equal(expires) {
		t.Fatalf("UploadServerCertificate = %+v", md)
	}
	got := must(s.GetServerCertificate(ctx, &iamapi.GetServerCertificateInput{ServerCertificateName: "web"})).ServerCertificate
	if got.CertificateBody != cert || got.CertificateChain == nil {
		t.Fatalf("GetServerCertificate = %+v", got)
	}
	must(s.UpdateServerCertificate(ctx, &iamapi.UpdateServerCertificateInput{ServerCertificateName: "web", NewServerCertificateName: api.String("www"), NewPath: api.String("/elb/")}))
	l := must(s.ListServerCertificates(ctx, &iamapi.ListServerCertificatesInput{PathPrefix: api.String("/elb/")}))
	if len(l.ServerCertificateMetadataList) != 1 || l.ServerCertificateMetadataList[0].ServerCertificateName != "www" {
		t.Fatalf("ListServerCertificates = %+v", l)
	}
	must(s.TagServerCertificate(ctx, &iamapi.TagServerCertificateInput{ServerCertificateName: "www", Tags: []iamapi.Tag{{Key: "k", Value: "v"}}}))
	if tags := must(s.ListServerCertificateTags(ctx, &iamapi.ListServerCertificateTagsInput{ServerCertificateName: "www"})).Tags; len(tags) != 1 {
		t.Fatalf("tags = %+v", tags)
	}
	if m := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap; m["ServerCertificates"] != 1 {
		t.Fatalf("ServerCertificates = %d", m["ServerCertificates"])
	}

	tests := []struct {
		name          string
		body, privKey string
		code, message string
	}{
		{"not PEM", "hello", key, "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format."},
		{"bad key", cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "MalformedCertificate", ""},
		{"key of another certificate", cert, otherKey, "KeyPairMismatch", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UploadServerCertificate(ctx, &iamapi.UploadServerCertificateInput{ServerCertificateName: "x", CertificateBody: tc.body, PrivateKey: tc.privKey})
			wantErr(t, err, tc.code, tc.message, 400)
		})
	}
	_, err := s.UploadServerCertificate(ctx, &iamapi.UploadServerCertificateInput{ServerCertificateName: "WWW", CertificateBody: cert, PrivateKey: key})
	wantErr(t, err, "EntityAlreadyExists", "The Server Certificate with name WWW already exists.", 409)
	must(s.DeleteServerCertificate(ctx, &iamapi.DeleteServerCertificateInput{ServerCertificateName: "www"}))
	_, err = s.GetServerCertificate(ctx, &iamapi.GetServerCertificateInput{ServerCertificateName: "www"})
	wantErr(t, err, "NoSuchEntity", "The Server Certificate with name www cannot be found.", 404)
}
