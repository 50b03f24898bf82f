package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// Signature Version 2 for S3 (S3 Developer Guide, "Signing and
// authenticating REST requests", the SigV2 chapter AWS keeps for the
// regions that still take it): HMAC-SHA1 of a string to sign made of the
// verb, Content-MD5, Content-Type, the date (Expires for a presigned URL),
// the x-amz- headers and the resource with its sub-resources. Whether the
// bucket's region takes it is the service's call (Result.SigV2).

// v2SubResources are the query parameters that belong to the resource
// being signed, with the response-* overrides.
var v2SubResources = map[string]bool{
	"acl": true, "accelerate": true, "analytics": true, "cors": true, "delete": true, "encryption": true, "inventory": true,
	"lifecycle": true, "location": true, "logging": true, "metrics": true, "notification": true, "object-lock": true,
	"ownershipControls": true, "partNumber": true, "policy": true, "policyStatus": true, "publicAccessBlock": true,
	"replication": true, "requestPayment": true, "restore": true, "retention": true, "legal-hold": true, "select": true,
	"tagging": true, "torrent": true, "uploadId": true, "uploads": true, "versionId": true, "versioning": true,
	"versions": true, "website": true, "attributes": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
	"response-content-language": true, "response-content-type": true, "response-expires": true,
}

// v2StringToSign builds SigV2's string to sign; date is the Date header
// (empty when x-amz-date is sent) or, presigned, the Expires value.
func v2StringToSign(r *http.Request, query queryParams, date, bucket string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(r.Header.Get("Content-Md5") + "\n")
	b.WriteString(r.Header.Get("Content-Type") + "\n")
	b.WriteString(date + "\n")
	var amz []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			vals := make([]string, len(vs))
			for i, v := range vs {
				vals[i] = strings.TrimSpace(v)
			}
			amz = append(amz, lk+":"+strings.Join(vals, ","))
		}
	}
	slices.Sort(amz)
	for _, h := range amz {
		b.WriteString(h + "\n")
	}
	if bucket != "" {
		b.WriteString("/" + bucket)
	}
	b.WriteString(r.URL.EscapedPath())
	var subs []kv
	for _, p := range query {
		if v2SubResources[p.k] {
			subs = append(subs, p)
		}
	}
	slices.SortStableFunc(subs, func(x, y kv) int { return strings.Compare(x.k, y.k) })
	for i, p := range subs {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		if p.v != "" {
			b.WriteString("=" + p.v)
		}
	}
	return b.String()
}

// verifyV2 checks a SigV2 request: the "AWS AKID:signature" header, or
// the AWSAccessKeyId, Signature and Expires query parameters.
func (v *Verifier) verifyV2(r *http.Request, query queryParams, header string, lookup Lookup, res *Result, e errs) error {
	var akid, sig, date, token string
	presigned := header == ""
	now := v.now()
	var expires time.Time
	if presigned {
		akid, sig, token = query.get("AWSAccessKeyId"), query.get("Signature"), query.get("x-amz-security-token")
		if token == "" {
			token = get(r.Header, "X-Amz-Security-Token")
		}
		date = query.get("Expires")
		secs, err := strconv.ParseInt(date, 10, 64)
		if err != nil {
			return awserr.New(http.StatusForbidden, "AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
		}
		expires = time.Unix(secs, 0).UTC()
		if now.After(expires) {
			return awserr.New(http.StatusForbidden, "AccessDenied", "Request has expired").
				With("Expires", expires.Format(time.RFC3339)).With("ServerTime", now.UTC().Format(time.RFC3339))
		}
	} else {
		cred := strings.TrimPrefix(header, "AWS ")
		i := strings.LastIndexByte(cred, ':')
		if i <= 0 {
			return awserr.New(http.StatusBadRequest, "InvalidArgument", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature").
				With("ArgumentName", "Authorization").With("ArgumentValue", header)
		}
		akid, sig, token = cred[:i], cred[i+1:], get(r.Header, "X-Amz-Security-Token")
		stamp := get(r.Header, "X-Amz-Date")
		if stamp == "" {
			date = get(r.Header, "Date")
			stamp = date
		}
		t, err := http.ParseTime(stamp)
		if err != nil {
			return awserr.AccessDenied(msgS3NoDate)
		}
		if d := now.Sub(t); d > maxSkew || d < -maxSkew {
			return awserr.New(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.").
				With("RequestTime", stamp).With("ServerTime", now.UTC().Format(time.RFC3339)).With("MaxAllowedSkewMilliseconds", "900000")
		}
	}
	if lookup == nil {
		lookup = v.Lookup
	}
	if lookup == nil {
		return awserr.Internal(errors.New("sigv4: Verifier has no Lookup"))
	}
	secret, lerr := lookup(r.Context(), akid, token)
	if lerr != nil {
		switch {
		case errors.Is(lerr, ErrUnknownAccessKey):
			return e.unknownKey(akid)
		case errors.Is(lerr, ErrInvalidToken):
			return e.invalidToken(token)
		case errors.Is(lerr, ErrExpiredToken):
			return e.expiredToken(token)
		}
		return awserr.From(lerr)
	}
	bucket := ""
	if v.VirtualHostBucket != nil {
		bucket = v.VirtualHostBucket(r.Host)
	}
	sts := v2StringToSign(r, query, date, bucket)
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(sts))
	want := base64.StdEncoding.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", msgS3Mismatch).
			With("AWSAccessKeyId", akid).With("StringToSign", sts).With("SignatureProvided", sig).With("StringToSignBytes", hexBytes(sts))
	}
	*res = Result{AccessKeyID: akid, SessionToken: token, Service: "s3", SignedAt: now, Presigned: presigned, Expires: expires, SigV2: true}
	// Returned apart: a nil *awserr.Error is not a nil error.
	if err := v.wrapBody(r, res, nil, nil, get(r.Header, "X-Amz-Content-Sha256"), e); err != nil {
		return err
	}
	return nil
}
