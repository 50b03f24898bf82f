package iam

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/store"
)

// Server certificates (IAM User Guide, "Manage server certificates in IAM"):
// X.509 certificates with their private keys, for load balancers and
// CloudFront. The key is kept and never returned.

const (
	kindServerCert     = "server-certificate"
	serverCertsQuota   = 20
	serverCertIDPrefix = "ASCA"
)

type serverCertRec struct {
	Name       string
	Path       string
	ID         string
	Body       string
	Chain      *string
	Key        string
	Uploaded   time.Time
	Expiration time.Time
	Tags       []tag
}

func serverCertARN(account string, c serverCertRec) string {
	return arn(account, "server-certificate", c.Path, c.Name)
}

func toServerCertMetadata(account string, c serverCertRec) iamapi.ServerCertificateMetadata {
	return iamapi.ServerCertificateMetadata{
		Path: c.Path, ServerCertificateName: c.Name, ServerCertificateId: c.ID, Arn: serverCertARN(account, c),
		UploadDate: api.Time(c.Uploaded), Expiration: api.Time(c.Expiration),
	}
}

func malformedCertificate(message string) error {
	return awserr.New(http.StatusBadRequest, "MalformedCertificate", message)
}

// parseCertificate reads exactly one PEM CERTIFICATE block.
func parseCertificate(body string) (*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(body)))
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, malformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, malformedCertificate("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	return cert, nil
}

// checkServerCertificate parses the certificate, its private key and chain,
// and checks that the key is the certificate's.
func checkServerCertificate(body, key string, chain *string) (*x509.Certificate, error) {
	cert, err := parseCertificate(body)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(key)))
	if block == nil {
		return nil, malformedCertificate("Unable to parse private key. Please ensure the private key is in PEM format.")
	}
	var priv any
	switch block.Type {
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, malformedCertificate("Unable to parse private key. Please ensure the private key is in PEM format.")
	}
	signer, ok := priv.(crypto.Signer)
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok2 := cert.PublicKey.(equaler)
	if !ok || !ok2 || !pub.Equal(signer.Public()) {
		return nil, awserr.New(http.StatusBadRequest, "KeyPairMismatch", "The private key did not match the public key provided. Please verify the key material and try again.")
	}
	if chain != nil {
		rest := []byte(strings.TrimSpace(*chain))
		for len(bytes.TrimSpace(rest)) > 0 {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil || b.Type != "CERTIFICATE" {
				return nil, malformedCertificate("Unable to parse certificate chain. Please ensure the chain is in PEM format.")
			}
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				return nil, malformedCertificate("Unable to parse certificate chain. Please ensure the chain is in PEM format.")
			}
		}
	}
	return cert, nil
}

func noSuchServerCert(name string) *awserr.Error {
	return noSuchEntity("The Server Certificate with name %s cannot be found.", name)
}

func (s *Service) UploadServerCertificate(ctx context.Context, in *iamapi.UploadServerCertificateInput) (*iamapi.UploadServerCertificateOutput, error) {
	if err := checkName(in.ServerCertificateName, "serverCertificateName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path")
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	cert, err := checkServerCertificate(in.CertificateBody, in.PrivateKey, in.CertificateChain)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "UploadServerCertificate", func(a string) string { return arn(a, "server-certificate", path, in.ServerCertificateName) }, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	c := serverCertRec{
		Name: in.ServerCertificateName, Path: path, ID: newID(serverCertIDPrefix), Body: in.CertificateBody, Chain: in.CertificateChain,
		Key: in.PrivateKey, Uploaded: s.now().UTC().Truncate(time.Second), Expiration: cert.NotAfter.UTC(), Tags: toTags(in.Tags),
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[serverCertRec](tx, recordKey(account, kindServerCert, c.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("The Server Certificate with name %s already exists.", c.Name)
		}
		if err := checkQuota(tx, account, kindServerCert, "ServerCertificatesPerAccount", serverCertsQuota); err != nil {
			return err
		}
		return put(tx, recordKey(account, kindServerCert, c.Name), c)
	})
	if err != nil {
		return nil, err
	}
	md := toServerCertMetadata(account, c)
	return &iamapi.UploadServerCertificateOutput{ServerCertificateMetadata: &md, Tags: fromTags(c.Tags)}, nil
}

func (s *Service) GetServerCertificate(ctx context.Context, in *iamapi.GetServerCertificateInput) (*iamapi.GetServerCertificateOutput, error) {
	t, err := s.authServerCert(ctx, "GetServerCertificate", in.ServerCertificateName, nil)
	if err != nil {
		return nil, err
	}
	md := toServerCertMetadata(t.account, t.rec)
	return &iamapi.GetServerCertificateOutput{ServerCertificate: &iamapi.ServerCertificate{
		ServerCertificateMetadata: &md, CertificateBody: t.rec.Body, CertificateChain: t.rec.Chain, Tags: fromTags(t.rec.Tags),
	}}, nil
}

