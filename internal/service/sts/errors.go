package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/doppel-aws/doppel/internal/awserr"
	"github.com/doppel-aws/doppel/internal/identity"
	"github.com/doppel-aws/doppel/internal/request"
)

// AWS's messages, as clients see them (sources in the comments).
const (
	// AssumeRole called with root credentials (long-term or from
	// GetSessionToken); quoted in many public bug reports.
	msgRootCannotAssume = "Roles may not be assumed by root accounts."
	// A wrong or reused one-time code. AWS ends this message with a space
	// (clients that compare it exactly include it).
	msgMFAInvalidCode = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
	// A serial number that is not an MFA device of the caller (two spaces
	// between the sentences, as AWS sends it).
	msgMFAUnknownDevice = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."
	// AWS documents no message for this; it says what happened and what to do.
	msgMFAThrottled       = "MultiFactorAuthentication failed: too many invalid MFA codes for this device. Wait a few minutes before you try again."
	msgMaxSessionDuration = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
	msgChainedDuration    = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
	// Session tags (IAM User Guide, "Pass session tags in AWS STS").
	msgDuplicateTagKeys    = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
	msgTransitiveNotInTags = "The specified transitive tag key must be included in the requested tags."
	msgTransitiveConflict  = "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
	// AWS documents the rule but no public record quotes its words for it;
	// this message is doppel's.
	msgSourceIdentityChange = "The source identity cannot be changed once it is set in a role session."
)

// notAuthorized is AccessDenied in the form AWS uses when there is no policy
// reason to give, e.g. for a role that does not exist (which must look the
// same as one the caller may not assume).
// For actions without a resource ("*") AWS leaves the resource out.
func notAuthorized(principalARN, action, resource string) error {
	if resource == "*" {
		return awserr.AccessDenied(fmt.Sprintf("User: %s is not authorized to perform: %s", principalARN, action))
	}
	return awserr.AccessDenied(fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", principalARN, action, resource))
}

// sessionCredentialsRefused is the AccessDenied AWS returns when temporary
// credentials call GetSessionToken or GetFederationToken.
func sessionCredentialsRefused(operation string) error {
	return awserr.AccessDenied("Cannot call " + operation + " with session credentials")
}

// caller returns the authenticated principal of the request. The gateway
// refuses unsigned STS requests before they get here; this is the backstop.
func caller(ctx context.Context) (*identity.Principal, *request.Info, error) {
	info := request.From(ctx)
	if info == nil || info.Principal == nil || info.Principal.Kind == identity.Anonymous {
		return nil, nil, awserr.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	return info.Principal, info, nil
}

// mfaError maps what MFADevices says to AWS's answers.
func mfaError(err error) error {
	switch {
	case errors.Is(err, ErrMFACodeInvalid):
		return awserr.AccessDenied(msgMFAInvalidCode)
	case errors.Is(err, ErrMFADeviceNotAssigned):
		return awserr.AccessDenied(msgMFAUnknownDevice)
	case errors.Is(err, ErrMFAThrottled):
		return awserr.AccessDenied(msgMFAThrottled)
	}
	return awserr.Internal(err)
}
