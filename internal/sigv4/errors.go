package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// What a Lookup returns when it cannot give a secret. Verify turns them into
// the error code of the service that was called.
var (
	ErrUnknownAccessKey = errors.New("sigv4: unknown access key")
	ErrInvalidToken     = errors.New("sigv4: invalid session token")
	ErrExpiredToken     = errors.New("sigv4: expired session token")
)

// S3 speaks a different error dialect from the query services (IAM, STS): its
// own codes, statuses and extra body fields. An errs value picks the dialect
// of the service called.
type errs struct{ s3 bool }

func errorsFor(service string) errs { return errs{s3: service == "s3"} }

// The texts are what the services answer, as quoted in AWS SDK and client
// issue threads: AWS documents the codes, rarely the messages.
const (
	msgIncompleteMissing = "Authorization header requires '%s' parameter. "
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgS3Mismatch        = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	msgS3Malformed       = "The authorization header is malformed; "
	msgS3BadCredential   = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	msgS3QueryMissing    = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	msgS3NoDate          = "AWS authentication requires a valid Date or x-amz-date header"
)

func incomplete(msg string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "IncompleteSignature", msg)
}

// malformedHeader is a syntax error in the Authorization header, with S3's
// message and IAM's and STS's (which quote the header back).
func (e errs) malformedHeader(s3msg, queryMsg string) *awserr.Error {
	if e.s3 {
		return awserr.New(http.StatusBadRequest, "AuthorizationHeaderMalformed", msgS3Malformed+s3msg)
	}
	return incomplete(queryMsg)
}

// malformedQuery is a syntax error in presigned query parameters.
func (e errs) malformedQuery(s3msg, queryMsg string) *awserr.Error {
	if e.s3 {
		return awserr.New(http.StatusBadRequest, "AuthorizationQueryParametersError", s3msg)
	}
	return incomplete(queryMsg)
}

func (e errs) unknownKey(akid string) *awserr.Error {
	if e.s3 {
		return awserr.New(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.").With("AWSAccessKeyId", akid)
	}
	return e.invalidToken("")
}

func (e errs) invalidToken(token string) *awserr.Error {
	if e.s3 {
		return awserr.New(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.").With("Token-0", token)
	}
	return awserr.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func (e errs) expiredToken(token string) *awserr.Error {
	if e.s3 {
		return awserr.New(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.").With("Token-0", token)
	}
	return awserr.New(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
}

// mismatch is a wrong signature. S3 explains itself with the string to sign
// and canonical request it computed, so clients (and people) can diff them.
func (e errs) mismatch(akid, stringToSign, provided, canonical string) *awserr.Error {
	if !e.s3 {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", msgSignatureMismatch)
	}
	return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", msgS3Mismatch).
		With("AWSAccessKeyId", akid).
		With("StringToSign", stringToSign).
		With("SignatureProvided", provided).
		With("StringToSignBytes", hexBytes(stringToSign)).
		With("CanonicalRequest", canonical).
		With("CanonicalRequestBytes", hexBytes(canonical))
}

// plainMismatch is a wrong signature without S3's diagnostic fields: on an
// aws-chunked chunk or trailer, or on a non-S3 payload.
func (e errs) plainMismatch() *awserr.Error {
	if e.s3 {
		return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", msgS3Mismatch)
	}
	return awserr.New(http.StatusForbidden, "SignatureDoesNotMatch", msgSignatureMismatch)
}

// hexBytes renders s as S3 does in StringToSignBytes: two hex digits per byte,
// separated by spaces.
func hexBytes(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

func s3Error(status int, code, msg string) *awserr.Error { return awserr.New(status, code, msg) }

// Body errors are S3's; IAM and STS bodies are small and hashed up front.
var (
	// S3 API Reference, "Error responses", IncompleteBody.
	errIncompleteBody = s3Error(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	errInvalidDigest  = s3Error(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
	errChunkFormat    = s3Error(http.StatusBadRequest, "InvalidRequest", "The aws-chunked body is malformed.")
)

// MissingAuthenticationToken is what IAM and STS answer an unsigned request
// (Result.Anonymous); the gateway sends it, since only S3 may let anonymous
// callers through.
func MissingAuthenticationToken() *awserr.Error {
	return awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

// WrongRegion is S3's answer to a request signed for another region than the
// bucket's (Result.Region against the bucket's region): the client's SDK reads
// the Region field and retries there. presigned picks the query-string form.
func WrongRegion(signed, bucketRegion string, presigned bool) *awserr.Error {
	msg := fmt.Sprintf("the region '%s' is wrong; expecting '%s'", signed, bucketRegion)
	if presigned {
		return awserr.New(http.StatusBadRequest, "AuthorizationQueryParametersError", "Error parsing the X-Amz-Credential parameter; "+msg).With("Region", bucketRegion)
	}
	return awserr.New(http.StatusBadRequest, "AuthorizationHeaderMalformed", msgS3Malformed+msg).With("Region", bucketRegion)
}

// errSigV2 is S3's answer to Signature Version 2 (an "AWS AKID:signature"
// header or an AWSAccessKeyId/Signature/Expires URL) where it takes only
// SigV4.
func errSigV2() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
}
