package iam

import (
	"context"
	"encoding/xml"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// SAML 2.0 identity providers (IAM User Guide, "Create a SAML identity
// provider in IAM"). doppel stores the metadata document and the date it
// is valid until; STS reads them for AssumeRoleWithSAML.

const kindSAML = "saml-provider"

// samlMetadataNS is the namespace of SAML 2.0 metadata documents.
const samlMetadataNS = "urn:oasis:names:tc:SAML:2.0:metadata"

// samlDefaultValidity is how long a provider whose metadata names no
// validUntil stays valid: AWS answers a date a century after creation.
const samlDefaultValidity = 100

type samlRec struct {
	Name       string
	Metadata   string
	Created    time.Time
	ValidUntil time.Time
	Tags       []tag
}

func samlARN(account, name string) string {
	return "arn:aws:iam::" + account + ":saml-provider/" + name
}

// samlKey is the record key of a provider ARN of account, or "".
func samlKey(account, providerArn string) string {
	name, ok := strings.CutPrefix(providerArn, "arn:aws:iam::"+account+":saml-provider/")
	if !ok || name == "" {
		return ""
	}
	return recordKey(account, kindSAML, name)
}

// parseSAMLMetadata checks that doc is SAML 2.0 metadata (an EntityDescriptor
// or EntitiesDescriptor) and returns its validUntil, zero when it has none.
func parseSAMLMetadata(doc string) (time.Time, error) {
	bad := invalidInput("Could not parse metadata")
	var root struct {
		XMLName    xml.Name
		ValidUntil string `xml:"validUntil,attr"`
	}
	if err := xml.Unmarshal([]byte(doc), &root); err != nil {
		return time.Time{}, bad
	}
	if root.XMLName.Space != samlMetadataNS || (root.XMLName.Local != "EntityDescriptor" && root.XMLName.Local != "EntitiesDescriptor") {
		return time.Time{}, bad
	}
	if root.ValidUntil == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, root.ValidUntil)
	if err != nil {
		return time.Time{}, bad
	}
	return t.UTC(), nil
}

func (s *Service) modifySAML(ctx context.Context, account, providerArn string, fn func(*samlRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		return modify(tx, samlKey(account, providerArn), noSuchSAML(providerArn), fn)
	})
}

