// Package sigv4 verifies AWS Signature Version 4: the Authorization header,
// presigned query strings, and the payload (hex hashes, aws-chunked bodies with
// per-chunk signatures and checksum trailers, Content-MD5).
//
// The rules are AWS's, from the IAM User Guide's "Create a signed AWS API
// request" and the S3 API Reference's "Authenticating Requests (AWS Signature
// Version 4)" chapters. Errors are *awserr.Error values in the dialect of the
// service called: S3 has its own codes and extra fields; IAM and STS share the
// query-protocol ones.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// Lookup returns the secret access key for an access key ID. sessionToken is
// empty for long-term keys. It returns ErrUnknownAccessKey, ErrInvalidToken or
// ErrExpiredToken when it cannot; an *awserr.Error is passed through as is, any
// other error becomes InternalFailure.
type Lookup func(ctx context.Context, accessKeyID, sessionToken string) (secret string, err error)

// Verifier checks signatures. The zero value is not usable: Lookup is required.
type Verifier struct {
	Lookup Lookup
	// VirtualHostBucket names the bucket a Host addresses virtual-hosted
	// style, "" otherwise: SigV2 signs the bucket in the resource.
	VirtualHostBucket func(host string) string
	Now               func() time.Time // nil means time.Now

	// MaxHashedBody caps the body of a non-S3 request, which is read whole
	// because its hash is part of the signature. 0 means 8 MiB.
	MaxHashedBody int64

	keys keyCache
}

// Result says who signed a request.
type Result struct {
	Anonymous    bool // no signature at all; the gateway decides whether that is allowed
	AccessKeyID  string
	SessionToken string
	Region       string // from the credential scope
	Service      string // from the credential scope
	SignedAt     time.Time
	Presigned    bool
	// SigV2 marks an S3 request signed with Signature Version 2, which
	// names no region: the service decides whether the bucket's region
	// takes it.
	SigV2   bool
	Expires time.Time // presigned requests: when the URL stops working

	// Body is the verifying reader that replaced r.Body, or nil when the body
	// was left alone. See Body for when its errors arrive.
	Body *Body
}

