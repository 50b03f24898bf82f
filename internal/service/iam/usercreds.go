package iam

import (
	"context"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// Signing certificates (for the SOAP-era services) and SSH public keys (for
// CodeCommit) of IAM users (IAM User Guide, "Manage signing certificates"
// and "Use SSH keys and SSH with CodeCommit"). Each record is keyed by its
// ID and names its user ("" for the root user's signing certificates).

const (
	kindSigningCert     = "signing-certificate"
	kindSSHKey          = "ssh-public-key"
	signingCertsPerUser = 2
	sshKeysPerUser      = 5
	minSSHKeyBits       = 2048
)

type signingCertRec struct {
	ID       string
	User     string
	Body     string
	Status   string
	Uploaded time.Time
}

type sshKeyRec struct {
	ID          string
	User        string
	SSH         string // "ssh-rsa AAAA..." as GetSSHPublicKey answers for Encoding SSH
	PEM         string // the same key as a PEM public key, for Encoding PEM
	Fingerprint string
	Status      string
	Uploaded    time.Time
}

// owned is a credential record keyed by its ID that names its user: a
// signing certificate, SSH public key or service-specific credential.
type owned[T any] interface {
	id() string
	owner() string
	withOwner(user string) T
}

func (r signingCertRec) id() string                           { return r.ID }
func (r signingCertRec) owner() string                        { return r.User }
func (r signingCertRec) withOwner(user string) signingCertRec { r.User = user; return r }
func (r sshKeyRec) id() string                                { return r.ID }
func (r sshKeyRec) owner() string                             { return r.User }
func (r sshKeyRec) withOwner(user string) sshKeyRec           { r.User = user; return r }
func (r serviceCredRec) id() string                           { return r.ID }
func (r serviceCredRec) owner() string                        { return r.User }
func (r serviceCredRec) withOwner(user string) serviceCredRec { r.User = user; return r }

// userRecords lists the records of kind that belong to user (matched
// without regard to case), in ID order.
func userRecords[T owned[T]](tx store.Tx, account, kind, user string) ([]T, error) {
	all, err := scan[T](tx, account, kind)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, r := range all {
		if lower(r.owner()) == lower(user) {
			out = append(out, r)
		}
	}
	return out, nil
}

// userRecord loads record id of kind and checks that it is user's; missing
// is the error when it is not.
func userRecord[T owned[T]](tx store.Tx, account, kind, user, id string, missing error) (T, error) {
	r, found, err := get[T](tx, recordKey(account, kind, id))
	if err != nil {
		return r, err
	}
	if !found || lower(r.owner()) != lower(user) {
		return r, missing
	}
	return r, nil
}

// moveRecords gives user old's records of kind to user new.
func moveRecords[T owned[T]](tx store.Tx, account, kind, old, new string) error {
	recs, err := userRecords[T](tx, account, kind, old)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := put(tx, recordKey(account, kind, r.id()), r.withOwner(new)); err != nil {
			return err
		}
	}
	return nil
}

// longID is a unique ID of n characters for records whose IDs AWS makes
// longer than the usual 21.
func longID(prefix string, n int) string {
	id := prefix
	for len(id) < n {
		id += newID("")
	}
	return id[:n]
}

func checkStatus(status iamapi.StatusType) error {
	if status != iamapi.StatusTypeActive && status != iamapi.StatusTypeInactive {
		return validationError(string(status), "status", "must satisfy enum value set: [Active, Inactive]")
	}
	return nil
}

// Signing certificates.

func noSuchSigningCert(id string) error {
	return noSuchEntity("The Certificate with id %s cannot be found.", id)
}

func toSigningCert(c signingCertRec) iamapi.SigningCertificate {
	return iamapi.SigningCertificate{UserName: c.User, CertificateId: c.ID, CertificateBody: c.Body, Status: iamapi.StatusType(c.Status), UploadDate: api.Time(c.Uploaded)}
}

