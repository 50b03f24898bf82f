package iam

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/doppel-aws/doppel/internal/awserr"
)

// IAM's error codes and their HTTP statuses, as the IAM API reference lists
// them for each operation. Messages follow what AWS sends.

func noSuchEntity(format string, args ...any) *awserr.Error {
	return awserr.Newf(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func alreadyExists(format string, args ...any) *awserr.Error {
	return awserr.Newf(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func deleteConflict(message string) *awserr.Error {
	return awserr.New(http.StatusConflict, "DeleteConflict", message)
}

func limitExceeded(format string, args ...any) *awserr.Error {
	return awserr.Newf(http.StatusConflict, "LimitExceeded", format, args...)
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.Newf(http.StatusBadRequest, "InvalidInput", format, args...)
}

// validationError is the model-constraint error AWS forms as
// "1 validation error detected: Value 'x' at 'userName' failed to satisfy
// constraint: Member must ...".
func validationError(value, member, constraint string) *awserr.Error {
	return awserr.ValidationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member %s", value, member, constraint)
}

func quota(name string, limit int) *awserr.Error {
	return limitExceeded("Cannot exceed quota for %s: %d", name, limit)
}

// Entity-specific not-found messages.

func noSuchUser(name string) *awserr.Error {
	return noSuchEntity("The user with name %s cannot be found.", name)
}

func noSuchRole(name string) *awserr.Error {
	return noSuchEntity("The role with name %s cannot be found.", name)
}

func noSuchGroup(name string) *awserr.Error {
	return noSuchEntity("The group with name %s cannot be found.", name)
}

func noSuchPolicy(arn string) *awserr.Error {
	return noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func noSuchInline(kind, policy string) *awserr.Error {
	return noSuchEntity("The %s policy with name %s cannot be found.", kind, policy)
}

func noSuchInstanceProfile(name string) *awserr.Error {
	return noSuchEntity("Instance Profile %s cannot be found.", name)
}

func noSuchMFA(serial string) *awserr.Error {
	return noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func noSuchLoginProfile(user string) *awserr.Error {
	return noSuchEntity("Login Profile for User %s cannot be found.", user)
}

func noSuchAccessKey(id string) *awserr.Error {
	return noSuchEntity("The Access Key with id %s cannot be found.", id)
}

func noSuchOIDC(arn string) *awserr.Error {
	return noSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
}

func noSuchSAML(arn string) *awserr.Error {
	return noSuchEntity("Manifest not found for arn %s", arn)
}

// internal wraps an unexpected storage failure.
func internal(err error) error {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e
	}
	return awserr.Internal(fmt.Errorf("iam: %w", err))
}