func (s *Service) ListServerCertificates(ctx context.Context, in *iamapi.ListServerCertificatesInput) (*iamapi.ListServerCertificatesOutput, error) {
	prefix, err := checkPathPrefix(in.PathPrefix)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "ListServerCertificates", nil, nil)
	if err != nil {
		return nil, err
	}
	var certs []serverCertRec
	if err := s.view(ctx, func(tx store.Tx) error {
		all, err := scan[serverCertRec](tx, account, kindServerCert)
		certs = underPrefix(all, prefix, func(c *serverCertRec) string { return c.Path })
		return err
	}); err != nil {
		return nil, err
	}
	pg, trunc, marker, err := page(certs, func(c serverCertRec) string { return lower(c.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListServerCertificatesOutput{ServerCertificateMetadataList: []iamapi.ServerCertificateMetadata{}, IsTruncated: trunc, Marker: marker}
	for _, c := range pg {
		out.ServerCertificateMetadataList = append(out.ServerCertificateMetadataList, toServerCertMetadata(account, c))
	}
	return out, nil
}

func (s *Service) UpdateServerCertificate(ctx context.Context, in *iamapi.UpdateServerCertificateInput) (*iamapi.UpdateServerCertificateOutput, error) {
	newPath, err := checkPath(in.NewPath, "newPath")
	if err != nil {
		return nil, err
	}
	newName := api.ToString(in.NewServerCertificateName)
	if newName != "" {
		if err := checkName(newName, "newServerCertificateName", 128); err != nil {
			return nil, err
		}
	}
	t, err := s.authServerCert(ctx, "UpdateServerCertificate", in.ServerCertificateName, nil)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		c, found, err := get[serverCertRec](tx, recordKey(t.account, kindServerCert, in.ServerCertificateName))
		if err != nil {
			return err
		}
		if !found {
			return noSuchServerCert(in.ServerCertificateName)
		}
		if in.NewPath != nil {
			c.Path = newPath
		}
		if newName != "" && newName != c.Name {
			if lower(newName) != lower(c.Name) {
				if _, taken, err := get[serverCertRec](tx, recordKey(t.account, kindServerCert, newName)); err != nil {
					return err
				} else if taken {
					return alreadyExists("The Server Certificate with name %s already exists.", newName)
				}
			}
			if err := tx.Delete(table, recordKey(t.account, kindServerCert, c.Name)); err != nil {
				return err
			}
			c.Name = newName
		}
		return put(tx, recordKey(t.account, kindServerCert, c.Name), c)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateServerCertificateOutput{}, nil
}

func (s *Service) DeleteServerCertificate(ctx context.Context, in *iamapi.DeleteServerCertificateInput) (*iamapi.DeleteServerCertificateOutput, error) {
	t, err := s.authServerCert(ctx, "DeleteServerCertificate", in.ServerCertificateName, nil)
	if err != nil {
		return nil, err
	}
	if err := s.update(ctx, func(tx store.Tx) error {
		return tx.Delete(table, recordKey(t.account, kindServerCert, t.rec.Name))
	}); err != nil {
		return nil, err
	}
	return &iamapi.DeleteServerCertificateOutput{}, nil
}

func (s *Service) TagServerCertificate(ctx context.Context, in *iamapi.TagServerCertificateInput) (*iamapi.TagServerCertificateOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	t, err := s.authServerCert(ctx, "TagServerCertificate", in.ServerCertificateName, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindServerCert, in.ServerCertificateName), noSuchServerCert(in.ServerCertificateName), func(c *serverCertRec) error {
			var err error
			c.Tags, err = mergeTags(c.Tags, in.Tags)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagServerCertificateOutput{}, nil
}

func (s *Service) UntagServerCertificate(ctx context.Context, in *iamapi.UntagServerCertificateInput) (*iamapi.UntagServerCertificateOutput, error) {
	t, err := s.authServerCert(ctx, "UntagServerCertificate", in.ServerCertificateName, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		return modify(tx, recordKey(t.account, kindServerCert, in.ServerCertificateName), noSuchServerCert(in.ServerCertificateName), func(c *serverCertRec) error {
			c.Tags = removeTags(c.Tags, in.TagKeys)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagServerCertificateOutput{}, nil
}

func (s *Service) ListServerCertificateTags(ctx context.Context, in *iamapi.ListServerCertificateTagsInput) (*iamapi.ListServerCertificateTagsOutput, error) {
	t, err := s.authServerCert(ctx, "ListServerCertificateTags", in.ServerCertificateName, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(t.rec.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListServerCertificateTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}