func (s *Service) UploadSigningCertificate(ctx context.Context, in *iamapi.UploadSigningCertificateInput) (*iamapi.UploadSigningCertificateOutput, error) {
	if _, err := parseCertificate(in.CertificateBody); err != nil {
		return nil, err
	}
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "UploadSigningCertificate", user)
	if err != nil {
		return nil, err
	}
	c := signingCertRec{ID: longID("", 28), User: t.rec.Name, Body: in.CertificateBody, Status: "Active", Uploaded: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx store.Tx) error {
		certs, err := userRecords[signingCertRec](tx, t.account, kindSigningCert, c.User)
		if err != nil {
			return err
		}
		for _, other := range certs {
			if strings.TrimSpace(other.Body) == strings.TrimSpace(c.Body) {
				return awserr.New(http.StatusConflict, "DuplicateCertificate", "The request was rejected because the same certificate is associated with an IAM user in the account.")
			}
		}
		if len(certs) >= signingCertsPerUser {
			return quota("SigningCertificatesPerUser", signingCertsPerUser)
		}
		return put(tx, recordKey(t.account, kindSigningCert, c.ID), c)
	})
	if err != nil {
		return nil, err
	}
	out := toSigningCert(c)
	return &iamapi.UploadSigningCertificateOutput{Certificate: &out}, nil
}

// modifySigningCert applies fn to certificate id of user in one transaction.
func (s *Service) modifySigningCert(ctx context.Context, account, user, id string, fn func(tx store.Tx, c *signingCertRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		c, err := userRecord[signingCertRec](tx, account, kindSigningCert, user, id, noSuchSigningCert(id))
		if err != nil {
			return err
		}
		return fn(tx, &c)
	})
}

func (s *Service) UpdateSigningCertificate(ctx context.Context, in *iamapi.UpdateSigningCertificateInput) (*iamapi.UpdateSigningCertificateOutput, error) {
	if err := checkStatus(in.Status); err != nil {
		return nil, err
	}
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "UpdateSigningCertificate", user)
	if err != nil {
		return nil, err
	}
	err = s.modifySigningCert(ctx, t.account, t.rec.Name, in.CertificateId, func(tx store.Tx, c *signingCertRec) error {
		c.Status = string(in.Status)
		return put(tx, recordKey(t.account, kindSigningCert, c.ID), *c)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSigningCertificateOutput{}, nil
}

func (s *Service) DeleteSigningCertificate(ctx context.Context, in *iamapi.DeleteSigningCertificateInput) (*iamapi.DeleteSigningCertificateOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "DeleteSigningCertificate", user)
	if err != nil {
		return nil, err
	}
	err = s.modifySigningCert(ctx, t.account, t.rec.Name, in.CertificateId, func(tx store.Tx, c *signingCertRec) error {
		return tx.Delete(table, recordKey(t.account, kindSigningCert, c.ID))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteSigningCertificateOutput{}, nil
}

func (s *Service) ListSigningCertificates(ctx context.Context, in *iamapi.ListSigningCertificatesInput) (*iamapi.ListSigningCertificatesOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "ListSigningCertificates", user)
	if err != nil {
		return nil, err
	}
	var certs []signingCertRec
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		certs, err = userRecords[signingCertRec](tx, t.account, kindSigningCert, t.rec.Name)
		return err
	}); err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(certs, func(c signingCertRec) string { return lower(c.ID) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListSigningCertificatesOutput{Certificates: []iamapi.SigningCertificate{}, IsTruncated: trunc, Marker: marker}
	for _, c := range pg {
		out.Certificates = append(out.Certificates, toSigningCert(c))
	}
	return out, nil
}

// SSH public keys.

func noSuchSSHKey(id string) error {
	return noSuchEntity("The Public Key with id %s cannot be found.", id)
}

// parseSSHPublicKey accepts an ssh-rsa key ("ssh-rsa BASE64 [comment]") or a
// PEM RSA public key of at least 2048 bits (IAM API reference,
// UploadSSHPublicKey), and returns both encodings and the MD5 fingerprint.
func parseSSHPublicKey(body string) (sshForm, pemForm, fingerprint string, err error) {
	body = strings.TrimSpace(body)
	unrecognized := awserr.New(http.StatusBadRequest, "UnrecognizedPublicKeyEncoding", "The request was rejected because the public key encoding format is unsupported or unrecognized.")
	invalid := awserr.New(http.StatusBadRequest, "InvalidPublicKey", "The request was rejected because the public key is malformed or otherwise invalid.")
	var pub *rsa.PublicKey
	switch {
	case strings.HasPrefix(body, "ssh-rsa "):
		fields := strings.Fields(body)
		blob, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			return "", "", "", invalid
		}
		if pub, err = parseSSHRSA(blob); err != nil {
			return "", "", "", invalid
		}
	case strings.HasPrefix(body, "-----BEGIN"):
		block, _ := pem.Decode([]byte(body))
		if block == nil {
			return "", "", "", invalid
		}
		var k any
		var err error
		if block.Type == "RSA PUBLIC KEY" {
			k, err = x509.ParsePKCS1PublicKey(block.Bytes)
		} else {
			k, err = x509.ParsePKIXPublicKey(block.Bytes)
		}
		var ok bool
		if pub, ok = k.(*rsa.PublicKey); err != nil || !ok {
			return "", "", "", invalid
		}
	default:
		return "", "", "", unrecognized
	}
	if pub.N.BitLen() < minSSHKeyBits {
		return "", "", "", invalid
	}
	blob := sshRSABlob(pub)
	sum := md5.Sum(blob)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02x", b)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", "", invalid
	}
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(blob), string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), strings.Join(hexes, ":"), nil
}

