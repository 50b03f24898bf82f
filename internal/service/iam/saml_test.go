package iam

import (
	"strings"
	"testing"
	"time"

	"github.com/doppel-aws/doppel/internal/api/iamapi"
)

// samlMetadata is a minimal IdP metadata document, padded past the model's
// 1000-character minimum the codec enforces.
func samlMetadata(validUntil string) string {
	attr := ""
	if validUntil != "" {
		attr = ` validUntil="` + validUntil + `"`
	}
	return `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"` + attr + `>` +
		`<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>` +
		`</md:IDPSSODescriptor><!--` + strings.Repeat("x", 1000) + `--></md:EntityDescriptor>`
}

func TestSAMLProvider(t *testing.T) {
	h := newHarness(t)
	s, ctx := h.svc, h.ctx
	arn := *must(s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: "corp", SAMLMetadataDocument: samlMetadata(""), Tags: []iamapi.Tag{{Key: "k", Value: "v"}}})).SAMLProviderArn
	if arn != "arn:aws:iam::"+acct+":saml-provider/corp" {
		t.Fatalf("ARN = %s", arn)
	}
	g := must(s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: arn}))
	if !g.ValidUntil.Equal(h.clock.t.AddDate(100, 0, 0)) || len(g.Tags) != 1 || !strings.Contains(*g.SAMLMetadataDocument, "idp.example.com") {
		t.Fatalf("GetSAMLProvider = %+v", g)
	}
	must(s.UpdateSAMLProvider(ctx, &iamapi.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: samlMetadata("2030-01-02T03:04:05Z")}))
	if g := must(s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: arn})); !g.ValidUntil.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("ValidUntil after update = %v", g.ValidUntil)
	}
	if l := must(s.ListSAMLProviders(ctx, &iamapi.ListSAMLProvidersInput{})); len(l.SAMLProviderList) != 1 || *l.SAMLProviderList[0].Arn != arn {
		t.Fatalf("ListSAMLProviders = %+v", l)
	}
	must(s.TagSAMLProvider(ctx, &iamapi.TagSAMLProviderInput{SAMLProviderArn: arn, Tags: []iamapi.Tag{{Key: "a", Value: "b"}}}))
	must(s.UntagSAMLProvider(ctx, &iamapi.UntagSAMLProviderInput{SAMLProviderArn: arn, TagKeys: []string{"k"}}))
	if l := must(s.ListSAMLProviderTags(ctx, &iamapi.ListSAMLProviderTagsInput{SAMLProviderArn: arn})); len(l.Tags) != 1 || l.Tags[0].Key != "a" {
		t.Fatalf("tags = %+v", l.Tags)
	}
	if m := must(s.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})).SummaryMap; m["Providers"] != 1 {
		t.Fatalf("Providers = %d", m["Providers"])
	}

	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"duplicate", func() error {
			_, err := s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: "corp", SAMLMetadataDocument: samlMetadata("")})
			return err
		}, "EntityAlreadyExists"},
		{"not XML", func() error {
			_, err := s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: "x", SAMLMetadataDocument: strings.Repeat("not xml ", 200)})
			return err
		}, "InvalidInput"},
		{"XML but not SAML metadata", func() error {
			_, err := s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: "x", SAMLMetadataDocument: "<html>" + strings.Repeat("x", 1000) + "</html>"})
			return err
		}, "InvalidInput"},
		{"bad validUntil", func() error {
			_, err := s.CreateSAMLProvider(ctx, &iamapi.CreateSAMLProviderInput{Name: "x", SAMLMetadataDocument: samlMetadata("tomorrow")})
			return err
		}, "InvalidInput"},
		{"get another account's", func() error {
			_, err := s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: "arn:aws:iam::222222222222:saml-provider/corp"})
			return err
		}, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(), tc.code, "", 0)
		})
	}
	must(s.DeleteSAMLProvider(ctx, &iamapi.DeleteSAMLProviderInput{SAMLProviderArn: arn}))
	_, err := s.GetSAMLProvider(ctx, &iamapi.GetSAMLProviderInput{SAMLProviderArn: arn})
	wantErr(t, err, "NoSuchEntity", "", 404)
}