func (s *Service) CreateSAMLProvider(ctx context.Context, in *iamapi.CreateSAMLProviderInput) (*iamapi.CreateSAMLProviderOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	validUntil, err := parseSAMLMetadata(in.SAMLMetadataDocument)
	if err != nil {
		return nil, err
	}
	account, err := s.begin(ctx, "CreateSAMLProvider", func(a string) string { return samlARN(a, in.Name) }, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	if validUntil.IsZero() {
		validUntil = now.AddDate(samlDefaultValidity, 0, 0)
	}
	rec := samlRec{Name: in.Name, Metadata: in.SAMLMetadataDocument, Created: now, ValidUntil: validUntil, Tags: toTags(in.Tags)}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[samlRec](tx, recordKey(account, kindSAML, in.Name)); err != nil {
			return err
		} else if found {
			return alreadyExists("SAMLProvider %s already exists", in.Name)
		}
		return put(tx, recordKey(account, kindSAML, in.Name), rec)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateSAMLProviderOutput{SAMLProviderArn: api.String(samlARN(account, in.Name)), Tags: fromTags(rec.Tags)}, nil
}

func (s *Service) GetSAMLProvider(ctx context.Context, in *iamapi.GetSAMLProviderInput) (*iamapi.GetSAMLProviderOutput, error) {
	_, rec, err := s.authSAML(ctx, "GetSAMLProvider", in.SAMLProviderArn, nil)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetSAMLProviderOutput{
		SAMLMetadataDocument: api.String(rec.Metadata), CreateDate: api.Time(rec.Created), ValidUntil: api.Time(rec.ValidUntil), Tags: fromTags(rec.Tags),
	}, nil
}

func (s *Service) UpdateSAMLProvider(ctx context.Context, in *iamapi.UpdateSAMLProviderInput) (*iamapi.UpdateSAMLProviderOutput, error) {
	validUntil, err := parseSAMLMetadata(in.SAMLMetadataDocument)
	if err != nil {
		return nil, err
	}
	account, _, err := s.authSAML(ctx, "UpdateSAMLProvider", in.SAMLProviderArn, nil)
	if err != nil {
		return nil, err
	}
	err = s.modifySAML(ctx, account, in.SAMLProviderArn, func(r *samlRec) error {
		r.Metadata = in.SAMLMetadataDocument
		if !validUntil.IsZero() {
			r.ValidUntil = validUntil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateSAMLProviderOutput{SAMLProviderArn: api.String(in.SAMLProviderArn)}, nil
}

func (s *Service) DeleteSAMLProvider(ctx context.Context, in *iamapi.DeleteSAMLProviderInput) (*iamapi.DeleteSAMLProviderOutput, error) {
	account, _, err := s.authSAML(ctx, "DeleteSAMLProvider", in.SAMLProviderArn, nil)
	if err != nil {
		return nil, err
	}
	if err := s.update(ctx, func(tx store.Tx) error {
		return tx.Delete(table, samlKey(account, in.SAMLProviderArn))
	}); err != nil {
		return nil, err
	}
	return &iamapi.DeleteSAMLProviderOutput{}, nil
}

func (s *Service) ListSAMLProviders(ctx context.Context, in *iamapi.ListSAMLProvidersInput) (*iamapi.ListSAMLProvidersOutput, error) {
	account, err := s.begin(ctx, "ListSAMLProviders", nil, nil)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListSAMLProvidersOutput{SAMLProviderList: []iamapi.SAMLProviderListEntry{}}
	err = s.view(ctx, func(tx store.Tx) error {
		all, err := scan[samlRec](tx, account, kindSAML)
		for _, p := range all {
			out.SAMLProviderList = append(out.SAMLProviderList, iamapi.SAMLProviderListEntry{
				Arn: api.String(samlARN(account, p.Name)), ValidUntil: api.Time(p.ValidUntil), CreateDate: api.Time(p.Created),
			})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) TagSAMLProvider(ctx context.Context, in *iamapi.TagSAMLProviderInput) (*iamapi.TagSAMLProviderOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.authSAML(ctx, "TagSAMLProvider", in.SAMLProviderArn, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.modifySAML(ctx, account, in.SAMLProviderArn, func(r *samlRec) error {
		var err error
		r.Tags, err = mergeTags(r.Tags, in.Tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagSAMLProviderOutput{}, nil
}

func (s *Service) UntagSAMLProvider(ctx context.Context, in *iamapi.UntagSAMLProviderInput) (*iamapi.UntagSAMLProviderOutput, error) {
	account, _, err := s.authSAML(ctx, "UntagSAMLProvider", in.SAMLProviderArn, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	err = s.modifySAML(ctx, account, in.SAMLProviderArn, func(r *samlRec) error {
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagSAMLProviderOutput{}, nil
}

func (s *Service) ListSAMLProviderTags(ctx context.Context, in *iamapi.ListSAMLProviderTagsInput) (*iamapi.ListSAMLProviderTagsOutput, error) {
	_, rec, err := s.authSAML(ctx, "ListSAMLProviderTags", in.SAMLProviderArn, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(rec.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListSAMLProviderTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}

// SAMLProvider returns the metadata document of account's SAML provider
// called name and the date it is valid until, for AssumeRoleWithSAML.
func (s *Service) SAMLProvider(ctx context.Context, account, name string) (metadata string, validUntil time.Time, found bool, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		rec, ok, err := get[samlRec](tx, recordKey(account, kindSAML, name))
		metadata, validUntil, found = rec.Metadata, rec.ValidUntil, ok
		return err
	})
	return metadata, validUntil, found, err
}