const (
	algorithm     = "AWS4-HMAC-SHA256"
	terminator    = "aws4_request"
	isoBasic      = "20060102T150405Z"
	maxSkew       = 15 * time.Minute
	maxExpires    = 604800 // seconds: a week, the life of a signing key
	emptySHA256   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	unsignedHash  = "UNSIGNED-PAYLOAD"
	streamSigned  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamSignedT = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamUnsignT = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// auth is what a request claims about its signature, from the header or the
// query string.
type auth struct {
	akid, date, region, service string // the credential
	signedHeaders               string // as sent, ';'-separated
	signature                   string
	token                       string
	amzDate                     string // the timestamp in the string to sign
	t                           time.Time
	presigned                   bool
	expires                     int64 // seconds, presigned only
}

func (a *auth) scope() string { return string(appendScope(nil, a)) }

// Verify authenticates r as a request to service (the signing name the
// gateway routed it to: "s3", "iam", "sts", ...), which decides the error
// dialect and must match the credential scope's service.
//
// When r has a body to check, Verify replaces r.Body with a *Body that
// verifies the payload as it streams (see Body) and, for aws-chunked bodies,
// yields the decoded bytes and sets r.ContentLength to the decoded length
// when the client declared it.
func (v *Verifier) Verify(r *http.Request, service string) (*Result, error) {
	res := new(Result)
	if err := v.VerifyWith(r, service, nil, res); err != nil {
		return nil, err
	}
	return res, nil
}

// VerifyWith is Verify with the outcome written to res, which it overwrites,
// and with lookup in place of v.Lookup when not nil. A caller that keeps a
// Result per request and learns more from its own lookup than the secret
// (who the key belongs to, say) can use it to verify without allocating the
// Result or carrying that through the request's context.
func (v *Verifier) VerifyWith(r *http.Request, service string, lookup Lookup, res *Result) error {
	e := errorsFor(service)
	if err := checkRepeated(r.Header, e); err != nil {
		return err
	}
	var qbuf [8]kv
	query := appendQueryParams(qbuf[:0], r.URL.RawQuery)
	header := get(r.Header, "Authorization")
	presigned := query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") ||
		query.has("X-Amz-Signature") || query.has("X-Amz-SignedHeaders") || query.has("X-Amz-Expires")

	var a auth
	var err *awserr.Error
	switch {
	case header != "" && presigned:
		// S3 API Reference, "Authenticating Requests": one mechanism per request.
		if e.s3 {
			return awserr.New(http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified").
				With("ArgumentName", "Authorization").With("ArgumentValue", header)
		}
		return incomplete("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case e.s3 && strings.HasPrefix(header, "AWS "):
		return v.verifyV2(r, query, header, lookup, res, e)
	case header != "":
		a, err = parseHeader(header, r.Header, e)
	case presigned || query.has("X-Amz-Date") || query.has("X-Amz-Security-Token"):
		// Some presigning parameters and not others: malformed, not anonymous.
		a, err = parsePresigned(query, e)
	case e.s3 && query.has("AWSAccessKeyId") && query.has("Signature"):
		// A SigV2 presigned URL.
		return v.verifyV2(r, query, "", lookup, res, e)
	default:
		*res = Result{Anonymous: true, Service: service}
		if e.s3 {
			if err := v.wrapBody(r, res, nil, nil, get(r.Header, "X-Amz-Content-Sha256"), e); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	if a.service != service {
		if e.s3 {
			return awserr.Newf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "%sincorrect service %q. This endpoint belongs to %q.", msgS3Malformed, a.service, service)
		}
		return incomplete(fmt.Sprintf("Credential should be scoped to correct service: '%s'. ", service))
	}
	if err := v.checkTime(&a, e); err != nil {
		return err
	}

	if lookup == nil {
		lookup = v.Lookup
	}
	if lookup == nil {
		return awserr.Internal(errors.New("sigv4: Verifier has no Lookup"))
	}
	secret, lerr := lookup(r.Context(), a.akid, a.token)
	if lerr != nil {
		switch {
		case errors.Is(lerr, ErrUnknownAccessKey):
			return e.unknownKey(a.akid)
		case errors.Is(lerr, ErrInvalidToken):
			return e.invalidToken(a.token)
		case errors.Is(lerr, ErrExpiredToken):
			return e.expiredToken(a.token)
		}
		return awserr.From(lerr)
	}

	if e.s3 {
		if err := checkAllSigned(r.Header, a.signedHeaders); err != nil {
			return err
		}
	} else if !headerSigned(a.signedHeaders, "host") {
		return errHostNotSigned
	}
	payload, body, herr := v.payloadHash(r, &a, e)
	if herr != nil {
		return herr
	}
	key := v.keys.get(secret, a.date, a.region, a.service)
	buf := verifyBufs.Get().(*verifyBuf)
	defer buf.release()
	if body != nil {
		buf.canonical = appendCanonical(buf.canonical[:0], r, &a, query, body.sum[:], e.s3)
	} else {
		buf.canonical = appendCanonical(buf.canonical[:0], r, &a, query, payload, e.s3)
	}
	buf.stringToSign = appendStringToSign(buf.stringToSign[:0], &a, sha256.Sum256(buf.canonical))
	want := key.sum(buf.stringToSign)
	var got [sha256.Size]byte
	if !decodeHex(got[:], a.signature) || !hmac.Equal(want[:], got[:]) {
		return e.mismatch(a.akid, string(buf.stringToSign), a.signature, string(buf.canonical))
	}

	*res = Result{
		AccessKeyID: a.akid, SessionToken: a.token, Region: a.region, Service: a.service,
		SignedAt: a.t, Presigned: a.presigned,
	}
	if a.presigned {
		res.Expires = a.t.Add(time.Duration(a.expires) * time.Second)
	}
	if body != nil {
		// A non-S3 body was read whole to hash it; hand the bytes back.
		r.Body = body
		return nil
	}
	if err := v.wrapBody(r, res, key, &a, payload, e); err != nil {
		return err
	}
	return nil
}

// verifyBuf holds the canonical request and the string to sign while a
// signature is checked. Pooled: both are a few hundred bytes per request.
type verifyBuf struct{ canonical, stringToSign []byte }

var verifyBufs = sync.Pool{New: func() any {
	return &verifyBuf{canonical: make([]byte, 0, 1024), stringToSign: make([]byte, 0, 256)}
}}

// release returns b to the pool, unless a request with an unusually long
// query or header grew it: the pool should not pin that memory.
func (b *verifyBuf) release() {
	if cap(b.canonical) > 16<<10 {
		return
	}
	verifyBufs.Put(b)
}

// appendStringToSign appends SigV4's string to sign for a request whose
// canonical request hashes to sum.
func appendStringToSign(dst []byte, a *auth, sum [sha256.Size]byte) []byte {
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, a.amzDate...)
	dst = append(dst, '\n')
	dst = appendScope(dst, a)
	dst = append(dst, '\n')
	return hex.AppendEncode(dst, sum[:])
}

func appendScope(dst []byte, a *auth) []byte {
	dst = append(dst, a.date...)
	dst = append(dst, '/')
	dst = append(dst, a.region...)
	dst = append(dst, '/')
	dst = append(dst, a.service...)
	return append(dst, "/"+terminator...)
}

// get is http.Header.Get for a name already in canonical form (every caller
// passes a constant), without canonicalizing it again on each request.
func get(h http.Header, canonicalName string) string {
	if v := h[canonicalName]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// decodeHex decodes a hex string that must fill dst exactly.
func decodeHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// checkTime refuses requests signed too far from now, and expired presigned
// URLs.
func (v *Verifier) checkTime(a *auth, e errs) *awserr.Error {
	now := v.now().UTC()
	if a.presigned && e.s3 {
		// S3 presigned URLs live from X-Amz-Date for X-Amz-Expires seconds;
		// the 15-minute skew only limits how far in the future they may start.
		if a.t.Sub(now) > maxSkew {
			return awserr.AccessDenied("Request is not valid yet")
		}
		exp := a.t.Add(time.Duration(a.expires) * time.Second)
		if now.After(exp) {
			return awserr.AccessDenied("Request has expired").
				With("X-Amz-Expires", strconv.FormatInt(a.expires, 10)).
				With("Expires", exp.Format(time.RFC3339)).
				With("ServerTime", now.Format(time.RFC3339))
		}
		return nil
	}
	skew := now.Sub(a.t)
	if skew <= maxSkew && skew >= -maxSkew {
		if a.presigned && now.After(a.t.Add(time.Duration(a.expires)*time.Second)) {
			return awserr.Newf(http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - %d sec.)",
				a.amzDate, now.Add(-time.Duration(a.expires)*time.Second).Format(isoBasic), now.Format(isoBasic), a.expires)
		}
		return nil
	}
	if e.s3 {
		return awserr.New(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.").
			With("RequestTime", a.amzDate).
			With("ServerTime", now.Format(time.RFC3339)).
			With("MaxAllowedSkewMilliseconds", "900000")
	}
	// The texts IAM and STS answer with (SignatureDoesNotMatch, 403).
	if skew > 0 {
		return awserr.Newf(http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			a.amzDate, now.Add(-maxSkew).Format(isoBasic), now.Format(isoBasic))
	}
	return awserr.Newf(http.StatusForbidden, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)",
		a.amzDate, now.Add(maxSkew).Format(isoBasic), now.Format(isoBasic))
}

// checkAllSigned refuses S3 requests carrying x-amz-* headers the signature
// does not cover: the S3 API Reference ("Signature Calculations for the
// Authorization Header") requires every x-amz-* header sent to be signed, so
// nobody can add, say, x-amz-acl to a request signed without it. The same
// chapter requires host to be signed, in the header and in presigned URLs
// alike: without it a signature is replayed against another bucket by
// changing Host. S3 answers that with the same error, naming host (quoted in
// aws/aws-sdk-java#1680, brendanhay/amazonka#272, aws/aws-sdk-js#2601:
// AccessDenied, HeadersNotSigned: host).
func checkAllSigned(h http.Header, signed string) *awserr.Error {
	var missing []string
	if !headerSigned(signed, "host") {
		missing = append(missing, "host")
	}
	for name := range h {
		if len(name) < 6 || !strings.EqualFold(name[:6], "x-amz-") || headerSigned(signed, name) {
			continue
		}
		missing = append(missing, strings.ToLower(name))
	}
	if missing == nil {
		return nil
	}
	slices.Sort(missing)
	return awserr.AccessDenied("There were headers present in the request which were not signed").
		With("HeadersNotSigned", strings.Join(missing, ", "))
}

// errHostNotSigned is what AWS's other services answer a signature that
// leaves out host: the text is the one quoted from DynamoDB in
// aws/aws-sdk-php#2469 (InvalidSignatureException there, the JSON services'
// name for what the query services call SignatureDoesNotMatch: both carry
// the same "Signature expired" and mismatch texts).
var errHostNotSigned = awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")

// singleHeaders are the headers that steer verification. Each must come at
// most once: reading the first of several would let the signature cover one
// request and the code act on another.
var singleHeaders = [...]string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer"}

// checkRepeated refuses a request that sends one of singleHeaders more than
// once. None of them is a list (RFC 9110, section 5.3), so a recipient may
// not fold the lines into one value; AWS documents no answer, so each gets
// the error its header has when its value is malformed, the value being the
// lines joined with commas as the canonical request joins them (two
// Authorization values joined read as one header with a fourth component,
// which S3 calls malformed).
func checkRepeated(h http.Header, e errs) *awserr.Error {
	for _, name := range singleHeaders {
		vals := h[name]
		if len(vals) < 2 {
			continue
		}
		joined := strings.Join(vals, ",")
		switch name {
		case "Authorization":
			return e.malformedHeader("the authorization header requires three components: Credential, SignedHeaders, and Signature.",
				fmt.Sprintf("Authorization header must be sent once, not %d times.", len(vals)))
		case "X-Amz-Date":
			if e.s3 {
				return awserr.AccessDenied(msgS3NoDate)
			}
			return incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", joined))
		case "X-Amz-Security-Token":
			return e.invalidToken(joined)
		case "X-Amz-Content-Sha256":
			if e.s3 {
				return errBadContentSHA(joined)
			}
			return e.plainMismatch()
		case "X-Amz-Decoded-Content-Length":
			if e.s3 {
				return awserr.New(http.StatusBadRequest, "InvalidArgument", "x-amz-decoded-content-length is not valid.").
					With("ArgumentName", "x-amz-decoded-content-length").With("ArgumentValue", joined)
			}
		case "X-Amz-Trailer":
			if e.s3 {
				return awserr.New(http.StatusBadRequest, "InvalidRequest", "The value specified in the x-amz-trailer header is not supported")
			}
		}
	}
	return nil
}

// headerSigned says whether name is in the ';'-separated list signed.
func headerSigned(signed, name string) bool {
	for rest := signed; rest != ""; {
		var s string
		s, rest, _ = strings.Cut(rest, ";")
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// Scope finds the signing service and region a request claims, without
// verifying anything, so the gateway can route on it. ok is false for an
// unsigned request or a credential that does not parse.
func Scope(r *http.Request) (service, region string, ok bool) {
	var cred string
	if h := get(r.Header, "Authorization"); h != "" {
		i := strings.Index(h, "Credential=")
		if i < 0 {
			return "", "", false
		}
		cred = h[i+len("Credential="):]
		if j := strings.IndexAny(cred, ", "); j >= 0 {
			cred = cred[:j]
		}
	} else {
		q := r.URL.RawQuery
		i := strings.Index(q, "X-Amz-Credential=")
		if i < 0 || (i > 0 && q[i-1] != '&') {
			return "", "", false
		}
		cred = q[i+len("X-Amz-Credential="):]
		if j := strings.IndexByte(cred, '&'); j >= 0 {
			cred = cred[:j]
		}
		var err error
		if cred, err = url.QueryUnescape(cred); err != nil {
			return "", "", false
		}
	}
	_, _, region, service, ok = splitCredential(cred)
	return service, region, ok
}

// splitCredential splits AKID/DATE/REGION/SERVICE/aws4_request.
func splitCredential(cred string) (akid, date, region, service string, ok bool) {
	parts, ok := splitFive(cred)
	if !ok || parts[4] != terminator || parts[0] == "" || !isDate(parts[1]) || parts[2] == "" || parts[3] == "" {
		return "", "", "", "", false
	}
	return parts[0], parts[1], parts[2], parts[3], true
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
