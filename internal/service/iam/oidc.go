package iam

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/doppel-aws/doppel/internal/api"
	"github.com/doppel-aws/doppel/internal/api/iamapi"
	"github.com/doppel-aws/doppel/internal/store"
)

// OpenID Connect provider limits (IAM API reference,
// CreateOpenIDConnectProvider): up to 100 client IDs and 5 thumbprints, each
// thumbprint 40 characters (a SHA-1 fingerprint in hex).
const (
	maxClientIDs   = 100
	maxThumbprints = 5
)

// oidcHost is the provider URL as it appears in the ARN: without https://.
func oidcHost(url string) string { return strings.TrimPrefix(url, "https://") }

func oidcARN(account, host string) string {
	return "arn:aws:iam::" + account + ":oidc-provider/" + host
}

// oidcKey is the record key of a provider ARN in account, or "" when the ARN
// does not name a provider of that account.
func oidcKey(account, providerArn string) string {
	host, ok := strings.CutPrefix(providerArn, "arn:aws:iam::"+account+":oidc-provider/")
	if !ok || host == "" {
		return ""
	}
	return recordKey(account, kindOIDC, host)
}

func checkThumbprints(list []string) error {
	if len(list) > maxThumbprints {
		return quota("ThumbprintsPerOpenIDConnectProvider", maxThumbprints)
	}
	// AWS checks a thumbprint's length only (the model's thumbprintType is
	// 40 characters): providers' own tests use values that are not hex.
	for _, t := range list {
		if utf8.RuneCountInString(t) != 40 {
			return validationError(t, "thumbprintList", "must have length equal to 40")
		}
	}
	return nil
}

// defaultThumbprints is what a provider created without a thumbprint keeps.
// AWS fills in the thumbprint of the IdP's top intermediate certificate,
// which it fetches (IAM User Guide, "Create an OpenID Connect (OIDC) identity
// provider in IAM"); doppel fetches nothing and stores a stable stand-in, so
// clients that read the list back (Terraform's provider) find one.
func defaultThumbprints(host string) []string {
	sum := sha1.Sum([]byte("doppel thumbprint " + host))
	return []string{hex.EncodeToString(sum[:])}
}

