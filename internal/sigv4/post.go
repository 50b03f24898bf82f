package sigv4

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// PostForm is the signature of a browser-based upload (S3 POST Object):
// form fields, not headers, carry it (S3 API Reference, "Authenticating
// Requests in Browser-Based Uploads Using POST (AWS Signature Version 4)").
type PostForm struct {
	Policy     string // the base64 policy document, which is what is signed
	Algorithm  string // x-amz-algorithm
	Credential string // x-amz-credential: AKID/date/region/s3/aws4_request
	Date       string // x-amz-date, ISO 8601 basic
	Signature  string // x-amz-signature: hex HMAC-SHA256 of Policy
	Token      string // x-amz-security-token
}

// VerifyPost checks a POST form's signature: the signing key for the
// credential's scope signs the base64 policy as it was sent. It fills res
// (access key, region, time) and asks lookup for the secret.
func (v *Verifier) VerifyPost(ctx context.Context, f PostForm, lookup Lookup, res *Result) error {
	e := errs{s3: true}
	*res = Result{}
	if f.Algorithm != algorithm {
		if f.Algorithm == "" {
			return awserr.New(http.StatusBadRequest, "InvalidRequest", "Bucket POST must contain a field named 'x-amz-algorithm'.  If it is specified, please check the order of the fields.")
		}
		return awserr.New(http.StatusBadRequest, "InvalidArgument", "Invalid algorithm provided in policy").With("ArgumentName", "x-amz-algorithm").With("ArgumentValue", f.Algorithm)
	}
	for _, req := range []struct{ name, val string }{{"x-amz-credential", f.Credential}, {"x-amz-date", f.Date}, {"x-amz-signature", f.Signature}} {
		if req.val == "" {
			return awserr.New(http.StatusBadRequest, "InvalidRequest", "Bucket POST must contain a field named '"+req.name+"'.  If it is specified, please check the order of the fields.")
		}
	}
	var a auth
	if err := a.setCredential(f.Credential, e, true); err != nil {
		return err
	}
	t, err := parseISOBasic(f.Date)
	if err != nil {
		return awserr.New(http.StatusBadRequest, "InvalidArgument", "Invalid date provided in policy").With("ArgumentName", "x-amz-date").With("ArgumentValue", f.Date)
	}
	if lookup == nil {
		lookup = v.Lookup
	}
	secret, lerr := lookup(ctx, a.akid, f.Token)
	if lerr != nil {
		switch {
		case errors.Is(lerr, ErrUnknownAccessKey):
			return e.unknownKey(a.akid)
		case errors.Is(lerr, ErrInvalidToken):
			return e.invalidToken(f.Token)
		case errors.Is(lerr, ErrExpiredToken):
			return e.expiredToken(f.Token)
		}
		return awserr.From(lerr)
	}
	want := hex.EncodeToString(hmacSHA256(signingKey(secret, a.date, a.region, a.service), f.Policy))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(f.Signature))) {
		return e.plainMismatch()
	}
	*res = Result{AccessKeyID: a.akid, SessionToken: f.Token, Region: a.region, Service: a.service, SignedAt: t}
	return nil
}
