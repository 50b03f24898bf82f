package iam

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/csv"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

func rsaKey(t *testing.T, bits int) *rsa.PublicKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}

func TestSSHPublicKeys(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "dev"}))
	pub := rsaKey(t, 2048)
	sshBody := "ssh-rsa " + base64.StdEncoding.EncodeToString(sshRSABlob(pub)) + " dev@laptop"
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pemBody := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	k := must(s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: "dev", SSHPublicKeyBody: sshBody})).SSHPublicKey
	if !strings.HasPrefix(k.SSHPublicKeyId, "APKA") || len(k.Fingerprint) != 47 || k.Status != iamapi.StatusTypeActive {
		t.Fatalf("UploadSSHPublicKey = %+v", k)
	}
	if got := must(s.GetSSHPublicKey(ctx, &iamapi.GetSSHPublicKeyInput{UserName: "dev", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamapi.EncodingTypePEM})).SSHPublicKey; got.SSHPublicKeyBody != pemBody {
		t.Errorf("PEM encoding = %q, want %q", got.SSHPublicKeyBody, pemBody)
	}
	if got := must(s.GetSSHPublicKey(ctx, &iamapi.GetSSHPublicKeyInput{UserName: "dev", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamapi.EncodingTypeSSH})).SSHPublicKey; !strings.HasPrefix(sshBody, got.SSHPublicKeyBody) {
		t.Errorf("SSH encoding = %q", got.SSHPublicKeyBody)
	}
	must(s.UpdateSSHPublicKey(ctx, &iamapi.UpdateSSHPublicKeyInput{UserName: "dev", SSHPublicKeyId: k.SSHPublicKeyId, Status: iamapi.StatusTypeInactive}))
	l := must(s.ListSSHPublicKeys(ctx, &iamapi.ListSSHPublicKeysInput{UserName: api.String("dev")})).SSHPublicKeys
	if len(l) != 1 || l[0].Status != iamapi.StatusTypeInactive {
		t.Fatalf("ListSSHPublicKeys = %+v", l)
	}

	tests := []struct {
		name string
		body string
		code string
	}{
		{"the same key again, as PEM", pemBody, "DuplicateSSHPublicKey"},
		{"shorter than 2048 bits", "ssh-rsa " + base64.StdEncoding.EncodeToString(sshRSABlob(rsaKey(t, 1024))), "InvalidPublicKey"},
		{"not base64", "ssh-rsa !!!", "InvalidPublicKey"},
		{"another algorithm", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq", "UnrecognizedPublicKeyEncoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UploadSSHPublicKey(ctx, &iamapi.UploadSSHPublicKeyInput{UserName: "dev", SSHPublicKeyBody: tc.body})
			wantErr(t, err, tc.code, "", 400)
		})
	}
	_, err := s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "dev"})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete SSH public keys first.", 409)
	must(s.UpdateUser(ctx, &iamapi.UpdateUserInput{UserName: "dev", NewUserName: api.String("developer")}))
	must(s.DeleteSSHPublicKey(ctx, &iamapi.DeleteSSHPublicKeyInput{UserName: "developer", SSHPublicKeyId: k.SSHPublicKeyId}))
	_, err = s.GetSSHPublicKey(ctx, &iamapi.GetSSHPublicKeyInput{UserName: "developer", SSHPublicKeyId: k.SSHPublicKeyId, Encoding: iamapi.EncodingTypeSSH})
	wantErr(t, err, "NoSuchEntity", "", 404)
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "developer"}))
}

func TestSigningCertificates(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	must(s.CreateUser(ctx, &iamapi.CreateUserInput{UserName: "u"}))
	c1, _ := selfSigned(t, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	c2, _ := selfSigned(t, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	c3, _ := selfSigned(t, time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC))

	cert := must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: api.String("u"), CertificateBody: c1})).Certificate
	if len(cert.CertificateId) != 28 || cert.UserName != "u" || cert.Status != iamapi.StatusTypeActive {
		t.Fatalf("UploadSigningCertificate = %+v", cert)
	}
	_, err := s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: api.String("u"), CertificateBody: c1})
	wantErr(t, err, "DuplicateCertificate", "", 409)
	must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: api.String("u"), CertificateBody: c2}))
	_, err = s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: api.String("u"), CertificateBody: c3})
	wantErr(t, err, "LimitExceeded", "Cannot exceed quota for SigningCertificatesPerUser: 2", 409)
	_, err = s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{UserName: api.String("u"), CertificateBody: "junk"})
	wantErr(t, err, "MalformedCertificate", "", 400)

	must(s.UpdateSigningCertificate(ctx, &iamapi.UpdateSigningCertificateInput{UserName: api.String("u"), CertificateId: cert.CertificateId, Status: iamapi.StatusTypeInactive}))
	l := must(s.ListSigningCertificates(ctx, &iamapi.ListSigningCertificatesInput{UserName: api.String("u")})).Certificates
	if len(l) != 2 {
		t.Fatalf("ListSigningCertificates = %+v", l)
	}
	must(s.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{}))
	rows, err := csv.NewReader(strings.NewReader(string(must(s.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{})).Content))).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("report: %v, %d rows", err, len(rows))
	}
	// Columns 18-21: cert_1_active, cert_1_last_rotated, cert_2_active, cert_2_last_rotated.
	active := map[string]bool{rows[2][18]: true, rows[2][20]: true}
	if !active["true"] || !active["false"] || rows[2][19] != "2026-11-22T06:00:00+00:00" {
		t.Errorf("certificate columns = %v", rows[2][18:])
	}
	_, err = s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "u"})
	wantErr(t, err, "DeleteConflict", "Cannot delete entity, must delete signing certificates first.", 409)
	_, err = s.DeleteSigningCertificate(ctx, &iamapi.DeleteSigningCertificateInput{UserName: api.String("u"), CertificateId: "NOSUCHCERTIFICATEID000000000"})
	wantErr(t, err, "NoSuchEntity", "The Certificate with id NOSUCHCERTIFICATEID000000000 cannot be found.", 404)
	for _, c := range l {
		must(s.DeleteSigningCertificate(ctx, &iamapi.DeleteSigningCertificateInput{UserName: api.String("u"), CertificateId: c.CertificateId}))
	}
	must(s.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: "u"}))
}

func TestAccountSigningCertificatesPresent(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	present := func() int32 {
		return must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap["AccountSigningCertificatesPresent"]
	}
	if got := present(); got != 0 {
		t.Errorf("AccountSigningCertificatesPresent = %d before, want 0", got)
	}
	body, _ := selfSigned(t, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	must(s.UploadSigningCertificate(ctx, &iamapi.UploadSigningCertificateInput{CertificateBody: body})) // the root user's own
	if got := present(); got != 1 {
		t.Errorf("AccountSigningCertificatesPresent = %d with the root user's certificate, want 1", got)
	}
}