// parseSSHRSA reads the SSH wire form of an RSA key (RFC 4253, section 6.6):
// string "ssh-rsa", mpint e, mpint n.
func parseSSHRSA(blob []byte) (*rsa.PublicKey, error) {
	var parts [3][]byte
	for i := range parts {
		if len(blob) < 4 {
			return nil, fmt.Errorf("short key")
		}
		n := binary.BigEndian.Uint32(blob)
		if uint64(n) > uint64(len(blob)-4) {
			return nil, fmt.Errorf("short key")
		}
		parts[i], blob = blob[4:4+n], blob[4+n:]
	}
	if string(parts[0]) != "ssh-rsa" || len(blob) != 0 {
		return nil, fmt.Errorf("not an ssh-rsa key")
	}
	e := new(big.Int).SetBytes(parts[1])
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
		return nil, fmt.Errorf("bad exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(parts[2]), E: int(e.Int64())}, nil
}

func sshRSABlob(pub *rsa.PublicKey) []byte {
	var b []byte
	put := func(p []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	mpint := func(x *big.Int) []byte {
		p := x.Bytes()
		if len(p) > 0 && p[0]&0x80 != 0 {
			p = append([]byte{0}, p...)
		}
		return p
	}
	put([]byte("ssh-rsa"))
	put(mpint(big.NewInt(int64(pub.E))))
	put(mpint(pub.N))
	return b
}

func toSSHKey(k sshKeyRec, encoding iamapi.EncodingType) *iamapi.SSHPublicKey {
	body := k.SSH
	if encoding == iamapi.EncodingTypePEM {
		body = k.PEM
	}
	return &iamapi.SSHPublicKey{UserName: k.User, SSHPublicKeyId: k.ID, Fingerprint: k.Fingerprint, SSHPublicKeyBody: body, Status: iamapi.StatusType(k.Status), UploadDate: api.Time(k.Uploaded)}
}

func (s *Service) UploadSSHPublicKey(ctx context.Context, in *iamapi.UploadSSHPublicKeyInput) (*iamapi.UploadSSHPublicKeyOutput, error) {
	sshForm, pemForm, fp, err := parseSSHPublicKey(in.SSHPublicKeyBody)
	if err != nil {
		return nil, err
	}
	t, err := s.authUser(ctx, "UploadSSHPublicKey", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	k := sshKeyRec{ID: newID("APKA"), User: t.rec.Name, SSH: sshForm, PEM: pemForm, Fingerprint: fp, Status: "Active", Uploaded: s.now().UTC().Truncate(time.Second)}
	err = s.update(ctx, func(tx store.Tx) error {
		keys, err := userRecords[sshKeyRec](tx, t.account, kindSSHKey, k.User)
		if err != nil {
			return err
		}
		for _, other := range keys {
			if other.Fingerprint == k.Fingerprint {
				return awserr.New(http.StatusBadRequest, "DuplicateSSHPublicKey", "The request was rejected because the SSH public key is already associated with the specified IAM user.")
			}
		}
		if len(keys) >= sshKeysPerUser {
			return quota("SSHPublicKeysPerUser", sshKeysPerUser)
		}
		return put(tx, recordKey(t.account, kindSSHKey, k.ID), k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UploadSSHPublicKeyOutput{SSHPublicKey: toSSHKey(k, iamapi.EncodingTypeSSH)}, nil
}

// userSSHKey loads key id and checks that it is user's.
func userSSHKey(tx store.Tx, account, user, id string) (sshKeyRec, error) {
	return userRecord[sshKeyRec](tx, account, kindSSHKey, user, id, noSuchSSHKey(id))
}

func (s *Service) GetSSHPublicKey(ctx context.Context, in *iamapi.GetSSHPublicKeyInput) (*iamapi.GetSSHPublicKeyOutput, error) {
	if in.Encoding != iamapi.EncodingTypeSSH && in.Encoding != iamapi.EncodingTypePEM {
		return nil, validationError(string(in.Encoding), "encoding", "must satisfy enum value set: [SSH, PEM]")
	}
	t, err := s.authUser(ctx, "GetSSHPublicKey", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	var k sshKeyRec
	if err := s.view(ctx, func(tx store.Tx) error {
		var err error
		k, err = userSSHKey(tx, t.account, t.rec.Name, in.SSHPublicKeyId)
		return err
	}); err != nil {
		return nil, err
	}
	return &iamapi.GetSSHPublicKeyOutput{SSHPublicKey: toSSHKey(k, in.Encoding)}, nil
}

func (s *Service) UpdateSSHPublicKey(ctx context.Context, in *iamapi.UpdateSSHPublicKeyInput) (*iamapi.UpdateSSHPublicKeyOutput, error) {
	if err := checkStatus(in.Status); err != nil {
		return nil, err
	}
	t, err := s.authUser(ctx, "UpdateSSHPublicKey", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		k, err := userSSHKey(tx, t.account, t.rec.Name, in.SSHPublicKeyId)
		if err != nil {
			return err
		}
		k.Status = string(in.Status)
		return put(tx, recordKey(t.account, kindSSHKey, k.ID), k)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSSHPublicKeyOutput{}, nil
}

func (s *Service) DeleteSSHPublicKey(ctx context.Context, in *iamapi.DeleteSSHPublicKeyInput) (*iamapi.DeleteSSHPublicKeyOutput, error) {
	t, err := s.authUser(ctx, "DeleteSSHPublicKey", in.UserName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		k, err := userSSHKey(tx, t.account, t.rec.Name, in.SSHPublicKeyId)
		if err != nil {
			return err
		}
		return tx.Delete(table, recordKey(t.account, kindSSHKey, k.ID))
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.DeleteSSHPublicKeyOutput{}, nil
}

func (s *Service) ListSSHPublicKeys(ctx context.Context, in *iamapi.ListSSHPublicKeysInput) (*iamapi.ListSSHPublicKeysOutput, error) {
	user, err := targetUser(ctx, in.UserName)
	if err != nil {
		return nil, err
	}
	t, err := s.authKeyUser(ctx, "ListSSHPublicKeys", user)
	if err != nil {
		return nil, err
	}
	var keys []sshKeyRec
	if user != "" {
		if err := s.view(ctx, func(tx store.Tx) error {
			var err error
			keys, err = userRecords[sshKeyRec](tx, t.account, kindSSHKey, t.rec.Name)
			return err
		}); err != nil {
			return nil, err
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	pg, trunc, marker, err := page(keys, func(k sshKeyRec) string { return k.ID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListSSHPublicKeysOutput{SSHPublicKeys: []iamapi.SSHPublicKeyMetadata{}, IsTruncated: trunc, Marker: marker}
	for _, k := range pg {
		out.SSHPublicKeys = append(out.SSHPublicKeys, iamapi.SSHPublicKeyMetadata{UserName: k.User, SSHPublicKeyId: k.ID, Status: iamapi.StatusType(k.Status), UploadDate: k.Uploaded})
	}
	return out, nil
}