func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, in *iamapi.CreateOpenIDConnectProviderInput) (*iamapi.CreateOpenIDConnectProviderOutput, error) {
	if !strings.HasPrefix(in.Url, "https://") || len(in.Url) <= len("https://") || strings.ContainsAny(in.Url, "?#") {
		return nil, validationError(in.Url, "url", "must be a URL that begins with https:// and has no query string or fragment")
	}
	if len(in.ClientIDList) > maxClientIDs {
		return nil, quota("ClientIdsPerOpenIdConnectProvider", maxClientIDs)
	}
	if err := checkThumbprints(in.ThumbprintList); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	host := oidcHost(in.Url)
	thumbprints := in.ThumbprintList
	if len(thumbprints) == 0 {
		thumbprints = defaultThumbprints(host)
	}
	account, err := s.begin(ctx, "CreateOpenIDConnectProvider", func(a string) string { return oidcARN(a, host) }, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	rec := oidcRec{URL: host, ClientIDs: in.ClientIDList, Thumbprints: thumbprints, Created: s.now().UTC().Truncate(time.Second), Tags: toTags(in.Tags)}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, found, err := get[oidcRec](tx, recordKey(account, kindOIDC, host)); err != nil {
			return err
		} else if found {
			return alreadyExists("Provider with url %s already exists.", in.Url)
		}
		return put(tx, recordKey(account, kindOIDC, host), rec)
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.CreateOpenIDConnectProviderOutput{OpenIDConnectProviderArn: api.String(oidcARN(account, host)), Tags: fromTags(rec.Tags)}, nil
}

func (s *Service) GetOpenIDConnectProvider(ctx context.Context, in *iamapi.GetOpenIDConnectProviderInput) (*iamapi.GetOpenIDConnectProviderOutput, error) {
	_, rec, err := s.authOIDC(ctx, "GetOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
	if err != nil {
		return nil, err
	}
	return &iamapi.GetOpenIDConnectProviderOutput{
		Url: api.String(rec.URL), ClientIDList: rec.ClientIDs, ThumbprintList: rec.Thumbprints,
		CreateDate: api.Time(rec.Created), Tags: fromTags(rec.Tags),
	}, nil
}

func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, in *iamapi.DeleteOpenIDConnectProviderInput) (*iamapi.DeleteOpenIDConnectProviderOutput, error) {
	account, _, err := s.authOIDC(ctx, "DeleteOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
	if err != nil {
		return nil, err
	}
	if err := s.update(ctx, func(tx store.Tx) error {
		return tx.Delete(table, oidcKey(account, in.OpenIDConnectProviderArn))
	}); err != nil {
		return nil, err
	}
	return &iamapi.DeleteOpenIDConnectProviderOutput{}, nil
}

func (s *Service) ListOpenIDConnectProviders(ctx context.Context, in *iamapi.ListOpenIDConnectProvidersInput) (*iamapi.ListOpenIDConnectProvidersOutput, error) {
	account, err := s.begin(ctx, "ListOpenIDConnectProviders", nil, nil)
	if err != nil {
		return nil, err
	}
	out := &iamapi.ListOpenIDConnectProvidersOutput{OpenIDConnectProviderList: []iamapi.OpenIDConnectProviderListEntry{}}
	err = s.view(ctx, func(tx store.Tx) error {
		all, err := scan[oidcRec](tx, account, kindOIDC)
		for _, p := range all {
			out.OpenIDConnectProviderList = append(out.OpenIDConnectProviderList, iamapi.OpenIDConnectProviderListEntry{Arn: api.String(oidcARN(account, p.URL))})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) modifyOIDC(ctx context.Context, account, providerArn string, fn func(*oidcRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		return modify(tx, oidcKey(account, providerArn), noSuchOIDC(providerArn), fn)
	})
}

func (s *Service) AddClientIDToOpenIDConnectProvider(ctx context.Context, in *iamapi.AddClientIDToOpenIDConnectProviderInput) (*iamapi.AddClientIDToOpenIDConnectProviderOutput, error) {
	account, _, err := s.authOIDC(ctx, "AddClientIDToOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
	if err != nil {
		return nil, err
	}
	err = s.modifyOIDC(ctx, account, in.OpenIDConnectProviderArn, func(p *oidcRec) error {
		if contains(p.ClientIDs, in.ClientID) {
			return nil
		}
		if len(p.ClientIDs) >= maxClientIDs {
			return quota("ClientIdsPerOpenIdConnectProvider", maxClientIDs)
		}
		p.ClientIDs = append(p.ClientIDs, in.ClientID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.AddClientIDToOpenIDConnectProviderOutput{}, nil
}

func (s *Service) RemoveClientIDFromOpenIDConnectProvider(ctx context.Context, in *iamapi.RemoveClientIDFromOpenIDConnectProviderInput) (*iamapi.RemoveClientIDFromOpenIDConnectProviderOutput, error) {
	account, _, err := s.authOIDC(ctx, "RemoveClientIDFromOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
	if err != nil {
		return nil, err
	}
	err = s.modifyOIDC(ctx, account, in.OpenIDConnectProviderArn, func(p *oidcRec) error {
		p.ClientIDs = remove(p.ClientIDs, in.ClientID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.RemoveClientIDFromOpenIDConnectProviderOutput{}, nil
}

func (s *Service) UpdateOpenIDConnectProviderThumbprint(ctx context.Context, in *iamapi.UpdateOpenIDConnectProviderThumbprintInput) (*iamapi.UpdateOpenIDConnectProviderThumbprintOutput, error) {
	if err := checkThumbprints(in.ThumbprintList); err != nil {
		return nil, err
	}
	account, _, err := s.authOIDC(ctx, "UpdateOpenIDConnectProviderThumbprint", in.OpenIDConnectProviderArn, nil)
	if err != nil {
		return nil, err
	}
	err = s.modifyOIDC(ctx, account, in.OpenIDConnectProviderArn, func(p *oidcRec) error {
		p.Thumbprints = in.ThumbprintList
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UpdateOpenIDConnectProviderThumbprintOutput{}, nil
}

func (s *Service) TagOpenIDConnectProvider(ctx context.Context, in *iamapi.TagOpenIDConnectProviderInput) (*iamapi.TagOpenIDConnectProviderOutput, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	account, _, err := s.authOIDC(ctx, "TagOpenIDConnectProvider", in.OpenIDConnectProviderArn, requestTagKeys(nil, in.Tags))
	if err != nil {
		return nil, err
	}
	err = s.modifyOIDC(ctx, account, in.OpenIDConnectProviderArn, func(p *oidcRec) error {
		var err error
		p.Tags, err = mergeTags(p.Tags, in.Tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.TagOpenIDConnectProviderOutput{}, nil
}

func (s *Service) UntagOpenIDConnectProvider(ctx context.Context, in *iamapi.UntagOpenIDConnectProviderInput) (*iamapi.UntagOpenIDConnectProviderOutput, error) {
	account, _, err := s.authOIDC(ctx, "UntagOpenIDConnectProvider", in.OpenIDConnectProviderArn, map[string][]string{"aws:TagKeys": in.TagKeys})
	if err != nil {
		return nil, err
	}
	err = s.modifyOIDC(ctx, account, in.OpenIDConnectProviderArn, func(p *oidcRec) error {
		p.Tags = removeTags(p.Tags, in.TagKeys)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.UntagOpenIDConnectProviderOutput{}, nil
}

func (s *Service) ListOpenIDConnectProviderTags(ctx context.Context, in *iamapi.ListOpenIDConnectProviderTagsInput) (*iamapi.ListOpenIDConnectProviderTagsOutput, error) {
	_, rec, err := s.authOIDC(ctx, "ListOpenIDConnectProviderTags", in.OpenIDConnectProviderArn, nil)
	if err != nil {
		return nil, err
	}
	pg, trunc, marker, err := pageTags(rec.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamapi.ListOpenIDConnectProviderTagsOutput{Tags: pg, IsTruncated: trunc, Marker: marker}, nil
}

// OIDCProvider returns the client IDs and thumbprints of the provider for
// url (with or without https://) in account, for web identity federation.
func (s *Service) OIDCProvider(ctx context.Context, account, url string) (clientIDs, thumbprints []string, found bool, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		rec, ok, err := get[oidcRec](tx, recordKey(account, kindOIDC, oidcHost(url)))
		clientIDs, thumbprints, found = rec.ClientIDs, rec.Thumbprints, ok
		return err
	})
	return clientIDs, thumbprints, found, err
}
